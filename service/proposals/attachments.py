"""Attachments: content-addressed files on disk, checked for size and type on the way in.

A file is placed on disk before its row is written; if the transaction then rolls back, a
file placed by it and not there before is removed again, so no file is left without a row.
"""

import hashlib
import os
import re
import tempfile
from pathlib import Path, PureWindowsPath
from typing import Any, BinaryIO
from uuid import UUID

from sqlalchemy import event, func
from sqlmodel import Session, col, select

from service import policy
from service.auth.models import User
from service.config import get_settings
from service.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from service.proposals.models import Attachment, Proposal
from service.workflow.table import Tag, has_tag

_CHUNK = 1024 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.ppt container
_ZIP = b"PK\x03\x04"  # .docx/.xlsx/.pptx container

# Extension -> (content type, the magic prefixes its content must start with; None: text).
ALLOWED: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".doc": ("application/msword", (_OLE,)),
    ".xls": ("application/vnd.ms-excel", (_OLE,)),
    ".ppt": ("application/vnd.ms-powerpoint", (_OLE,)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (_ZIP,),
    ),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (_ZIP,)),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (_ZIP,),
    ),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".csv": ("text/csv", None),
}


def _rule(filename: str) -> tuple[str, tuple[bytes, ...] | None]:
    extension = Path(filename).suffix.lower()
    if extension not in ALLOWED:
        allowed = ", ".join(sorted(ALLOWED))
        raise UnsupportedMediaType(
            f"file: {extension or 'no extension'} is not accepted; allowed: {allowed}",
            field="file",
        )
    return ALLOWED[extension]


# Markup a browser would render as a page or an image with scripts (HTML, SVG, XML).
_MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|\?xml|iframe|object)", re.I)
# What must follow the magic bytes: PNG's first chunk is IHDR, WebP is a RIFF of type WEBP.
_STRUCTURE = {
    ".png": lambda head: head[8:16] == b"\x00\x00\x00\rIHDR",
    ".webp": lambda head: head[8:12] == b"WEBP",
}
_IMAGES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}


def _content_type(filename: str, head: bytes) -> str:
    """The content type of an allowed file, judged by its extension and its first bytes.

    The first bytes must be what the extension says, and neither a CSV nor an image may be
    markup in disguise (HTML saved as .csv, SVG behind a PNG signature).
    """
    extension = Path(filename).suffix.lower()
    content_type, magics = _rule(filename)
    not_it = UnsupportedMediaType(f"file: the content is not a {extension} file", field="file")
    if magics is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sample is still text.
            if exc.start < len(head) - 3:
                raise UnsupportedMediaType("file: a CSV must be UTF-8 text", field="file") from None
        if b"\x00" in head:
            raise UnsupportedMediaType("file: a CSV must be UTF-8 text", field="file")
        if _MARKUP.match(head.lstrip(b"\xef\xbb\xbf \t\r\n")):
            raise not_it
    elif (
        not any(head.startswith(m) for m in magics)
        or not _STRUCTURE.get(extension, lambda _: True)(head)
        or (extension in _IMAGES and _MARKUP.search(head))
    ):
        raise not_it
    return content_type


# Bidirectional controls (U+202E turns "invoice\u202efdp.exe" into "invoiceexe.pdf" on screen)
# and every other control or format character: never part of an honest file name.
_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def stored_name(filename: str) -> str:
    """The file's own name, as stored and shown: no folders (whether written with / or \\),
    no bidirectional or other invisible characters."""
    return PureWindowsPath(_UNSHOWN.sub("", filename)).name.strip()


def blob_path(sha256: str) -> Path:
    return Path(get_settings().attachments_dir) / sha256[:2] / sha256


def _receive(stream: BinaryIO, root: Path, limit: int) -> tuple[Path, str, int, bytes]:
    """Copy the upload to a temporary file; refuse it past `limit` bytes."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    with tempfile.NamedTemporaryFile(dir=root, delete=False) as tmp:
        try:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(
                        f"file: larger than the limit of {limit} bytes", field="file", limit=limit
                    )
                if len(head) < 512:
                    head += chunk[: 512 - len(head)]
                digest.update(chunk)
                tmp.write(chunk)
        except BaseException:
            tmp.close()
            os.unlink(tmp.name)
            raise
    return Path(tmp.name), digest.hexdigest(), size, head


def add(
    *, session: Session, user: User, proposal_id: UUID, filename: str, stream: BinaryIO
) -> Attachment:
    """Attach a file to a proposal that waits for its applicant."""
    proposal = policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.edit
    ).proposal
    if not has_tag(proposal.state, Tag.applicant_action):
        raise InvalidTransition(
            f"files cannot be attached to a proposal in state {proposal.state}",
            state=proposal.state,
            legal=[],
        )
    name = stored_name(filename or "")
    if not name:
        raise InvalidInput("file: a file name is required", field="file")
    _rule(name)  # refuse a wrong extension before reading the upload
    _check_room(session, proposal)
    settings = get_settings()
    root = Path(settings.attachments_dir)
    root.mkdir(parents=True, exist_ok=True)
    tmp, sha, size, head = _receive(stream, root, settings.attachment_max_bytes)
    try:
        if size == 0:
            raise InvalidInput("file: the file is empty", field="file")
        content_type = _content_type(name, head)
    except BaseException:
        tmp.unlink()
        raise
    target = blob_path(sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        session.info.setdefault(_PLACED, []).append(target)
    os.replace(tmp, target)  # same content, same name: a re-upload changes nothing
    attachment = Attachment(
        proposal_id=proposal.id,
        filename=name,
        content_type=content_type,
        size_bytes=size,
        sha256=sha,
        uploaded_by=user.id,
    )
    session.add(attachment)
    session.flush()
    return attachment


def _check_room(session: Session, proposal: Proposal) -> None:
    """Refuse a file past the proposal's or the organisation's limit (one count of each)."""
    settings = get_settings()
    owned = select(Proposal.id).where(Proposal.organisation_id == proposal.organisation_id)
    counts = session.execute(
        select(
            func.count().filter(col(Attachment.proposal_id) == proposal.id),
            func.count(),
        ).where(col(Attachment.proposal_id).in_(owned))
    ).one()
    limits = (
        ("proposal", settings.attachments_per_proposal_max),
        ("organisation", settings.attachments_per_organisation_max),
    )
    for count, (scope, limit) in zip(counts, limits, strict=True):
        if count >= limit:
            raise Conflict(
                f"file: the {scope} has its limit of {limit} attachments",
                field="file",
                limit=limit,
            )


_PLACED = "attachments_placed"


@event.listens_for(Session, "after_commit")
def _keep_placed(session: Any) -> None:
    session.info.pop(_PLACED, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_placed(session: Any, transaction: Any) -> None:
    # The outermost transaction ended without a commit (rolled back, or the session closed):
    # the files it placed on disk have no rows naming them.
    if transaction.parent is None:
        for path in session.info.pop(_PLACED, []):
            path.unlink(missing_ok=True)


def list_for(*, session: Session, user: User, proposal_id: UUID) -> list[Attachment]:
    policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.read_documents
    )
    query = select(Attachment).where(Attachment.proposal_id == proposal_id)
    return list(session.exec(query.order_by(col(Attachment.created_at))))


def get(*, session: Session, user: User, proposal_id: UUID, attachment_id: UUID) -> Attachment:
    policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.read_documents
    )
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.proposal_id != proposal_id:
        raise NotFound(f"attachment {attachment_id} not found")
    return attachment


def remove(*, session: Session, user: User, proposal_id: UUID, attachment_id: UUID) -> None:
    """Take a file off a proposal that waits for its applicant (submitted versions keep theirs).

    The blob stays on disk: it is content-addressed and may belong to other attachments.
    """
    proposal = policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.edit
    ).proposal
    if not has_tag(proposal.state, Tag.applicant_action):
        raise InvalidTransition(
            f"files cannot be removed from a proposal in state {proposal.state}",
            state=proposal.state,
            legal=[],
        )
    attachment = get(
        session=session, user=user, proposal_id=proposal_id, attachment_id=attachment_id
    )
    session.delete(attachment)
    session.flush()

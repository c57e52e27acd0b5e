"""Storage limits, no orphaned files, content sniffing and safe names (issue 12, 11 and 14)."""

import io
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from sqlmodel import Session

from service.auth.models import User
from service.config import get_settings
from service.proposals import attachments
from service.proposals.attachments import blob_path
from tests.conftest import COMPLETE_PROPOSAL, Api

PDF = b"%PDF-1.7\n" + b"1" * 500
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200


def _upload(api: Api, who: str, proposal_id: str, name: str, content: bytes) -> Any:
    return api.as_(who)(
        "POST", f"/proposals/{proposal_id}/attachments", files={"file": (name, content)}
    )


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ATTACHMENTS_PER_PROPOSAL_MAX", "2")
    monkeypatch.setenv("ATTACHMENTS_PER_ORGANISATION_MAX", "3")
    monkeypatch.setenv("WEBHOOKS_PER_ORGANISATION_MAX", "1")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_attachments_are_capped_per_proposal_and_per_organisation(
    api: Api, committee: dict, draft: dict, limits: None
) -> None:
    applicant = committee["applicant"]
    for i in range(2):
        assert (
            _upload(api, applicant, draft["id"], f"a{i}.pdf", PDF + bytes([i])).status_code == 201
        )
    full = _upload(api, applicant, draft["id"], "a2.pdf", PDF + b"x")
    assert full.status_code == 409, full.text
    assert "proposal has its limit of 2" in full.json()["detail"]
    second = api.as_(applicant)("POST", "/proposals", json=COMPLETE_PROPOSAL).json()
    assert _upload(api, applicant, second["id"], "b0.pdf", PDF + b"b0").status_code == 201
    org_full = _upload(api, applicant, second["id"], "b1.pdf", PDF + b"b1")
    assert org_full.status_code == 409
    assert "organisation has its limit of 3" in org_full.json()["detail"]


def test_webhooks_are_capped_per_organisation(
    api: Api, committee: dict, limits: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    as_applicant = api.as_(committee["applicant"])
    first = as_applicant("POST", "/webhooks", json={"url": "http://127.0.0.1:9/one"})
    assert first.status_code == 201, first.text
    second = as_applicant("POST", "/webhooks", json={"url": "http://127.0.0.1:9/two"})
    assert second.status_code == 409
    assert "limit of 1 webhooks" in second.json()["detail"]


def test_a_file_whose_row_is_rolled_back_is_removed(
    committee: dict, draft: dict, session: Session
) -> None:
    from sqlmodel import select

    applicant = session.exec(select(User).where(User.email == committee["applicant"])).one()
    content = PDF + b"rolled back"
    attachment = attachments.add(
        session=session,
        user=applicant,
        proposal_id=UUID(draft["id"]),
        filename="plan.pdf",
        stream=io.BytesIO(content),
    )
    path = blob_path(attachment.sha256)
    assert path.exists()
    session.rollback()  # the database step failed after the file was placed
    assert not path.exists()


def test_a_rollback_keeps_a_file_other_rows_use(
    api: Api, committee: dict, draft: dict, session: Session
) -> None:
    from sqlmodel import select

    kept = _upload(api, committee["applicant"], draft["id"], "plan.pdf", PDF).json()
    applicant = session.exec(select(User).where(User.email == committee["applicant"])).one()
    attachments.add(
        session=session,
        user=applicant,
        proposal_id=UUID(draft["id"]),
        filename="copy.pdf",
        stream=io.BytesIO(PDF),
    )
    session.rollback()
    assert blob_path(kept["sha256"]).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("table.csv", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("table.csv", b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("image.png", b"\x89PNG\r\n\x1a\n<svg onload='alert(1)'/>" + b" " * 100),
        ("image.png", PNG[:16] + b"<svg onload='alert(1)'/>"),
        ("image.gif", b"GIF89a<html><script>alert(1)</script>"),
        ("image.webp", b"RIFF\x00\x00\x00\x00HTML<html>"),
    ],
)
def test_markup_in_disguise_is_refused(
    api: Api, committee: dict, draft: dict, name: str, content: bytes
) -> None:
    response = _upload(api, committee["applicant"], draft["id"], name, content)
    assert response.status_code == 415, response.text


def test_a_real_png_and_csv_pass(api: Api, committee: dict, draft: dict) -> None:
    assert _upload(api, committee["applicant"], draft["id"], "i.png", PNG).status_code == 201
    csv = b"name,value\nalpha,<1\n"
    assert _upload(api, committee["applicant"], draft["id"], "t.csv", csv).status_code == 201


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("C:\\Users\\me\\plan.pdf", "plan.pdf"),
        ("..\\..\\etc\\plan.pdf", "plan.pdf"),
        ("invoice\u202efdp.pdf", "invoicefdp.pdf"),
        ("\u2067plan\u2069.pdf", "plan.pdf"),
    ],
)
def test_names_are_stored_without_folders_or_direction_tricks(
    api: Api, committee: dict, draft: dict, sent: str, stored: str
) -> None:
    response = _upload(api, committee["applicant"], draft["id"], sent, PDF)
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == stored


def test_a_right_to_left_override_cannot_hide_the_real_extension(
    api: Api, committee: dict, draft: dict
) -> None:
    response = _upload(api, committee["applicant"], draft["id"], "invoice\u202efdp.exe", PDF)
    assert response.status_code == 415


def test_a_file_of_a_session_closed_without_commit_is_removed(
    committee: dict, draft: dict, db: None
) -> None:
    from sqlmodel import Session as DbSession
    from sqlmodel import select

    from service.db import get_engine

    with DbSession(get_engine(), expire_on_commit=False) as session:
        applicant = session.exec(select(User).where(User.email == committee["applicant"])).one()
        attachment = attachments.add(
            session=session,
            user=applicant,
            proposal_id=UUID(draft["id"]),
            filename="plan.pdf",
            stream=io.BytesIO(PDF + b"closed"),
        )
        path = blob_path(attachment.sha256)
        assert path.exists()
    # The request failed after the file was placed: its session closes without a commit.
    assert not path.exists()

"""A large upload is refused while it arrives, not after it was spooled (issue 12, defect 11)."""

import asyncio
from typing import Any

from service.config import get_settings
from service.main import create_app
from tests.conftest import Api

CHUNK = 64 * 1024


def _post(
    app: Any, headers: list[tuple[bytes, bytes]], chunks: int, path: str
) -> tuple[int, bytes, int]:
    """Send a multipart upload of `chunks` chunks; the status, the body, the bytes read."""
    boundary = b"limit-test"
    start = (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"'
        b"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    )
    parts = [start] + [b"0" * CHUNK] * chunks + [b"\r\n--" + boundary + b"--\r\n"]
    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        body = parts.pop(0) if parts else b""
        read += len(body)
        return {"type": "http.request", "body": body, "more_body": bool(parts)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": b"",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"multipart/form-data; boundary=" + boundary), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body, read


def _as_applicant(api: Api, committee: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Bearer {api.login(committee['applicant'])}".encode())]


def test_an_upload_is_cut_off_at_the_limit(
    api: Api, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    settings = get_settings()
    ceiling = settings.attachment_max_bytes + settings.request_body_max_bytes
    chunks = 4 * ceiling // CHUNK  # four times the limit, sent without a Content-Length
    path = f"/api/v1/proposals/{draft['id']}/attachments"
    status, body, read = _post(create_app(), _as_applicant(api, committee), chunks, path)
    assert status == 413
    assert b"PayloadTooLarge" in body
    assert read < ceiling + 2 * CHUNK


def test_a_declared_length_past_the_limit_is_refused_unread(
    api: Api, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    limit = get_settings().attachment_max_bytes
    declared = [(b"content-length", str(10 * limit).encode()), *_as_applicant(api, committee)]
    path = f"/api/v1/proposals/{draft['id']}/attachments"
    status, _, read = _post(create_app(), declared, 10 * limit // CHUNK, path)
    assert status == 413
    assert read == 0

"""A ceiling on request bodies, refused before they are read whole.

Bodies other than uploads (JSON, forms) are parsed in memory, so a client could otherwise make
a worker hold tens of megabytes per request: REQUEST_BODY_MAX_BYTES. An upload (multipart)
carries one file, whose own limit, ATTACHMENT_MAX_BYTES, is enforced (with a precise answer)
while it streams to disk; the body may be that plus the same allowance for the rest, so a
multipart label is no way around the ceiling either.
"""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.config import get_settings
from service.errors import payload_too_large


class BodyLimit:
    """ASGI middleware: 413 in the API's error shape for bodies above REQUEST_BODY_MAX_BYTES."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        settings = get_settings()
        limit = settings.request_body_max_bytes
        if headers.get(b"content-type", b"").startswith(b"multipart/form-data"):
            limit += settings.attachment_max_bytes
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await payload_too_large(limit)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            # A chunked body declares no length: count it as it arrives. An HTTPException is
            # what FastAPI lets through from body parsing (anything else becomes a 400).
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, f"the request body exceeds {limit} bytes")
            return message

        await self.app(scope, counted, send)

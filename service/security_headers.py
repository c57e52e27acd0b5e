"""Response headers every answer carries, and the API docs served from this server.

- `X-Content-Type-Options: nosniff`: a browser takes the declared type (an uploaded file
  served as text/csv is never run as HTML).
- `Content-Security-Policy`: scripts, styles, fonts and connections from this server only;
  no plugins, no framing. The docs page follows it: Swagger UI's files are served from the
  installed swagger-ui-bundle package and started by a file, not an inline script.
- `Cache-Control: no-store` on every answer to a request that carried credentials (a bearer
  token or a cookie), downloads included, unless the route set its own: nothing personal is
  kept by a shared cache or the browser's disk.
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"same-origin"),
]
_CREDENTIALS = (b"authorization", b"cookie")


class SecurityHeaders:
    """ASGI middleware (not BaseHTTPMiddleware: file downloads keep streaming)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = any(name in _CREDENTIALS for name, _ in scope["headers"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in _ALWAYS if n not in present]
                if private and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


_DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - API docs</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""
_INIT_SCRIPT = Path(__file__).parent / "static" / "apidocs" / "init.js"


def install_api_docs(app: FastAPI) -> None:
    """Serve /docs with Swagger UI from this server (it works offline and under the CSP)."""
    page = _DOCS_PAGE.format(title=app.title)
    app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get("/docs/init.js", include_in_schema=False)
    def docs_init() -> FileResponse:
        return FileResponse(_INIT_SCRIPT, media_type="text/javascript")

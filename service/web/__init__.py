"""Server-rendered pages: another edge beside the JSON API, on the same service functions."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


def install(app: FastAPI) -> None:
    """Serve the pages and their static files from the API's own app."""
    from service.web import account
    from service.web.pages import router

    app.include_router(router)
    app.include_router(account.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

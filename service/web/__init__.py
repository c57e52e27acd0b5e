"""Server-rendered pages: another edge beside the JSON API, on the same service functions."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


def install(app: FastAPI) -> None:
    """Serve the pages and their static files from the API's own app."""
    from service.web.account import router as account
    from service.web.admin import router as admin
    from service.web.chair import router as chair
    from service.web.pages import router as pages
    from service.web.reports import router as reports

    for router in (pages, account, chair, admin, reports):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

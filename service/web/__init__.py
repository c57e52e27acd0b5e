"""Server-rendered pages: another edge beside the JSON API, on the same service functions."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


def install(app: FastAPI) -> None:
    """Serve the pages and their static files from the API's own app."""
    from service.web.pages import router

    app.include_router(router)
    from service.web.chair import router as chair_router

    app.include_router(chair_router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

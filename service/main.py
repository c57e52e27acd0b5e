"""The FastAPI application."""

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from service import models  # noqa: F401  (every table registered before first use)
from service.admin.metrics import RequestMetrics
from service.admin.router import metrics_router
from service.admin.router import router as admin_router
from service.analysis.router import router as analysis_router
from service.assignment.router import router as assignment_router
from service.auth.router import router as auth_router
from service.committees.router import router as committees_router
from service.db import get_engine
from service.errors import install_error_handlers
from service.notifications.webhooks import router as webhooks_router
from service.organisations.router import router as organisations_router
from service.proposals.router import router as proposals_router
from service.reviews.router import router as reviews_router
from service.web import install as install_pages

API_PREFIX = "/api/v1"


def _broker_reachable() -> str | None:
    from workers.celery_app import celery_app

    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # any failure means not ready
        return f"{type(exc).__name__}: {exc}"
    return None


def create_app() -> FastAPI:
    app = FastAPI(
        title="Expert committee review service",
        version="0.1.0",
        description="Biomedical project proposals: screening, development-prospect analysis, "
        "reviewer assignment, committee review and decision.",
        docs_url="/docs",
    )
    install_error_handlers(app)
    api = APIRouter(prefix=API_PREFIX)
    for router in (
        auth_router,
        organisations_router,
        committees_router,
        proposals_router,
        analysis_router,
        assignment_router,
        webhooks_router,
        reviews_router,
        admin_router,
    ):
        api.include_router(router)
    app.include_router(api)
    app.include_router(metrics_router)
    install_pages(app)
    app.add_middleware(RequestMetrics)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    def readyz() -> JSONResponse:
        """The database and the broker are reachable."""
        problems: dict[str, str] = {}
        try:
            with get_engine().connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any failure means not ready
            problems["database"] = f"{type(exc).__name__}: {exc}"
        broker = _broker_reachable()
        if broker:
            problems["broker"] = broker
        if problems:
            return JSONResponse({"status": "unavailable", **problems}, 503)
        return JSONResponse({"status": "ok"})

    return app

"""The FastAPI application."""

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from service import models  # noqa: F401  (every table registered before first use)
from service.admin.metrics import RequestMetrics
from service.admin.router import metrics_router
from service.admin.router import router as admin_router
from service.analysis.router import router as analysis_router
from service.assignment.router import router as assignment_router
from service.auth.router import router as auth_router
from service.body_limit import BodyLimit
from service.committees.router import router as committees_router
from service.config import get_settings
from service.db import get_engine
from service.dossier.router import router as dossier_router
from service.errors import install_error_handlers
from service.exports.router import router as exports_router
from service.jobs import broker_problem
from service.notifications.webhooks import router as webhooks_router
from service.organisations.router import router as organisations_router
from service.proposals.router import router as proposals_router
from service.reviews.router import router as reviews_router
from service.security_headers import SecurityHeaders, install_api_docs
from service.stats.router import router as stats_router
from service.storable import storable_body
from service.web import install as install_pages

API_PREFIX = "/api/v1"


def create_app() -> FastAPI:
    docs = get_settings().api_docs_enabled
    app = FastAPI(
        title="Expert committee review service",
        version="0.1.0",
        description="Biomedical project proposals: screening, development-prospect analysis, "
        "reviewer assignment, committee review and decision.",
        # Our own /docs page (install_api_docs): FastAPI's loads Swagger UI from a CDN.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    install_error_handlers(app)
    if docs:
        install_api_docs(app)
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(storable_body)])
    for router in (
        auth_router,
        organisations_router,
        committees_router,
        proposals_router,
        analysis_router,
        assignment_router,
        webhooks_router,
        reviews_router,
        stats_router,
        exports_router,
        dossier_router,
        admin_router,
    ):
        api.include_router(router)
    app.include_router(api)
    app.include_router(metrics_router)
    app.add_middleware(BodyLimit)
    install_pages(app)
    app.add_middleware(RequestMetrics)
    app.add_middleware(SecurityHeaders)

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
        broker = broker_problem()
        if broker:
            problems["broker"] = broker
        if problems:
            return JSONResponse({"status": "unavailable", **problems}, 503)
        return JSONResponse({"status": "ok"})

    return app

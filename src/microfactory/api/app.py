"""The FastAPI application: one engine and session factory per app, routers under ``/api/v1``, the
dashboard under ``/ui``, problem+json errors, and a job runner for long solves."""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, nullcontext
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.routing import BaseRoute

from microfactory.api.deps import CredentialCache
from microfactory.api.ingest import OrderWriter
from microfactory.api.jobs import JobRunner
from microfactory.api.problems import PROBLEM_RESPONSES, install_problem_handlers
from microfactory.api.routers import (
    auth,
    demand,
    forecasts,
    jobs,
    master,
    orders,
    plans,
    quality,
    second_life,
    stock,
)
from microfactory.config import Settings
from microfactory.store.api_repository import fail_orphaned_jobs
from microfactory.store.db import create_engine_for, make_session_factory, transaction

API_PREFIX = "/api/v1"
PUBLIC_PATHS = frozenset({f"{API_PREFIX}/health", f"{API_PREFIX}/auth/login"})
"""API routes that need no authentication; every other route declares its roles."""

DESCRIPTION = """\
Plan and run networks of small-batch microfactories over HTTP.

**Authentication**: integrations send `X-API-Key: mfk_...`; people `POST /api/v1/auth/login` and send
`Authorization: Bearer <token>` (the dashboard uses the `mf_session` cookie). **Roles**: admin,
planner, qa_inspector, site_operator (own site only), viewer. **Errors** are RFC 9457
`application/problem+json`. **Lists** take `limit`/`offset` and answer `{items, total, limit, offset}`.
**Long solves** are jobs: `POST` answers 202 with the job; follow `GET /api/v1/jobs/{id}`.
"""


def _version() -> str:
    try:
        return version("microfactory")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


__version__ = _version()


class Health(BaseModel):
    """The service is up."""

    status: str
    version: str


def api_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    """Every API route of ``app`` with its full path (prefix included), for checks such as the authz test.

    FastAPI ≥ 0.16x keeps included routers as one lazy entry in ``app.routes``; this unfolds them.
    """
    found: list[tuple[str, APIRoute]] = []

    def walk(routes: Sequence[BaseRoute], prefix: str) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.append((prefix + route.path, route))
                continue
            original = getattr(route, "original_router", None)
            context = getattr(route, "include_context", None)
            if original is not None:
                walk(original.routes, prefix + str(getattr(context, "prefix", "")))

    walk(app.routes, "")
    return found


def web_directory() -> Path:
    """Where the dashboard's static files live (inside the installed package)."""
    return Path(str(files("microfactory.web"))) / "static"


def create_app(settings: Settings, *, job_threads: int = 1) -> FastAPI:
    """Build the API and dashboard on ``settings.database_url`` (the schema must be migrated)."""
    engine = create_engine_for(settings.database_url)
    sessions = make_session_factory(engine)
    runner = JobRunner(sessions, settings, threads=job_threads)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with transaction(sessions) as session:
            fail_orphaned_jobs(session)
        # Everything loaded so far lives as long as the process: keep it out of the collector's full
        # passes, which otherwise stall every request for 100-200 ms now and then (p99 under load).
        gc.freeze()
        try:
            yield
        finally:
            runner.shutdown()
            engine.dispose()

    app = FastAPI(
        title="microfactory API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.jobs = runner
    app.state.credentials = CredentialCache()
    write_lock = threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
    app.state.write_lock = write_lock
    app.state.order_writer = OrderWriter(sessions, lambda: write_lock)
    install_problem_handlers(app)

    public = APIRouter(prefix=API_PREFIX)

    @public.get("/health", response_model=Health, tags=["service"], summary="Health check")
    def health() -> Health:
        """Always ``ok`` while the process serves requests (no authentication)."""
        return Health(status="ok", version=__version__)

    app.include_router(public)
    # Orders first: the busiest route (integrations posting orders) is matched with the fewest checks.
    for module in (orders, auth, master, demand, forecasts, plans, quality, stock, second_life, jobs):
        app.include_router(module.router, prefix=API_PREFIX, responses=PROBLEM_RESPONSES)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/")

    app.mount("/ui", StaticFiles(directory=web_directory(), html=True), name="ui")
    return app

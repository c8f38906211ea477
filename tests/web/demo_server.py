"""A small demo database with every plan stored, and a Uvicorn server on it in a thread (for the browser)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from microfactory.api import create_app
from microfactory.config import load_settings
from microfactory.demo import build_demo
from microfactory.plan import SerialRunner
from microfactory.plan.pipeline import run_pipeline
from microfactory.plan.stages.base import StageContext
from microfactory.store import (
    create_engine_for,
    make_session_factory,
    save_master_data,
    transaction,
    upgrade,
    upsert_orders,
)
from microfactory.store.api_repository import Role, create_user

ADMIN = ("ada", "dashboard-pass-1")
STAGES = (
    "demand_history",
    "forecast",
    "network",
    "quality",
    "inventory",
    "routes",
    "schedule",
    "second_life",
)


def build_demo_database(url: str, *, solver_seconds: float = 1.0) -> None:
    """A seed-7, 5 % scale demo with weekly demand, forecasts, network scenarios, lots (one held), hub
    stock plans, routes, schedules and a quarter of second-life items."""
    network = build_demo(seed=7, scale=0.05)
    upgrade(url)
    engine = create_engine_for(url)
    try:
        sessions = make_session_factory(engine)
        with transaction(sessions) as session:
            save_master_data(session, network.master)
            upsert_orders(session, network.orders)
            create_user(session, ADMIN[0], role=Role.ADMIN, password=ADMIN[1])
        settings = load_settings(database_url=url, solver_seconds=solver_seconds, workers=1)
        ctx = StageContext(
            sessions=sessions, runner=SerialRunner(), settings=settings, as_of=network.history_end
        )
        run_pipeline(ctx, STAGES)
    finally:
        engine.dispose()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(url: str, **settings: object) -> Iterator[str]:
    """Serve the app on ``url``'s database on a free loopback port; yields the base URL."""
    port = free_port()
    app = create_app(load_settings(database_url=url, **settings))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)

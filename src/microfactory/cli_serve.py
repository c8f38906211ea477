"""``microfactory serve``: the REST API and the web dashboard (Uvicorn); ``microfactory users``: people
and integrations who may use them (``users add``, ``users key``, ``users list``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from microfactory import cli_common as common
from microfactory.cli_output import print_json, table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

users_app = typer.Typer(help="Users and API keys of the HTTP API.", no_args_is_help=True)
out = Console()

APP_FACTORY = "microfactory.cli_serve:app_from_environment"
"""What ``--reload`` hands Uvicorn: reloading needs an import string, not an app object."""


def app_from_environment() -> object:
    """The API built from ``MICROFACTORY_*`` settings (used by ``serve --reload``)."""
    from microfactory.api import create_app
    from microfactory.config import load_settings

    return create_app(load_settings())


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    reload: Annotated[
        bool, typer.Option("--reload", help="Restart when the source changes (development).")
    ] = False,
) -> None:
    """Serve the REST API (``/api/v1``, docs at ``/api/v1/docs``) and the dashboard (``/ui``).

    Migrates the database first. Create a user with ``microfactory users add`` to log in.
    """
    import os

    import uvicorn

    from microfactory.api import create_app
    from microfactory.config import DEFAULT_DATABASE_URL
    from microfactory.store import upgrade

    settings = common.settings()
    upgrade(settings.database_url)
    out.print(
        f"microfactory API on http://{host}:{port}/ui/ (API docs: http://{host}:{port}/api/v1/docs)",
        soft_wrap=True,
    )
    if not _has_users():
        out.print(
            "no users yet: create one to log in, e.g. "
            "`microfactory users add admin --role admin --password '…'`",
            soft_wrap=True,
        )
    if reload:
        if common.STATE.database_url:
            os.environ["MICROFACTORY_DATABASE_URL"] = common.STATE.database_url
        elif settings.database_url == DEFAULT_DATABASE_URL:
            os.environ.setdefault("MICROFACTORY_DATABASE_URL", settings.database_url)
        from pathlib import Path

        import microfactory

        source = str(Path(microfactory.__file__).resolve().parent)
        uvicorn.run(APP_FACTORY, host=host, port=port, reload=True, reload_dirs=[source], factory=True)
        return
    uvicorn.run(create_app(settings), host=host, port=port)


def _has_users() -> bool:
    """Whether anybody can log in yet (so ``serve`` can say how to create the first user)."""
    from microfactory.store.api_repository import list_users

    with common.session() as session:
        return bool(list_users(session))


def _audit(session: Session, action: str, detail: dict[str, object]) -> None:
    """Audit a user change made from the command line, naming the operating-system user."""
    import getpass

    from microfactory.store.api_repository import Principal, Role, record_audit

    actor = Principal(username=f"cli:{getpass.getuser()}", role=Role.ADMIN, site=None, via="cli")
    record_audit(
        session,
        actor,
        action=action,
        method="CLI",
        path=f"microfactory {action.replace('.', ' ')}",
        detail=detail,
    )


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="admin, planner, qa_inspector, site_operator or viewer.")],
    site: Annotated[str | None, typer.Option(help="The site of a site operator.")] = None,
    password: Annotated[
        str | None,
        typer.Option(help="Password (8+ characters); prompted when omitted.", show_default=False),
    ] = None,
    no_password: Annotated[bool, typer.Option("--no-password", help="Key-only user (no login).")] = False,
    key: Annotated[bool, typer.Option("--key", help="Also issue an API key and print it.")] = False,
) -> None:
    """Add a user (password stored as a scrypt hash); with ``--key`` also issue an API key."""
    from microfactory.store import upgrade
    from microfactory.store.api_repository import create_api_key, create_user

    if password is None and not no_password:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    upgrade(common.settings().database_url)
    with common.session(write=True) as session:
        create_user(session, username, role=role, password=None if no_password else password, site=site)
        issued = create_api_key(session, username) if key else None
        _audit(session, "users.add", {"username": username, "role": role, "site": site, "key": key})
    out.print(f"user {username} added with role {role}" + (f" at {site}" if site else ""))
    if issued:
        out.print(f"API key (shown once): {issued}", soft_wrap=True)


@users_app.command("key")
def users_key(
    username: Annotated[str, typer.Argument(help="Login name.")],
    name: Annotated[str, typer.Option(help="A label for the key (e.g. the integration).")] = "default",
) -> None:
    """Issue an API key for a user and print it (shown once; stored as a digest)."""
    from microfactory.store.api_repository import create_api_key

    with common.session(write=True) as session:
        issued = create_api_key(session, username, name=name)
        _audit(session, "users.key", {"username": username, "name": name})
    out.print(issued, soft_wrap=True)


@users_app.command("list")
def users_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Every user with role and site."""
    from microfactory.store.api_repository import list_users

    with common.session() as session:
        users = list_users(session)
    if as_json:
        print_json(out, [{**u, "created_at": u["created_at"].isoformat()} for u in users])
        return
    out.print(
        table(
            "Users",
            ["user", "role", "site", "active"],
            [[u["username"], u["role"], u["site"] or "–", u["active"]] for u in users],
        )
    )


def register_serve_command(app: typer.Typer) -> None:
    """Add ``serve`` and the ``users`` group to the top-level command group."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")

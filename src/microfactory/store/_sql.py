"""Small SQL helpers shared by the repositories: dialect upserts, chunking, byte-wise ordering."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import JSON, ColumnElement, String, Table, Text, bindparam, cast, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

T = TypeVar("T")

IN_CHUNK = 900
"""Keys per ``IN (...)`` list: well under SQLite's limit of 32,766 bound parameters per statement."""


def dialect_name(session: Session) -> str:
    """``"sqlite"`` or ``"postgresql"``: the dialect the session is bound to."""
    return session.get_bind().dialect.name


def dialect_insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` for ``table`` with the dialect's ``ON CONFLICT`` support."""
    if dialect_name(session) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def bulk_insert_statement(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]]
) -> tuple[postgresql.Insert | sqlite.Insert, dict[str, list[Any]] | list[Mapping[str, Any]]]:
    """An ``INSERT`` of many ``rows`` and the parameters to execute it with, fast on each backend.

    PostgreSQL: ``INSERT ... SELECT * FROM unnest(:col1::type[], ...)``, one statement with one
    array per column (psycopg would otherwise parse a statement of thousands of placeholders or send
    one statement per row). SQLite: a plain executemany, which SQLAlchemy batches into multi-row
    ``VALUES``. The caller may add ``on_conflict_do_update``/``returning`` before
    ``session.execute(statement, parameters)``. Every row must have the keys of the first row.
    """
    names = list(rows[0])
    if dialect_name(session) != "postgresql":
        return sqlite.insert(table), list(rows)
    if any(isinstance(table.c[name].type, JSON) for name in names):
        return postgresql.insert(table), list(rows)  # json[] would need its own dumper; keep it simple
    # The bind parameter carries the array type so the column type's bind processing (UtcDateTime
    # refusing naive times) runs on every element; the CAST tells PostgreSQL the element type.
    arrays = [
        cast(bindparam(name, type_=ARRAY(table.c[name].type)), ARRAY(table.c[name].type)) for name in names
    ]
    source = func.unnest(*arrays).table_valued(*names).render_derived(name="src")
    statement = postgresql.insert(table).from_select(names, select(*(source.c[name] for name in names)))
    return statement, {name: [row[name] for row in rows] for name in names}


def bulk_insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` into ``table`` as fast as the backend allows (see :func:`bulk_insert_statement`).

    On SQLite, when no column needs a bind processor (plain integers and strings, as in order
    lines), the rows go straight to the driver's ``executemany``: about four times faster than
    SQLAlchemy's per-row parameter handling on 300,000 order lines.
    """
    if not rows:
        return
    names = list(rows[0])
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite" and all(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) is None for name in names
    ):
        quote = dialect.identifier_preparer
        sql = (
            f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.quote(n) for n in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        session.connection().exec_driver_sql(sql, [tuple(row[name] for name in names) for row in rows])
        return
    statement, parameters = bulk_insert_statement(session, table, rows)
    session.execute(statement, parameters)


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Split ``items`` into lists of at most ``size`` items, in order."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bytewise(column: ColumnElement[Any], session: Session) -> ColumnElement[Any]:
    """``column`` compared by code point, as Python sorts strings, on both backends (non-strings as is).

    PostgreSQL sorts text by the database collation (``en_GB.UTF-8`` puts ``a`` before ``B``);
    ``COLLATE "C"`` gives byte order, which for UTF-8 is code-point order. SQLite's default BINARY
    collation already is.
    """
    if dialect_name(session) == "postgresql" and isinstance(column.type, String):
        return column.collate("C")
    return column


def _comparable(column: ColumnElement[Any]) -> ColumnElement[Any]:
    # PostgreSQL's json type has no equality operator; compare the stored text instead.
    if isinstance(column.type, JSON):
        return cast(column, Text)
    return column


def upsert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], key: Sequence[str]) -> None:
    """Insert ``rows`` into ``table``, updating rows whose natural ``key`` already exists.

    Rows whose values are all unchanged are left untouched (no write at all), so saving the same data
    twice changes nothing. Every row must carry every column except ``id``.
    """
    if not rows:
        return
    stmt = dialect_insert(session, table)
    columns = [c for c in table.columns if c.name != "id" and c.name not in key]
    if columns:
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c[name] for name in key],
            set_={c.name: stmt.excluded[c.name] for c in columns},
            where=or_(
                *(_comparable(c).is_distinct_from(_comparable(stmt.excluded[c.name])) for c in columns)
            ),
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=[table.c[name] for name in key])
    session.execute(stmt, list(rows))


def key_ids(session: Session, table: Table, key: Sequence[str]) -> dict[tuple[Any, ...], int]:
    """Map every row's natural ``key`` (as a tuple) to its ``id``."""
    cols = [table.c[name] for name in key]
    return {tuple(row[1:]): row[0] for row in session.execute(select(table.c.id, *cols))}


def delete_missing(
    session: Session,
    table: Table,
    *,
    parent_column: str,
    parent_ids: Iterable[int],
    key: Sequence[str],
    keep: set[tuple[Any, ...]],
) -> int:
    """Delete the rows of the given parents whose natural ``key`` is not in ``keep``.

    Used to drop child rows (routing steps, skills) that a re-saved parent no longer has.
    Returns the number of rows deleted.
    """
    stale: list[int] = []
    parent = table.c[parent_column]
    cols = [table.c[name] for name in key]
    for chunk in chunks(parent_ids, IN_CHUNK):
        for row in session.execute(select(table.c.id, *cols).where(parent.in_(chunk))):
            if tuple(row[1:]) not in keep:
                stale.append(row[0])
    for chunk in chunks(stale, IN_CHUNK):
        session.execute(delete(table).where(table.c.id.in_(chunk)))
    return len(stale)

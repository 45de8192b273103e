"""Rows written and read in a migration's own terms (reflected tables), for the tests that
migrate a database holding data: no model of today describes the tables of an older revision."""

from typing import Any

from sqlalchemy import JSON, Boolean, Integer, MetaData, String, select
from sqlalchemy.engine import Connection


def insert_row(connection: Connection, table: str, **values: Any) -> None:
    """Insert into `table` as it is now; columns not given and not nullable get a blank."""
    meta = MetaData()
    meta.reflect(connection, only=[table])
    reflected = meta.tables[table]
    blanks = ((Boolean, False), (JSON, []), (Integer, 0), (String, ""))
    neutral = {
        c.name: next(blank for kind, blank in blanks if isinstance(c.type, kind))
        for c in reflected.columns
        if not c.nullable
        and not c.primary_key
        and isinstance(c.type, Boolean | JSON | Integer | String)
    }
    connection.execute(reflected.insert().values({**neutral, **values}))


def table_rows(connection: Connection, table: str) -> list[dict[str, Any]]:
    """Every row of `table`, by id."""
    meta = MetaData()
    meta.reflect(connection, only=[table])
    found = connection.execute(select(meta.tables[table]).order_by(meta.tables[table].c.id))
    return [dict(row) for row in found.mappings()]

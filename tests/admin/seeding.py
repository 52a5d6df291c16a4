"""Rows written straight into a test project's database (SQLite or PostgreSQL), behind the server's back.

Large lists (20,000 messages) would take minutes through the admin's forms or
REST; the export and list tests measure reading, so their rows are inserted
with SQL, as ``bench/admin_list.py`` does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import re
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import Any

import asyncpg

from tests.admin.conftest import AdminProject

MESSAGE_COLUMNS = ("document_id", "text", "room", "sender_id", "recipient_id", "client_id", "created_at",
                   "updated_at", "published_at")


def _postgres_url(project: AdminProject) -> str | None:
    url = project.env.get("CMS_DATABASE_URL")
    return url.replace("postgres://", "postgresql://", 1) if url else None


def _run(coroutine: Callable[[], Any]) -> Any:
    # in a thread of its own: Playwright's sync API keeps an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine()).result()


def sql(project: AdminProject, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    """One statement (``?`` placeholders) on the project's database; its rows."""
    url = _postgres_url(project)
    if url is None:
        with closing(sqlite3.connect(project.root / ".tmp" / "data.db")) as conn:
            rows = conn.execute(statement, params).fetchall()
            conn.commit()
            return rows
    numbered = itertools.count(1)
    statement = re.sub(r"\?", lambda _: f"${next(numbered)}", statement)

    async def run() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url)
        try:
            return [tuple(row.values()) for row in await conn.fetch(statement, *params)]
        finally:
            await conn.close()

    return list(_run(run))


def insert_messages(project: AdminProject, rows: Sequence[tuple[str, str, int | None]], prefix: str) -> None:
    """Messages ``(text, room, sender id)``, created now, one second apart, in the order given."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    values = []
    for i, (text, room, sender) in enumerate(rows):
        at = now - dt.timedelta(seconds=len(rows) - i)
        values.append((f"{prefix}{i:0{24 - len(prefix)}d}", text, room, sender, None, f"{prefix}-{i}", at, at, at))
    url = _postgres_url(project)
    if url is None:
        placeholders = ", ".join("?" for _ in MESSAGE_COLUMNS)
        with closing(sqlite3.connect(project.root / ".tmp" / "data.db")) as conn:
            conn.executemany(f"INSERT INTO messages ({', '.join(MESSAGE_COLUMNS)}) VALUES ({placeholders})",
                             [(*v[:6], *(str(t) for t in v[6:])) for v in values])
            conn.commit()
        return

    async def run() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.copy_records_to_table("messages", records=values, columns=list(MESSAGE_COLUMNS))
        finally:
            await conn.close()

    _run(run)

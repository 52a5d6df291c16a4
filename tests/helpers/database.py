"""Which database a test runs on: SQLite files by default, PostgreSQL when asked.

With ``CMS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`` each
test project gets its own throwaway database, created here and dropped after.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg

SERVER_URL = os.environ.get("CMS_TEST_DATABASE_URL", "")


def using_postgres() -> bool:
    return SERVER_URL.startswith(("postgres://", "postgresql://"))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin_dsn() -> str:
    return _with_database(SERVER_URL, "postgres").replace("postgres://", "postgresql://", 1)


def create_database() -> str:
    """A fresh PostgreSQL database; returns its URL."""
    name = f"cms_test_{uuid.uuid4().hex[:12]}"

    async def run() -> None:
        conn = await asyncpg.connect(_admin_dsn())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(run())
    return _with_database(SERVER_URL, name)


def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")

    async def run() -> None:
        conn = await asyncpg.connect(_admin_dsn())
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(run())

"""The Tortoise configuration of a project, and connecting to it for serving."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tortoise import Tortoise

from cms.config import ConfigError, Settings


def tortoise_config(settings: Settings, models_module: str) -> dict[str, Any]:
    """The config dict shared by the server and the migrations (aerich)."""
    url = settings.tortoise_db_url()
    if url.startswith("sqlite://") and url != "sqlite://:memory:":
        path = Path(url.removeprefix("sqlite://"))
        try:
            private_sqlite_file(path)
        except OSError as exc:
            raise ConfigError(f'database "url": cannot create the SQLite file {path}: {exc}') from exc
    return {
        "connections": {"default": url},
        "apps": {"models": {"models": [models_module], "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


def private_sqlite_file(path: Path) -> None:
    """Create the SQLite file (and its folder) readable by the owner only: it holds password
    hashes. SQLite gives its -wal and -shm files the database file's permissions."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also a file created earlier with wider permissions
    finally:
        os.close(fd)


async def connect(config: dict[str, Any]) -> None:
    """Initialise Tortoise for serving.

    Tortoise 1.x keeps its state in a context variable; with the global
    fallback, request handlers and Socket.IO tasks started from other contexts
    see the same connections.
    """
    await Tortoise.init(config=config, _enable_global_fallback=True)


async def disconnect() -> None:
    await Tortoise.close_connections()


def connection() -> Any:
    return Tortoise.get_connection("default")


async def ping() -> None:
    """Raise if the database cannot answer a trivial query."""
    await Tortoise.get_connection("default").execute_query("SELECT 1")

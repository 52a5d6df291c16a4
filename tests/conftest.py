"""Fixtures shared by the whole suite: throwaway projects and real servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import database
from tests.helpers.project import Server, make_project


@contextmanager
def database_environment(postgres: bool | None = None) -> Iterator[dict[str, str]]:
    """Environment selecting a fresh database: PostgreSQL (by default when the run is configured
    for it) or the project's SQLite file."""
    if not (database.using_postgres() if postgres is None else postgres):
        yield {}
        return
    url = database.create_database()
    try:
        yield {"CMS_DATABASE_URL": url}
    finally:
        database.drop_database(url)


@pytest.fixture
def database_env() -> Iterator[dict[str, str]]:
    """Environment selecting this test's database."""
    with database_environment() as env:
        yield env


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder holding this repository's three content types."""
    return make_project(tmp_path / "project")


@pytest.fixture
def server_factory(database_env: dict[str, str]) -> Iterator[Callable[..., Server]]:
    """Start real servers on free ports; all are stopped after the test."""
    servers: list[Server] = []

    def start(root: Path, command: str = "develop", env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> Server:
        server = Server(root, command, {**database_env, **(env or {})}, args)
        servers.append(server)
        return server.wait_ready()

    yield start
    for server in servers:
        server.stop()

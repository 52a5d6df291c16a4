"""One blog server per test module: started once, seeded through the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import database_environment
from tests.helpers.project import Server, make_project
from tests.rest.blog import seed, write_blog


@pytest.fixture(scope="module")
def blog_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = make_project(tmp_path_factory.mktemp("blog"), builtin_types=False)
    write_blog(root)
    with database_environment() as env:
        server = Server(root, "develop", env)
        try:
            yield server.wait_ready()
        finally:
            server.stop()


@pytest.fixture(scope="module")
def api(blog_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=blog_server.url, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def blog(api: httpx.Client) -> dict[str, Any]:
    return seed(api)

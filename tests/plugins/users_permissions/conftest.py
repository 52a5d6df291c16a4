"""One server per test module (see support.py); the modules share nothing but this code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.plugins.users_permissions.support import Project, bearer, serve


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """The project of this module; auth routes are not rate limited here (tests log in often)."""
    with serve(tmp_path_factory.mktemp("up"), "rate_limit_enabled = false\n") as project:
        yield project


@pytest.fixture(scope="module")
def admin(up: Project) -> dict[str, str]:
    """Headers of a full-access API token: what an operator's script would use."""
    return bearer(up.api_token("full-access"))

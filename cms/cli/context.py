"""Running a command against the project's database, for core and plugin commands alike."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from cms.app import create_app, load_project

if TYPE_CHECKING:
    from cms.app import CMS


def with_app(args: argparse.Namespace, action: Callable[[CMS], Awaitable[Any]]) -> Any:
    """Assemble the project (plugins registered), connect its database, run ``action``.

    The database must be migrated already (``cms migrate up`` or a first ``cms develop``).
    """
    app = create_app(load_project(args.project, "production"))

    async def run() -> Any:
        await app.open_database()
        try:
            for loaded in app.plugins:
                await loaded.plugin.bootstrap(app)
            return await action(app)
        finally:
            for loaded in reversed(app.plugins):
                await loaded.plugin.destroy(app)
            await app.close_database()

    return asyncio.run(run())

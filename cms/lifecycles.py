"""Lifecycle hooks with Strapi's names, from ``lifecycles.py`` files and plugins.

A hook is an async (or plain) function taking a :class:`LifecycleEvent`. A
``before*`` hook that raises :class:`cms.errors.ApplicationError` aborts the
operation with that message. ``event.state`` is shared between the before and
after hook of one operation, as in Strapi.

``content_types/message/lifecycles.py``::

    async def beforeCreate(event):
        event.params["data"]["text"] = event.params["data"]["text"].strip()
"""

from __future__ import annotations

import importlib.util
import inspect
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from cms.content import ContentType, Registry

EVENTS = (
    "beforeCreate", "afterCreate", "beforeUpdate", "afterUpdate", "beforeDelete", "afterDelete",
    "beforeFindOne", "afterFindOne", "beforeFindMany", "afterFindMany", "beforeCount", "afterCount",
    # draft & publish (cms.documents.DocumentService.publish, unpublish, discard_draft)
    "beforePublish", "afterPublish", "beforeUnpublish", "afterUnpublish", "beforeDiscardDraft", "afterDiscardDraft",
)
Hook = Callable[["LifecycleEvent"], Awaitable[None] | None]
LIFECYCLES_FILE = "lifecycles.py"


@dataclass
class LifecycleEvent:
    """What a hook sees: the action, the type, the parameters and, after, the result."""

    action: str
    model: ContentType
    params: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def uid(self) -> str:
        return self.model.uid


class Lifecycles:
    """Subscribers per content type (or for all types) and event name."""

    def __init__(self, resolve: Callable[[str], str | None] | None = None) -> None:
        self._hooks: dict[tuple[str | None, str], list[Hook]] = defaultdict(list)
        #: maps an alias UID (``plugin::users-permissions.user``) to the type's own UID
        self._resolve = resolve or (lambda uid: uid)

    def subscribe(self, hooks: dict[str, Hook] | object, models: list[str] | None = None) -> None:
        """Add hooks for ``models`` (UIDs; None means every type).

        ``hooks`` is a mapping of event name to function, or any object with
        methods named after events (a module, a class instance).
        """
        items = hooks.items() if isinstance(hooks, dict) else (
            (name, getattr(hooks, name)) for name in EVENTS if callable(getattr(hooks, name, None))
        )
        for name, hook in items:
            if name not in EVENTS:
                raise ValueError(f"unknown lifecycle event {name!r} (known: {', '.join(EVENTS)})")
            for uid in models or [None]:
                canonical = self._resolve(uid) if uid is not None else None
                if uid is not None and canonical is None:
                    raise ValueError(f"lifecycle subscription to unknown content type {uid!r}")
                self._hooks[(canonical, name)].append(hook)

    async def fire(self, name: str, event: LifecycleEvent) -> None:
        """Run every hook for ``name`` on ``event.model``, in subscription order."""
        for key in ((event.model.uid, name), (None, name)):
            for hook in self._hooks.get(key, ()):
                result = hook(event)
                if inspect.isawaitable(result):
                    await result

    def load_project_hooks(self, registry: Registry) -> None:
        """Subscribe the functions of each type's ``lifecycles.py``, if it has one."""
        for ct in registry:
            path = ct.directory / LIFECYCLES_FILE
            if path.exists():
                self.subscribe(_import_file(path, f"cms_lifecycles_{ct.singular_name.replace('-', '_')}"), [ct.uid])


def _import_file(path: Any, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

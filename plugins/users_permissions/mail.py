"""Sending mail (password reset): a pluggable sender chosen by the ``mailer`` setting.

``log`` writes the mail to the log (develop: whole mail; production: without
its body, which holds a secret, and a warning to configure a real sender);
``file:<path>`` appends one JSON line per mail (tests read it); ``module:callable``
names an async or plain function ``send(to, subject, text)``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from cms.config import ConfigError

log = logging.getLogger("cms.users_permissions.mail")
Sender = Callable[[str, str, str], Awaitable[None] | None]


def make_sender(spec: str, root: Path, develop: bool) -> Sender:
    if spec == "log":
        if not develop:
            log.warning('[users_permissions] mailer is "log" in production: password-reset mails are NOT '
                        'sent. Set mailer = "module:<callable>" (or "file:<path>" for tests).')

        def to_log(to: str, subject: str, text: str) -> None:
            if develop:
                log.info("mail to %s: %s\n%s", to, subject, text)
            else:
                log.warning("mail to %s (%s) not sent: configure [users_permissions] mailer", to, subject)
        return to_log
    if spec.startswith("file:"):
        path = Path(spec.removeprefix("file:"))
        path = path if path.is_absolute() else root / path

        def to_file(to: str, subject: str, text: str) -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"to": to, "subject": subject, "text": text}) + "\n")
        return to_file
    module_name, _, name = spec.partition(":")
    try:
        sender = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(f'plugin "users_permissions": "mailer" {spec!r} cannot be imported: {exc}') from exc
    return sender  # type: ignore[no-any-return]


async def send(sender: Sender, to: str, subject: str, text: str) -> None:
    result: Any = sender(to, subject, text)
    if inspect.isawaitable(result):
        await result

"""Who is using the admin: admin users (not registered users), their sessions, roles and login throttling.

Admin users are entries of ``plugin::admin.admin-user`` with one of three roles:

* ``super-admin``: everything, including settings and other admin users;
* ``editor``: every content type, nothing under settings;
* ``author``: sees everything, creates entries, edits and deletes only the entries it created.

A session is a signed cookie (Starlette's ``SessionMiddleware`` with the
project's generated ``admin_session_secret``) holding, sealed (Fernet: encrypted
and authenticated with a key derived from the same secret, so nobody holding
the cookie can read it), the admin's id, when it ends, and a fingerprint of
the password hash: changing a password, blocking or deleting the admin ends
its sessions at once. Failed logins are counted per username and address, and
per address; past the limit, logins are refused for a while
(counted in this process: behind several processes each counts on its own).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from cryptography.fernet import Fernet, InvalidToken
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.status import HTTP_303_SEE_OTHER
from starlette.templating import Jinja2Templates
from starlette_admin.auth import AdminUser, AuthProvider
from starlette_admin.exceptions import LoginFailed

from cms.passwords import hash_password, verify_password_async

if TYPE_CHECKING:
    from admin.config import AdminConfig
    from cms.app import CMS

ADMIN_UID = "plugin::admin.admin-user"
ROLES = ("super-admin", "editor", "author")
SUPER_ADMIN, EDITOR, AUTHOR = ROLES


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this keeps a login for an unknown username as slow as a wrong password."""
    return hash_password("not the password of anyone")


@dataclass(frozen=True)
class Account:
    """The admin user behind a request (``request.state.account``)."""

    id: int
    username: str
    role: str

    @property
    def is_super_admin(self) -> bool:
        return self.role == SUPER_ADMIN

    @property
    def is_author(self) -> bool:
        return self.role == AUTHOR


def account_of(request: Request) -> Account | None:
    return getattr(request.state, "account", None)


def fingerprint(password_hash: str | None) -> str:
    """Changes whenever the password does; never reveals the hash."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


class LoginThrottle:
    """Refuse logins after repeated failures: per username *and* client address, and (4× looser)
    per client address. Never per username alone: failures from one place must not lock the
    account (a super-admin included) for its owner logging in from another."""

    def __init__(self, max_failures: int, lockout_seconds: float) -> None:
        self.max_failures = max_failures
        self.lockout = lockout_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _keys(self, username: str, address: str) -> list[tuple[str, int]]:
        return [(f"user:{username.casefold()}@{address}", self.max_failures), (f"addr:{address}", self.max_failures * 4)]

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and times[0] <= now - self.lockout:
            times.popleft()
        return times

    def retry_after(self, username: str, address: str) -> float:
        """Seconds until a login may be tried again (0: now)."""
        now = time.monotonic()
        wait = 0.0
        for key, limit in self._keys(username, address):
            times = self._recent(key, now)
            if len(times) >= limit:
                wait = max(wait, times[-limit] + self.lockout - now)
        return wait

    def failed(self, username: str, address: str) -> None:
        now = time.monotonic()
        for key, limit in self._keys(username, address):
            times = self._recent(key, now)
            times.append(now)
            while len(times) > limit:
                times.popleft()

    def succeeded(self, username: str, address: str) -> None:
        self._failures.pop(f"user:{username.casefold()}@{address}", None)


class AdminAuth(AuthProvider):
    """starlette-admin's login page and session check, against admin users."""

    def __init__(self, app: CMS, config: AdminConfig) -> None:
        super().__init__(login_path="/login", logout_path="/logout")
        self.app = app
        self.config = config
        self.throttle = LoginThrottle(config.login_max_failures, config.login_lockout_seconds)
        self._has_admins = False
        # the session's claims are sealed with a key of their own, derived from the session secret
        key = hashlib.sha256(b"cms admin session claims\0" + app.settings.secrets.admin_session_secret.encode())
        self._sealer = Fernet(base64.urlsafe_b64encode(key.digest()))

    @property
    def model(self) -> Any:
        return self.app.models[ADMIN_UID]

    async def has_admins(self) -> bool:
        """Whether any admin user exists (once true, never asked again)."""
        if not self._has_admins:
            self._has_admins = await self.model.all().exists()
        return self._has_admins

    def start_session(self, request: Request, row: dict[str, Any], remember: bool) -> None:
        lifetime = self.config.remember_days * 86400 if remember else self.config.session_hours * 3600
        request.session.clear()  # a new session on every login: no fixation
        claims = {"id": row["id"], "until": int(time.time()) + lifetime, "pw": fingerprint(row["password"])}
        request.session["admin"] = self._sealer.encrypt(orjson.dumps(claims)).decode()

    def _claims(self, request: Request) -> dict[str, Any] | None:
        """The session's claims, if its sealed value opens with this project's key."""
        sealed = request.session.get("admin")
        if not isinstance(sealed, str):
            return None
        try:
            claims = orjson.loads(self._sealer.decrypt(sealed.encode()))
        except (InvalidToken, orjson.JSONDecodeError):
            return None
        return claims if isinstance(claims, dict) else None

    async def login(self, username: str, password: str, remember_me: bool, request: Request) -> Response | None:
        address = request.client.host if request.client else "?"
        wait = self.throttle.retry_after(username, address)
        if wait > 0:
            raise LoginFailed(f"Too many failed login attempts. Try again in {int(wait // 60) + 1} minutes.")
        rows = await self.model.filter(username=username).values("id", "password", "blocked")
        row = rows[0] if rows else None
        ok = await verify_password_async(password, row["password"] if row else _dummy_hash())
        if row is None or not ok or row["blocked"]:
            self.throttle.failed(username, address)
            raise LoginFailed("Invalid username or password" if not (row and ok) else "This account is blocked")
        self.throttle.succeeded(username, address)
        self.start_session(request, row, remember_me)
        await self.model.filter(id=row["id"]).update(lastLoginAt=dt.datetime.now(dt.UTC))
        return None

    async def logout(self, request: Request) -> Response | None:
        request.session.clear()
        return None

    async def authenticate(self, request: Request) -> AdminUser | None:
        cached = account_of(request)
        if cached is not None:
            return AdminUser(username=cached.username)
        session = self._claims(request)
        if session is None or session.get("until", 0) < time.time():
            return None
        rows = await self.model.filter(id=session.get("id")).values("id", "username", "role", "blocked", "password")
        if not rows or rows[0]["blocked"] or fingerprint(rows[0]["password"]) != session.get("pw"):
            request.session.clear()
            return None
        row = rows[0]
        request.state.account = Account(row["id"], row["username"], row["role"] or AUTHOR)
        return AdminUser(username=row["username"])

    async def render_login(self, request: Request, templates: Jinja2Templates) -> Response:
        if not await self.has_admins():
            if self.app.settings.develop:
                return RedirectResponse(request.url_for("admin:setup"), status_code=HTTP_303_SEE_OTHER)
            return templates.TemplateResponse(request=request, name="login.html", context={
                "error": "No administrator exists yet. Create one with: cms admin create-user"}, status_code=503)
        return await super().render_login(request, templates)

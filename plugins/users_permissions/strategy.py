"""Who is calling, and may they do this: the authorizer installed into the core.

``authenticate`` reads ``Authorization: Bearer <jwt or API token>``; no header
means the public role. ``authorize`` is what the core calls for every REST
action (and the realtime plugin for socket events): no grant, with
credentials or not → 403, as Strapi answers (401 is for bad credentials, and for
callers without credentials when the Public role has no grant at all).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from cms.content import ContentType
from cms.errors import ApplicationError, ForbiddenError, UnauthorizedError
from cms.permissions import PUBLIC, Access, Caller
from plugins.users_permissions.tokens import InvalidToken, hash_api_token, looks_like_jwt, read_jwt

if TYPE_CHECKING:
    from cms.app import CMS
    from plugins.users_permissions.accounts import Accounts
    from plugins.users_permissions.config import UsersPermissionsConfig
    from plugins.users_permissions.engine import PermissionEngine
    from plugins.users_permissions.ratelimit import RateLimiter

USER_UID = "plugin::users-permissions.user"
TOKEN_UID = "plugin::users-permissions.api-token"
#: public fields of a user bound to ``$user.*`` in conditions
USER_FIELDS = ("id", "documentId", "username", "email", "blocked", "confirmed", "role_id", "passwordChangedAt")
_LAST_USED_EVERY = dt.timedelta(minutes=1)
CACHE_SECONDS = 1.0
AUTH = "plugin::users-permissions.auth"


class Strategy:
    """The :class:`cms.permissions.Identity` of the project, and its REST authorizer."""

    def __init__(self, app: CMS, engine: PermissionEngine, accounts: Accounts, config: UsersPermissionsConfig) -> None:
        self.app = app
        self.engine = engine
        self.accounts = accounts
        self.config = config
        self.limiter: RateLimiter | None = None
        #: attempts per address whatever the identifier (see :meth:`limit`)
        self.address_limiter: RateLimiter | None = None
        self.secret = app.settings.secrets.jwt_secret
        self.salt = app.settings.secrets.api_token_salt
        # Verified users and tokens for CACHE_SECONDS: a request then costs no query.
        # Changes made in this process clear them at once (lifecycle hooks below);
        # another process's blocking, deletion or revocation applies within that time.
        self._users: dict[int, tuple[float, dict[str, Any] | None]] = {}
        self._tokens: dict[str, dict[str, Any] | None] = {}
        # JWTs whose signature was verified, with their payload: verifying (HMAC, base64, JSON)
        # was a tenth of a signed-in user's request (bench/rest.py --dataset chat); a hit
        # still checks the expiry, and the user checks below run on every request.
        self._jwts: dict[str, dict[str, Any]] = {}
        forget = {"afterUpdate": self.forget_credentials, "afterDelete": self.forget_credentials}
        app.lifecycles.subscribe(forget, [USER_UID, TOKEN_UID])
        accounts.on_password_change.append(self.forget_credentials)

    async def authenticate_token(self, token: str) -> Caller:
        """A bearer credential → its caller; :class:`InvalidToken` says why not."""
        if looks_like_jwt(token):
            payload = self._jwts.get(token)
            if payload is None or payload["exp"] <= time.time():
                payload = read_jwt(token, self.secret)  # raises for an expired or forged one
                if len(self._jwts) >= 10_000:
                    self._jwts = {}
                self._jwts[token] = payload
            user = await self._cached_user(payload["id"])
            if user is None or user["blocked"]:
                raise InvalidToken("Invalid credentials")
            changed = user.get("passwordChangedAt")
            if changed is not None and payload["iat"] < changed.timestamp():
                raise InvalidToken("Token issued before the last password change")
            return Caller("user", user=user)
        key = hash_api_token(token, self.salt)
        row = self._tokens.get(key)
        if row is None or row["_until"] < time.monotonic():
            found = await self.app.models[TOKEN_UID].filter(accessKey=key).values(
                "id", "name", "type", "actions", "expiresAt", "lastUsedAt")
            row = {**found[0], "_until": time.monotonic() + CACHE_SECONDS} if found else None
            self._tokens = self._remember(self._tokens, key, row)
        if row is None:
            raise InvalidToken("Missing or invalid credentials")
        now = dt.datetime.now(dt.timezone.utc)
        if row["expiresAt"] is not None and row["expiresAt"] <= now:
            raise InvalidToken("Token expired")
        if row["lastUsedAt"] is None or now - row["lastUsedAt"] > _LAST_USED_EVERY:
            row["lastUsedAt"] = now
            await self.app.models[TOKEN_UID].filter(id=row["id"]).update(lastUsedAt=now)
        return Caller("token", token={k: row[k] for k in ("id", "name", "type", "actions")})

    async def _cached_user(self, user_id: int) -> dict[str, Any] | None:
        entry = self._users.get(user_id)
        if entry is None or entry[0] < time.monotonic():
            entry = (time.monotonic() + CACHE_SECONDS, await self.load_user(user_id))
            self._users = self._remember(self._users, user_id, entry)
        return entry[1]

    @staticmethod
    def _remember(cache: dict[Any, Any], key: Any, value: Any) -> dict[Any, Any]:
        if len(cache) > 50_000:
            cache = {}
        if value is None:
            cache.pop(key, None)
        else:
            cache[key] = value
        return cache

    def forget_credentials(self, *_: Any) -> None:
        """Drop cached users and tokens (a user or token changed in this process)."""
        self._users, self._tokens = {}, {}

    async def load_user(self, user_id: int) -> dict[str, Any] | None:
        User = self.app.models[USER_UID]
        rows = await User.filter(id=user_id).values(*USER_FIELDS)
        return rows[0] if rows else None

    async def authenticate(self, request: Any) -> Caller:
        header = request.headers.get("authorization")
        if not header:
            return PUBLIC
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise UnauthorizedError("Missing or invalid credentials")
        return await self.authenticate_token(token.strip())

    def add_variable(self, name: str, provider: Callable[[dict[str, Any]], Awaitable[Any]]) -> None:
        self.engine.add_variable(name, provider)

    # -- registration and login: one policy for the REST routes and the realtime events --

    def limit(self, action: str, identifier: str | None, client: str) -> None:
        """Count one attempt of ``action`` (register, login, ...) for this identifier and client
        address, and for the address alone (a larger budget, against trying many identifiers).

        The key is the action's name, never the request path, so the REST
        route (with or without a trailing slash) and the socket event share
        one bucket per identifier and address."""
        if self.limiter is not None and self.config.rate_limit_enabled:
            self.limiter.hit(f"{action}:{(identifier or '').lower()}:{client}")
            if self.address_limiter is not None:
                self.address_limiter.hit(f"{action}:{client}")

    async def require(self, caller: Caller, action: str) -> None:
        """Raise as :meth:`authorize` would when ``caller``'s role lacks ``action``."""
        if await self.access_for(caller, action, None) is None:
            raise self.refusal(caller)

    def refusal(self, caller: Caller) -> UnauthorizedError | ForbiddenError:
        """Strapi's answer to a caller whose role lacks an action: 403 ``Forbidden``, with or
        without credentials; 401 only for a caller without credentials when the Public role
        has no grant at all (bad credentials are a 401 earlier, in :meth:`authenticate`)."""
        if caller.kind == "public" and not self.engine.has_any(self.engine.role_id("public")):
            return UnauthorizedError("Missing or invalid credentials")
        return ForbiddenError()

    async def admit_registration(self, caller: Caller, email: str | None, client: str) -> None:
        """Rate limit, the ``auth.register`` grant, then whether registration is open."""
        self.limit("auth.register", email, client)
        await self.require(caller, f"{AUTH}.register")
        if not self.config.allow_register:
            raise ApplicationError("Register action is currently disabled")

    async def check_login(self, caller: Caller, identifier: str, password: str, client: str) -> dict[str, Any]:
        """Log in, as the route and the socket event both do: the rate limit (one bucket per
        account, whether it is named by username or email), the ``auth.callback`` grant, then
        the password. The account's row, or the error to answer."""
        row = await self.accounts.find_login(identifier)
        self.limit("auth.callback", f"account:{row['id']}" if row else identifier, client)
        await self.require(caller, f"{AUTH}.callback")
        return await self.accounts.check_login(row, password)

    async def register(self, username: str, email: str, password: str, client: str = "",
                       caller: Caller = PUBLIC) -> Caller:
        """Registration for other plugins (the realtime ``register`` event), under the route's policy."""
        await self.admit_registration(caller, email, client)
        user_id = await self.accounts.register(username, email, password, self.engine.role_id(self.config.default_role))
        return await self._user_caller(user_id)

    async def login(self, identifier: str, password: str, client: str = "", caller: Caller = PUBLIC) -> Caller:
        """Log in for other plugins (the realtime ``login`` event), under the route's policy."""
        row = await self.check_login(caller, identifier, password, client)
        return await self._user_caller(row["id"])

    async def user_caller(self, user_id: int) -> Caller:
        """The user as a caller now, read from the database (not the cache)."""
        self._users.pop(user_id, None)
        user = await self.load_user(user_id)
        if user is None or user["blocked"]:
            raise UnauthorizedError("Invalid credentials")
        return Caller("user", user=user)

    async def _user_caller(self, user_id: int) -> Caller:
        user = await self.load_user(user_id)
        if user is None:
            raise UnauthorizedError("Invalid credentials")
        return Caller("user", user=user)

    async def access_for(self, caller: Caller, action: str, ct: ContentType | None) -> Access | None:
        await self.engine.refresh()
        if caller.kind == "token":
            assert caller.token is not None
            return self.engine.token_access(caller.token, action)
        role_id = caller.role_id if caller.kind == "user" else self.engine.role_id("public")
        return await self.engine.access(role_id, action, ct, caller.user)

    async def authorize(self, request: Any, action: str, ct: ContentType | None) -> Access:
        """The core's permission hook: the caller's access, or 401/403."""
        caller = await self.authenticate(request)
        request.ctx.caller = caller
        access = await self.access_for(caller, action, ct)
        if access is None:
            raise self.refusal(caller)
        return access

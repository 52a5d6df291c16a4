"""Registered users: registering, logging in, changing and resetting passwords.

Users are ordinary entries of the auth type, written through the core's
document service (validation, password hashing, lifecycles), read through its
reader (private fields never selected). Emails are stored lower-cased and
usernames are unique whatever their letter case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cms.documents import DocumentService
from cms.errors import ApplicationError, ValidationError
from cms.passwords import hash_password, verify_password_async
from cms.query.ast import Condition, Or, Query
from plugins.users_permissions.tokens import issue_jwt

if TYPE_CHECKING:
    from cms.app import CMS
    from plugins.users_permissions.config import UsersPermissionsConfig

USER_UID = "plugin::users-permissions.user"
RESET_LIFETIME = dt.timedelta(hours=1)
# verifying against this keeps a login for an unknown user as slow as a real one
_DUMMY_HASH = hash_password(secrets.token_hex(16))


#: registration's answer when the username or email belongs to another account
TAKEN = "Email or Username are already taken"

class Accounts:
    def __init__(self, app: CMS, config: UsersPermissionsConfig) -> None:
        self.app = app
        self.config = config
        self.users = DocumentService(app, USER_UID)
        self.model = app.models[USER_UID]
        self.ct = app.registry.get(USER_UID)
        self.on_password_change: list[Callable[[], None]] = []

    def jwt_for(self, user_id: int) -> str:
        return issue_jwt(user_id, self.app.settings.secrets.jwt_secret, self.config.jwt_lifetime)

    async def document(self, user_id: int, query: Query | None = None) -> dict[str, Any] | None:
        """The user as the API shows it (no password, tokens or other private fields)."""
        query = query or Query()
        one = Query(filters=Condition(("id",), "$eq", user_id), fields=query.fields, populate=query.populate)
        return await self.app.reader.find_one(self.ct, one)

    async def session(self, user_id: int) -> dict[str, Any]:
        return {"jwt": self.jwt_for(user_id), "user": await self.document(user_id)}

    async def taken(self, username: str | None, email: str | None, except_id: int | None = None) -> bool:
        """Whether another account has this username or email, whatever the letter case; also
        across the two (a username equal to another account's email would make logging in
        with that identifier ambiguous)."""
        checks = []
        for value in (v for v in (username, email) if v is not None):
            checks += [Condition(("username",), "$eqi", value), Condition(("email",), "$eqi", value)]
        if not checks:
            return False
        documents, _ = await self.app.reader.find_many(self.ct, Query(filters=Or(tuple(checks)), fields=()))
        return any(d["id"] != except_id for d in documents)

    async def register(self, username: str, email: str, password: str, role_id: int | None) -> int:
        email = email.lower()
        if await self.taken(username, email):
            raise ApplicationError(TAKEN)  # Strapi's name for it: ApplicationError, 400
        try:
            document = await self.users.create({
                "username": username, "email": email, "password": password, "provider": "local",
                "confirmed": True, "blocked": False, "role": role_id,
            }, query=Query(fields=()))
        except ValidationError:
            if await self.taken(username, email):  # registered concurrently: the unique index said so
                raise ApplicationError(TAKEN) from None
            raise
        return int(document["id"])

    def _by_email(self, email: str) -> Any:
        """The accounts with this email (lower-cased as stored); none for one longer than the
        column, which the ORM would refuse to compare rather than find nothing."""
        limit = getattr(self.model._meta.fields_map["email"], "max_length", None)
        if limit is not None and len(email) > limit:
            return self.model.filter(id__in=[])
        return self.model.filter(email=email.lower())

    async def find_login(self, identifier: str) -> dict[str, Any] | None:
        """The account an identifier names (its email, else its username, whatever the case)."""
        rows = await self._by_email(identifier).values("id", "password", "blocked")
        if not rows:
            documents, _ = await self.app.reader.find_many(
                self.ct, Query(filters=Condition(("username",), "$eqi", identifier), fields=()))
            ids = [d["id"] for d in documents]
            rows = await self.model.filter(id__in=ids).values("id", "password", "blocked") if ids else []
        return rows[0] if rows else None

    async def check_login(self, row: dict[str, Any] | None, password: str) -> dict[str, Any]:
        """``row`` (from :meth:`find_login`) if ``password`` is its password; Strapi's 400s otherwise.
        A missing account costs a hash all the same, so timing does not tell accounts apart."""
        valid = await verify_password_async(password, row["password"] if row else _DUMMY_HASH)
        if row is None or not valid:
            raise ValidationError("Invalid identifier or password")
        if row["blocked"]:
            raise ApplicationError("Your account has been blocked by an administrator")
        return row

    async def set_password(self, user_id: int, password: str) -> None:
        """Store a new password; tokens issued before this moment stop working."""
        user = await self.model.get(id=user_id)
        await self.users.update(user.documentId, {"password": password}, query=Query(fields=()))
        await self.password_changed(user_id)

    async def password_changed(self, user_id: int) -> None:
        """Refuse the tokens issued until now, and forget any pending reset code."""
        await self.model.filter(id=user_id).update(
            passwordChangedAt=dt.datetime.now(dt.timezone.utc), resetPasswordToken=None)
        for hook in self.on_password_change:  # e.g. the strategy's credential cache
            hook()

    async def change_password(self, user_id: int, current: str, password: str) -> None:
        row = await self.model.filter(id=user_id).values("password")
        if not row or not await verify_password_async(current, row[0]["password"]):
            raise ValidationError("The provided current password is invalid")
        if current == password:
            raise ValidationError("Your new password must be different than your current password")
        await self.set_password(user_id, password)

    async def start_reset(self, email: str) -> tuple[str, str] | None:
        """A fresh reset code for the account with ``email`` (stored hashed, valid one hour)."""
        user = await self._by_email(email).first()
        if user is None or user.blocked:
            return None
        code = secrets.token_hex(64)
        expires = int((dt.datetime.now(dt.timezone.utc) + RESET_LIFETIME).timestamp())
        await self.model.filter(id=user.id).update(resetPasswordToken=f"{_digest(code)}:{expires}")
        return user.email, code

    async def finish_reset(self, code: str, password: str) -> int:
        digest = _digest(code)
        for user in await self.model.filter(resetPasswordToken__startswith=f"{digest}:"):
            expires = int(str(user.resetPasswordToken).rsplit(":", 1)[1])
            if expires >= dt.datetime.now(dt.timezone.utc).timestamp() and not user.blocked:
                await self.set_password(user.id, password)
                return int(user.id)
        raise ValidationError("Incorrect code provided")


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()

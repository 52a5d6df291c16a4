"""``/api/auth/*``: register, log in, change, forget and reset passwords."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sanic import Request
from sanic.response import HTTPResponse

from cms.errors import ApplicationError, ValidationError
from plugins.users_permissions.mail import send
from plugins.users_permissions.routes.common import client_ip, read_body, respond, strings

if TYPE_CHECKING:
    from plugins.users_permissions.plugin import UsersPermissions

AUTH = "plugin::users-permissions.auth"


def bind_auth_routes(up: UsersPermissions) -> None:
    prefix = up.app.settings.api.prefix.rstrip("/")

    def limited(request: Request, action: str, identifier: str | None) -> None:
        up.strategy.limit(action, identifier, client_ip(request))

    async def register(request: Request) -> HTTPResponse:
        body = read_body(request)
        caller = request.ctx.caller = await up.strategy.authenticate(request)
        email = body.get("email") if isinstance(body.get("email"), str) else None
        await up.strategy.admit_registration(caller, email, client_ip(request))
        unknown = sorted(set(body) - {"username", "email", "password"})
        if unknown:
            raise ValidationError(f"Invalid parameters: {', '.join(unknown)}")
        fields = strings(body, "username", "email", "password")
        if fields["password"].count("$") > 3:
            raise ValidationError("Your password cannot contain more than three times the symbol `$`")
        role_id = up.engine.role_id(up.config.default_role)
        user_id = await up.accounts.register(fields["username"], fields["email"], fields["password"], role_id)
        return respond(await up.accounts.session(user_id))

    async def login(request: Request) -> HTTPResponse:
        body = read_body(request)
        caller = request.ctx.caller = await up.strategy.authenticate(request)
        fields = strings(body, "identifier", "password")
        row = await up.strategy.check_login(caller, fields["identifier"], fields["password"], client_ip(request))
        return respond(await up.accounts.session(row["id"]))

    async def change_password(request: Request) -> HTTPResponse:
        body = read_body(request)
        await up.strategy.authorize(request, f"{AUTH}.changePassword", None)
        caller = request.ctx.caller
        if caller.user is None:
            raise ApplicationError("You must be authenticated to reset your password")
        fields = strings(body, "currentPassword", "password", "passwordConfirmation")
        if fields["password"] != fields["passwordConfirmation"]:
            raise ValidationError("Passwords do not match")
        await up.accounts.change_password(caller.user["id"], fields["currentPassword"], fields["password"])
        return respond(await up.accounts.session(caller.user["id"]))

    async def forgot_password(request: Request) -> HTTPResponse:
        body = read_body(request)
        limited(request, "auth.forgotPassword", body.get("email") if isinstance(body.get("email"), str) else None)
        await up.strategy.authorize(request, f"{AUTH}.forgotPassword", None)
        email = strings(body, "email")["email"]
        found = await up.accounts.start_reset(email)
        if found is not None:  # same answer either way: no account enumeration
            to, code = found
            link = f"{up.config.reset_password_url}?code={code}"
            await send(up.mailer, to, "Reset password",
                       f"We heard that you lost your password. Use this link to reset it:\n{link}\n\nCode: {code}\n")
        return respond({"ok": True})

    async def reset_password(request: Request) -> HTTPResponse:
        body = read_body(request)
        limited(request, "auth.resetPassword", None)
        await up.strategy.authorize(request, f"{AUTH}.resetPassword", None)
        fields = strings(body, "code", "password", "passwordConfirmation")
        if fields["password"] != fields["passwordConfirmation"]:
            raise ValidationError("Passwords do not match")
        user_id = await up.accounts.finish_reset(fields["code"], fields["password"])
        return respond(await up.accounts.session(user_id))

    app = up.app
    app.add_route(register, f"{prefix}/auth/local/register", ["POST"], name="up_register")
    app.add_route(login, f"{prefix}/auth/local", ["POST"], name="up_login")
    app.add_route(change_password, f"{prefix}/auth/change-password", ["POST"], name="up_change_password")
    app.add_route(forgot_password, f"{prefix}/auth/forgot-password", ["POST"], name="up_forgot_password")
    app.add_route(reset_password, f"{prefix}/auth/reset-password", ["POST"], name="up_reset_password")
    app.add_actions(f"{AUTH}.{a}" for a in ("register", "callback", "changePassword", "forgotPassword", "resetPassword"))

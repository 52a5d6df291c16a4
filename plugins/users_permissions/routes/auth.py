"""``/api/auth/*``: register, log in, change, forget and reset passwords."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sanic import Request
from sanic.response import HTTPResponse

from cms.errors import ApplicationError, ValidationError
from plugins.users_permissions.mail import send
from cms.rest.openapi import route_operation
from plugins.users_permissions.routes.common import client_ip, read_body, respond, strings
from plugins.users_permissions.routes.schemas import OK, session, strings_body

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
    refused, user = (400, 401, 403, 429, 500), app.registry.get("plugin::users-permissions.user")
    app.add_route(register, f"{prefix}/auth/local/register", ["POST"], name="up_register", openapi=route_operation(
        "auth.register", "users-permissions", "Register an account (default role) and sign in",
        session("The new user and a JWT"), body=strings_body("username", "email", "password", user=user), errors=refused))
    app.add_route(login, f"{prefix}/auth/local", ["POST"], name="up_login", openapi=route_operation(
        "auth.login", "users-permissions", "Sign in with a username or email and a password",
        session("The user and a JWT"), body=strings_body("identifier", "password"), errors=refused))
    app.add_route(change_password, f"{prefix}/auth/change-password", ["POST"], name="up_change_password",
                  openapi=route_operation(
                      "auth.changePassword", "users-permissions", "Change the signed-in user's password",
                      session("The user and a new JWT"), errors=refused,
                      body=strings_body("currentPassword", "password", "passwordConfirmation", user=user)))
    app.add_route(forgot_password, f"{prefix}/auth/forgot-password", ["POST"], name="up_forgot_password",
                  openapi=route_operation(
                      "auth.forgotPassword", "users-permissions", "Mail a reset code (same answer for any email)",
                      OK, body=strings_body("email", user=user), errors=refused))
    app.add_route(reset_password, f"{prefix}/auth/reset-password", ["POST"], name="up_reset_password",
                  openapi=route_operation(
                      "auth.resetPassword", "users-permissions", "Set a new password with a mailed code",
                      session("The user and a JWT"), errors=refused,
                      body=strings_body("code", "password", "passwordConfirmation", user=user)))
    app.add_actions(f"{AUTH}.{a}" for a in ("register", "callback", "changePassword", "forgotPassword", "resetPassword"))

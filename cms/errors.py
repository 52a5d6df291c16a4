"""Application errors with Strapi's names and HTTP statuses.

Raised anywhere below the HTTP layer (services, lifecycle hooks, permission
checks); the REST layer turns them into Strapi's error envelope and the
realtime plugin into error acks, so the same failure reads the same everywhere.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """Base of every error a client may see. ``details`` is sent as-is."""

    status = 400
    name = "ApplicationError"
    default_message = "An application error occured"
    #: whether the envelope carries ``details`` (Strapi omits it for a body that is not JSON)
    has_details = True

    def __init__(self, message: str | None = None, details: dict[str, Any] | None = None) -> None:
        self.message = message or self.default_message
        self.details = details or {}
        super().__init__(self.message)


class ValidationError(ApplicationError):
    name = "ValidationError"
    default_message = "Validation error"


class BodySyntaxError(ApplicationError):
    """A request body that is not JSON: Strapi's body parser answers 400 ``SyntaxError``
    with the parser's message and no ``details`` key."""

    name = "SyntaxError"
    default_message = "Unexpected end of JSON input"
    has_details = False


class PaginationError(ApplicationError):
    name = "PaginationError"
    default_message = "Invalid pagination"


class UnauthorizedError(ApplicationError):
    status = 401
    name = "UnauthorizedError"
    default_message = "Unauthorized"


class ForbiddenError(ApplicationError):
    status = 403
    name = "ForbiddenError"
    default_message = "Forbidden"


class NotFoundError(ApplicationError):
    status = 404
    name = "NotFoundError"
    default_message = "Not Found"


class ConflictError(ApplicationError):
    status = 409
    name = "ConflictError"
    default_message = "Conflict"


class PayloadTooLargeError(ApplicationError):
    status = 413
    name = "PayloadTooLargeError"
    default_message = "Entity too large"


class RateLimitError(ApplicationError):
    status = 429
    name = "RateLimitError"
    default_message = "Too many requests, please try again later."

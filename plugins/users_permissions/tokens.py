"""JWTs for registered users and API tokens: issuing and checking credentials.

JWT payload is Strapi's ``{id, iat, exp}`` (HS256, secret generated at first
start). ``iat`` is kept to the microsecond so that a password change rejects
every token issued before it and none issued after.

API tokens are 128 random bytes in hex, shown once; only
HMAC-SHA512(salt, token) is stored, so a leaked database reveals no token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

import jwt

from cms.errors import UnauthorizedError

ALGORITHM = "HS256"


class InvalidToken(UnauthorizedError):
    """Why a credential was refused (the message is safe to show): a 401."""


def issue_jwt(user_id: int, secret: str, lifetime: int, now: float | None = None) -> str:
    issued = time.time() if now is None else now
    return jwt.encode({"id": user_id, "iat": issued, "exp": int(issued + lifetime)}, secret, algorithm=ALGORITHM)


def read_jwt(token: str, secret: str) -> dict[str, Any]:
    """The verified payload; only HS256 with our secret is accepted (never ``alg: none``)."""
    try:
        payload = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "iat"]})
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("Token expired") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("Missing or invalid credentials") from exc
    user_id = payload.get("id")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**31:
        raise InvalidToken("Missing or invalid credentials")  # ids are 32-bit: nobody has this one
    return payload


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def new_api_token() -> str:
    return secrets.token_hex(128)


def hash_api_token(token: str, salt: str) -> str:
    return hmac.new(salt.encode(), token.encode(), hashlib.sha512).hexdigest()

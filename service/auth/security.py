"""Password hashing (argon2) and bearer tokens (signed JWTs)."""

from datetime import timedelta
from uuid import UUID

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.config import get_settings
from service.db import utcnow

_hasher = PasswordHasher()
_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(user_id: UUID) -> str:
    settings = get_settings()
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "iat": now,
        "exp": now + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=_ALGORITHM)


def read_token(token: str) -> UUID | None:
    """The user id a valid, unexpired token was issued to; None otherwise."""
    try:
        claims = jwt.decode(token, get_settings().secret_key, algorithms=[_ALGORITHM])
        return UUID(claims["sub"])
    except (jwt.PyJWTError, KeyError, ValueError):
        return None

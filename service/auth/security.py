"""Password hashing (argon2) and bearer tokens (signed JWTs naming a server-side session)."""

import secrets
import threading
import time
from datetime import datetime
from functools import cache, lru_cache
from typing import NamedTuple
from uuid import UUID

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.config import get_settings
from service.errors import TooManyRequests

_hasher = PasswordHasher()
_ALGORITHM = "HS256"


@cache
def _hashing_slots() -> threading.BoundedSemaphore:
    # Each argon2 run takes 64 MiB: without a bound, a burst of log-ins in the thread pool
    # multiplies that by the pool's size.
    return threading.BoundedSemaphore(get_settings().password_hash_concurrency)


class _HashingSlot:
    def __enter__(self) -> None:
        if not _hashing_slots().acquire(timeout=get_settings().password_hash_wait_seconds):
            raise TooManyRequests("too many log-ins at once; try again shortly", retry_after=1)

    def __exit__(self, *_: object) -> None:
        _hashing_slots().release()


def hash_password(password: str) -> str:
    with _HashingSlot():
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        with _HashingSlot():
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def verify_nobody(password: str) -> None:
    """Spend the time a real verification takes, for an e-mail that has no usable account.

    Answering an unknown e-mail at once would tell a caller which e-mails have accounts.
    """
    verify_password(_dummy_hash(), password)


class TokenClaims(NamedTuple):
    user_id: UUID
    session_id: UUID


def issue_token(
    *, user_id: UUID, session_id: UUID, issued_at: datetime, expires_at: datetime
) -> str:
    claims = {"sub": str(user_id), "sid": str(session_id), "iat": issued_at, "exp": expires_at}
    return jwt.encode(claims, get_settings().secret_key, algorithm=_ALGORITHM)


def read_token(token: str) -> TokenClaims | None:
    """The user and session a validly signed, unexpired token names; None otherwise.

    Whether the session is still open is for the caller to check against the database.
    """
    try:
        claims, expires = _verified(token, get_settings().secret_key)
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None
    return claims if time.time() < expires else None


@lru_cache(maxsize=4096)
def _verified(token: str, key: str) -> tuple[TokenClaims, float]:
    """A token's claims and expiry, once its signature checks out with `key`; raises otherwise.

    A client sends the same token with every request: the signature and the claims are
    checked once, not on each (the session's lookup in the database stays on each). Only
    tokens that check out are kept (a raise is not cached), and the expiry is compared with
    the clock on every read.
    """
    claims = jwt.decode(
        token, key, algorithms=[_ALGORITHM], options={"require": ["exp", "iat", "sub", "sid"]}
    )
    return TokenClaims(UUID(claims["sub"]), UUID(claims["sid"])), float(claims["exp"])

"""Log-in throttling per account and per client address, counted in the database.

The database is what every API worker shares on every deployment (SQLite included), so a
guesser gains nothing by spreading attempts over workers. Each failure past the limit doubles
the wait, capped at LOGIN_LOCKOUT_MAX_SECONDS: guessing is slowed to a few attempts an hour
per account, while a person whose account is being attacked waits minutes at most.
"""

import math
from datetime import datetime, timedelta

from sqlalchemy import case, delete, update
from sqlmodel import Session, col, select

from service.auth.models import LoginThrottle
from service.config import get_settings
from service.db import upserting_insert
from service.errors import TooManyRequests

_table = LoginThrottle.__table__  # type: ignore[attr-defined]


def account_key(email: str) -> str:
    # No e-mail address is longer than 254 characters: a longer "e-mail" still counts, under
    # its first 254, and fits the key column.
    return f"account:{email.strip().lower()[:254]}"


def client_key(address: str) -> str:
    return f"client:{address}"


def reset_keys(email: str, address: str) -> list[str]:
    """The counters of password-reset requests: one per e-mail, one per client address."""
    return [f"reset:{email.strip().lower()[:254]}", f"reset-client:{address}"]


def check(
    *, session: Session, keys: list[str], now: datetime, what: str = "failed log-ins"
) -> None:
    """Refuse (429) while any of `keys` waits out its delay; nothing is counted."""
    blocked = session.exec(
        select(LoginThrottle.blocked_until).where(
            col(LoginThrottle.key).in_(keys), col(LoginThrottle.blocked_until) > now
        )
    ).all()
    until = max((b for b in blocked if b is not None), default=None)
    if until is not None:
        wait = math.ceil((until - now).total_seconds())
        raise TooManyRequests(f"too many {what}; try again in {wait} seconds", retry_after=wait)


def record_failure(*, session: Session, key: str, limit: int, now: datetime) -> None:
    """Count a failed log-in for `key`; past `limit`, refuse log-ins for a growing delay."""
    settings = get_settings()
    stale = now - timedelta(seconds=settings.login_failure_window_seconds)
    # One statement, so concurrent failures on two workers both count.
    quiet_for_a_window = _table.c.last_failure_at < stale
    statement = (
        upserting_insert(session, _table)
        .values(key=key, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={
                "failures": case((quiet_for_a_window, 1), else_=_table.c.failures + 1),
                "last_failure_at": now,
            },
        )
        .returning(_table.c.failures)
    )
    failures = session.execute(statement).scalar_one()
    if failures >= limit:
        delay = min(2 ** (failures - limit), settings.login_lockout_max_seconds)
        session.execute(
            update(_table)
            .where(_table.c.key == key)
            .values(blocked_until=now + timedelta(seconds=delay))
        )
    # Counters of addresses and e-mails that went quiet are of no more use.
    forgotten = stale - timedelta(seconds=settings.login_lockout_max_seconds)
    session.execute(delete(_table).where(_table.c.last_failure_at < forgotten))


def forget(*, session: Session, key: str) -> None:
    """A successful log-in clears its account's count (never its address's)."""
    session.execute(delete(_table).where(_table.c.key == key))

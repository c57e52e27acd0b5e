"""Log-in throttling, the password rule, bounded hashing and the token lifecycle (issue 12)."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any, Literal

import jwt
import pytest
from argon2 import PasswordHasher
from sqlalchemy import update

from service.auth import security
from service.auth.models import AuthSession, LoginThrottle
from service.config import get_settings
from service.db import utcnow
from tests.conftest import Api

TOKEN_URL = "/api/v1/auth/token"


def _log_in(client: Any, email: str, password: str = "password-123") -> Any:
    return client.post(TOKEN_URL, data={"username": email, "password": password})


def _me(client: Any, token: str) -> int:
    return int(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code)


# --- throttling ---------------------------------------------------------------------------------


def test_guessing_one_account_is_throttled_then_released(
    client: Any, committee: dict, session: Any
) -> None:
    chair = committee["chair"]
    limit = get_settings().login_account_max_failures
    for _ in range(limit):
        assert _log_in(client, chair, "wrong-password").status_code == 401
    refused = _log_in(client, chair)  # even the right password waits
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"] == "TooManyRequests"
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= get_settings().login_lockout_max_seconds
    # The delay passes: the owner logs in, and the count starts again.
    session.execute(update(LoginThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert _log_in(client, chair).status_code == 200
    assert _log_in(client, chair, "wrong-password").status_code == 401


def test_the_delay_grows_with_each_failure_up_to_the_cap(
    client: Any, committee: dict, session: Any
) -> None:
    chair = committee["chair"]
    waits = []
    for _ in range(get_settings().login_account_max_failures + 12):
        response = _log_in(client, chair, "wrong-password")
        if response.status_code == 429:
            waits.append(int(response.headers["Retry-After"]))
            session.execute(
                update(LoginThrottle).values(blocked_until=utcnow() - timedelta(seconds=1))
            )
            session.commit()
    assert waits == sorted(waits) and waits[-1] > waits[0]
    assert max(waits) <= get_settings().login_lockout_max_seconds


def test_one_address_guessing_many_accounts_is_throttled(client: Any, committee: dict) -> None:
    limit = get_settings().login_client_max_failures
    for i in range(limit):
        response = _log_in(client, f"nobody{i}@guess.example", "wrong-password")
        assert response.status_code == 401
    response = _log_in(client, committee["admin"])
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_unknown_and_known_emails_are_throttled_alike(client: Any, committee: dict) -> None:
    # Otherwise the throttle itself would tell which e-mails have accounts.
    limit = get_settings().login_account_max_failures
    answers = {}
    for email in (committee["chair"], "ghost@committee.example"):
        codes = [_log_in(client, email, "wrong-password").status_code for _ in range(limit + 1)]
        answers[email] = codes
    assert answers[committee["chair"]] == answers["ghost@committee.example"]
    assert answers["ghost@committee.example"][-1] == 429


def test_an_unknown_email_is_verified_against_a_hash(
    client: Any, committee: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            verified.append(str(password))
            return super().verify(hash, password)

    monkeypatch.setattr(security, "_hasher", CountingHasher())
    assert _log_in(client, "ghost@committee.example", "a-guess-123").status_code == 401
    assert verified == ["a-guess-123"]


# --- bounded hashing -----------------------------------------------------------------------------


@pytest.fixture
def one_hashing_slot(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PASSWORD_HASH_CONCURRENCY", "1")
    monkeypatch.setenv("PASSWORD_HASH_WAIT_SECONDS", "0.2")
    get_settings.cache_clear()
    security._hashing_slots.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
    security._hashing_slots.cache_clear()


def test_hashing_is_bounded_and_a_full_queue_answers_429(
    client: Any, committee: dict, one_hashing_slot: None
) -> None:
    slots = security._hashing_slots()
    assert slots.acquire(timeout=1)  # another log-in is hashing
    try:
        response = _log_in(client, committee["chair"])
    finally:
        slots.release()
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert _log_in(client, committee["chair"]).status_code == 200


# --- the password rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["12345678", "password", " " * 12, "newperson@tp.example", "Newperson-Surname", "qwertyuiop"],
)
def test_weak_passwords_are_refused(api: Api, committee: dict, password: str) -> None:
    response = api.as_(committee["admin"])(
        "POST",
        "/users",
        json={
            "email": "newperson@tp.example",
            "full_name": "Newperson Surname",
            "role": "reviewer",
            "password": password,
        },
    )
    assert response.status_code == 422, response.text
    assert "password" in response.json()["detail"]


# --- tokens and sessions -------------------------------------------------------------------------


def test_logout_revokes_the_token(client: Any, committee: dict) -> None:
    token = _log_in(client, committee["chair"]).json()["access_token"]
    other = _log_in(client, committee["chair"]).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert _me(client, token) == 401
    assert _me(client, other) == 200  # only that session ended


def test_a_password_change_ends_the_other_sessions(client: Any, committee: dict) -> None:
    chair = committee["chair"]
    kept = _log_in(client, chair).json()["access_token"]
    elsewhere = _log_in(client, chair).json()["access_token"]
    headers = {"Authorization": f"Bearer {kept}"}
    wrong = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": "not-it", "new_password": "violet harbour lantern 42"},
    )
    assert wrong.status_code == 422
    weak = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": "password-123", "new_password": "password1"},
    )
    assert weak.status_code == 422
    assert weak.json()["fields"][0]["field"] == "new_password"
    changed = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": "password-123", "new_password": "violet harbour lantern 42"},
    )
    assert changed.status_code == 204, changed.text
    assert _me(client, kept) == 200
    assert _me(client, elsewhere) == 401
    assert _log_in(client, chair).status_code == 401
    assert _log_in(client, chair, "violet harbour lantern 42").status_code == 200


def _forged(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, get_settings().secret_key, algorithm="HS256")


def test_a_token_without_exp_or_session_is_refused(client: Any, committee: dict) -> None:
    token = _log_in(client, committee["chair"]).json()["access_token"]
    claims = jwt.decode(token, get_settings().secret_key, algorithms=["HS256"])
    without_exp = {k: v for k, v in claims.items() if k != "exp"}
    without_sid = {k: v for k, v in claims.items() if k != "sid"}
    unknown_sid = {**claims, "sid": "00000000-0000-0000-0000-000000000000"}
    for forged in (without_exp, without_sid, unknown_sid):
        assert _me(client, _forged(forged)) == 401


def test_an_expired_session_is_refused(client: Any, committee: dict, session: Any) -> None:
    token = _log_in(client, committee["chair"]).json()["access_token"]
    session.execute(update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert _me(client, token) == 401


def test_a_token_once_accepted_is_refused_when_its_time_is_up(
    client: Any, committee: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signature check is remembered per token; the expiry is not."""
    token = _log_in(client, committee["chair"]).json()["access_token"]
    assert _me(client, token) == 200
    claims = jwt.decode(token, get_settings().secret_key, algorithms=["HS256"])
    monkeypatch.setattr(security.time, "time", lambda: claims["exp"] + 1)
    assert security.read_token(token) is None
    assert _me(client, token) == 401


def test_tokens_last_an_hour_by_default(client: Any, committee: dict) -> None:
    token = _log_in(client, committee["chair"]).json()["access_token"]
    claims = jwt.decode(token, get_settings().secret_key, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 60 * 60


def test_an_absurdly_long_username_is_just_a_failed_log_in(client: Any, committee: dict) -> None:
    assert _log_in(client, "x" * 5000, "wrong-password").status_code == 401

"""The development defaults start without warnings: no short JWT key, no missing broker host."""

import logging
import warnings
from uuid import uuid4

import jwt
import pytest
from kombu import Connection

from service.config import Settings


@pytest.fixture
def development(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("SECRET_KEY", "BROKER_URL", "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_the_development_key_signs_tokens_without_a_key_length_warning(
    development: Settings,
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jwt.encode({"sub": str(uuid4())}, development.secret_key, algorithm="HS256")


def test_the_development_key_is_refused_outside_development(
    development: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings(_env_file=None, secret_key=development.secret_key)  # type: ignore[call-arg]


@pytest.mark.parametrize("given", [None, "filesystem://"])
def test_the_filesystem_broker_connects_without_the_hostname_warning(
    given: str | None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("BROKER_URL", raising=False)
    if given:
        monkeypatch.setenv("BROKER_URL", given)
    url = Settings(_env_file=None).broker_url  # type: ignore[call-arg]
    with caplog.at_level(logging.WARNING, logger="kombu.connection"):
        Connection(url).as_uri()
    assert "No hostname" not in caplog.text

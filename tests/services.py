"""Find or start the PostgreSQL and Redis the tests run against.

Order: the URL given in the environment (TEST_DATABASE_URL, TEST_REDIS_URL); then, for
PostgreSQL, the standard local port before a server started here from the local binaries, and
for Redis the other way round (see redis_url). When none can be had, the run stops with one
line saying what to install.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from glob import glob
from pathlib import Path

import psycopg
import redis

_stoppers: list[Callable[[], None]] = []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_answers(url: str) -> bool:
    try:
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _wait(check: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def postgres_server_url() -> str:
    """A URL (without database name) of a PostgreSQL server that accepts `postgres` login."""
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        return given.rsplit("/", 1)[0]
    local = "postgresql+psycopg://postgres@127.0.0.1:5432"
    if _postgres_answers(local + "/postgres"):
        return local
    # The machine's own cluster, stopped: start it (Debian's wrapper works as root).
    if shutil.which("pg_ctlcluster") and glob("/etc/postgresql/*/main"):
        version = sorted(Path("/etc/postgresql").iterdir())[-1].name
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            check=False,
            capture_output=True,
        )
        if _wait(lambda: _postgres_answers(local + "/postgres")):
            return local
    binaries = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl")) or [shutil.which("pg_ctl") or ""]
    if binaries[-1] and os.geteuid() != 0:
        from pytest_postgresql.executors import PostgreSQLExecutor

        port = _free_port()
        root = tempfile.mkdtemp(prefix="committee-pg-")
        executor = PostgreSQLExecutor(
            executable=binaries[-1],
            host="127.0.0.1",
            port=port,
            datadir=f"{root}/data",
            unixsocketdir=root,
            logfile=f"{root}/log",
            startparams="-w",
            dbname="postgres",
        )
        executor.start()
        _stoppers.append(executor.stop)
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    raise RuntimeError(
        "the tests need PostgreSQL: install it (apt-get install postgresql) or set "
        "TEST_DATABASE_URL=postgresql+psycopg://user@host:port/db"
    )


def redis_url() -> str:
    """The URL of a Redis server the tests may flush (database 9).

    Unlike PostgreSQL (a database per run), Redis is isolated by starting a private server
    when the binary is at hand, so two runs on one machine never flush each other's queues;
    the shared local server is the fallback.
    """
    given = os.environ.get("TEST_REDIS_URL")
    if given:
        return given
    if shutil.which("redis-server"):
        port = _free_port()
        process = start_redis(port)
        _stoppers.append(process.terminate)
        url = f"redis://127.0.0.1:{port}/9"
        if _wait(lambda: _redis_answers(url)):
            return url
    local = "redis://127.0.0.1:6379/9"
    if _redis_answers(local):
        return local
    raise RuntimeError(
        "the tests need Redis: install it (apt-get install redis-server) or set "
        "TEST_REDIS_URL=redis://host:port/db"
    )


def start_redis(port: int) -> "subprocess.Popen[bytes]":
    """A private `redis-server` on loopback without persistence: a restart loses its queues."""
    return subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_started() -> None:
    for stop in reversed(_stoppers):
        stop()

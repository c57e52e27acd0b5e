"""Servers the benches start for themselves on loopback: PostgreSQL from the local binaries,
redis-server without persistence, and `committee` processes; all stopped at the end."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from glob import glob
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


class Servers:
    """Everything started here, stopped in reverse order by `stop()`."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="committee-bench-"))
        self._stops: list[Callable[[], None]] = []

    def postgres(self) -> str:
        """A fresh cluster; returns the URL of its `postgres` database's server (no name)."""
        found = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl")) or [shutil.which("pg_ctl") or ""]
        if not found[-1]:
            raise SystemExit("the bench needs PostgreSQL's server binaries (pg_ctl)")
        binaries = Path(found[-1]).parent
        data = self.folder / "pg"
        # PostgreSQL refuses to run as root: a root run hands the cluster to `postgres`.
        as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if as_user:
            shutil.chown(self.folder, "postgres")
        port = free_port()

        def pg(*args: str) -> None:
            subprocess.run([*as_user, *args], check=True, capture_output=True)

        pg(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust")
        options = (
            f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            "-c shared_buffers=256MB -c synchronous_commit=on"
        )
        pg(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(data) + ".log",
           "-w", "start")  # fmt: skip
        self._stops.append(
            lambda: pg(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        )
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}"

    def database(self, server: str, name: str) -> str:
        with psycopg.connect(server.replace("+psycopg", "") + "/postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        url = f"{server}/{name}"
        from alembic import command

        from service.cli import _alembic_config

        config = _alembic_config(url)
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")
        return url

    def redis(self) -> str:
        binary = shutil.which("redis-server")
        if not binary:
            raise SystemExit("the bench needs redis-server")
        port = free_port()
        process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly",
             "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

        def stop() -> None:
            process.terminate()
            process.wait()

        self._stops.append(stop)
        return f"redis://127.0.0.1:{port}/0"

    def committee(self, *args: str, env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
        """A `committee` subcommand with these settings, its output in the bench folder."""
        return self.python("service.cli", *args, env=env, log=log)

    def python(
        self, module: str, *args: str, env: dict[str, str], log: str
    ) -> subprocess.Popen[bytes]:
        """`python -m module args`, stopped by `stop()`, its output in the bench folder."""
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=(self.folder / log).open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def stop() -> None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

        self._stops.append(stop)
        return process

    def api(self, env: dict[str, str], workers: int) -> str:
        """`committee api --workers N` on a free port; returns its base URL once it answers."""
        port = free_port()
        self.committee(
            "api", "--port", str(port), "--workers", str(workers), env=env, log="api.log"
        )
        return self.answering(f"http://127.0.0.1:{port}", "/readyz")

    def answering(self, base: str, path: str) -> str:
        def answers() -> bool:
            try:
                return httpx.get(f"{base}{path}", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait(answers, 180, f"{base}{path}")
        return base

    def stop(self) -> None:
        for stop in reversed(self._stops):
            try:
                stop()
            except Exception as exc:  # keep stopping the rest
                print(f"stopping: {exc}", file=sys.stderr)
        shutil.rmtree(self.folder, ignore_errors=True)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

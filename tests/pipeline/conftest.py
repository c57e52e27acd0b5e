"""A real Celery worker (and beat when asked) in separate processes, on the test database."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import COMPLETE_PROPOSAL, Api

PDF = b"%PDF-1.7\n" + b"business plan " * 50


class Process:
    """A `committee` subcommand running beside the test, stopped (or killed) at the end."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, log: Path) -> None:
        self.args = args
        self.log = log
        self.env = {**os.environ, **(env or {})}
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> "Process":
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "service.cli", *self.args],
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so a kill reaches the pool's child processes too
        )
        return self

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash or the OOM killer would."""
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)  # a warm shutdown of the main process
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Callable[..., Process]]:
    started: list[Process] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Process:
        process = Process(*args, env=env, log=tmp_path / f"{args[0]}.log").start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def worker(processes: Callable[..., Process]) -> Process:
    return processes("worker", "--concurrency", "2", "--loglevel", "WARNING")


def wait_for(
    check: Callable[[], Any],
    seconds: float = 60,
    what: str = "condition",
    describe: Callable[[], object] | None = None,
) -> Any:
    """Poll until `check()` is truthy; fail with `what` (and `describe()`) after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    seen = f"; last seen: {describe()}" if describe else ""
    raise AssertionError(f"timed out waiting for {what}{seen}")


def submitted_proposal(api: Api, applicant: str, **changes: Any) -> str:
    """Create, attach a business plan and submit; returns the proposal id."""
    call = api.as_(applicant)
    created = call("POST", "/proposals", json={**COMPLETE_PROPOSAL, **changes})
    assert created.status_code == 201, created.text
    proposal_id = str(created.json()["id"])
    attached = call(
        "POST", f"/proposals/{proposal_id}/attachments", files={"file": ("plan.pdf", PDF)}
    )
    assert attached.status_code == 201, attached.text
    assert call("POST", f"/proposals/{proposal_id}/submit").status_code == 200
    return proposal_id


def state_of(api: Api, who: str, proposal_id: str) -> str:
    return str(api.as_(who)("GET", f"/proposals/{proposal_id}").json()["state"])

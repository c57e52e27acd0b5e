"""`committee dev` (what `make run` starts): SQLite and the filesystem broker, no server at all.

The demo's submitted proposal must reach review by itself through a real worker and beat.
"""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.pipeline.conftest import wait_for

# What the suite points at PostgreSQL and Redis; the zero-setup defaults must apply instead.
_SERVER_SETTINGS = ("DATABASE_URL", "BROKER_URL", "ATTACHMENTS_DIR", "ENVIRONMENT")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _states(database: Path) -> list[str]:
    if not database.exists():
        return []
    with sqlite3.connect(database) as connection:
        try:
            return [row[0] for row in connection.execute("SELECT state FROM proposals")]
        except sqlite3.OperationalError:  # not migrated yet
            return []


def test_dev_moves_the_demo_proposal_to_review_on_sqlite(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in _SERVER_SETTINGS}
    # The defaults are relative to the project folder; this run keeps its files apart.
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path}/var/committee.db",
        BROKER_FOLDER=str(tmp_path / "var" / "broker"),
        ATTACHMENTS_DIR=str(tmp_path / "var" / "attachments"),
    )
    port = _free_port()
    dev = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "dev", "--port", str(port)],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        stdout=(tmp_path / "dev.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    database = tmp_path / "var" / "committee.db"
    try:
        wait_for(
            lambda: "in_review" in _states(database),
            seconds=120,
            what="the demo proposal in review",
            describe=lambda: (_states(database), (tmp_path / "dev.log").read_text()[-2000:]),
        )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
        assert (tmp_path / "var" / "broker").is_dir()  # the embedded broker's folder
    finally:
        dev.send_signal(signal.SIGTERM)
        assert dev.wait(timeout=60) == 0
        # dev stops its API, worker and beat with it: nothing is left in its process group.
        left = subprocess.run(
            ["pgrep", "-g", str(dev.pid)], capture_output=True, text=True, check=False
        )
        assert left.stdout.strip() == "", left.stdout

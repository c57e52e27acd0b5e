"""`committee api --workers N` serves from N processes with one set of metrics; a taken port
is one clear line and a non-zero exit."""

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from service.config import PROJECT_ROOT, Settings
from tests.pipeline.conftest import Process, wait_for
from tests.services import _free_port


def _healthz_count(metrics: str) -> float:
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith("committee_http_requests_total{") and 'route="/healthz"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_api_workers_share_the_port_and_add_their_metrics_up(
    processes: Callable[..., Process], migrated: None
) -> None:
    port = _free_port()
    api = processes("api", "--workers", "2", "--port", str(port))
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(up, seconds=120, what="the API to answer")
    assert api.popen is not None
    children = subprocess.run(
        ["pgrep", "-P", str(api.popen.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    # gunicorn's arbiter runs two uvicorn servers.
    assert len(children) == 2
    # Both processes answer (new connections are spread by the kernel); whichever answers
    # /metrics reports the requests of both, or some would be missing from the sum.
    time.sleep(3)  # the second process may still be importing
    sent = 0
    for _ in range(40):
        with httpx.Client() as fresh:  # a new connection each time
            assert fresh.get(f"{base}/healthz").status_code == 200
            sent += 1
    for _ in range(5):
        scraped = httpx.get(f"{base}/metrics", timeout=10)
        assert scraped.status_code == 200
        assert _healthz_count(scraped.text) >= sent


def test_connections_opened_at_once_are_spread_over_the_processes(
    processes: Callable[..., Process], migrated: None
) -> None:
    """Clients and proxies keep their connections open: with one shared listening socket, the
    process that woke first accepted a whole burst and served it alone on one core."""
    import psutil

    port = _free_port()
    api = processes("api", "--workers", "2", "--port", str(port))
    base = f"http://127.0.0.1:{port}"

    def both_up() -> bool:
        assert api.popen is not None
        workers = psutil.Process(api.popen.pid).children()
        return len(workers) == 2 and all(
            any(c.laddr.port == port for c in w.net_connections("tcp")) for w in workers
        )

    wait_for(both_up, seconds=120, what="both processes to listen")
    clients = [httpx.Client(base_url=base) for _ in range(16)]
    try:
        for client in clients:  # each opens its connection and keeps it
            assert client.get("/healthz").status_code == 200
        assert api.popen is not None
        held = [
            sum(
                1
                for c in worker.net_connections("tcp")
                if c.laddr.port == port and c.status == psutil.CONN_ESTABLISHED
            )
            for worker in psutil.Process(api.popen.pid).children()
        ]
    finally:
        for client in clients:
            client.close()
    assert sum(held) == 16
    assert min(held) >= 1, held  # all on one process: 2 in 65,536 by chance


def test_a_taken_port_is_one_clear_line_and_a_failure(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for command in ("api", "dev"):
            finished = subprocess.run(
                [sys.executable, "-m", "service.cli", command, "--port", str(port)],
                capture_output=True,
                text=True,
                timeout=120,
                cwd=tmp_path,
            )
            assert finished.returncode != 0, command
            assert finished.stdout == ""
            lines = finished.stderr.strip().splitlines()
            assert len(lines) == 1, (command, lines)
            assert f"cannot listen on 127.0.0.1:{port}" in lines[0]
            assert "Address already in use" in lines[0]


def test_relative_paths_are_the_project_folders_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/committee.db")
    monkeypatch.setenv("ATTACHMENTS_DIR", "var/attachments")
    settings = Settings()
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT}/var/committee.db"
    assert settings.attachments_dir == PROJECT_ROOT / "var" / "attachments"
    assert settings.broker_folder == PROJECT_ROOT / "var" / "broker"
    monkeypatch.setenv("DATABASE_URL", "sqlite:////srv/committee.db")
    assert Settings().database_url == "sqlite:////srv/committee.db"

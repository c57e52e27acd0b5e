"""A real API process, a real worker and headless Chromium for the browser tests."""

import os
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.pipeline import conftest as pipeline
from tests.pipeline.conftest import Process

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The pipeline suite's fixtures: processes started beside the test, a real Celery worker.
processes = pipeline.processes
worker = pipeline.worker
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(processes: Callable[..., Process], db: None, broker: Any) -> str:
    """The API and its pages served by uvicorn on a free loopback port."""
    port = _free_port()
    processes("api", "--port", str(port))
    # localhost, not 127.0.0.1: browsers treat it as a secure context, so the Secure cookies
    # the test environment sets are kept over plain http.
    base = f"http://localhost:{port}"
    deadline = time.monotonic() + 120  # a busy shared machine starts it slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the API process did not start")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `apt-get install -y chromium` (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots() -> None:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)

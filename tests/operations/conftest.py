"""A PostgreSQL server of the test's own, that the test may stop and start again for real."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from glob import glob
from pathlib import Path

import psycopg
import pytest

from tests.pipeline.conftest import processes  # noqa: F401  (the fixture, shared)
from tests.services import _free_port


class PrivatePostgres:
    """A cluster from the local binaries in a temporary folder, on a free loopback port."""

    def __init__(self) -> None:
        binaries = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl")) or [shutil.which("pg_ctl")]
        if not binaries[-1]:
            pytest.skip("PostgreSQL's server binaries (pg_ctl) are not installed")
        self.bin = Path(str(binaries[-1])).parent
        self.root = Path(tempfile.mkdtemp(prefix="committee-private-pg-"))
        self.port = _free_port()
        # PostgreSQL refuses to run as root: a root test run hands the cluster to `postgres`.
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.run_as:
            shutil.chown(self.root, "postgres")
        self._pg("initdb", "-D", f"{self.root}/data", "-U", "postgres", "--auth=trust")
        self.start()

    def _pg(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self.run_as, str(self.bin / program), *args], check=True, capture_output=True
        )

    @property
    def server_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._pg(
            "pg_ctl", "-D", f"{self.root}/data", "-o", options, "-l", f"{self.root}/log", "-w",
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        # Fast shutdown: open connections are cut, as in a crash or fail-over.
        self._pg("pg_ctl", "-D", f"{self.root}/data", "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> str:
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"{self.server_url}/{name}"

    def remove(self) -> None:
        subprocess.run(
            [*self.run_as, str(self.bin / "pg_ctl"), "-D", f"{self.root}/data", "-m",
             "immediate", "stop"],
            check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    yield server
    server.remove()

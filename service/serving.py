"""`committee api --workers N`: gunicorn's arbiter over N uvicorn workers, one socket each.

uvicorn's own --workers hands every process one shared listening socket; a process woken by a
burst of connections accepts the whole burst, and since clients (and proxies) keep their
connections alive, one process served nearly all the traffic on one core while the others
idled (measured with bench/submit.py: all 16 connections on one of two processes in most
runs). With gunicorn's reuse_port each worker binds its own SO_REUSEPORT socket after the
fork and the kernel spreads new connections across them. gunicorn also restarts a worker that
dies or stops answering its heartbeat.
"""

import os
import tempfile
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from uvicorn.importer import import_from_string


def _metrics_folder() -> None:
    """Give the API's processes one folder to add their metrics up in (see admin.metrics)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        # Files of an earlier run would be counted again: the folder must start empty.
        for stale in Path(folder).glob("*.db"):
            stale.unlink()
        Path(folder).mkdir(parents=True, exist_ok=True)
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="committee-metrics-")


def _say_where(arbiter: Any) -> None:
    # With reuse_port the arbiter holds no socket, so gunicorn's own line names no address.
    bind = arbiter.cfg.bind[0]
    print(f"committee api: {arbiter.num_workers} processes serving http://{bind}", flush=True)


def _forget_dead_worker(_arbiter: Any, worker: Any) -> None:
    # Its live gauges must not be added up with the living processes' any more.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class _Application(BaseApplication):
    def __init__(self, app: str, factory: bool, options: dict[str, Any]) -> None:
        self.app, self.factory, self.options = app, factory, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # In each worker after the fork: no database connection crosses a fork.
        found = import_from_string(self.app)
        return found() if self.factory else found


def serve(
    *,
    host: str,
    port: int,
    workers: int,
    app: str = "service.main:create_app",
    factory: bool = True,
) -> None:
    """Run `app` (an import path; a factory by default) in `workers` processes until SIGTERM
    or SIGINT."""
    _metrics_folder()  # before the processes start: they inherit it
    _Application(
        app,
        factory,
        {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "worker_class": "uvicorn_worker.UvicornWorker",
            "reuse_port": True,
            "child_exit": _forget_dead_worker,
            "when_ready": _say_where,
            "accesslog": "-",
            "errorlog": "-",
            # Problems only: at INFO gunicorn reports each worker's start and stop, and a
            # harmless "Error while closing socket" for each worker's own socket at shutdown.
            "loglevel": "warning",
            "proc_name": "committee-api",
            # Its runtime control socket would be a file in the user's home; nothing uses it.
            "control_socket_disable": True,
        },
    ).run()

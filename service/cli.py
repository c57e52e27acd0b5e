"""`committee`: run the API, the worker, the scheduler, migrations and the demo."""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

_ROOT = Path(__file__).resolve().parent.parent


def _alembic_config(url: str | None = None) -> "Config":
    from alembic.config import Config

    config = Config(str(_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(_ROOT / "migrations"))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def _prepare_local_folders() -> None:
    from service.config import get_settings

    settings = get_settings()
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    Path(settings.attachments_dir).mkdir(parents=True, exist_ok=True)


def migrate(args: argparse.Namespace) -> None:
    from alembic import command

    _prepare_local_folders()
    command.upgrade(_alembic_config(), args.revision)


def _refuse_taken_port(host: str, port: int) -> None:
    """Exit with one clear line when the address is taken (uvicorn's own is lost in its log)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # As uvicorn binds: a port only in TIME_WAIT from an earlier run counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as refused:
            sys.exit(
                f"committee: cannot listen on {host}:{port}: {refused.strerror}; "
                f"stop what uses it or pick another port (make run PORT={port + 1})"
            )


def api(args: argparse.Namespace) -> None:
    if args.workers < 1:
        sys.exit("committee api: --workers must be at least 1")
    _refuse_taken_port(args.host, args.port)
    if args.workers == 1:
        import uvicorn

        uvicorn.run("service.main:create_app", factory=True, host=args.host, port=args.port)
        return
    from service.serving import serve

    serve(host=args.host, port=args.port, workers=args.workers)


def worker(args: argparse.Namespace) -> None:
    from service.config import get_settings

    port = args.metrics_port
    if port is None:
        port = get_settings().worker_metrics_port
    if port:
        # Before anything imports prometheus_client: the pool's processes share a folder.
        from service.admin.worker_metrics import serve_worker_metrics

        serve_worker_metrics(port)
    # Loaded here, before the pool forks, so that its processes inherit it: each would
    # otherwise spend seconds of CPU importing scikit-learn at its first assignment job.
    import sklearn.feature_extraction.text  # noqa: F401

    from workers.celery_app import celery_app

    celery_app.worker_main(
        ["worker", f"--loglevel={args.loglevel}", f"--concurrency={args.concurrency}", "-E"]
    )


def beat(args: argparse.Namespace) -> None:
    from workers.celery_app import celery_app

    schedule = Path(args.schedule)
    schedule.parent.mkdir(parents=True, exist_ok=True)
    celery_app.start(["beat", f"--loglevel={args.loglevel}", f"--schedule={schedule}"])


def seed(_: argparse.Namespace) -> None:
    from service.db import session_scope
    from service.seed import DEMO_PASSWORD, seed_demo

    with session_scope() as session:
        logins = seed_demo(session)
    print(f"Demo logins (password {DEMO_PASSWORD!r} for all):")
    for login in logins:
        print(f"  {login.role:<10} {login.email:<32} {login.note}")


def create_admin(args: argparse.Namespace) -> None:
    from service.auth.models import Role, UserCreate
    from service.auth.service import create_user
    from service.db import session_scope

    password = args.password or os.environ.get("ADMIN_PASSWORD")
    if not password:
        sys.exit("create-admin: give --password or set ADMIN_PASSWORD")
    with session_scope() as session:
        user = create_user(
            session=session,
            data=UserCreate(
                email=args.email, full_name=args.name, role=Role.admin, password=password
            ),
        )
    print(f"admin {user.email} created ({user.id})")


def queue(args: argparse.Namespace) -> None:
    from service.admin.terminal import show_queue

    show_queue(as_json=args.json, watch=args.watch)


def _wait_until_up(url: str, children: list[subprocess.Popen[bytes]]) -> bool:
    """Whether `url` answers before any child exits (or about two minutes pass)."""
    import urllib.request

    for _ in range(240):
        if any(child.poll() is not None for child in children):
            return False
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except OSError:
            time.sleep(0.5)
    return False


def dev(args: argparse.Namespace) -> None:
    """Migrate, seed, then run the API, a worker and beat until interrupted."""
    from service.config import get_settings

    _refuse_taken_port(args.host, args.port)  # before anything else: nothing to undo
    migrate(argparse.Namespace(revision="head"))
    seed(args)
    settings = get_settings()
    exe = [sys.executable, "-m", "service.cli"]
    children = [
        subprocess.Popen([*exe, "worker", "--concurrency", "2"]),
        subprocess.Popen([*exe, "beat"]),
        subprocess.Popen([*exe, "api", "--host", args.host, "--port", str(args.port)]),
    ]

    def stop(code: int) -> None:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()  # a worker stuck in its warm shutdown must not outlive dev
        sys.exit(code)

    signal.signal(signal.SIGTERM, lambda *_: stop(0))
    # Probe where a client on this machine reaches the API (a wildcard bind is not an address).
    probe = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    base = f"http://{probe}:{args.port}"
    try:
        if not _wait_until_up(f"{base}/healthz", children):
            print("committee dev: the API did not come up; see the lines above", file=sys.stderr)
            stop(1)
        print(
            f"\nready: API {base}/api/v1  docs {base}/docs  (database {settings.database_url}, "
            f"broker {settings.broker_url})\nPress Ctrl-C to stop.",
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        stop(0)
    print("committee dev: a process stopped unexpectedly; see the lines above", file=sys.stderr)
    stop(1)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="committee",
        description="Expert committee review service. Configuration comes from environment "
        "variables (DATABASE_URL, BROKER_URL, SECRET_KEY, ...; see the README).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, func: Callable[[argparse.Namespace], None], help: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(func=func)
        return sub

    for name, func, help in [
        ("api", api, "Serve the HTTP API with uvicorn."),
        ("dev", dev, "Zero setup: migrate, seed the demo, run the API, a worker and beat."),
    ]:
        sub = command(name, func, help)
        sub.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
        sub.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    commands.choices["api"].add_argument(
        "--workers",
        type=int,
        default=1,
        help="API processes sharing the port, one per core at most (default 1); their "
        "metrics are added up on /metrics through PROMETHEUS_MULTIPROC_DIR, which this "
        "sets up (a fresh temporary folder unless given)",
    )
    sub = command("worker", worker, "Run a Celery worker for the review pipeline.")
    sub.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
    sub.add_argument("--loglevel", default="INFO", help="log level (default INFO)")
    sub.add_argument(
        "--metrics-port",
        type=int,
        help="serve the worker's task metrics for Prometheus on this port "
        "(default WORKER_METRICS_PORT; 0 or unset: not served)",
    )
    sub = command("beat", beat, "Run the Celery scheduler (outbox sweeper, deadline scans).")
    sub.add_argument("--loglevel", default="INFO", help="log level (default INFO)")
    sub.add_argument(
        "--schedule",
        default="var/celerybeat-schedule",
        help="file where beat keeps its last run times (default var/celerybeat-schedule)",
    )
    sub = command(
        "queue",
        queue,
        "Show the pipeline's queues, workers, stalls and late reviews (admins' queue view).",
    )
    sub.add_argument("--json", action="store_true", help="print the view as JSON")
    sub.add_argument(
        "--watch", type=float, metavar="N", help="refresh every N seconds until Ctrl-C"
    )
    sub = command("migrate", migrate, "Apply database migrations (alembic upgrade).")
    sub.add_argument("revision", nargs="?", default="head", help="target revision (default head)")
    command("seed", seed, "Create the demo organisation, users, committee and proposal.")
    sub = command("create-admin", create_admin, "Create an administrator account.")
    sub.add_argument("--email", required=True, help="the admin's e-mail (login)")
    sub.add_argument("--name", default="Administrator", help="full name")
    sub.add_argument("--password", help="password (or set ADMIN_PASSWORD)")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()

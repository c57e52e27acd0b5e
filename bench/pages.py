"""Benchmark of the web pages against the JSON API for the same data, in the same run.

    .venv/bin/python bench/pages.py [--requests 300] [--proposals 50] [--server URL]

Creates a scratch PostgreSQL database (on --server, default the local one), migrates it, seeds
the demo committee plus --proposals drafts of the demo applicant (a few with attachments and
submitted, so pages show a history), starts `committee api` on a free loopback port and asks,
interleaved so both see the same machine load:

- the proposal list page against `GET /api/v1/proposals` for the same page of rows;
- a proposal's page against `GET /api/v1/proposals/{id}` alone, and against the API calls that
  gather what the page shows (proposal, attachments, history, analysis, decision);
- the sign-in page against `GET /healthz` (the cost of a request that renders nothing).

Prints p50 and p99 per request and the page / API ratios. No worker runs: no job moves on.
"""

import argparse
import io
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pipeline import _database, _drop  # noqa: E402

PDF = b"%PDF-1.7\n" + b"business plan " * 200


def _seed(proposals: int) -> None:
    from sqlmodel import Session, select

    from service.auth.models import User
    from service.db import get_engine
    from service.proposals.attachments import add
    from service.proposals.models import ProposalCreate
    from service.proposals.service import create, submit
    from service.seed import seed_demo

    with Session(get_engine(), expire_on_commit=False) as session:
        seed_demo(session)
        applicant = session.exec(select(User).where(User.email == "applicant@qdbio.example")).one()
        for number in range(proposals):
            proposal = create(
                session=session,
                user=applicant,
                data=ProposalCreate(
                    title=f"Programme {number}: bispecific antibody for solid tumours",
                    summary=f"Programme {number}. " + "A PD-1 x VEGF bispecific antibody. " * 20,
                    therapeutic_area="oncology",
                    modality="bispecific_antibody",
                    phase="phase_2",
                    budget_requested=60_000_000 + number,
                    expected_peak_sales=800_000_000,
                    target_launch_year=2033,
                    target_markets=["CN", "KZ", "RU"],
                    keywords=["bispecific", "oncology", f"programme-{number}"],
                ),
            )
            if number % 5 == 0:
                add(
                    session=session,
                    user=applicant,
                    proposal_id=proposal.id,
                    filename="plan.pdf",
                    stream=io.BytesIO(PDF),
                )
                submit(session=session, user=applicant, proposal_id=proposal.id)
        session.commit()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


def _timed(call: Callable[[], httpx.Response]) -> float:
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (response.status_code, response.text[:200])
    return elapsed


def run(base: str, requests: int, page_size: int) -> None:
    from service.seed import DEMO_PASSWORD

    email = "applicant@qdbio.example"
    with (
        httpx.Client(base_url=base, timeout=30) as api,
        httpx.Client(base_url=base, timeout=30) as browser,
    ):
        token = api.post(
            "/api/v1/auth/token", data={"username": email, "password": DEMO_PASSWORD}
        ).json()["access_token"]
        api.headers["Authorization"] = f"Bearer {token}"
        # The page session: the same token in the cookie the sign-in page sets.
        browser.cookies.set("committee_session", token)
        listed = api.get("/api/v1/proposals", params={"limit": page_size}).json()["items"]
        busy = next(p for p in listed if p["state"] != "draft")["id"]

        def detail_calls() -> httpx.Response:
            for suffix in ("", "/attachments", "/history"):
                api.get(f"/api/v1/proposals/{busy}{suffix}")
            for suffix in ("/analysis", "/decision"):
                api.get(f"/api/v1/proposals/{busy}{suffix}")  # 404 until the workers ran
            return httpx.Response(200)

        cases: list[tuple[str, Callable[[], httpx.Response]]] = [
            ("page  /proposals", lambda: browser.get("/proposals")),
            ("api   /proposals", lambda: api.get("/api/v1/proposals", params={"limit": page_size})),
            ("page  /proposals/{id}", lambda: browser.get(f"/proposals/{busy}")),
            ("api   /proposals/{id}", lambda: api.get(f"/api/v1/proposals/{busy}")),
            ("api   the page's 5 calls", detail_calls),
            ("page  /login", lambda: browser.get("/login")),
            ("      /healthz", lambda: browser.get("/healthz")),
        ]
        for _, call in cases:  # warm up: templates compiled, connections open
            for _ in range(5):
                _timed(call)
        samples: dict[str, list[float]] = {name: [] for name, _ in cases}
        for _ in range(requests):
            for name, call in cases:
                samples[name].append(_timed(call))
    figures = {name: _percentiles(values) for name, values in samples.items()}
    print(f"{'request':<28} {'p50 ms':>8} {'p99 ms':>8}")
    for name, (p50, p99) in figures.items():
        print(f"{name:<28} {p50:8.2f} {p99:8.2f}")

    pairs = [
        ("list page / list API", "page  /proposals", "api   /proposals"),
        ("proposal page / proposal API", "page  /proposals/{id}", "api   /proposals/{id}"),
        ("proposal page / its 5 API calls", "page  /proposals/{id}", "api   the page's 5 calls"),
    ]
    for label, page, api_name in pairs:
        print(f"p99 ratio {label:<32} {figures[page][1] / figures[api_name][1]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=300, help="per case (default 300)")
    parser.add_argument("--proposals", type=int, default=50, help="drafts to seed (default 50)")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    name = _database(args.server)
    os.environ.update(
        DATABASE_URL=f"{args.server}/{name}",
        BROKER_URL=args.broker,
        ENVIRONMENT="development",
        SECRET_KEY="bench-secret-key-bench-secret-key-0123",
        ATTACHMENTS_DIR=str(ROOT / "var" / f"bench-attachments-{name}"),
    )
    server: subprocess.Popen[bytes] | None = None
    try:
        from alembic import command

        from service.cli import _alembic_config
        from service.config import get_settings

        command.upgrade(_alembic_config(os.environ["DATABASE_URL"]), "head")
        _seed(args.proposals)
        port = _free_port()
        log = ROOT / "var" / "bench-pages-api.log"
        log.parent.mkdir(exist_ok=True)
        server = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "api", "--port", str(port)],
            env=os.environ.copy(),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # a busy shared machine starts it slowly
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the API did not start; see {log}") from None
            time.sleep(0.2)
        # The list page shows one page of the default size (its cursor leads on): the API alike.
        run(base, args.requests, get_settings().page_size_default)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        from service.db import get_engine

        get_engine().dispose()
        _drop(args.server, name)
    print(f"proposals: {args.proposals}, requests per case: {args.requests}")


if __name__ == "__main__":
    main()

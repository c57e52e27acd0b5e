"""Benchmark of submitting over HTTP: create + attach + submit against `committee api --workers 2`.

    .venv/bin/python bench/submit.py [--n 500] [--clients 16] [--api-workers 2] [--rounds 3]

Starts its own PostgreSQL (from the local binaries), Redis (no persistence), `committee api
--workers N` and `committee worker` on loopback, seeds a committee (200 organisations, 250
reviewers), then drives N proposals through the three requests an applicant makes (create the
draft, attach the business plan, submit), at most --clients flows at a time. Printed: flows per
second and p50/p99 of a flow and of each request, beside the thin-insert ceiling measured in
the same run (the same three requests, each one INSERT and commit, served the same way:
bench/thin.py), their ratio (goal: at least 0.7), and the seconds from the last submit until
the workers have every proposal in review (goal: under 10). Each of --rounds rounds runs the
ceiling, the signed insert (the ceiling behind the API's own authentication, for information:
bench/thin.py) and then the submits moments apart; the medians over the rounds come last.
"""

import argparse
import asyncio
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bench.seed import WORDS
from bench.servers import Servers, free_port, percentile, wait

PDF = b"%PDF-1.7\n" + b"business plan " * 200
STEPS = ("create", "attach", "submit")


def _seed() -> list[str]:
    """200 organisations with an applicant each and a committee of 250 reviewers; a signed-in
    session token per applicant."""
    from sqlmodel import Session

    from bench.seed import seed_committee
    from service.auth.service import open_session
    from service.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as session:
        applicants = seed_committee(
            session, random.Random(5), password_hash="x", reviewer_capacity=1000
        )
        tokens = [open_session(session=session, user=a) for a in applicants]
        session.commit()
        return tokens


def _proposal(i: int, rng: random.Random) -> dict[str, Any]:
    return {
        "title": f"Programme {i}: " + " ".join(rng.sample(WORDS, 4)),
        "summary": " ".join(rng.sample(WORDS, 20)) + f" reference {i}",
        "therapeutic_area": "oncology",
        "modality": "small_molecule",
        "phase": "phase_2",
        "budget_requested": 50_000_000,
        "expected_peak_sales": 500_000_000,
        "target_launch_year": 2035,
        "target_markets": ["CN", "KZ"],
        "keywords": rng.sample(WORDS, 3),
    }


# One proposal's requests: (client, its number, where to add each request's milliseconds).
Flow = Callable[[httpx.AsyncClient, int, dict[str, list[float]]], Awaitable[None]]


# A run's wall seconds, each flow's milliseconds, and each step's.
Drive = tuple[float, list[float], dict[str, list[float]]]


async def _drive(base: str, n: int, clients: int, flow: Flow) -> Drive:
    """Run n flows, at most `clients` at a time; wall seconds, flow and per-step ms."""
    gate = asyncio.Semaphore(clients)
    flows: list[float] = []
    steps: dict[str, list[float]] = {step: [] for step in STEPS}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def one(i: int) -> None:
            async with gate:
                began = time.perf_counter()
                await flow(client, i, steps)
                flows.append((time.perf_counter() - began) * 1000)

        began = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return time.perf_counter() - began, flows, steps


async def _timed(
    steps: dict[str, list[float]], step: str, request: Awaitable[httpx.Response], expect: int
) -> httpx.Response:
    began = time.perf_counter()
    response = await request
    steps[step].append((time.perf_counter() - began) * 1000)
    if response.status_code != expect:
        raise SystemExit(f"{step}: {response.status_code} {response.text[:300]}")
    return response


def _submit_flow(tokens: list[str], bodies: list[dict[str, Any]]) -> Flow:
    async def flow(client: httpx.AsyncClient, i: int, steps: dict[str, list[float]]) -> None:
        auth = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
        created = await _timed(
            steps, "create", client.post("/api/v1/proposals", json=bodies[i], headers=auth), 201
        )
        proposal = created.json()["id"]
        await _timed(
            steps,
            "attach",
            client.post(
                f"/api/v1/proposals/{proposal}/attachments",
                files={"file": ("plan.pdf", PDF, "application/pdf")},
                headers=auth,
            ),
            201,
        )
        await _timed(
            steps, "submit", client.post(f"/api/v1/proposals/{proposal}/submit", headers=auth), 200
        )

    return flow


def _thin_flow(bodies: list[dict[str, Any]]) -> Flow:
    async def flow(client: httpx.AsyncClient, i: int, steps: dict[str, list[float]]) -> None:
        await _timed(steps, "create", client.post("/thin", json=bodies[i]), 201)
        files = {"file": ("plan.pdf", PDF, "application/pdf")}
        await _timed(steps, "attach", client.post("/thin", files=files), 201)
        await _timed(steps, "submit", client.post("/thin"), 201)

    return flow


def _signed_flow(tokens: list[str], bodies: list[dict[str, Any]]) -> Flow:
    async def flow(client: httpx.AsyncClient, i: int, steps: dict[str, list[float]]) -> None:
        auth = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
        await _timed(steps, "create", client.post("/signed", json=bodies[i], headers=auth), 201)
        files = {"file": ("plan.pdf", PDF, "application/pdf")}
        await _timed(steps, "attach", client.post("/signed", files=files, headers=auth), 201)
        await _timed(steps, "submit", client.post("/signed", headers=auth), 201)

    return flow


def _in_review() -> int:
    from sqlalchemy import text

    from service.db import get_engine

    with get_engine().connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM proposals WHERE state = 'in_review'")
            ).scalar_one()
        )


def _until_in_review(count: int, timeout: float) -> None:
    wait(lambda: _in_review() >= count, timeout, "every proposal in review")


def _until_quiet(broker: str, timeout: float) -> None:
    """Until the workers have nothing left to do (the invitations they e-mail after staffing,
    among others), so that the next round's ceiling does not share the machine with them."""
    import redis
    from sqlalchemy import text

    from service.db import get_engine
    from service.jobs import queue_names

    queues = redis.Redis.from_url(broker)

    def quiet() -> bool:
        with get_engine().connect() as connection:
            left = connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM notifications WHERE status = 'pending') "
                    "+ (SELECT count(*) FROM outbox WHERE sent_at IS NULL)"
                )
            ).scalar_one()
        return left == 0 and sum(queues.llen(name) for name in queue_names()) == 0

    wait(quiet, timeout, "the workers to finish")


def _row(
    what: str, n: int, seconds: float, flows: list[float], steps: dict[str, list[float]]
) -> str:
    parts = " ".join(
        f"{step} {statistics.median(steps[step]):6.1f}/{percentile(steps[step], 0.99):6.1f}"
        for step in STEPS
    )
    return (
        f"{what:<8} {n / seconds:8.1f}/s  flow p50 {statistics.median(flows):7.1f} "
        f"p99 {percentile(flows, 0.99):7.1f} ms   (p50/p99 ms: {parts})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=500, help="proposals a round (default 500)")
    parser.add_argument("--clients", type=int, default=16, help="flows at a time (default 16)")
    parser.add_argument("--api-workers", type=int, default=2, help="API processes (default 2)")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument(
        "--rounds", type=int, default=3, help="ceiling-then-submit rounds (default 3)"
    )
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    rounds: list[tuple[Drive, Drive, Drive, float]] = []
    servers = Servers()
    try:
        database = servers.database(servers.postgres(), "committee_bench_submit")
        env = {
            "DATABASE_URL": database,
            "BROKER_URL": servers.redis(),
            "ENVIRONMENT": "development",
            "SECRET_KEY": "bench-secret-key-bench-secret-key-0123456789",
            "ATTACHMENTS_DIR": str(servers.folder / "attachments"),
        }
        os.environ.update(env)
        tokens = _seed()
        rng = random.Random(3)
        # Fresh proposals each round: screening sends a near-copy of its organisation's
        # earlier proposal back to the applicant instead of on to review.
        bodies = [_proposal(i, rng) for i in range(args.n * args.rounds)]

        port = free_port()
        servers.python("bench.thin", str(port), str(args.api_workers), env=env, log="thin.log")
        thin_base = servers.answering(f"http://127.0.0.1:{port}", "/healthz")
        servers.committee(
            "worker", "--concurrency", str(args.worker_concurrency), "--loglevel", "INFO",
            env=env, log="worker.log",
        )  # fmt: skip
        base = servers.api(env, workers=args.api_workers)
        # A deployed worker is running already: its start-up is not part of the submits.
        wait(lambda: b" ready." in (servers.folder / "worker.log").read_bytes(), 180, "worker")
        # Rounds, each the ceiling and then the submits on the same machine moments apart: a
        # shared machine's load drifts, and one pairing moved the ratio by a tenth.
        for done in range(1, args.rounds + 1):
            these = bodies[(done - 1) * args.n : done * args.n]
            ceiling = asyncio.run(_drive(thin_base, args.n, args.clients, _thin_flow(these)))
            signed_flow = _signed_flow(tokens, these)
            signed = asyncio.run(_drive(thin_base, args.n, args.clients, signed_flow))
            flow = _submit_flow(tokens, these)
            submitted = asyncio.run(_drive(base, args.n, args.clients, flow))
            last_submit = time.perf_counter()
            _until_in_review(args.n * done, args.timeout)
            rounds.append((submitted, ceiling, signed, time.perf_counter() - last_submit))
            _until_quiet(env["BROKER_URL"], args.timeout)
    finally:
        from service.db import get_engine

        get_engine().dispose()
        servers.stop()

    print(
        f"\n{args.n} proposals a round, {args.clients} at a time, API --workers "
        f"{args.api_workers}, worker concurrency {args.worker_concurrency}"
    )
    for number, (submitted, ceiling, signed, settled) in enumerate(rounds, 1):
        print(f"round {number}")
        print(_row("submit", args.n, *submitted))
        print(_row("ceiling", args.n, *ceiling))
        print(_row("signed", args.n, *signed))
        print(
            f"ratio {ceiling[0] / submitted[0]:.2f} (to the signed insert "
            f"{signed[0] / submitted[0]:.2f}), every proposal in review {settled:.1f} s after the "
            "last submit"
        )
    ratios = [ceiling[0] / submitted[0] for submitted, ceiling, _, _ in rounds]
    to_signed = [signed[0] / submitted[0] for submitted, _, signed, _ in rounds]
    settles = [settled for _, _, _, settled in rounds]
    print(
        f"median ratio submit / ceiling throughput: {statistics.median(ratios):.2f} "
        f"(rounds {min(ratios):.2f} to {max(ratios):.2f}; goal >= 0.7)"
    )
    print(
        "median ratio submit / signed insert (information: the same INSERT behind the API's "
        f"authentication): {statistics.median(to_signed):.2f}"
    )
    print(
        f"last submit -> every proposal in review: median {statistics.median(settles):.1f} s, "
        f"at most {max(settles):.1f} s (goal < 10 s)"
    )


if __name__ == "__main__":
    main()

"""Benchmark of the review pipeline: submitted proposals to `in_review` through real workers.

    .venv/bin/python bench/pipeline.py [--n 2000] [--concurrency 2] [--server URL] [--broker URL]

Creates a scratch PostgreSQL database (on --server, default the local one), migrates it, seeds
a committee (200 organisations, 250 reviewers), starts `committee worker`, submits N complete
proposals as a stream (committed a hundred at a time) and times from the first submission until
every proposal is in review. The
baseline, measured in the same run with the same worker settings, is a trivial Celery task
that does one database UPDATE per proposal per stage (three stages) and nothing else.
"""

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import redis

from bench.seed import WORDS

ROOT = Path(__file__).resolve().parent.parent
BASELINE_TASK = "bench.touch"


def _database(server: str) -> str:
    name = f"committee_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.replace("+psycopg", "") + "/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop(server: str, name: str) -> None:
    with psycopg.connect(server.replace("+psycopg", "") + "/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed_and_submit(n: int) -> tuple[float, float]:
    """Seed a committee and submit n proposals in one transaction (jobs relayed on commit).

    Returns when the submissions started and when the last of them was committed.
    """
    import random

    from sqlmodel import Session

    from bench.seed import seed_committee
    from service.auth.security import hash_password
    from service.db import get_engine
    from service.proposals.models import Attachment, Proposal
    from service.proposals.service import submit
    from service.proposals.vocabulary import Modality, Phase, TherapeuticArea

    rng = random.Random(7)
    with Session(get_engine(), expire_on_commit=False) as session:
        applicants = seed_committee(
            session,
            rng,
            password_hash=hash_password("bench-password"),
            # Enough open-review slots for three reviewers per proposal, whatever N is.
            reviewer_capacity=max(40, 3 * n // 250 + 1),
        )
        proposals = []
        for i in range(n):
            applicant = applicants[i % len(applicants)]
            proposal = Proposal(
                title=f"Programme {i}: " + " ".join(rng.sample(WORDS, 4)),
                summary=" ".join(rng.sample(WORDS, 20)) + f" reference {i}",
                therapeutic_area=rng.choice(list(TherapeuticArea)),
                modality=rng.choice([Modality.monoclonal_antibody, Modality.small_molecule]),
                phase=rng.choice([Phase.phase_1, Phase.phase_2, Phase.phase_3]),
                budget_requested=50_000_000,
                expected_peak_sales=500_000_000,
                target_launch_year=2035,
                target_markets=["CN", "KZ"],
                keywords=rng.sample(WORDS, 3),
                organisation_id=applicant.organisation_id,  # type: ignore[arg-type]
                created_by=applicant.id,
            )
            session.add(proposal)
            session.flush()
            session.add(
                Attachment(
                    proposal_id=proposal.id,
                    filename="plan.pdf",
                    content_type="application/pdf",
                    size_bytes=10,
                    sha256="0" * 64,
                    uploaded_by=applicant.id,
                )
            )
            proposals.append((proposal.id, applicant))
        session.commit()
        started = time.perf_counter()
        # Submissions arrive as a stream, committed a hundred at a time: the workers start on
        # the first ones while the rest are still being submitted, as with real traffic.
        for i, (proposal_id, applicant) in enumerate(proposals, 1):
            submit(session=session, user=applicant, proposal_id=proposal_id)
            if i % 100 == 0 or i == len(proposals):
                session.commit()  # the outbox relays these screening jobs right after this
    return started, time.perf_counter()


def _count_in(state: str) -> int:
    from sqlalchemy import func
    from sqlmodel import Session, select

    from service.db import get_engine
    from service.proposals.models import Proposal

    with Session(get_engine()) as session:
        return int(
            session.exec(
                select(func.count()).select_from(Proposal).where(Proposal.state == state)
            ).one()
        )


def _worker(args: list[str], concurrency: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            *args,
            "worker",
            f"--concurrency={concurrency}",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def _wait(state: str, n: int, timeout: float) -> float:
    started = time.perf_counter()
    while _count_in(state) < n:
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"timed out: {_count_in(state)} of {n} reached {state}")
        time.sleep(0.25)
    return time.perf_counter() - started


def run_pipeline(n: int, concurrency: int, timeout: float) -> tuple[float, float]:
    """Seconds from the first submit until all n proposals are in review, and of those the
    seconds until the last submission was committed."""
    worker = _worker(["service.cli"], concurrency, ROOT / "var" / "bench-worker.log")
    try:
        time.sleep(3)  # let the worker connect; submission time is what we measure
        started, committed = _seed_and_submit(n)
        _wait("in_review", n, timeout)
        return time.perf_counter() - started, committed - started
    finally:
        _stop(worker)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    """Stop a worker: a warm shutdown, or a kill if it has not ended after 30 seconds."""
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def run_baseline(n: int, concurrency: int, timeout: float) -> float:
    """Seconds for the trivial task to push n proposals through three one-UPDATE stages."""
    from sqlalchemy import update
    from sqlmodel import Session, select

    from service.db import get_engine
    from service.proposals.models import Proposal
    from workers.celery_app import celery_app

    with Session(get_engine()) as session:
        session.execute(update(Proposal).values(state="baseline_0"))
        session.commit()
        ids = [str(i) for i in session.exec(select(Proposal.id))]
    worker = _worker(["bench.baseline"], concurrency, ROOT / "var" / "bench-baseline.log")
    try:
        time.sleep(3)
        started = time.perf_counter()
        for proposal_id in ids:
            celery_app.send_task(BASELINE_TASK, kwargs={"proposal_id": proposal_id, "stage": 1})
        _wait("baseline_3", n, timeout)
        return time.perf_counter() - started
    finally:
        _stop(worker)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2000, help="proposals to submit (default 2000)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    name = _database(args.server)
    os.environ.update(
        DATABASE_URL=f"{args.server}/{name}",
        BROKER_URL=args.broker,
        ENVIRONMENT="development",
        SECRET_KEY="bench-secret-key-bench-secret-key-0123",
    )
    redis.Redis.from_url(args.broker).flushdb()
    (ROOT / "var").mkdir(exist_ok=True)
    try:
        from alembic import command

        from service.cli import _alembic_config

        command.upgrade(_alembic_config(os.environ["DATABASE_URL"]), "head")
        pipeline, submitting = run_pipeline(args.n, args.concurrency, args.timeout)
        _report("pipeline  submit -> in_review", args.n, pipeline)
        _report("  submitting (beside the workers)", args.n, submitting)
        _report("  after the last submission", args.n, pipeline - submitting)
        baseline = run_baseline(args.n, args.concurrency, args.timeout)
        _report("baseline  3 x one UPDATE", args.n, baseline)
    finally:
        from service.db import get_engine

        get_engine().dispose()
        _drop(args.server, name)
    print(f"proposals: {args.n}, worker concurrency: {args.concurrency}")
    print(f"ratio pipeline / baseline time: {pipeline / baseline:.2f}")


def _report(what: str, n: int, seconds: float) -> None:
    rate = n / seconds
    print(f"{what:<32} {seconds:8.2f} s {rate:8.1f}/s {60 * rate:9.0f}/min", flush=True)


if __name__ == "__main__":
    main()

"""Benchmark of the prospect analysis: method 2 (Monte Carlo included) against method 1.

    .venv/bin/python bench/analysis.py [--n 1000] [--rounds 3] [--server URL]

1. One report: `analyse` on N varied declared cases (every area, modality and phase, with and
   without peak sales and launch year), method 2 and method 1 in the same process, with the
   JSON the stage stores.
2. The whole analysis stage: a scratch PostgreSQL database (on --server), migrated, with N
   proposals frozen at version 1 and waiting in `analysis`. `run_analysis` works them in
   batches of the outbox's message size (read the versions, analyse, insert the reports, move
   to assignment) and each batch is flushed then rolled back, so that both methods work the very
   same proposals; method 1 runs through the same stage code with its `analyse` swapped in.
   Rounds alternate the methods; the best round of each counts (the machine is shared).

Prints the figures and the ratio method 2 / method 1 per proposal; the issue's bar is 2x for
the stage. Exit status 1 if the stage ratio is above it.
"""

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pipeline import _database, _drop  # noqa: E402

STAGE_BAR = 2.0


def _declared(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """N varied declared cases, as the intake stores them (a version snapshot)."""
    from service.proposals.vocabulary import (
        IndicationDetail,
        Modality,
        Phase,
        TherapeuticArea,
    )

    words = ["CAR-T", "bispecific", "formulation", "cold chain", "PMA", "De Novo", "GMP", "AAV"]
    return [
        {
            "therapeutic_area": rng.choice(list(TherapeuticArea)).value,
            "modality": rng.choice(list(Modality)).value,
            "phase": rng.choice(list(Phase)).value,
            "budget_requested": rng.choice([None, 20_000_000, 80_000_000]),
            "expected_peak_sales": rng.choice([None, 300_000_000, 1_200_000_000]),
            "target_launch_year": rng.choice([None, 2030, 2034, 2040]),
            "target_markets": rng.choice([["US"], ["CN", "KZ"], ["US", "DE", "CN"]]),
            "keywords": rng.sample(words, 2),
            "indication_detail": rng.choice([None, *(d.value for d in IndicationDetail)]),
            "rare_disease": rng.choice([None, True, False]),
            "biomarker": rng.choice([None, True]),
        }
        for _ in range(n)
    ]


def _method_1(inp: Any) -> Any:
    """Method 1 behind the method-2 signature: the stage code stays the same for both."""
    from service.analysis.method1.prospect import analyse
    from service.analysis.method1.report import ProspectInput

    return analyse(
        ProspectInput(
            therapeutic_area=inp.therapeutic_area,
            modality=inp.modality,
            phase=inp.phase,
            budget_requested=inp.budget_requested,
            expected_peak_sales=inp.expected_peak_sales,
            target_launch_year=inp.target_launch_year,
            target_markets=inp.target_markets,
            current_year=inp.current_year,
            keywords=inp.keywords,
        )
    )


def time_reports(snapshots: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Seconds per report (analyse, then the JSON the stage stores), per method."""
    from service.analysis.prospect import analyse
    from service.analysis.service import prospect_input

    inputs = [prospect_input(s, 2026) for s in snapshots]
    methods: dict[str, Callable[[Any], Any]] = {"method 2": analyse, "method 1": _method_1}
    for run in methods.values():  # warm caches (reference tables, posterior draws)
        run(inputs[0]).model_dump(mode="json")
    times: dict[str, list[float]] = {name: [] for name in methods}
    for inp in inputs:
        for name, run in methods.items():
            started = time.perf_counter()
            run(inp).model_dump(mode="json")
            times[name].append(time.perf_counter() - started)
    return times


def _seed(snapshots: list[dict[str, Any]]) -> list[Any]:
    """N proposals waiting in `analysis` at version 1, committed; returns their stage jobs."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from service import models  # noqa: F401
    from service.auth.models import Role, User
    from service.db import get_engine
    from service.organisations.models import Organisation
    from service.proposals.models import Proposal, ProposalFields, ProposalVersion
    from service.workflow.moves import StageJob
    from service.workflow.table import State

    with Session(get_engine(), expire_on_commit=False) as session:
        organisation = Organisation(name="Bench", country="CN", email_domains=["b.example"])
        session.add(organisation)
        session.flush()
        applicant = User(
            email="applicant@b.example",
            full_name="Applicant",
            role=Role.applicant,
            organisation_id=organisation.id,
            password_hash="not-used",
        )
        session.add(applicant)
        session.flush()
        jobs, versions = [], []
        for i, declared in enumerate(snapshots):
            proposal = Proposal(
                title=f"Programme {i}",
                summary="A programme.",
                organisation_id=organisation.id,
                created_by=applicant.id,
                state=State.analysis,
                version=1,
                **declared,
            )
            session.add(proposal)
            session.flush()
            versions.append(
                {
                    "proposal_id": proposal.id,
                    "number": 1,
                    "snapshot": ProposalFields.model_validate(proposal).model_dump(mode="json"),
                    "submitted_by": applicant.id,
                }
            )
            jobs.append(StageJob(proposal.id, 1))
        session.execute(insert(ProposalVersion.__table__), versions)  # type: ignore[attr-defined]
        session.commit()
    return jobs


@contextmanager
def _analyse_with(run: Callable[[Any], Any]) -> Iterator[None]:
    import service.analysis.service as stage

    saved = stage.analyse
    stage.analyse = run  # type: ignore[assignment]
    try:
        yield
    finally:
        stage.analyse = saved  # type: ignore[assignment]


def time_stage(jobs: list[Any], run: Callable[[Any], Any]) -> float:
    """Seconds for the stage to work every job, batch by batch, each batch rolled back."""
    from sqlmodel import Session

    from service.analysis.service import run_analysis
    from service.db import get_engine
    from service.outbox.service import BATCH_SIZE

    total = 0.0
    with _analyse_with(run), Session(get_engine(), expire_on_commit=False) as session:
        for start in range(0, len(jobs), BATCH_SIZE):
            began = time.perf_counter()
            run_analysis(session=session, jobs=jobs[start : start + BATCH_SIZE])
            session.flush()
            total += time.perf_counter() - began
            session.rollback()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000, help="proposals (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="stage rounds per method")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    snapshots = _declared(random.Random(14), args.n)
    reports = time_reports(snapshots)
    per_report = {name: median(times) * 1e3 for name, times in reports.items()}
    for name, ms in per_report.items():
        print(f"one report, {name} (median of {args.n}): {ms:8.3f} ms")
    ratio = per_report["method 2"] / per_report["method 1"]
    print(f"ratio per report, method 2 / method 1: {ratio:.2f}")

    name = _database(args.server)
    os.environ.update(
        DATABASE_URL=f"{args.server}/{name}",
        ENVIRONMENT="development",
        SECRET_KEY="bench-secret-key-bench-secret-key-0123",
    )
    try:
        from alembic import command

        from service.analysis.prospect import analyse
        from service.cli import _alembic_config

        command.upgrade(_alembic_config(os.environ["DATABASE_URL"]), "head")
        jobs = _seed(snapshots)
        best = {"method 2": float("inf"), "method 1": float("inf")}
        for _ in range(args.rounds):
            best["method 1"] = min(best["method 1"], time_stage(jobs, _method_1))
            best["method 2"] = min(best["method 2"], time_stage(jobs, analyse))
    finally:
        from service.db import get_engine

        get_engine().dispose()
        _drop(args.server, name)
    for method, seconds in best.items():
        print(
            f"analysis stage, {method}: {seconds:8.2f} s for {args.n} proposals, "
            f"{seconds / args.n * 1e3:7.3f} ms per proposal (best of {args.rounds})"
        )
    ratio = best["method 2"] / best["method 1"]
    print(f"ratio per proposal, stage, method 2 / method 1: {ratio:.2f} (bar {STAGE_BAR:.1f})")
    if ratio > STAGE_BAR:
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Benchmark of list pages: `GET /proposals` at 1,000 and at 100,000 proposals, same run.

    .venv/bin/python bench/lists.py [--small 1000] [--large 100000] [--repeat 200]

Starts its own PostgreSQL (from the local binaries), Redis and `committee api` on loopback,
bulk-inserts proposals (executemany, a thousand rows a statement) spread over 200
organisations and every state, and times four full pages over HTTP, one request at a time:
the admin's first page, a deep page (a cursor 90% of the way down), an applicant's first page
(an organisation with 10% of the proposals) and the admin's page filtered to one state (10%).
Keyset pages must stay flat: the figure to watch is p99 at the large size over p99 at the small
one (goal: at most 1.5).
"""

import argparse
import base64
import json
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench.servers import Servers, percentile

STATES = {  # share of proposals in each state, roughly a live service's mix
    "draft": 30,
    "screening": 2,
    "returned": 5,
    "analysis": 2,
    "assignment": 2,
    "in_review": 10,
    "deliberation": 3,
    "revision_requested": 3,
    "approved": 20,
    "rejected": 18,
    "withdrawn": 5,
}
# Pages compared across sizes must be full at both (50 rows): the filtered state holds 10% of
# the proposals and the measured applicant's organisation (number 0) another 10%.
FILTERED_STATE = "in_review"
ORGANISATIONS = 200


def _seed_people() -> dict[str, Any]:
    from sqlmodel import Session

    from service import models  # noqa: F401
    from service.auth.models import Role, User
    from service.db import get_engine
    from service.organisations.models import Organisation

    with Session(get_engine(), expire_on_commit=False) as session:
        organisations = [
            Organisation(name=f"Org {i}", country="CN", email_domains=[f"org{i}.example"])
            for i in range(ORGANISATIONS)
        ]
        session.add_all(organisations)
        session.flush()
        applicants = [
            User(
                email=f"applicant@org{i}.example",
                full_name=f"Applicant {i}",
                role=Role.applicant,
                organisation_id=o.id,
                password_hash="x",
            )
            for i, o in enumerate(organisations)
        ]
        admin = User(email="admin@bench.example", full_name="Admin", role=Role.admin,
                     password_hash="x")  # fmt: skip
        session.add_all([*applicants, admin])
        session.commit()
        return {"admin": admin, "applicants": applicants}


def _insert(people: dict[str, Any], start: int, count: int, rng: random.Random) -> None:
    from sqlalchemy import insert, text

    from service.db import get_engine
    from service.proposals.models import Proposal

    base = datetime(2026, 1, 1, tzinfo=UTC)
    states = rng.choices(list(STATES), weights=list(STATES.values()), k=count)
    rows = []
    for i in range(start, start + count):
        organisation = 0 if i % 10 == 0 else 1 + i % (ORGANISATIONS - 1)
        applicant = people["applicants"][organisation]
        created = base + timedelta(seconds=i * 7)
        rows.append(
            {
                "id": uuid.uuid4(),
                "created_at": created,
                "updated_at": created,
                "state_entered_at": created,
                "title": f"Programme {i}",
                "summary": "A programme for the list benchmark.",
                "therapeutic_area": "oncology",
                "modality": "small_molecule",
                "phase": "phase_1",
                "budget_requested": 10_000_000,
                "expected_peak_sales": 100_000_000,
                "target_launch_year": 2034,
                "target_markets": ["CN"],
                "keywords": ["bench"],
                "declared_conflicts": [],
                "organisation_id": applicant.organisation_id,
                "created_by": applicant.id,
                "state": states[i - start],
                "version": 0,
                "row_version": 1,
                "stage_attempts": 0,
            }
        )
    with get_engine().begin() as connection:
        for chunk in range(0, len(rows), 1000):
            connection.execute(insert(Proposal), rows[chunk : chunk + 1000])
    with get_engine().connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE proposals")
        )


def _deep_cursor(fraction: float) -> str:
    from sqlalchemy import text

    from service.db import get_engine

    with get_engine().connect() as connection:
        total = connection.execute(text("SELECT count(*) FROM proposals")).scalar_one()
        created, ident = connection.execute(
            text(
                "SELECT created_at, id FROM proposals ORDER BY created_at DESC, id DESC "
                "OFFSET :skip LIMIT 1"
            ),
            {"skip": int(total * fraction)},
        ).one()
    # The cursor the API hands out for that row (see service.proposals.service).
    raw = json.dumps([created.astimezone(UTC).isoformat(), str(ident)])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _measure(
    base: str, people: dict[str, Any], repeat: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Milliseconds per page over HTTP, and of the same service call in this process (the
    query and the ORM without HTTP and JSON: steadier on a busy machine)."""
    from sqlmodel import Session

    from service.auth.service import open_session
    from service.db import get_engine
    from service.proposals.service import list_visible
    from service.workflow.table import State

    admin, applicant = people["admin"], people["applicants"][0]
    cursor = _deep_cursor(0.9)
    pages: dict[str, tuple[Any, dict[str, str]]] = {
        "admin first page": (admin, {}),
        "admin deep page (90%)": (admin, {"cursor": cursor}),
        "applicant first page": (applicant, {}),
        f"admin state={FILTERED_STATE}": (admin, {"state": FILTERED_STATE}),
    }
    http: dict[str, list[float]] = {name: [] for name in pages}
    inside: dict[str, list[float]] = {name: [] for name in pages}
    with httpx.Client(base_url=base, timeout=30) as client, Session(get_engine()) as session:
        for name, (user, params) in pages.items():
            token = open_session(session=session, user=user)
            session.commit()
            headers = {"Authorization": f"Bearer {token}"}
            for attempt in range(repeat + 10):
                began = time.perf_counter()
                response = client.get("/api/v1/proposals", headers=headers, params=params)
                elapsed = time.perf_counter() - began
                if response.status_code != 200 or len(response.json()["items"]) != 50:
                    raise SystemExit(f"{name}: {response.status_code} {response.text[:200]}")
                began = time.perf_counter()
                rows, _ = list_visible(
                    session=session,
                    user=user,
                    state=State(params["state"]) if "state" in params else None,
                    cursor=params.get("cursor"),
                    limit=50,
                )
                direct = time.perf_counter() - began
                assert len(rows) == 50, name
                session.expunge_all()
                if attempt >= 10:  # the first ten warm the caches and the pool
                    http[name].append(elapsed * 1000)
                    inside[name].append(direct * 1000)
    return http, inside


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200, help="requests per page and size")
    args = parser.parse_args()

    servers = Servers()
    try:
        database = servers.database(servers.postgres(), "committee_bench_lists")
        env = {
            "DATABASE_URL": database,
            "BROKER_URL": servers.redis(),
            "ENVIRONMENT": "development",
            "SECRET_KEY": "bench-secret-key-bench-secret-key-0123456789",
        }
        os.environ.update(env)
        rng = random.Random(11)
        people = _seed_people()
        _insert(people, 0, args.small, rng)
        base = servers.api(env, workers=1)
        small, small_inside = _measure(base, people, args.repeat)
        began = time.perf_counter()
        _insert(people, args.small, args.large - args.small, rng)
        print(f"inserted {args.large - args.small} more in {time.perf_counter() - began:.1f} s")
        large, large_inside = _measure(base, people, args.repeat)
    finally:
        from service.db import get_engine

        get_engine().dispose()
        servers.stop()

    for title, at_small, at_large in (
        ("GET /api/v1/proposals over HTTP, one client", small, large),
        ("list_visible() in this process (query + ORM, no HTTP)", small_inside, large_inside),
    ):
        print(f"\n{title}: {args.repeat} pages each, ms")
        print(
            f"{'page':<28} {'p50 ' + str(args.small):>10} {'p99 ' + str(args.small):>10} "
            f"{'p50 ' + str(args.large):>12} {'p99 ' + str(args.large):>12} {'p99 ratio':>10}"
        )
        for name in at_small:
            p99_small = percentile(at_small[name], 0.99)
            p99_large = percentile(at_large[name], 0.99)
            print(
                f"{name:<28} {statistics.median(at_small[name]):10.2f} {p99_small:10.2f} "
                f"{statistics.median(at_large[name]):12.2f} {p99_large:12.2f} "
                f"{p99_large / p99_small:10.2f}"
            )


if __name__ == "__main__":
    main()

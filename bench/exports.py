"""Benchmark of the streamed exports: peak memory and rows per second, against COPY.

    .venv/bin/python bench/exports.py [--small 10000] [--large 100000]

Starts its own PostgreSQL (from the local binaries), seeds proposals the way bench/lists.py
does (bulk inserts over 200 organisations), then, at each size, exports every proposal as an
admin as CSV and as XLSX, each in a fresh subprocess that reads the export's byte stream to the
end (service.exports: a server-side cursor, 1,000 rows a fetch) and reports its peak resident memory
(VmHWM; see `_peak_kib`). A subprocess that only imports the service and reads one page gives the
base memory. The baseline for speed is PostgreSQL's own `COPY (SELECT ...) TO STDOUT` of the
same columns in the same order, read through psycopg in the same run. Memory must not grow with
the row count: the figure to watch is the peak at the large size over the small one.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time

from bench.lists import _insert, _seed_people
from bench.servers import ROOT, Servers

COPY_COLUMNS = (
    "id, title, summary, organisation_id, committee_id, state, version, therapeutic_area, "
    "modality, phase, budget_requested, expected_peak_sales, target_launch_year, "
    "target_markets, keywords, created_at, state_entered_at"
)


def child(fmt: str, rows_only: bool) -> None:
    """In the subprocess: export every proposal as the admin, print the figures as JSON."""
    from sqlmodel import Session, select

    from service import models  # noqa: F401
    from service.auth.models import User
    from service.db import get_engine
    from service.exports.service import proposals_export
    from service.exports.tables import Format, chunks

    with Session(get_engine(), expire_on_commit=False) as session:
        admin = session.exec(select(User).where(User.email == "admin@bench.example")).one()
    export = proposals_export(user=admin, state=None, committee_id=None)
    began = time.perf_counter()
    size = 0
    if rows_only:  # the base: the same imports and one page, nothing written
        with Session(get_engine()) as session:
            size = len(next(export.pages(session)))
    else:
        for chunk in chunks(export, Format(fmt)):
            size += len(chunk)
    seconds = time.perf_counter() - began
    print(json.dumps({"seconds": seconds, "bytes": size, "peak_mib": _peak_kib() / 1024}))


def _peak_kib() -> int:
    """This process's peak resident memory, in KiB.

    getrusage's ru_maxrss would do, but Linux carries the parent's peak over fork and exec
    into it (the seeding parent holds 100,000 rows), so every child would report at least the
    parent's figure. VmHWM is the peak of this process's own memory since its exec.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _in_subprocess(env: dict[str, str], fmt: str, rows_only: bool = False) -> dict[str, float]:
    args = [sys.executable, "-m", "bench.exports", "--child", fmt]
    if rows_only:
        args.append("--rows-only")
    done = subprocess.run(
        args, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"export subprocess failed: {done.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _copy(database: str) -> tuple[float, int]:
    """Seconds and bytes of COPY of the export's columns, in the export's order."""
    import psycopg

    query = (
        f"COPY (SELECT {COPY_COLUMNS} FROM proposals ORDER BY created_at DESC, id DESC) "
        "TO STDOUT WITH (FORMAT csv, HEADER)"
    )
    size = 0
    with psycopg.connect(database.replace("+psycopg", "")) as connection:
        began = time.perf_counter()
        with connection.cursor().copy(query) as copy:
            for block in copy:
                size += len(block)
        return time.perf_counter() - began, size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--child", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--rows-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows_only)
        return

    servers = Servers()
    results: dict[int, dict[str, dict[str, float]]] = {}
    try:
        database = servers.database(servers.postgres(), "committee_bench_exports")
        env = {
            "DATABASE_URL": database,
            "ENVIRONMENT": "development",
            "SECRET_KEY": "bench-secret-key-bench-secret-key-0123456789",
        }
        os.environ.update(env)
        rng = random.Random(13)
        people = _seed_people()
        inserted = 0
        for size in (args.small, args.large):
            _insert(people, inserted, size - inserted, rng)
            inserted = size
            figures = {"base (one page)": _in_subprocess(env, "csv", rows_only=True)}
            for fmt in ("csv", "xlsx"):
                figures[fmt] = _in_subprocess(env, fmt)
            seconds, copied = _copy(database)
            figures["COPY"] = {"seconds": seconds, "bytes": copied, "peak_mib": 0.0}
            results[size] = figures
    finally:
        from service.db import get_engine

        get_engine().dispose()
        servers.stop()

    print(f"\n{'rows':>8} {'export':<16} {'seconds':>8} {'rows/s':>9} {'MB out':>8} "
          f"{'peak RSS MiB':>13} {'x COPY time':>12}")  # fmt: skip
    for size, figures in results.items():
        copy_seconds = figures["COPY"]["seconds"]
        for name, f in figures.items():
            rate = size / f["seconds"] if name != "base (one page)" else 0
            peak = f"{f['peak_mib']:13.1f}" if name != "COPY" else f"{'-':>13}"
            print(
                f"{size:>8} {name:<16} {f['seconds']:8.2f} {rate:9.0f} "
                f"{f['bytes'] / 1e6:8.1f} {peak} {f['seconds'] / copy_seconds:12.1f}"
            )
    small, large = results[args.small], results[args.large]
    for fmt in ("csv", "xlsx"):
        print(
            f"{fmt}: peak RSS at {args.large} over {args.small}: "
            f"{large[fmt]['peak_mib'] / small[fmt]['peak_mib']:.2f}; "
            f"above the base: {small[fmt]['peak_mib'] - small['base (one page)']['peak_mib']:.1f} "
            f"and {large[fmt]['peak_mib'] - large['base (one page)']['peak_mib']:.1f} MiB"
        )


if __name__ == "__main__":
    main()

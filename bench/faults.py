"""Fault-injection suite: real servers killed and stopped, jobs lost and triplicated.

    .venv/bin/python -m bench.faults [--scenario NAME ...] [--n 20] [--timeout 240]

Starts, on loopback, a private `redis-server` without persistence, a private PostgreSQL from
the local binaries (initdb, pg_ctl), `committee api`, `committee worker` and `committee beat`
with short deadlines (below, FAST), seeds a committee through the API, then runs each
scenario on a fresh batch of proposals driven through the API (create, attach a PDF, submit;
reviewers accept and submit reviews where the scenario needs them):

    redis-killed        workers stopped, jobs queued in Redis, Redis SIGKILLed and restarted
    postgres-10s        PostgreSQL stopped for 10 s mid-pipeline, then started again
    postgres-30s        the same for 30 s
    workers-killed      every worker's process group SIGKILLed mid-stage, then restarted
    triplicated         every job the outbox sends is published twice more (a replayer)
    reviews-redis-lost  reviews submitted with the workers away, Redis killed with the
                        quorum checks queued: the deadline scan must bring them to deliberation

Where workers are restarted, the fault ends when the new workers are ready to consume (their
start-up, tens of seconds on a loaded machine, is not the service's recovery).

Each scenario ends with checks read from the database (and the workers' log of e-mails): 0
lost (every proposal in the state expected, with its report and its reviewers), 0 duplicated
(one history row per transition, one report per version, no reviewer twice, one review per
assignment, no notification stored or e-mailed twice), 0 stuck (none stalled or waiting with
an error, no job left unsent, no notification left pending). It prints the recovery time
(fault end -> every proposal in the expected state) and the counts, then a summary table; the
exit code is 1 if any check failed.
"""

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.seed import WORDS
from tests import services
from tests.conftest import COMPLETE_PROPOSAL
from tests.pipeline.conftest import PDF, Process

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "faults-password-123"
ADMIN = "admin@faults.example"
PANEL = 3  # the committee's default reviewers_per_proposal
QUORUM = 2
# Short deadlines, so that whatever a fault leaves behind is re-driven within seconds: the
# deadline scan and the outbox sweep run every 2 s, an automated stage is re-driven after 5 s,
# a lost quorum check after 5 s of quiet, and a killed worker's message comes back after 12 s.
FAST = {
    "SLA_SECONDS": json.dumps({"screening": 5, "analysis": 5, "assignment": 5}),
    "DEADLINE_SCAN_SECONDS": "2",
    "OUTBOX_RESEND_SECONDS": "2",
    "JOB_LOST_AFTER_SECONDS": "5",
    "TASK_TIME_LIMIT_SECONDS": "10",
    "BROKER_VISIBILITY_TIMEOUT_SECONDS": "12",
    "NOTIFICATION_RESEND_SECONDS": "60",
}
SETTLE_SECONDS = 5  # after recovery, time for a late duplicate to show before counting


class Postgres:
    """A private server from the local binaries, in its own folder, stopped and started at will."""

    def __init__(self) -> None:
        binaries = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not binaries:
            raise SystemExit(
                "the fault suite needs PostgreSQL's binaries: apt-get install postgresql"
            )
        self.bin = Path(binaries[-1]).parent
        # Its own folder under the temporary directory, outside any folder private to root.
        self.folder = Path(tempfile.mkdtemp(prefix="committee-faults-pg-"))
        self.port = services._free_port()
        # initdb refuses to run as root: run the server as the `postgres` account then.
        self.owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.owner, *args], check=True, capture_output=True, cwd="/")

    def init(self) -> None:
        if self.owner:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.folder / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        )
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.folder} -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.folder / "data"),
            "-l",
            str(self.folder / "log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def stop(self) -> None:
        """A fast shutdown: every open connection is cut, as in an outage."""
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop"
        )


class Redis:
    """A private `redis-server` without persistence: a SIGKILL loses every queued message."""

    def __init__(self) -> None:
        self.port = services._free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = services.start_redis(self.port)
        if not services._wait(lambda: services._redis_answers(self.url)):
            raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


@dataclass
class Result:
    name: str
    proposals: int
    expected: str
    recovery: float | None  # seconds from the fault's end to every proposal in `expected`
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        return self.counts.get("lost", 0) + self.counts.get("off_path", 0)

    @property
    def duplicated(self) -> int:
        return sum(v for k, v in self.counts.items() if k.startswith("duplicate_"))

    @property
    def stuck(self) -> int:
        stuck = ("stalled", "waiting", "unsent_jobs", "pending_mail")
        return sum(self.counts.get(k, 0) for k in stuck)

    @property
    def ok(self) -> bool:
        return self.recovery is not None and self.lost == self.duplicated == self.stuck == 0


class Stack:
    """The servers and the service's processes, and the API as the committee's people use it."""

    def __init__(self, folder: Path, *, proposals: int, concurrency: int = 2) -> None:
        self.folder = folder
        # Enough reviewers (at most 100 open reviews each) for every proposal of the run.
        self.reviewers = 3 + -(-PANEL * proposals // 100)
        self.concurrency = concurrency
        self.postgres = Postgres()
        self.redis = Redis()
        self.api_port = services._free_port()
        self.env = {
            **FAST,
            "ENVIRONMENT": "test",
            "DATABASE_URL": self.postgres.url("committee_faults"),
            "BROKER_URL": self.redis.url,
            "SECRET_KEY": "faults-secret-key-long-enough-0123456789abcdef",
            "ATTACHMENTS_DIR": str(folder / "attachments"),
            "MAIL_DIR": str(folder / "mail"),
        }
        self.workers: list[Process] = []
        self.others: list[Process] = []
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.api_port}/api/v1", timeout=60)
        self.tokens: dict[str, str] = {}
        self.people: dict[str, Any] = {}
        self.rng = random.Random(11)
        self.batch = 0

    # --- servers and processes ---------------------------------------------------------

    def _process(self, *args: str) -> Process:
        return Process(*args, env=self.env, log=self.folder / f"{args[0]}.log").start()

    def start(self) -> None:
        """Servers, schema, API and beat; the workers are started by the scenarios."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.postgres.init()
        with psycopg.connect(self._plain("postgres"), autocommit=True) as connection:
            connection.execute('CREATE DATABASE "committee_faults"')
        self.redis.start()
        # The processes start (slowly, on a loaded machine) while the schema is created.
        self.others.append(self._process("api", "--port", str(self.api_port)))
        beat_schedule = str(self.folder / "beat-schedule")
        self.others.append(self._process("beat", "--schedule", beat_schedule, "--loglevel", "INFO"))
        self._migrate_and_create_admin()
        if not services._wait(self._api_answers, seconds=180):
            raise RuntimeError(f"the API did not start; see {self.folder / 'api.log'}")
        self._seed()
        self._wait_for_line(self.folder / "beat.log", 0, b"Sending due task")

    def _migrate_and_create_admin(self) -> None:
        """In this process, on an engine of its own: the suite's own settings may differ."""
        from alembic import command
        from sqlalchemy import create_engine, pool
        from sqlmodel import Session

        from service import models  # noqa: F401  (every table, for the foreign keys)
        from service.auth.models import Role, UserCreate
        from service.auth.service import create_user
        from service.cli import _alembic_config

        config = _alembic_config(self.env["DATABASE_URL"])
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")
        engine = create_engine(self.env["DATABASE_URL"], poolclass=pool.NullPool)
        with Session(engine) as session:
            admin = UserCreate(email=ADMIN, full_name="Admin", role=Role.admin, password=PASSWORD)
            create_user(session=session, data=admin)
            session.commit()
        engine.dispose()

    def start_workers(self) -> None:
        """Start the workers and return once they consume (a loaded machine takes a while)."""
        log = self.folder / "worker.log"
        offset = log.stat().st_size if log.exists() else 0
        started = time.monotonic()
        self.workers = [
            self._process("worker", "--concurrency", str(self.concurrency), "--loglevel", "INFO")
        ]
        self._wait_for_line(log, offset, b" ready.")
        print(f"    workers ready in {time.monotonic() - started:.1f} s", flush=True)

    def _wait_for_line(self, log: Path, offset: int, marker: bytes, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with log.open("rb") as handle:
                handle.seek(offset)
                if marker in handle.read():
                    return
            time.sleep(0.2)
        raise RuntimeError(f"no {marker!r} in {log} after {timeout:g} s")

    def ensure_workers(self) -> None:
        if not self.workers:
            self.start_workers()

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers = []

    def kill_workers(self) -> None:
        """SIGKILL each worker's process group: the main process and its pool, mid-task."""
        for worker in self.workers:
            worker.kill()
        self.workers = []

    def replayer(self) -> Process:
        """A process that publishes every job the outbox has sent twice more."""
        replay = Process("replay", env=self.env, log=self.folder / "replayer.log")
        replay.popen = subprocess.Popen(
            [sys.executable, "-m", "bench.faults", "--replay"],
            env=replay.env,
            cwd=ROOT,
            stdout=(self.folder / "replayer.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return replay

    def close(self) -> None:
        self.http.close()
        for process in [*self.workers, *self.others]:
            process.stop()
        self.redis.kill()
        with contextlib.suppress(subprocess.CalledProcessError):
            self.postgres.stop()  # unless a scenario that failed half-way left it stopped
        shutil.rmtree(self.postgres.folder, ignore_errors=True)

    def _api_answers(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.api_port}/healthz", timeout=2).is_success
        except httpx.HTTPError:
            return False

    def _plain(self, database: str = "committee_faults") -> str:
        return self.postgres.url(database).replace("postgresql+psycopg", "postgresql")

    # --- the API -------------------------------------------------------------------------

    def call(self, who: str, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        if who not in self.tokens:
            login = self.http.post("/auth/token", data={"username": who, "password": PASSWORD})
            login.raise_for_status()
            self.tokens[who] = login.json()["access_token"]
        headers = {"Authorization": f"Bearer {self.tokens[who]}", **kwargs.pop("headers", {})}
        response = self.http.request(method, path, headers=headers, **kwargs)
        if response.status_code != expect:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json()

    def _seed(self) -> None:
        from service.proposals.vocabulary import TherapeuticArea

        admin = ADMIN
        organisation = self.call(
            admin,
            "POST",
            "/organisations",
            201,
            json={"name": "Faults Bio", "country": "CN", "email_domains": ["faults-bio.example"]},
        )

        def user(email: str, role: str, **extra: Any) -> str:
            body = {"email": email, "full_name": email.split("@")[0], "role": role}
            created = self.call(
                admin, "POST", "/users", 201, json={**body, "password": PASSWORD, **extra}
            )
            return str(created["id"])

        self.people["applicant"] = "applicant@faults-bio.example"
        user(self.people["applicant"], "applicant", organisation_id=organisation["id"])
        chair = user("chair@committee.example", "chair")
        self.people["reviewers"] = [
            f"reviewer{i}@reviewers{i}.example" for i in range(self.reviewers)
        ]
        reviewer_ids = [
            user(email, "reviewer", capacity=100, expertise_keywords=self.rng.sample(WORDS, 4))
            for email in self.people["reviewers"]
        ]
        self.call(
            admin,
            "POST",
            "/committees",
            201,
            json={
                "name": "Fault committee",
                "therapeutic_areas": [area.value for area in TherapeuticArea],
                "chair_ids": [chair],
                "reviewer_ids": reviewer_ids,
                "reviewers_per_proposal": PANEL,
                "quorum": QUORUM,
            },
        )

    def submit(self, n: int) -> list[str]:
        """Create, attach a PDF and submit n proposals of distinct text; their ids."""
        self.batch += 1
        applicant = self.people["applicant"]
        ids = []
        for i in range(n):
            words = self.rng.sample(WORDS, 24)
            body = {
                **COMPLETE_PROPOSAL,
                "title": f"Batch {self.batch} programme {i}: " + " ".join(words[:4]),
                "summary": " ".join(words) + f" (batch {self.batch}, number {i})",
            }
            proposal_id = str(self.call(applicant, "POST", "/proposals", 201, json=body)["id"])
            self.call(
                applicant,
                "POST",
                f"/proposals/{proposal_id}/attachments",
                201,
                files={"file": ("plan.pdf", PDF, "application/pdf")},
            )
            self.call(
                applicant,
                "POST",
                f"/proposals/{proposal_id}/submit",
                headers={"Idempotency-Key": f"submit-{proposal_id}"},
            )
            ids.append(proposal_id)
        return ids

    def review(self, ids: list[str]) -> None:
        """The first QUORUM reviewers of each proposal accept and submit a review."""
        from service.committees.models import DEFAULT_RUBRIC

        body = {
            "scores": {criterion.key: 4 for criterion in DEFAULT_RUBRIC},
            "recommendation": "approve",
            "confidence": 4,
            "comments_for_applicant": "A sound plan.",
        }
        rows = self.query(
            "SELECT a.proposal_id, a.id, u.email FROM assignments a "
            "JOIN users u ON u.id = a.reviewer_id "
            "WHERE a.proposal_id = ANY(%s::uuid[]) AND a.closed_reason IS NULL",
            ids,
        )
        by_proposal: dict[str, list[tuple[str, str]]] = {}
        for proposal_id, assignment_id, email in rows:
            by_proposal.setdefault(str(proposal_id), []).append((str(assignment_id), email))
        for assignments in by_proposal.values():
            for assignment_id, email in assignments[:QUORUM]:
                self.call(email, "POST", f"/assignments/{assignment_id}/accept")
                self.call(email, "PUT", f"/assignments/{assignment_id}/review", json=body)
                self.call(email, "POST", f"/assignments/{assignment_id}/review/submit")

    # --- the database --------------------------------------------------------------------

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self._plain(), autocommit=True, connect_timeout=3) as connection:
            return connection.execute(sql, params).fetchall()

    def count(self, sql: str, *params: Any) -> int:
        return int(self.query(sql, *params)[0][0] or 0)

    def in_state(self, ids: list[str], state: str) -> int:
        try:
            return self.count(
                "SELECT count(*) FROM proposals WHERE id = ANY(%s::uuid[]) AND state = %s",
                ids,
                state,
            )
        except psycopg.OperationalError:
            return 0  # the database is away: nobody has arrived yet

    def states(self, ids: list[str]) -> dict[str, int]:
        """How many of the proposals are in each state."""
        rows = self.query(
            "SELECT state, count(*) FROM proposals WHERE id = ANY(%s::uuid[]) GROUP BY state",
            ids,
        )
        return {str(state): int(n) for state, n in rows}

    def wait_sent(self, task: str, timeout: float = 60) -> None:
        """Until the outbox has handed every `task` job to the broker (they sit in Redis)."""
        deadline = time.monotonic() + timeout
        while self.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND task = %s", task):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{task} jobs were never sent to the broker")
            time.sleep(0.2)

    def wait_any(self, ids: list[str], state: str, timeout: float = 60) -> None:
        """Until at least one of the proposals has reached `state` (the pipeline is mid-way)."""
        deadline = time.monotonic() + timeout
        while not self.count(
            "SELECT count(*) FROM proposal_transitions WHERE proposal_id = ANY(%s::uuid[]) "
            "AND to_state = %s",
            ids,
            state,
        ):
            if time.monotonic() > deadline:
                raise RuntimeError(f"no proposal reached {state}")
            time.sleep(0.1)

    def recover(self, ids: list[str], state: str, fault_end: float, timeout: float) -> float | None:
        """Seconds from `fault_end` until every proposal is in `state`; None past the timeout."""
        while time.monotonic() - fault_end < timeout:
            if self.in_state(ids, state) == len(ids):
                return time.monotonic() - fault_end
            time.sleep(0.25)
        return None

    def verify(self, ids: list[str], expected: str, path: list[str]) -> dict[str, int]:
        """Count lost, duplicated and stuck work for the proposals, from the database."""
        # Pending e-mails are delivered by their own jobs (and re-queued by the scan after
        # NOTIFICATION_RESEND_SECONDS): give them that long before calling them stuck.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self._pending_mail(ids):
            time.sleep(1)
        surplus = "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {} GROUP BY {}) t"
        paths = self.query(
            "SELECT proposal_id, array_agg(to_state ORDER BY created_at) FROM proposal_transitions "
            "WHERE proposal_id = ANY(%s::uuid[]) AND from_state <> to_state GROUP BY proposal_id",
            ids,
        )
        # Per proposal: its reviewers for the current version, and those still open (a
        # reviewer replaced, or left out once the quorum is in, is closed but was staffed).
        staffed = self.query(
            "SELECT count(a.id), count(a.id) FILTER (WHERE a.closed_reason IS NULL) "
            "FROM proposals p LEFT JOIN assignments a "
            "ON a.proposal_id = p.id AND a.proposal_version = p.version "
            "WHERE p.id = ANY(%s::uuid[]) GROUP BY p.id",
            ids,
        )
        mine = "proposal_id = ANY(%s::uuid[])"
        return {
            # Elsewhere with nothing to say why: its job is gone.
            "lost": self.count(
                "SELECT count(*) FROM proposals WHERE id = ANY(%s::uuid[]) "
                "AND stalled_at IS NULL AND last_error IS NULL AND state <> %s",
                ids,
                expected,
            )
            + sum(1 for every, _ in staffed if every < PANEL)
            + self.count(
                "SELECT count(*) FROM proposals p WHERE p.id = ANY(%s::uuid[]) AND NOT EXISTS "
                "(SELECT 1 FROM prospect_reports r WHERE r.proposal_id = p.id "
                "AND r.proposal_version = p.version)",
                ids,
            ),
            "off_path": sum(1 for _, steps in paths if list(steps) != path) + len(ids) - len(paths),
            "duplicate_history": self.count(
                surplus.format(
                    f"proposal_transitions WHERE {mine} AND from_state <> to_state",
                    "proposal_id, from_state, to_state, proposal_version",
                ),
                ids,
            ),
            "duplicate_reports": self.count(
                surplus.format(f"prospect_reports WHERE {mine}", "proposal_id, proposal_version"),
                ids,
            ),
            "duplicate_assignments": self.count(
                surplus.format(
                    f"assignments WHERE {mine}", "proposal_id, proposal_version, reviewer_id"
                ),
                ids,
            )
            + sum(1 for _, still_open in staffed if still_open > PANEL),
            "duplicate_reviews": self.count(
                surplus.format(f"reviews WHERE {mine}", "assignment_id"), ids
            ),
            "duplicate_notifications": self.count(surplus.format("notifications", "dedupe_key"))
            + max(
                0,
                self.count(
                    f"SELECT count(*) FROM notifications WHERE {mine} "
                    "AND event = 'assignment.invited'",
                    ids,
                )
                - self.count(f"SELECT count(*) FROM assignments WHERE {mine}", ids),
            ),
            "duplicate_emails": self._emails_sent_twice(ids),
            "stalled": self.count(
                "SELECT count(*) FROM proposals WHERE id = ANY(%s::uuid[]) "
                "AND stalled_at IS NOT NULL",
                ids,
            ),
            # Elsewhere, not stalled, with an error: waiting for a retry that has not helped.
            "waiting": self.count(
                "SELECT count(*) FROM proposals WHERE id = ANY(%s::uuid[]) "
                "AND stalled_at IS NULL AND last_error IS NOT NULL AND state <> %s",
                ids,
                expected,
            ),
            "unsent_jobs": self.count(
                "SELECT count(*) FROM outbox WHERE sent_at IS NULL "
                "AND created_at < now() - interval '10 seconds'"
            ),
            "pending_mail": self._pending_mail(ids),
            "notifications": self.count(f"SELECT count(*) FROM notifications WHERE {mine}", ids),
        }

    def _emails_sent_twice(self, ids: list[str]) -> int:
        """E-mails of these proposals' notifications written more than once to the workers' log.

        Without SMTP_HOST a worker writes each e-mail to MAIL_DIR/<notification id>.eml and logs
        that it did: the log is the outbox of mail, so a repeated line is a mail sent twice.
        """
        mine = {
            str(row[0])
            for row in self.query(
                "SELECT id FROM notifications WHERE proposal_id = ANY(%s::uuid[])", ids
            )
        }
        sent = Counter(
            match.decode()
            for match in re.findall(
                rb"written to \S*?([0-9a-f-]{36})\.eml",
                (self.folder / "worker.log").read_bytes(),
            )
        )
        return sum(n - 1 for notification_id, n in sent.items() if notification_id in mine)

    def _pending_mail(self, ids: list[str]) -> int:
        return self.count(
            "SELECT count(*) FROM notifications WHERE proposal_id = ANY(%s::uuid[]) "
            "AND status NOT IN ('sent', 'logged')",
            ids,
        )


# --- the scenarios: each injects its fault and says where the proposals must end ------------

PIPELINE = ["screening", "analysis", "assignment", "in_review"]
Scenario = Callable[[Stack, int], tuple[list[str], float]]


def redis_killed(stack: Stack, n: int) -> tuple[list[str], float]:
    """Jobs queued in Redis (no worker running), Redis SIGKILLed and restarted empty."""
    stack.stop_workers()
    ids = stack.submit(n)
    stack.wait_sent("pipeline.screening")
    stack.redis.kill()
    stack.redis.start()
    stack.start_workers()
    return ids, time.monotonic()


def _mid_pipeline(stack: Stack, n: int) -> list[str]:
    """Submit n proposals with the workers away, start them, return once the first has moved.

    So the fault that follows strikes while the workers are at it, not after they finished.
    """
    stack.stop_workers()
    ids = stack.submit(n)
    stack.start_workers()
    stack.wait_any(ids, "analysis")
    print(f"    at the fault: {stack.states(ids)}", flush=True)
    return ids


def _postgres_stopped(seconds: float) -> Scenario:
    def scenario(stack: Stack, n: int) -> tuple[list[str], float]:
        ids = _mid_pipeline(stack, n)
        stack.postgres.stop()
        time.sleep(seconds)
        stack.postgres.start()
        return ids, time.monotonic()

    scenario.__doc__ = f"PostgreSQL stopped for {seconds:g} s mid-pipeline, then started."
    return scenario


def workers_killed(stack: Stack, n: int) -> tuple[list[str], float]:
    """Every worker's process group SIGKILLed mid-stage; new workers started at once."""
    ids = _mid_pipeline(stack, n)
    stack.kill_workers()
    stack.start_workers()
    return ids, time.monotonic()


def triplicated(stack: Stack, n: int) -> tuple[list[str], float]:
    """Every job the outbox sends is published twice more; timed from the last submit."""
    stack.ensure_workers()
    stack.others.append(stack.replayer())
    ids = stack.submit(n)
    return ids, time.monotonic()


def reviews_redis_lost(stack: Stack, n: int) -> tuple[list[str], float]:
    """Reviews submitted with no worker running, Redis killed with the quorum checks queued."""
    stack.ensure_workers()
    ids = stack.submit(n)
    if stack.recover(ids, "in_review", time.monotonic(), 180) is None:
        raise RuntimeError("the proposals never reached review before the fault")
    stack.stop_workers()
    stack.review(ids)
    stack.wait_sent("reviews.check_quorum")
    stack.redis.kill()
    stack.redis.start()
    stack.start_workers()
    return ids, time.monotonic()


SCENARIOS: dict[str, tuple[Scenario, str, list[str]]] = {
    "redis-killed": (redis_killed, "in_review", PIPELINE),
    "postgres-10s": (_postgres_stopped(10), "in_review", PIPELINE),
    "postgres-30s": (_postgres_stopped(30), "in_review", PIPELINE),
    "workers-killed": (workers_killed, "in_review", PIPELINE),
    "triplicated": (triplicated, "in_review", PIPELINE),
    "reviews-redis-lost": (reviews_redis_lost, "deliberation", [*PIPELINE, "deliberation"]),
}


def run(names: list[str], n: int, timeout: float, folder: Path) -> list[Result]:
    """Start the stack in `folder`, run the scenarios in turn on it, stop it; their results."""
    stack = Stack(folder, proposals=n * len(names))
    results = []
    try:
        stack.start()
        for name in names:
            scenario, expected, path = SCENARIOS[name]
            print(f"--- {name}: {scenario.__doc__}", flush=True)
            ids, fault_end = scenario(stack, n)
            recovery = stack.recover(ids, expected, fault_end, timeout)
            time.sleep(SETTLE_SECONDS)
            result = Result(name, len(ids), expected, recovery, stack.verify(ids, expected, path))
            results.append(result)
            print(_line(result), flush=True)
            print("    " + ", ".join(f"{k} {v}" for k, v in result.counts.items()), flush=True)
    finally:
        stack.close()
    return results


def _line(result: Result) -> str:
    recovery = "-" if result.recovery is None else f"{result.recovery:.1f} s"
    verdict = "ok" if result.ok else "FAIL"
    return (
        f"{result.name:<20} {result.proposals:>9} {result.expected:<13} {recovery:>10} "
        f"{result.lost:>5} {result.duplicated:>10} {result.stuck:>6}  {verdict}"
    )


def replay() -> None:
    """Publish every job the outbox has sent twice more, as a broker delivering it three times.

    Runs in its own process with the stack's settings until killed.
    """
    from sqlalchemy import text

    from service.db import get_engine
    from service.jobs import Job, send

    replayed: set[str] = set()
    while True:
        try:
            with get_engine().connect() as connection:
                rows = connection.execute(
                    text("SELECT id, task, payload, batched FROM outbox WHERE sent_at IS NOT NULL")
                ).all()
            for row in rows:
                if str(row.id) in replayed:
                    continue
                payload = {**row.payload, "outbox_id": str(row.id)}
                kwargs = {"jobs": [payload]} if row.batched else payload
                for _ in range(2):
                    send(Job(row.task), kwargs=kwargs, task_id=str(row.id))
                replayed.add(str(row.id))
        except Exception as exc:  # a fault elsewhere in the suite: try again shortly
            print(f"replay: {type(exc).__name__}: {exc}", flush=True)
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIOS),
        help="run this scenario (repeat for several; default: all)",
    )
    parser.add_argument("--n", type=int, default=20, help="proposals per scenario (default 20)")
    parser.add_argument(
        "--timeout", type=float, default=240, help="seconds a scenario may take to recover"
    )
    parser.add_argument("--keep", action="store_true", help="keep the servers' folder and logs")
    parser.add_argument("--replay", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay:
        replay()
        return
    folder = Path(tempfile.mkdtemp(prefix="committee-faults-"))
    print(f"servers and logs in {folder}", flush=True)
    try:
        results = run(args.scenario or list(SCENARIOS), args.n, args.timeout, folder / "run")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print()
    print(
        f"{'scenario':<20} {'proposals':>9} {'expected':<13} {'recovery':>10} "
        f"{'lost':>5} {'duplicated':>10} {'stuck':>6}  verdict"
    )
    for result in results:
        print(_line(result))
    sys.exit(0 if all(r.ok for r in results) else 1)


if __name__ == "__main__":
    main()

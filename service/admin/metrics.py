"""Prometheus metrics: the queue view as gauges, the API's requests and the workers' tasks.

- The gauges are computed at scrape time from the database and the broker (`QueueCollector`),
  so every API process reports the same shared state.
- API requests are counted by `RequestMetrics`, labelled by route template, never the raw path
  (one series per proposal id would swamp Prometheus).
- Tasks are counted from Celery signals inside the pool processes; `committee worker
  --metrics-port N` serves their sum on port N (see `service.admin.worker_metrics`).

An API run with PROMETHEUS_MULTIPROC_DIR set (several uvicorn processes) likewise serves the sum
of that folder on /metrics.
"""

import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from celery.signals import task_postrun, task_prerun
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.admin.service import queue_view
from service.db import get_engine

log = logging.getLogger(__name__)

# Not in the default registry: each scrape builds its own (see `exposition`).
HTTP_REQUESTS = Counter(
    "committee_http_requests",
    "API requests, by method, route template and status.",
    ["method", "route", "status"],
    registry=None,
)
HTTP_LATENCY = Histogram(
    "committee_http_request_duration_seconds",
    "API request latency, by method and route template.",
    ["method", "route"],
    registry=None,
)
TASKS = Counter(
    "committee_tasks",
    "Celery tasks run by the workers, by task name and final state.",
    ["task", "state"],
    registry=None,
)
TASK_LATENCY = Histogram(
    "committee_task_duration_seconds",
    "Celery task run time, by task name.",
    ["task"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
    registry=None,
)


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def _route_template(scope: Scope) -> str:
    """The matched route's path template, e.g. `/api/v1/proposals/{proposal_id}`."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    if not isinstance(template, str):
        return "<unmatched>"  # a path nobody declared: one label for all of them
    # FastAPI may leave in the scope the route's path within its own router, without the
    # prefixes of the routers that include it; those prefixes are literal, so they are the
    # leading segments of the requested path.
    own = template.strip("/").split("/")
    requested = scope["path"].strip("/").split("/")
    return "/" + "/".join([*requested[: max(len(requested) - len(own), 0)], *own])


class RequestMetrics:
    """ASGI middleware counting requests and timing them, by route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the application raises before answering
        began = time.perf_counter()

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = _route_template(scope)
            method = scope["method"]
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            HTTP_LATENCY.labels(method=method, route=route).observe(time.perf_counter() - began)


class QueueCollector(Collector):
    """The queue view's numbers as gauges, read from the database and broker at each scrape."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "committee_queue_view_up", "1 if the queue view could be read at this scrape."
        )
        try:
            with Session(get_engine()) as session:
                view = queue_view(session=session)
        except Exception as exc:  # a scrape still answers, saying the picture is missing
            log.warning("metrics: the queue view could not be read: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up

        def per_state(name: str, documentation: str) -> GaugeMetricFamily:
            return GaugeMetricFamily(name, documentation, labels=["state"])

        count = per_state("committee_proposals", "Proposals in each state.")
        oldest = per_state(
            "committee_proposals_oldest_age_seconds",
            "Seconds the longest-waiting proposal has been in the state (non-terminal states).",
        )
        late = per_state("committee_proposals_past_sla", "Proposals in the state past its SLA.")
        stalled = per_state(
            "committee_proposals_stalled", "Proposals whose automated stage stalled."
        )
        entered = per_state(
            "committee_proposals_entered_last_hour", "Transitions into the state in the last hour."
        )
        for row in view.states:
            count.add_metric([row.state], row.count)
            stalled.add_metric([row.state], row.stalled)
            entered.add_metric([row.state], row.entered_last_hour)
            if row.oldest_age_seconds is not None:
                oldest.add_metric([row.state], row.oldest_age_seconds)
            if row.past_sla is not None:
                late.add_metric([row.state], row.past_sla)
        yield from (count, oldest, late, stalled, entered)
        yield GaugeMetricFamily(
            "committee_proposals_with_error",
            "Proposals carrying an error that did not stall them (e.g. cannot be staffed).",
            value=view.errors.total,
        )
        yield GaugeMetricFamily(
            "committee_outbox_unsent",
            "Outbox jobs not yet sent to the broker.",
            value=view.outbox.unsent,
        )
        if view.outbox.oldest_unsent_age_seconds is not None:
            yield GaugeMetricFamily(
                "committee_outbox_oldest_unsent_age_seconds",
                "Age of the oldest unsent outbox job.",
                value=view.outbox.oldest_unsent_age_seconds,
            )
        depth = GaugeMetricFamily(
            "committee_broker_queue_depth",
            "Messages waiting in the broker queue.",
            labels=["queue"],
        )
        for queue in view.broker.queues:
            if queue.depth is not None:
                depth.add_metric([queue.name], queue.depth)
        yield depth
        if view.broker.reserved is not None:
            yield GaugeMetricFamily(
                "committee_broker_reserved",
                "Messages delivered to workers and not yet acknowledged.",
                value=view.broker.reserved,
            )
        yield GaugeMetricFamily(
            "committee_workers_live",
            "Workers with a recent heartbeat.",
            value=len(view.workers.live),
        )
        yield GaugeMetricFamily(
            "committee_reviews_overdue",
            "Open review assignments past their due date.",
            value=view.overdue_reviews.total,
        )


def exposition() -> bytes:
    """The text a Prometheus scrape of the API gets: requests and the queue gauges."""
    registry = CollectorRegistry()
    if _multiprocess():
        MultiProcessCollector(registry)
    else:
        registry.register(HTTP_REQUESTS)
        registry.register(HTTP_LATENCY)
    registry.register(QueueCollector())
    return generate_latest(registry)


_started: dict[str, float] = {}


def _task_started(task_id: str | None = None, **_: Any) -> None:
    if task_id is not None:
        _started[task_id] = time.perf_counter()


def _task_finished(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any
) -> None:
    name = getattr(task, "name", None) or "unknown"
    TASKS.labels(task=name, state=(state or "unknown").lower()).inc()
    began = _started.pop(task_id, None) if task_id is not None else None
    if began is not None:
        TASK_LATENCY.labels(task=name).observe(time.perf_counter() - began)


def connect_task_metrics() -> None:
    """Count and time every task this process runs (the worker's pool processes)."""
    task_prerun.connect(_task_started, weak=False)
    task_postrun.connect(_task_finished, weak=False)


def start_multiprocess_server(port: int) -> None:
    """Serve on `port` the sum of the samples in PROMETHEUS_MULTIPROC_DIR (a daemon thread)."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    start_http_server(port, registry=registry)

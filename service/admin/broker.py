"""The broker as operators see it: queue depths, and worker heartbeats kept beside the queues.

A worker records a heartbeat on every Celery heartbeat (every 2 s) in the broker's own store (a
Redis key that expires, or a file in the filesystem broker's folder) and removes it on a clean
shutdown. Reading them costs no round trip to the workers, where `inspect().ping()` waits out its
whole timeout on every call, and a busy or dead worker cannot make the queue view hang.
"""

import json
import logging
import os
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import redis
from celery.signals import heartbeat_sent, worker_shutdown

from service.admin.models import BrokerQueue, BrokerView, LiveWorker, WorkersView
from service.config import Settings, get_settings

log = logging.getLogger(__name__)

# Five missed heartbeats and a worker counts as gone (a SIGKILL leaves no goodbye).
HEARTBEAT_TTL_SECONDS = 10
_KEY_PREFIX = "committee:worker:"
_REDIS = ("redis", "rediss")
# kombu's Redis transport keeps a queue's messages of priority p > 0 in `<queue>\x06\x16<p>`
# and every delivered but unacknowledged message in one hash.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)
_UNACKED_KEY = "unacked"


def _transport(settings: Settings) -> str:
    return settings.broker_url.split("://", 1)[0]


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def _heartbeat_folder(settings: Settings) -> Path:
    return Path(settings.broker_folder) / "workers"


def _failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def queue_depths(*, settings: Settings, queues: Sequence[str]) -> BrokerView:
    """How many messages wait in each of `queues`, read from the broker itself."""
    transport = _transport(settings)
    unknown = [BrokerQueue(name=name, depth=None) for name in queues]
    try:
        if transport in _REDIS:
            with _redis(settings.broker_url).pipeline(transaction=False) as pipe:
                for name in queues:
                    pipe.llen(name)
                    for step in _PRIORITY_STEPS:
                        pipe.llen(f"{name}{_PRIORITY_SEPARATOR}{step}")
                pipe.hlen(_UNACKED_KEY)
                counts: list[int] = pipe.execute()
            per_queue = len(_PRIORITY_STEPS) + 1
            return BrokerView(
                transport=transport,
                queues=[
                    BrokerQueue(name=name, depth=sum(counts[i * per_queue : (i + 1) * per_queue]))
                    for i, name in enumerate(queues)
                ],
                reserved=counts[-1],
            )
        if transport == "filesystem":
            # kombu names each waiting message `<time>_<uuid>.<queue>.msg` in the folder.
            folder = Path(settings.broker_folder)
            waiting = Counter(
                name.partition(".")[2] for name in (os.listdir(folder) if folder.is_dir() else [])
            )
            return BrokerView(
                transport=transport,
                queues=[BrokerQueue(name=name, depth=waiting[f"{name}.msg"]) for name in queues],
                reserved=None,
            )
    except (redis.RedisError, OSError) as exc:
        return BrokerView(transport=transport, queues=unknown, reserved=None, error=_failure(exc))
    return BrokerView(
        transport=transport,
        queues=unknown,
        reserved=None,
        error=f"queue depths cannot be read from the {transport}:// broker",
    )


def live_workers(*, settings: Settings) -> WorkersView:
    """The workers whose last heartbeat is at most HEARTBEAT_TTL_SECONDS old."""
    transport = _transport(settings)
    now = time.time()
    beats: list[dict[str, Any]] = []
    try:
        if transport in _REDIS:
            client = _redis(settings.broker_url)
            keys = list(client.scan_iter(match=f"{_KEY_PREFIX}*", count=100))
            # An expired key is a gone worker: Redis's clock decides, not the workers' clocks.
            beats = [json.loads(value) for value in (client.mget(keys) if keys else []) if value]
        elif transport == "filesystem":
            for path in _heartbeat_folder(settings).glob("*.json"):
                try:
                    beat = json.loads(path.read_text())
                except FileNotFoundError:  # the worker shut down meanwhile
                    continue
                if now - beat["at"] <= HEARTBEAT_TTL_SECONDS:
                    beats.append(beat)
        else:
            return WorkersView(
                live=[], error=f"no worker heartbeats are kept on the {transport}:// broker"
            )
    except (redis.RedisError, OSError, ValueError) as exc:
        return WorkersView(live=[], error=_failure(exc))
    return WorkersView(
        live=sorted(
            (
                LiveWorker(
                    hostname=beat["hostname"],
                    pid=beat.get("pid"),
                    last_seen=datetime.fromtimestamp(beat["at"], UTC),
                    seconds_ago=round(max(now - beat["at"], 0.0), 3),
                )
                for beat in beats
            ),
            key=lambda worker: worker.hostname,
        )
    )


def record_heartbeat(*, settings: Settings, hostname: str) -> None:
    """Note that the worker `hostname` is alive now."""
    beat = json.dumps({"hostname": hostname, "pid": os.getpid(), "at": time.time()})
    transport = _transport(settings)
    if transport in _REDIS:
        _redis(settings.broker_url).set(f"{_KEY_PREFIX}{hostname}", beat, ex=HEARTBEAT_TTL_SECONDS)
    elif transport == "filesystem":
        folder = _heartbeat_folder(settings)
        folder.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed, so a reader never sees half a file.
        partial = folder / f".{hostname}.partial"
        partial.write_text(beat)
        partial.replace(folder / f"{hostname}.json")


def forget_worker(*, settings: Settings, hostname: str) -> None:
    """Remove the worker's heartbeat: it is shutting down cleanly."""
    transport = _transport(settings)
    if transport in _REDIS:
        _redis(settings.broker_url).delete(f"{_KEY_PREFIX}{hostname}")
    elif transport == "filesystem":
        (_heartbeat_folder(settings) / f"{hostname}.json").unlink(missing_ok=True)


def _hostname(sender: Any) -> str | None:
    # The heartbeat signal comes from the worker's Heart (its event dispatcher knows the
    # hostname); the shutdown signal from the worker itself.
    eventer = getattr(sender, "eventer", None)
    return getattr(eventer, "hostname", None) or getattr(sender, "hostname", None)


def _on_heartbeat(sender: Any = None, **_: Any) -> None:
    hostname = _hostname(sender)
    if hostname is None:
        return
    try:
        record_heartbeat(settings=get_settings(), hostname=hostname)
    except Exception as exc:  # a monitoring write must never stop the worker
        # Quietly: during a broker outage this repeats every 2 s, and the queue view already
        # shows the broker's error.
        log.debug("could not record the heartbeat of %s: %s", hostname, _failure(exc))


def _on_shutdown(sender: Any = None, **_: Any) -> None:
    hostname = _hostname(sender)
    if hostname is None:
        return
    try:
        forget_worker(settings=get_settings(), hostname=hostname)
    except Exception as exc:  # the heartbeat then simply expires
        log.warning("could not remove the heartbeat of %s: %s", hostname, _failure(exc))


def connect_heartbeats() -> None:
    """Make this process's Celery worker record heartbeats for the queue view.

    Must run before the worker starts: Celery only sends `heartbeat_sent` when it has receivers
    at the moment the worker is built.
    """
    heartbeat_sent.connect(_on_heartbeat, weak=False)
    worker_shutdown.connect(_on_shutdown, weak=False)

"""`committee queue`: the admins' queue view as a table in the terminal, read directly."""

import sys
import time
from typing import TextIO

from sqlmodel import Session

from service.admin.models import QueueView, TroubleList
from service.admin.service import queue_view
from service.db import get_engine

_CLEAR = "\x1b[2J\x1b[H"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    whole = int(seconds)
    for unit, size, smaller, smaller_size in (
        ("d", 86400, "h", 3600),
        ("h", 3600, "m", 60),
        ("m", 60, "s", 1),
    ):
        if whole >= size:
            rest = (whole % size) // smaller_size
            return f"{whole // size}{unit}" + (f" {rest}{smaller}" if rest else "")
    return f"{whole}s"


def _trouble(title: str, trouble: TroubleList) -> list[str]:
    lines = [f"{title}: {trouble.total}"]
    for item in trouble.items:
        lines.append(
            f"  {item.id}  {item.state:<12} attempts {item.stage_attempts}  "
            f"waiting {_duration(item.waiting_seconds)}  {item.title[:50]}"
        )
        if item.last_error:
            lines.append(f"      {item.last_error.splitlines()[0][:110]}")
    return lines


def render(view: QueueView) -> str:
    """The queue view as plain text: one table of states, then the broker and the trouble."""
    lines = [f"Queue at {view.generated_at:%Y-%m-%d %H:%M:%S} UTC", ""]
    lines.append(
        f"{'state':<20}{'count':>7}{'oldest':>10}{'SLA':>8}{'past SLA':>10}"
        f"{'stalled':>9}{'in/h':>7}{'out/h':>7}"
    )
    for row in view.states:
        lines.append(
            f"{row.state:<20}{row.count:>7}{_duration(row.oldest_age_seconds):>10}"
            f"{_duration(row.sla_seconds):>8}{'-' if row.past_sla is None else row.past_sla:>10}"
            f"{row.stalled:>9}{row.entered_last_hour:>7}{row.left_last_hour:>7}"
        )
    broker = view.broker
    waiting = ", ".join(
        f"{q.name} {'?' if q.depth is None else q.depth} waiting" for q in broker.queues
    )
    reserved = "" if broker.reserved is None else f", {broker.reserved} reserved by workers"
    lines += ["", f"Broker ({broker.transport}): {waiting}{reserved}"]
    if broker.error:
        lines.append(f"  unknown: {broker.error}")
    workers = ", ".join(
        f"{w.hostname} (pid {w.pid}, seen {w.seconds_ago:.0f}s ago)" for w in view.workers.live
    )
    lines.append(f"Workers: {workers or 'none live'}")
    if view.workers.error:
        lines.append(f"  unknown: {view.workers.error}")
    outbox = view.outbox
    lines.append(
        f"Outbox: {outbox.unsent} unsent"
        + (f", oldest {_duration(outbox.oldest_unsent_age_seconds)}" if outbox.unsent else "")
        + (f", {outbox.failing} failed to send" if outbox.failing else "")
    )
    lines += ["", *_trouble("Stalled", view.stalled), *_trouble("With an error", view.errors)]
    lines.append(f"Overdue reviews: {view.overdue_reviews.total}")
    for review in view.overdue_reviews.items:
        lines.append(
            f"  {review.reviewer_email} on {review.proposal_title[:50]!r}, "
            f"{_duration(review.overdue_seconds)} late"
        )
    return "\n".join(lines)


def show_queue(*, as_json: bool, watch: float | None, out: TextIO = sys.stdout) -> None:
    """Print the queue view once, or every `watch` seconds until Ctrl-C."""
    try:
        while True:
            with Session(get_engine()) as session:
                view = queue_view(session=session)
            text = view.model_dump_json(indent=2) if as_json else render(view)
            # Redraw in place on a terminal; a pipe gets one snapshot after another.
            clear = _CLEAR if watch and out.isatty() else ""
            print(clear + text, file=out, flush=True)
            if not watch:
                return
            time.sleep(watch)
    except KeyboardInterrupt:
        return

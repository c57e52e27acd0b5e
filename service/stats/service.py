"""The committee's statistics: a few aggregate queries over decisions, history and reviews.

Each figure is one GROUP BY over the rows in scope (the committees the caller may read, the
period), never a query per proposal. Stage times are the exception in form: medians and p90
need every duration, so the stays in scope come back as rows and the quantiles are taken in
Python (a first version; PostgreSQL's percentile_cont would keep them in the database, at the
cost of a second path for SQLite).
"""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlmodel import Session, col

from service import policy
from service.analysis.models import ProspectReportRecord
from service.assignment.models import OPEN_STATUSES, Assignment
from service.auth.models import User
from service.db import UTCDateTime
from service.errors import InvalidInput
from service.proposals.models import Proposal, Transition
from service.reviews.models import Decision, Outcome, Review
from service.stats.models import (
    Acceptance,
    BandOutcome,
    ReviewerLoad,
    StageTime,
    Statistics,
    WeekThroughput,
)
from service.workflow.table import Event, State


class _Scope:
    """The committees (None: all) and the period [start, end) the figures cover."""

    def __init__(self, committees: list[UUID] | None, start: date | None, end: date | None) -> None:
        self.committees = committees
        self.start = datetime.combine(start, time(), UTC) if start else None
        # `to` is a day and inclusive: the period ends at the next midnight.
        self.end = datetime.combine(end + timedelta(days=1), time(), UTC) if end else None

    def proposals(self) -> list[ColumnElement[bool]]:
        if self.committees is None:
            return []
        return [col(Proposal.committee_id).in_(self.committees)]

    def period(self, moment: Any) -> list[ColumnElement[bool]]:
        bounds = []
        if self.start is not None:
            bounds.append(moment >= self.start)
        if self.end is not None:
            bounds.append(moment < self.end)
        return bounds


def quantile(values: list[float], q: float) -> float:
    """The q-quantile of sorted `values`, interpolated between the closest ranks (numpy's
    default, statistics.quantiles' "inclusive"): the p90 of 10, 20, 30 is 28."""
    position = q * (len(values) - 1)
    below = int(position)
    above = min(below + 1, len(values) - 1)
    return values[below] + (values[above] - values[below]) * (position - below)


def _approved(outcome: Any) -> Any:
    return func.sum(case((outcome == Outcome.approved, 1), else_=0))


def _acceptance(session: Session, scope: _Scope, key: Any) -> list[Acceptance]:
    rows = session.execute(
        select(key, func.count(), _approved(col(Decision.outcome)))
        .join(Proposal, col(Proposal.id) == col(Decision.proposal_id))
        .where(*scope.proposals(), *scope.period(col(Decision.created_at)))
        .group_by(key)
    ).all()
    found = [
        Acceptance(
            key=None if k is None else str(k),
            decided=n,
            approved=int(yes),
            approval_rate=int(yes) / n,
        )
        for k, n, yes in rows
    ]
    return sorted(found, key=lambda a: (a.key is None, a.key or ""))


def _stage_times(session: Session, scope: _Scope) -> list[StageTime]:
    # A stay is a transition into a state and the proposal's next transition (out of it).
    left = func.lead(col(Transition.created_at), type_=UTCDateTime()).over(
        partition_by=col(Transition.proposal_id),
        order_by=(col(Transition.created_at), col(Transition.id)),
    )
    stays = (
        select(
            col(Transition.to_state).label("state"),
            col(Transition.created_at).label("entered"),
            left.label("left"),
        )
        .join(Proposal, col(Proposal.id) == col(Transition.proposal_id))
        .where(*scope.proposals())
        .subquery()
    )
    rows = session.execute(
        select(stays.c.state, stays.c.entered, stays.c.left).where(
            stays.c.left.is_not(None), *scope.period(stays.c.left)
        )
    ).all()
    durations: dict[str, list[float]] = defaultdict(list)
    for state, entered, left_at in rows:
        durations[state].append((left_at - entered).total_seconds())
    order = list(State)
    found = []
    for state in sorted(durations, key=lambda s: order.index(State(s))):
        values = sorted(durations[state])
        found.append(
            StageTime(
                state=State(state),
                count=len(values),
                median_seconds=quantile(values, 0.5),
                p90_seconds=quantile(values, 0.9),
            )
        )
    return found


def _reviewers(session: Session, scope: _Scope) -> list[ReviewerLoad]:
    submitted = col(Review.submitted_at)
    due = col(Assignment.due_at)
    in_period = and_(submitted.is_not(None), *scope.period(submitted))
    on_time = and_(in_period, or_(due.is_(None), submitted <= due))
    late = and_(in_period, due.is_not(None), submitted > due)

    def count(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    rows = session.execute(
        select(
            col(User.id),
            col(User.full_name),
            count(col(Assignment.status).in_(OPEN_STATUSES)),
            count(on_time),
            count(late),
        )
        .select_from(Assignment)
        .join(Proposal, col(Proposal.id) == col(Assignment.proposal_id))
        .join(User, col(User.id) == col(Assignment.reviewer_id))
        .outerjoin(Review, col(Review.assignment_id) == col(Assignment.id))
        .where(*scope.proposals())
        .group_by(col(User.id), col(User.full_name))
        .order_by(col(User.full_name), col(User.id))
    ).all()
    return [
        ReviewerLoad(
            reviewer_id=rid,
            full_name=name,
            open=int(n_open),
            submitted_on_time=int(n_on_time),
            submitted_late=int(n_late),
        )
        for rid, name, n_open, n_on_time, n_late in rows
    ]


def _bands(session: Session, scope: _Scope) -> list[BandOutcome]:
    report = ProspectReportRecord
    # The decided version's latest report (a re-analysis adds one beside the earlier method's).
    band = (
        select(col(report.band))
        .where(
            col(report.proposal_id) == col(Decision.proposal_id),
            col(report.proposal_version) == col(Decision.proposal_version),
        )
        .order_by(col(report.created_at).desc())
        .limit(1)
        .scalar_subquery()
    )
    decided = (
        select(band.label("band"), col(Decision.outcome).label("outcome"))
        .join(Proposal, col(Proposal.id) == col(Decision.proposal_id))
        .where(*scope.proposals(), *scope.period(col(Decision.created_at)))
        .subquery()
    )
    rows = session.execute(
        select(decided.c.band, func.count(), _approved(decided.c.outcome)).group_by(decided.c.band)
    ).all()
    found = [
        BandOutcome(band=b, decided=n, approved=int(yes), approval_rate=int(yes) / n)
        for b, n, yes in rows
    ]
    return sorted(found, key=lambda o: (o.band is None, o.band or ""))


def _monday(moment: datetime) -> date:
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def _weekly(session: Session, scope: _Scope) -> list[WeekThroughput]:
    # Weeks are counted in Python from the moments alone (one column each): the same on
    # PostgreSQL and SQLite, where date_trunc('week') has no equal.
    submitted = session.scalars(
        select(col(Transition.created_at))
        .join(Proposal, col(Proposal.id) == col(Transition.proposal_id))
        .where(
            col(Transition.event).in_((Event.submit, Event.resubmit)),
            *scope.proposals(),
            *scope.period(col(Transition.created_at)),
        )
    ).all()
    decided = session.scalars(
        select(col(Decision.created_at))
        .join(Proposal, col(Proposal.id) == col(Decision.proposal_id))
        .where(*scope.proposals(), *scope.period(col(Decision.created_at)))
    ).all()
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for moment in submitted:
        counts[_monday(moment)][0] += 1
    for moment in decided:
        counts[_monday(moment)][1] += 1
    if not counts:
        return []
    # Quiet weeks between busy ones are shown as zeros, not left out.
    week, last = min(counts), max(counts)
    found = []
    while week <= last:
        n_submitted, n_decided = counts.get(week, (0, 0))
        found.append(WeekThroughput(week=week, submitted=n_submitted, decided=n_decided))
        week += timedelta(days=7)
    return found


def statistics(
    *,
    session: Session,
    user: User,
    committee_id: UUID | None,
    period_from: date | None,
    period_to: date | None,
) -> Statistics:
    """The figures for the committees the caller may read (see policy), in the period:
    decisions by their time, stays by the time they ended, reviews by their submission."""
    if period_from and period_to and period_from > period_to:
        raise InvalidInput("to: the period ends before it starts", field="to")
    committees = policy.statistics_committees(session=session, user=user, committee_id=committee_id)
    scope = _Scope(committees, period_from, period_to)
    return Statistics(
        period_from=period_from,
        period_to=period_to,
        committee_ids=committees,
        by_therapeutic_area=_acceptance(session, scope, col(Proposal.therapeutic_area)),
        by_modality=_acceptance(session, scope, col(Proposal.modality)),
        by_committee=_acceptance(session, scope, col(Proposal.committee_id)),
        stage_times=_stage_times(session, scope),
        reviewers=_reviewers(session, scope),
        prospect_bands=_bands(session, scope),
        weekly=_weekly(session, scope),
    )

"""Screening: the automated intake check between submission and prospect analysis.

Completeness, plausibility, near-duplicates within the organisation, and routing to the
committee whose areas cover the proposal. Problems the applicant can fix send the proposal
back (`returned`) with every reason listed; a missing committee is an operator's problem and
stalls the stage instead, for an admin to fix and re-drive.
"""

import re
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Row
from sqlmodel import Session, col, select

from service.auth.service import applicants_of
from service.committees.service import routing
from service.db import utcnow
from service.errors import Conflict
from service.i18n import DEFAULT, N_, Text
from service.notifications.service import Notice, notify_all
from service.proposals.models import Attachment, Proposal
from service.proposals.vocabulary import Modality, Phase
from service.workflow.moves import Move, StageJob, awaiting, move_all
from service.workflow.table import Actor, Event, GuardContext, State

# Word-shingle Jaccard similarity at or above this marks a near-duplicate.
DUPLICATE_SIMILARITY = 0.8
# Plausibility ceilings: a value above them is a typo or a unit slip (cents, or another
# currency), which the applicant should fix before analysts value it.
# Fully capitalised R&D cost per approved drug is estimated at about 2.6 bn USD (Tufts CSDD,
# 2016); a single programme asking for four times that is not a credible request.
MAX_BUDGET_USD = 10_000_000_000
# The best-selling medicines ever peak at roughly 20 to 30 bn USD a year (Humira, Keytruda);
# four times the record leaves room for real outliers and none for an extra three zeros.
MAX_PEAK_SALES_USD = 100_000_000_000
# Discovery to market takes some 10 to 15 years; a launch further out than this is no plan.
LAUNCH_HORIZON_YEARS = 25
_NON_CLINICAL = {Modality.medical_device, Modality.diagnostic, Modality.manufacturing}
_CLINICAL_PHASES = {Phase.phase_1, Phase.phase_2, Phase.phase_3, Phase.filed}


class NoCommittee(Conflict):
    """No committee covers the proposal's therapeutic area: an admin must create one."""


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}


def _similarity(left: set[tuple[str, ...]], right: set[tuple[str, ...]]) -> float:
    """Jaccard similarity of two texts' three-word shingles (0 to 1)."""
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def _text(proposal: Proposal | Row[Any]) -> str:
    return f"{proposal.title}\n{proposal.summary}"


def _field_problems(proposal: Proposal, year: int) -> list[Text]:
    """What is wrong with the proposal's own fields (no database needed)."""
    found = [
        Text(N_("%(field)s is required"), {"field": name}) for name in proposal.missing_for_submit()
    ]
    if proposal.budget_requested is not None and proposal.budget_requested <= 0:
        found.append(Text(N_("budget_requested must be greater than zero")))
    if proposal.budget_requested is not None and proposal.budget_requested > MAX_BUDGET_USD:
        found.append(
            Text(
                N_(
                    "budget_requested %(amount)s USD is above the plausible ceiling of "
                    "%(ceiling)s USD; check the amount and its unit"
                ),
                {"amount": f"{proposal.budget_requested:,}", "ceiling": f"{MAX_BUDGET_USD:,}"},
            )
        )
    if (
        proposal.expected_peak_sales is not None
        and proposal.expected_peak_sales > MAX_PEAK_SALES_USD
    ):
        found.append(
            Text(
                N_(
                    "expected_peak_sales %(amount)s USD a year is above the plausible ceiling "
                    "of %(ceiling)s USD; check the amount and its unit"
                ),
                {
                    "amount": f"{proposal.expected_peak_sales:,}",
                    "ceiling": f"{MAX_PEAK_SALES_USD:,}",
                },
            )
        )
    launch = proposal.target_launch_year
    if launch is not None and launch < year:
        found.append(Text(N_("target_launch_year %(year)s is in the past"), {"year": launch}))
    if launch is not None and launch > year + LAUNCH_HORIZON_YEARS:
        found.append(
            Text(
                N_("target_launch_year %(year)s is more than %(horizon)s years away"),
                {"year": launch, "horizon": LAUNCH_HORIZON_YEARS},
            )
        )
    if proposal.modality == Modality.manufacturing and proposal.phase not in (
        None,
        Phase.not_applicable,
    ):
        found.append(
            Text(N_("phase must be not_applicable for a manufacturing/supply-chain project"))
        )
    if proposal.modality not in _NON_CLINICAL and proposal.phase == Phase.not_applicable:
        found.append(
            Text(
                N_("phase is required for a %(modality)s programme"),
                {"modality": str(proposal.modality)},
            )
        )
    if proposal.modality == Modality.diagnostic and proposal.phase in _CLINICAL_PHASES - {
        Phase.filed
    }:
        found.append(
            Text(N_("diagnostics do not run phase 1-3 trials; use preclinical, filed or marketed"))
        )
    return found


def problems(*, session: Session, proposals: Sequence[Proposal]) -> dict[UUID, list[Text]]:
    """Every reason the applicant must fix before each proposal can go on (empty if none).

    A few queries for the whole batch: which proposals have a file, and the live proposals of
    the organisations involved, whose texts are compared for near-duplicates.
    """
    ids = [p.id for p in proposals]
    with_file = set(
        session.exec(select(Attachment.proposal_id).where(col(Attachment.proposal_id).in_(ids)))
    )
    siblings: dict[UUID, list[tuple[Row[Any], set[tuple[str, ...]]]]] = {}
    live = session.execute(
        select(Proposal.id, Proposal.organisation_id, Proposal.title, Proposal.summary).where(
            col(Proposal.organisation_id).in_({p.organisation_id for p in proposals}),
            col(Proposal.state).not_in([State.withdrawn, State.rejected, State.draft]),
        )
    )
    for other in live:
        siblings.setdefault(other.organisation_id, []).append((other, _shingles(_text(other))))
    year = utcnow().year
    found: dict[UUID, list[Text]] = {}
    for proposal in proposals:
        reasons = found[proposal.id] = _field_problems(proposal, year)
        if proposal.id not in with_file:
            reasons.append(Text(N_("at least one attachment (e.g. the business plan) is required")))
        own = _shingles(_text(proposal))
        for other, shingles in siblings.get(proposal.organisation_id, []):
            score = _similarity(own, shingles) if other.id != proposal.id else 0.0
            if score >= DUPLICATE_SIMILARITY:
                reasons.append(
                    Text(
                        N_(
                            "near-duplicate of your proposal %(id)s (%(title)r, %(score)s "
                            "similar): withdraw one or make the difference clear"
                        ),
                        {"id": other.id, "title": other.title, "score": f"{score:.0%}"},
                    )
                )
    return found


def screen(*, session: Session, jobs: Sequence[StageJob]) -> None:
    """Screen a batch of submitted versions; those that have moved on are left alone.

    Raises NoCommittee if a proposal that passes has no committee to go to: the whole batch
    is then retried proposal by proposal, and only that one stalls.
    """
    proposals = awaiting(session=session, state=State.screening, jobs=jobs)
    if not proposals:
        return
    found = problems(session=session, proposals=proposals)
    routes = routing(session=session)
    returned = [p for p in proposals if found[p.id]]
    applicants = applicants_of(
        session=session, organisation_ids={p.organisation_id for p in returned}
    )
    moves: list[Move] = []
    notices: list[Notice] = []
    for proposal in proposals:
        reasons = found[proposal.id]
        if reasons:
            # The history and webhooks keep the English words; e-mails are in each reader's.
            english = [reason.render(DEFAULT) for reason in reasons]
            moves.append(
                Move(
                    proposal,
                    Event.return_to_applicant,
                    Actor.system,
                    reason="; ".join(english),
                )
            )
            notices.append(
                Notice(
                    event="proposal.returned",
                    proposal=proposal,
                    recipients=applicants[proposal.organisation_id],
                    subject=Text(N_("Please revise: %(title)s"), {"title": proposal.title}),
                    body=[
                        Text(N_("Screening found problems to fix before review:")),
                        reasons,
                    ],
                    occurrence=str(proposal.version),
                    payload={"reasons": english},
                )
            )
            continue
        committee = routes.get(str(proposal.therapeutic_area))
        if committee is None:
            raise NoCommittee(
                f"no committee covers the therapeutic area {proposal.therapeutic_area}"
            )
        moves.append(
            Move(
                proposal,
                Event.pass_screening,
                Actor.system,
                reason=f"routed to committee {committee.name}",
                context=GuardContext(),
                changes={"committee_id": committee.id},
            )
        )
    move_all(session=session, moves=moves)
    notify_all(session=session, notices=notices)

"""The analysis stage: run the prospect analysis on a submitted version and store the report."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import insert
from sqlmodel import Session, col, select

from service import policy
from service.analysis.models import ProspectReportRecord
from service.analysis.prospect import analyse, applicant_summary
from service.analysis.report import ProspectInput, ProspectReport
from service.auth.models import User
from service.db import utcnow
from service.errors import NotFound
from service.proposals.models import ProposalVersion
from service.proposals.vocabulary import Modality, Phase, TherapeuticArea
from service.workflow.moves import Move, StageJob, awaiting, move_all
from service.workflow.table import Actor, Event, State


def prospect_input(snapshot: dict[str, Any], current_year: int) -> ProspectInput:
    """The analysis input from a frozen version (never from the live, editable row)."""
    return ProspectInput(
        therapeutic_area=TherapeuticArea(snapshot["therapeutic_area"] or "other"),
        modality=Modality(snapshot["modality"]),
        phase=Phase(snapshot["phase"]),
        budget_requested=snapshot.get("budget_requested"),
        expected_peak_sales=snapshot.get("expected_peak_sales"),
        target_launch_year=snapshot.get("target_launch_year"),
        target_markets=tuple(snapshot.get("target_markets") or ()),
        current_year=current_year,
        keywords=tuple(snapshot.get("keywords") or ()),
    )


def run_analysis(*, session: Session, jobs: Sequence[StageJob]) -> None:
    """Analyse a batch of submitted versions and move them on; those moved on are left alone."""
    proposals = awaiting(session=session, state=State.analysis, jobs=jobs)
    if not proposals:
        return
    # The report and the move to assignment commit together, so a proposal still in analysis
    # for this version has no report yet (and the unique constraint would refuse a second).
    frozen = {
        (v.proposal_id, v.number): v.snapshot
        for v in session.exec(
            select(ProposalVersion).where(
                col(ProposalVersion.proposal_id).in_([p.id for p in proposals])
            )
        )
    }
    now = utcnow()
    reports = []
    for proposal in proposals:
        report = analyse(prospect_input(frozen[(proposal.id, proposal.version)], now.year))
        reports.append(
            {
                "id": uuid4(),
                "proposal_id": proposal.id,
                "proposal_version": proposal.version,
                "method_version": report.method_version,
                "band": report.band,
                "report": report.model_dump(mode="json"),
                "created_at": now,
            }
        )
    session.execute(insert(ProspectReportRecord.__table__), reports)  # type: ignore[attr-defined]
    move_all(
        session=session,
        moves=[Move(p, Event.complete_analysis, Actor.system) for p in proposals],
    )


def read_analysis(*, session: Session, user: User, proposal_id: UUID) -> dict[str, Any]:
    """The latest report: in full for the committee and admins, a summary for the applicant."""
    found = policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.read
    )
    proposal = found.proposal
    record = session.exec(
        select(ProspectReportRecord)
        .where(ProspectReportRecord.proposal_id == proposal.id)
        .order_by(ProspectReportRecord.proposal_version.desc())  # type: ignore[attr-defined]
    ).first()
    if record is None:
        raise NotFound(f"proposal {proposal_id} has no prospect analysis yet")
    report = ProspectReport.model_validate(record.report)
    if not found.may(policy.Action.read_analysis_report):
        return {
            "proposal_version": record.proposal_version,
            "summary": applicant_summary(report).model_dump(mode="json"),
        }
    return {"proposal_version": record.proposal_version, "report": record.report}

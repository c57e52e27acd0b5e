"""The analysis stage: run the prospect analysis on a submitted version and store the report."""

from typing import Any
from uuid import UUID

from sqlmodel import Session, select

from service.analysis.models import ProspectReportRecord
from service.analysis.prospect import analyse, applicant_summary
from service.analysis.report import ProspectInput, ProspectReport
from service.auth.models import Role, User
from service.db import utcnow
from service.errors import NotFound
from service.proposals.models import Proposal, ProposalVersion
from service.proposals.service import get_visible, move
from service.proposals.vocabulary import Modality, Phase, TherapeuticArea
from service.proposals.workflow import Actor, Event, State


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


def run_analysis(*, session: Session, proposal_id: UUID, version: int) -> None:
    """Analyse one submitted version and move it on; does nothing if it has moved on already."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.state != State.analysis or proposal.version != version:
        return
    # The report and the move to assignment commit together, so a proposal still in analysis
    # for this version has no report yet (and the unique constraint would refuse a second).
    frozen = session.exec(
        select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal_id, ProposalVersion.number == version
        )
    ).one()
    report = analyse(prospect_input(frozen.snapshot, utcnow().year))
    session.add(
        ProspectReportRecord(
            proposal_id=proposal_id,
            proposal_version=version,
            method_version=report.method_version,
            band=report.band,
            report=report.model_dump(mode="json"),
        )
    )
    move(
        session=session,
        proposal=proposal,
        event=Event.complete_analysis,
        actor=Actor.system,
        actor_id=None,
        flush=False,
    )


def read_analysis(*, session: Session, user: User, proposal_id: UUID) -> dict[str, Any]:
    """The latest report: in full for the committee and admins, a summary for the applicant."""
    proposal = get_visible(session=session, user=user, proposal_id=proposal_id)
    record = session.exec(
        select(ProspectReportRecord)
        .where(ProspectReportRecord.proposal_id == proposal.id)
        .order_by(ProspectReportRecord.proposal_version.desc())  # type: ignore[attr-defined]
    ).first()
    if record is None:
        raise NotFound(f"proposal {proposal_id} has no prospect analysis yet")
    report = ProspectReport.model_validate(record.report)
    if user.role == Role.applicant:
        return {
            "proposal_version": record.proposal_version,
            "summary": applicant_summary(report).model_dump(mode="json"),
        }
    return {"proposal_version": record.proposal_version, "report": record.report}

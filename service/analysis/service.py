"""The analysis stage: run the prospect analysis on a submitted version and store the report."""

from collections.abc import Mapping, Sequence
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import BaseModel, Field
from sqlalchemy import insert
from sqlmodel import Session, col, select

from service import policy
from service.analysis.method1.report import MethodOneReport
from service.analysis.models import ProspectReportRecord
from service.analysis.prospect import analyse, applicant_summary
from service.analysis.report import (
    METHOD_VERSION,
    ApplicantSummary,
    ProspectBand,
    ProspectInput,
    ProspectReport,
    TeamData,
)
from service.auth.models import Role, User
from service.db import utcnow
from service.errors import Conflict, NotFound
from service.proposals.models import Proposal, ProposalVersion, Transition
from service.proposals.vocabulary import IndicationDetail, Modality, Phase, TherapeuticArea
from service.workflow.moves import Move, StageJob, awaiting, move_all
from service.workflow.table import Actor, Event, State

REANALYSE_EVENT = "reanalyse"

# A stored report is read back under the method that wrote it.
StoredReport = Annotated[ProspectReport | MethodOneReport, Field(discriminator="method_version")]


class CommitteeAnalysis(BaseModel):
    """The full report, for the committee and admins."""

    proposal_version: int
    report: StoredReport


class ApplicantAnalysis(BaseModel):
    """What the applicant sees: the band, the range in words, flags and caveats."""

    proposal_version: int
    summary: ApplicantSummary


class Reanalysis(BaseModel):
    proposal_id: UUID
    proposal_version: int
    method_version: str
    band: ProspectBand


def prospect_input(snapshot: Mapping[str, Any], current_year: int) -> ProspectInput:
    """The analysis input from a frozen version (never from the live, editable row).

    Versions frozen before the intake asked for indication detail or team data lack those keys:
    they read as undeclared.
    """
    detail = snapshot.get("indication_detail")
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
        indication_detail=IndicationDetail(detail) if detail else None,
        rare_disease=snapshot.get("rare_disease"),
        biomarker=snapshot.get("biomarker"),
        team=TeamData(
            team_size=snapshot.get("team_size"),
            staff_international_experience=snapshot.get("staff_international_experience"),
            overseas_sites=snapshot.get("overseas_sites"),
        ),
    )


def _record(proposal_id: UUID, version: int, report: ProspectReport) -> dict[str, Any]:
    return {
        "id": uuid4(),
        "proposal_id": proposal_id,
        "proposal_version": version,
        "method_version": report.method_version,
        "band": report.band,
        "report": report.model_dump(mode="json"),
        "created_at": utcnow(),
    }


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
    year = utcnow().year
    reports = [
        _record(p.id, p.version, analyse(prospect_input(frozen[(p.id, p.version)], year)))
        for p in proposals
    ]
    session.execute(insert(ProspectReportRecord.__table__), reports)  # type: ignore[attr-defined]
    move_all(
        session=session,
        moves=[Move(p, Event.complete_analysis, Actor.system) for p in proposals],
    )


def reanalyse(*, session: Session, admin: User, proposal_id: UUID) -> Reanalysis:
    """Analyse the latest submitted version again under the current method; the caller commits.

    The earlier report stays stored beside the new one; the re-analysis is kept in the
    proposal's history (event `reanalyse`, from and to its current state) with the admin.
    409 if the proposal was never submitted, the stage has not reported on its latest version
    yet, or that version already has a report under this method.
    """
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(f"proposal {proposal_id} not found")
    if proposal.version == 0:
        raise Conflict(f"proposal {proposal_id} has no submitted version to analyse")
    methods = session.exec(
        select(ProspectReportRecord.method_version).where(
            ProspectReportRecord.proposal_id == proposal.id,
            ProspectReportRecord.proposal_version == proposal.version,
        )
    ).all()
    # Before the stage has reported, a report written here would collide with the stage's own
    # (which runs the current method anyway).
    if not methods:
        raise Conflict(
            f"the analysis stage has not reported on version {proposal.version} of proposal "
            f"{proposal_id} yet; it will use {METHOD_VERSION}"
        )
    if METHOD_VERSION in methods:
        raise Conflict(
            f"version {proposal.version} of proposal {proposal_id} already has a "
            f"{METHOD_VERSION} report"
        )
    snapshot = session.exec(
        select(ProposalVersion.snapshot).where(
            ProposalVersion.proposal_id == proposal.id,
            ProposalVersion.number == proposal.version,
        )
    ).one()
    report = analyse(prospect_input(snapshot, utcnow().year))
    session.execute(
        insert(ProspectReportRecord.__table__),  # type: ignore[attr-defined]
        [_record(proposal.id, proposal.version, report)],
    )
    session.add(
        Transition(
            proposal_id=proposal.id,
            from_state=proposal.state,
            to_state=proposal.state,
            event=REANALYSE_EVENT,
            actor_id=admin.id,
            actor_role=Role.admin,
            reason=f"prospect analysis of version {proposal.version} run again under "
            f"{METHOD_VERSION} by {admin.email}; band {report.band}",
            proposal_version=proposal.version,
        )
    )
    session.flush()
    return Reanalysis(
        proposal_id=proposal.id,
        proposal_version=proposal.version,
        method_version=METHOD_VERSION,
        band=report.band,
    )


def read_analysis(
    *, session: Session, user: User, proposal_id: UUID
) -> CommitteeAnalysis | ApplicantAnalysis:
    """The latest report: in full for the committee and admins, a summary for the applicant.

    Latest means the newest version, and for that version the newest method run on it.
    """
    found = policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.read
    )
    proposal = found.proposal
    record = session.exec(
        select(ProspectReportRecord)
        .where(ProspectReportRecord.proposal_id == proposal.id)
        .order_by(
            col(ProspectReportRecord.proposal_version).desc(),
            col(ProspectReportRecord.created_at).desc(),
        )
    ).first()
    if record is None:
        raise NotFound(f"proposal {proposal_id} has no prospect analysis yet")
    view = CommitteeAnalysis.model_validate(
        {"proposal_version": record.proposal_version, "report": record.report}
    )
    if found.may(policy.Action.read_analysis_report):
        return view
    report = view.report
    summary = (
        applicant_summary(report)
        if isinstance(report, ProspectReport)
        else ApplicantSummary(
            method_version=report.method_version,
            band=report.band,
            range_in_words=None,
            flags=[f.message for f in report.flags],
            caveats=report.caveats,
        )
    )
    return ApplicantAnalysis(proposal_version=record.proposal_version, summary=summary)

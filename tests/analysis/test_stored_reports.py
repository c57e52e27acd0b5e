"""Stored reports through the API: method-1 reports stay readable, re-analysis is an admin's."""

from typing import Any
from uuid import UUID

from sqlmodel import Session, select

from service.analysis import METHOD_VERSION
from service.analysis.method1.prospect import analyse as analyse_method_1
from service.analysis.method1.report import ProspectInput as MethodOneInput
from service.analysis.models import ProspectReportRecord
from service.proposals.models import ProposalVersion
from service.proposals.vocabulary import Modality, Phase, TherapeuticArea
from tests.conftest import Api
from tests.factories import put_in_assignment

METHOD_1 = "prospect-2021.1"


def store_method_1_report(session: Session, proposal_id: UUID) -> dict[str, Any]:
    """What the analysis stage stored before method 2: a method-1 report of version 1."""
    snapshot = session.exec(
        select(ProposalVersion.snapshot).where(ProposalVersion.proposal_id == proposal_id)
    ).one()
    report = analyse_method_1(
        MethodOneInput(
            therapeutic_area=TherapeuticArea(snapshot["therapeutic_area"]),
            modality=Modality(snapshot["modality"]),
            phase=Phase(snapshot["phase"]),
            budget_requested=snapshot["budget_requested"],
            expected_peak_sales=snapshot["expected_peak_sales"],
            target_launch_year=snapshot["target_launch_year"],
            target_markets=tuple(snapshot["target_markets"]),
            current_year=2025,
            keywords=tuple(snapshot["keywords"]),
        )
    )
    stored = report.model_dump(mode="json")
    session.add(
        ProspectReportRecord(
            proposal_id=proposal_id,
            proposal_version=1,
            method_version=report.method_version,
            band=report.band,
            report=stored,
        )
    )
    session.commit()
    return stored


def test_method_1_reproduces_the_figure_the_audit_objected_to():
    # Kept callable as it was: Phase I hematology CAR-T, hematology x (CAR-T / all) ratios.
    report = analyse_method_1(
        MethodOneInput(
            therapeutic_area=TherapeuticArea.hematology,
            modality=Modality.cell_therapy,
            phase=Phase.phase_1,
            budget_requested=None,
            expected_peak_sales=None,
            target_launch_year=None,
            target_markets=("US",),
            current_year=2025,
        )
    )
    assert report.method_version == METHOD_1
    assert report.success_probability is not None
    assert round(report.success_probability.adjusted, 3) == 0.458


def test_a_stored_method_1_report_reads_as_it_was_for_committee_and_applicant(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    proposal = put_in_assignment(api, session, committee, draft)
    session.commit()
    stored = store_method_1_report(session, proposal.id)

    full = api.as_(committee["chair"])("GET", f"/proposals/{proposal.id}/analysis")
    assert full.status_code == 200, full.text
    assert full.json() == {"proposal_version": 1, "report": stored}

    summary = api.as_(committee["applicant"])("GET", f"/proposals/{proposal.id}/analysis")
    assert summary.status_code == 200, summary.text
    assert summary.json()["summary"] == {
        "method_version": METHOD_1,
        "band": stored["band"],
        "range_in_words": None,
        "flags": [f["message"] for f in stored["flags"]],
        "caveats": stored["caveats"],
        # Method 1 kept no wordings: the pages show its English sentences.
        "range_wordings": [],
        "flag_wordings": [],
        "caveat_wordings": [],
    }


def test_admin_reanalyses_under_method_2_keeping_the_old_report_and_recording_history(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    proposal = put_in_assignment(api, session, committee, draft)
    session.commit()
    store_method_1_report(session, proposal.id)
    path = f"/admin/proposals/{proposal.id}/reanalyse"

    assert api.as_(committee["chair"])("POST", path).status_code == 403
    done = api.as_(committee["admin"])("POST", path)
    assert done.status_code == 200, done.text
    assert done.json()["method_version"] == METHOD_VERSION
    assert done.json()["proposal_version"] == 1

    report = api.as_(committee["chair"])("GET", f"/proposals/{proposal.id}/analysis").json()
    assert report["report"]["method_version"] == METHOD_VERSION
    assert report["report"]["success_probability"]["chosen"]["subject"] == "oncology"
    summary = api.as_(committee["applicant"])("GET", f"/proposals/{proposal.id}/analysis").json()
    assert summary["summary"]["range_in_words"]

    session.expire_all()
    methods = session.exec(
        select(ProspectReportRecord.method_version).where(
            ProspectReportRecord.proposal_id == proposal.id
        )
    ).all()
    assert sorted(methods) == [METHOD_1, METHOD_VERSION]
    history = api.as_(committee["admin"])("GET", f"/proposals/{proposal.id}/history").json()
    last = history[-1]
    assert (last["event"], last["from_state"], last["to_state"]) == (
        "reanalyse",
        "assignment",
        "assignment",
    )
    assert last["actor_role"] == "admin"

    again = api.as_(committee["admin"])("POST", path)
    assert again.status_code == 409
    assert again.json()["error"] == "Conflict"


def test_a_draft_cannot_be_reanalysed(
    api: Api, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    response = api.as_(committee["admin"])("POST", f"/admin/proposals/{draft['id']}/reanalyse")
    assert response.status_code == 409
    assert "no submitted version" in response.json()["detail"]


def test_a_version_the_stage_has_not_reported_on_cannot_be_reanalysed(
    api: Api, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    submitted = api.as_(committee["applicant"])("POST", f"/proposals/{draft['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    response = api.as_(committee["admin"])("POST", f"/admin/proposals/{draft['id']}/reanalyse")
    assert response.status_code == 409
    assert "has not reported on version 1" in response.json()["detail"]


def test_openapi_documents_the_report_and_the_summary(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    names = set(schema["components"]["schemas"])
    assert {"CommitteeAnalysis", "ApplicantAnalysis", "ProspectReport", "MethodOneReport"} <= names
    assert {"ApplicantSummary", "SuccessProbability", "Valuation", "Reanalysis"} <= names

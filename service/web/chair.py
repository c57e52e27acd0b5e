"""The chair's pages: the committee board, a round's ranking, one proposal's reviews side by
side with the discussion and the meta-review, its reviewers, the decision and batch decisions.

Like the other pages, each handler reads the form, calls the service function the API calls
(which applies the access policy), commits and redirects (303), or renders the page again with
each field's error beside it.
"""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from uuid import UUID

from babel.dates import format_timedelta
from fastapi import APIRouter, Depends, Request, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlmodel import Session, col, select

from service import policy
from service.analysis.models import ProspectReportRecord
from service.analysis.service import CommitteeAnalysis, read_analysis
from service.assignment import service as assignment
from service.assignment.models import OPEN_STATUSES, Assignment
from service.auth.models import User
from service.committees.models import Committee, MemberRole
from service.committees.service import members
from service.config import get_settings
from service.db import utcnow
from service.deps import SessionDep
from service.errors import Conflict, DomainError, InvalidInput, NotFound
from service.organisations.models import Organisation
from service.proposals.models import Proposal
from service.proposals.vocabulary import Modality, TherapeuticArea
from service.reviews import discussion
from service.reviews import service as reviews
from service.reviews.aggregate import review_overall
from service.reviews.models import Outcome
from service.reviews.schemas import (
    BatchDecisionRequest,
    DecisionForApplicant,
    DecisionRequest,
    ProposalReviews,
    ReconsiderRequest,
    TextRequest,
)
from service.reviews.service import ROUND_STATES
from service.web import i18n, sessions
from service.web.forms import field_errors
from service.web.i18n import N_
from service.web.labels import ERROR_EXPLANATIONS
from service.web.pages import PageRoute, PageUser
from service.web.render import environment, gettext, label, redirect, render
from service.workflow.table import State, Tag, has_tag

router = APIRouter(route_class=PageRoute, dependencies=[Depends(sessions.check_csrf)])

# The stages a proposal is worked in, in the order of the workflow: the board's groups.
BOARD_STATES = [
    s for s in State if not has_tag(s, Tag.terminal) and s not in (State.draft, State.withdrawn)
]
# The board's words for a stage where the applicant's own words would mislead the chair.
_STAGE_WORDS = {State.applicant_response: N_("Waiting for the applicant's answer")}
# Proposals listed per stage on the board; the count says how many more there are.
BOARD_ROWS = 200
_BAND_RANK = {"strong": 3, "moderate": 2, "weak": 1, "expert_judgement_required": 0}
# Each outcome's letter as it starts out, in the applicant's language; the chair edits it.
LETTERS: dict[str, str] = {
    Outcome.approved: N_(
        "We are pleased to tell you that the committee has approved your proposal "
        "“{title}”. The committee's summary and the reviewers' comments follow; we will "
        "contact you about the next steps."
    ),
    Outcome.rejected: N_(
        "Thank you for submitting “{title}”. After careful review the committee has decided "
        "not to approve the proposal. The committee's summary and the reviewers' comments "
        "below explain its reasons."
    ),
    Outcome.revision_requested: N_(
        "The committee has reviewed “{title}” and asks you to revise it. Please address the "
        "points in the committee's summary and the reviewers' comments below, then resubmit "
        "the proposal."
    ),
}
# Why a reviewer could not be given a slot, by what the service's refusal carries.
_CONFLICT_OF_INTEREST = N_("This reviewer has a conflict of interest with the proposal.")
_AT_CAPACITY = N_("This reviewer has no capacity left for another review.")
_NOT_POSSIBLE = N_("This reviewer cannot be given the review now.")
_CHOOSE_REVIEWER = N_("Choose a reviewer.")
_CHOOSE_PROPOSALS = N_("Choose at least one proposal.")
_CONFIRM_DECISION = N_("Tick the box to confirm the decision.")


def _language(request: Request) -> str:
    return i18n.language_of(request)


def _translate(request: Request) -> Any:
    language = _language(request)
    return lambda message: gettext(language, message)


def _uuid(value: object) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


# --- which committees, which proposals --------------------------------------------------------


def _committees(
    session: Session, user: User, chosen: str
) -> tuple[list[Committee], Committee | None]:
    """The committees the caller may run pages for (a chair its own, an admin all) and the one
    chosen by `?committee=` (404 for one it may not know)."""
    wanted = _uuid(chosen) if chosen else None
    if chosen and wanted is None:
        raise NotFound(f"no committee {chosen}")
    allowed = policy.statistics_committees(session=session, user=user, committee_id=None)
    query = select(Committee).order_by(col(Committee.name))
    if allowed is not None:
        query = query.where(col(Committee.id).in_(allowed))
    committees = list(session.exec(query))
    if wanted is None:
        return committees, None
    policy.statistics_committees(session=session, user=user, committee_id=wanted)
    return committees, next(c for c in committees if c.id == wanted)


def _latest_band() -> Any:
    """The band of each proposal's latest report (newest version, newest method), as a column."""
    report = ProspectReportRecord
    return (
        select(report.band)
        .where(col(report.proposal_id) == col(Proposal.id))
        .order_by(col(report.proposal_version).desc(), col(report.created_at).desc())
        .limit(1)
        .scalar_subquery()
    )


def _readable(session: Session, user: User, proposals: Iterable[Proposal]) -> list[Proposal]:
    """Less the proposals the caller is in conflict with (another chair acts on those)."""
    found = policy.readable_page(session=session, user=user, proposals=list(proposals))
    return [a.proposal for a in found]


def _in_committees(user: User, committees: list[Committee], states: Iterable[State]) -> Any:
    return (
        policy.readable_proposals(user=user)
        .where(col(Proposal.committee_id).in_([c.id for c in committees]))
        .where(col(Proposal.state).in_(list(states)))
    )


def _applicant_language(session: Session, proposal: Proposal) -> str:
    """The language the proposal's applicant reads its letters in."""
    author = session.get(User, proposal.created_by)
    organisation = session.get(Organisation, proposal.organisation_id)
    return i18n.reader_language(
        author.language if author else None, organisation.country if organisation else None
    )


def _letter_text(language: str, outcome: str, title: str) -> str:
    return gettext(language, LETTERS[outcome]).replace("{title}", title)


# --- the committee board ----------------------------------------------------------------------


@router.get("/board", include_in_schema=False)
def board_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    committee: str = "",
    area: str = "",
    modality: str = "",
    band: str = "",
) -> Response:
    committees, chosen = _committees(session, user, committee)
    shown = [chosen] if chosen else committees
    band_column = _latest_band()
    query = (
        _in_committees(user, shown, BOARD_STATES)
        .add_columns(band_column)
        .order_by(col(Proposal.state_entered_at))
    )
    if area in TherapeuticArea.__members__:
        query = query.where(Proposal.therapeutic_area == area)
    if modality in Modality.__members__:
        query = query.where(Proposal.modality == modality)
    if band in _BAND_RANK:
        query = query.where(band_column == band)
    # Rows of (proposal, band): `exec` would keep only the first column of a scalar select.
    rows = [(row[0], row[1]) for row in session.execute(query).all()]
    bands = {p.id: b for p, b in rows}
    now = utcnow()
    sla = get_settings().sla_seconds
    groups = []
    for state in BOARD_STATES:
        here = _readable(session, user, [p for p, _ in rows if p.state == state])
        limit = sla.get(state)
        items = [
            {
                "proposal": p,
                "band": bands[p.id],
                "age": now - p.state_entered_at,
                "late": limit is not None and (now - p.state_entered_at).total_seconds() > limit,
            }
            for p in here
        ]
        groups.append(
            {
                "state": state,
                "count": len(items),
                "late": sum(1 for i in items if i["late"]),
                "oldest": max((i["age"] for i in items), default=None),
                "sla": timedelta(seconds=limit) if limit is not None else None,
                "items": items[:BOARD_ROWS],
            }
        )
    context = {
        "committees": committees,
        "chosen": chosen,
        "groups": groups,
        "filters": {"area": area, "modality": modality, "band": band},
        "areas": list(TherapeuticArea),
        "modalities": list(Modality),
        "bands": list(_BAND_RANK),
        "age": lambda value: _age(request, value),
        "workspace": _workspace,
        "stage": lambda state: (
            gettext(_language(request), _STAGE_WORDS[state])
            if state in _STAGE_WORDS
            else label(_language(request), state)
        ),
    }
    return render(request, "chair/board.html", context, user=user)


def _age(request: Request, value: timedelta | None) -> str:
    if value is None:
        return "—"
    return format_timedelta(value, threshold=1.5, locale=_language(request))


def _workspace(proposal: Proposal) -> str:
    """Where the chair works on a proposal in its stage."""
    if proposal.state == State.assignment:
        return f"/board/proposals/{proposal.id}/assignment"
    if proposal.state in ROUND_STATES:
        return f"/board/proposals/{proposal.id}"
    return f"/proposals/{proposal.id}"


# --- the ranking of a round -------------------------------------------------------------------


def _prospect(session: Session, user: User, proposal_id: UUID) -> dict[str, Any]:
    """The band and the PTRS with its credible interval, from the committee's full report."""
    try:
        found = read_analysis(session=session, user=user, proposal_id=proposal_id)
    except NotFound:
        return {"band": None, "ptrs": None, "low": None, "high": None}
    if not isinstance(found, CommitteeAnalysis):
        return {"band": None, "ptrs": None, "low": None, "high": None}
    report = found.report
    chance = getattr(report, "success_probability", None)
    interval = getattr(chance, "interval", None)
    return {
        "band": str(report.band),
        "ptrs": getattr(chance, "ptrs", None),
        "low": interval.low if interval else None,
        "high": interval.high if interval else None,
    }


def _ranking_row(proposal: Proposal, found: ProposalReviews, prospect: dict[str, Any]) -> Any:
    combined = found.aggregate
    overall = combined.get("overall") or {}
    return {
        "proposal": proposal,
        "reviews": combined.get("reviews", 0),
        "criteria": {c["key"]: c.get("mean") for c in combined.get("criteria", [])},
        "overall": overall.get("mean"),
        "weighted": overall.get("confidence_weighted_mean"),
        "spread": overall.get("spread"),
        "conflicting": bool(combined.get("conflicting_recommendations")),
        "recommendations": combined.get("recommendations", {}),
        **prospect,
    }


def _sort_value(row: dict[str, Any], sort: str) -> Any:
    if sort == "title":
        return row["proposal"].title.casefold()
    if sort == "band":
        return _BAND_RANK.get(row["band"] or "")
    if sort.startswith("c."):
        return row["criteria"].get(sort[2:])
    return row.get(sort)


@router.get("/board/ranking", include_in_schema=False)
def ranking_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    committee: str = "",
    sort: str = "overall",
    order: str = "desc",
) -> Response:
    committees, chosen = _committees(session, user, committee)
    # One committee at a time: its rubric gives the columns.
    chosen = chosen or (committees[0] if committees else None)
    rows = []
    rubric: list[dict[str, Any]] = []
    if chosen is not None:
        rubric = list(chosen.rubric)
        query = _in_committees(user, [chosen], ROUND_STATES).order_by(col(Proposal.created_at))
        for proposal in _readable(session, user, session.exec(query).all()):
            found = reviews.reviews_for(session=session, user=user, proposal_id=proposal.id)
            rows.append(_ranking_row(proposal, found, _prospect(session, user, proposal.id)))
    keys = {"title", "overall", "weighted", "spread", "band", "ptrs", "reviews"}
    keys |= {f"c.{c['key']}" for c in rubric}
    sort = sort if sort in keys else "overall"
    descending = order != "asc"
    # Rows without the figure (no review yet, no analysis) stay at the bottom either way.
    known = [r for r in rows if _sort_value(r, sort) is not None]
    known.sort(key=lambda r: _sort_value(r, sort), reverse=descending)
    context = {
        "committees": committees,
        "chosen": chosen,
        "rubric": rubric,
        "rows": known + [r for r in rows if _sort_value(r, sort) is None],
        "sort": sort,
        "descending": descending,
    }
    return render(request, "chair/ranking.html", context, user=user)


# --- one proposal: its reviews side by side, the discussion, the meta-review ----------------


def _chaired_proposal(session: Session, user: User, proposal_id: UUID) -> Proposal:
    """The proposal, if the caller is its chair (admins and reviewers 403, strangers 404)."""
    return policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.manage_reviewers
    ).proposal


def _proposal_context(
    session: Session, user: User, proposal_id: UUID, version: int | None
) -> dict[str, Any]:
    proposal = _chaired_proposal(session, user, proposal_id)
    found = reviews.reviews_for(
        session=session, user=user, proposal_id=proposal_id, version=version
    )
    current = found.proposal_version == proposal.version
    combined = found.aggregate
    weights = {c["key"]: c["weight"] for c in combined.get("criteria", [])}
    held = assignment.list_for_chair(session=session, user=user, proposal_id=proposal_id)
    meta = reviews.meta_review_of(
        session=session, proposal_id=proposal.id, version=found.proposal_version
    )
    open_round = current and proposal.state in ROUND_STATES
    return {
        "proposal": proposal,
        "found": found,
        "current": current,
        "open_round": open_round,
        "overall_of": {r.id: review_overall(weights, r.scores) for r in found.reviews},
        "assignments": [a for a in held if a.proposal_version == found.proposal_version],
        "thread": discussion.discussion(
            session=session, user=user, proposal_id=proposal_id, version=found.proposal_version
        ),
        "meta": meta,
        "prospect": _prospect(session, user, proposal.id),
        "versions": list(range(proposal.version, 0, -1)),
        "errors": {},
        "values": {"comment": "", "meta": meta.body if meta else "", "reason": ""},
        "reconsidering": None,
    }


@router.get("/board/proposals/{proposal_id}", include_in_schema=False)
def proposal_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    proposal_id: UUID,
    version: int | None = None,
) -> Response:
    context = _proposal_context(session, user, proposal_id, version)
    return render(request, "chair/proposal.html", context, user=user)


def _again(
    request: Request,
    session: Session,
    user: User,
    proposal_id: UUID,
    errors: dict[str, str],
    values: dict[str, str],
    **extra: Any,
) -> Response:
    """The proposal page again with what was typed and each error beside its field."""
    context = _proposal_context(session, user, proposal_id, None)
    context["errors"] = errors
    context["values"].update(values)
    context.update(extra)
    return render(request, "chair/proposal.html", context, user=user, status_code=422)


@router.post("/board/proposals/{proposal_id}/discussion", include_in_schema=False)
async def add_comment(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    body = str((await request.form()).get("body") or "")
    _chaired_proposal(session, user, proposal_id)  # 404 before 422
    try:
        text = TextRequest(body=body)
    except ValidationError as error:
        errors = {"comment": field_errors(error, _translate(request))["body"]}
        return _again(request, session, user, proposal_id, errors, {"comment": body})
    discussion.comment(session=session, user=user, proposal_id=proposal_id, body=text.body)
    session.commit()
    return redirect(f"/board/proposals/{proposal_id}#discussion")


@router.post("/board/proposals/{proposal_id}/meta-review", include_in_schema=False)
async def write_meta_review(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    body = str((await request.form()).get("body") or "")
    _chaired_proposal(session, user, proposal_id)
    try:
        text = TextRequest(body=body)
    except ValidationError as error:
        errors = {"meta": field_errors(error, _translate(request))["body"]}
        return _again(request, session, user, proposal_id, errors, {"meta": body})
    discussion.write_meta_review(
        session=session, user=user, proposal_id=proposal_id, body=text.body
    )
    session.commit()
    return redirect(f"/board/proposals/{proposal_id}?saved=meta#meta-review")


@router.post("/board/assignments/{assignment_id}/reconsider", include_in_schema=False)
async def ask_to_reconsider(
    request: Request, session: SessionDep, user: PageUser, assignment_id: UUID
) -> Response:
    reason = str((await request.form()).get("reason") or "").strip()
    held = _chaired_assignment(session, user, assignment_id)
    try:
        data = ReconsiderRequest(reason=reason)
    except ValidationError as error:
        errors = {"reason": field_errors(error, _translate(request))["reason"]}
        return _again(
            request,
            session,
            user,
            held.proposal_id,
            errors,
            {"reason": reason},
            reconsidering=assignment_id,
        )
    discussion.ask_to_reconsider(
        session=session, user=user, assignment_id=assignment_id, reason=data.reason
    )
    session.commit()
    return redirect(f"/board/proposals/{held.proposal_id}#reviewers")


def _chaired_assignment(session: Session, user: User, assignment_id: UUID) -> Assignment:
    """An assignment of a proposal the caller chairs (404 when it may not know it)."""
    held = session.get(Assignment, assignment_id)
    if held is None:
        raise NotFound(f"assignment {assignment_id} not found")
    _chaired_proposal(session, user, held.proposal_id)
    return held


# --- the reviewers of a proposal --------------------------------------------------------------


def _assignment_context(session: Session, user: User, proposal_id: UUID) -> dict[str, Any]:
    preview = assignment.preview(session=session, user=user, proposal_id=proposal_id)
    proposal = _chaired_proposal(session, user, proposal_id)
    held = [
        a
        for a in assignment.list_for_chair(session=session, user=user, proposal_id=proposal_id)
        if a.proposal_version == proposal.version
    ]
    assert proposal.committee_id is not None, "a proposal with reviewers has a committee"
    who = assignment.reviewer_summaries(
        session=session,
        ids=[
            u.id
            for u in members(
                session=session, committee_id=proposal.committee_id, seat=MemberRole.reviewer
            )
        ],
    )
    return {
        "proposal": proposal,
        "preview": preview,
        "held": held,
        "open_statuses": list(OPEN_STATUSES),
        "reviewers": sorted(who.values(), key=lambda r: r.name.casefold()),
        "staffing": proposal.state in (State.assignment, State.in_review),
        "errors": {},
        "failed_row": None,
    }


@router.get("/board/proposals/{proposal_id}/assignment", include_in_schema=False)
def assignment_page(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    context = _assignment_context(session, user, proposal_id)
    return render(request, "chair/assignment.html", context, user=user)


def _refusal(request: Request, refused: DomainError) -> str:
    """Why a reviewer was refused, in the reader's words, with the service's own detail."""
    if refused.extra.get("conflicts"):
        reason = _CONFLICT_OF_INTEREST
    elif isinstance(refused, Conflict) and refused.extra.get("reviewer_id"):
        reason = _AT_CAPACITY
    else:
        reason = _NOT_POSSIBLE
    return f"{gettext(_language(request), reason)} ({refused.detail})"


@router.post("/board/proposals/{proposal_id}/assignment", include_in_schema=False)
async def assign(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    """Apply the preview (its reviewers, as shown) or invite one reviewer by hand."""
    form = await request.form()
    _chaired_proposal(session, user, proposal_id)
    chosen = [_uuid(v) for v in form.getlist("reviewer_id") if str(v)]
    field = "apply" if form.get("action") == "apply" else "invite"
    try:
        if not chosen or None in chosen:
            raise InvalidInput("reviewer_id: choose a reviewer", field="reviewer_id")
        assignment.assign_by_hand(
            session=session,
            user=user,
            proposal_id=proposal_id,
            reviewer_ids=[c for c in chosen if c is not None],
        )
    except (Conflict, InvalidInput) as refused:
        session.rollback()
        context = _assignment_context(session, user, proposal_id)
        message = (
            gettext(_language(request), _CHOOSE_REVIEWER)
            if not chosen
            else _refusal(request, refused)
        )
        context["errors"] = {field: message}
        status = refused.status_code
        return render(request, "chair/assignment.html", context, user=user, status_code=status)
    session.commit()
    return redirect(f"/board/proposals/{proposal_id}/assignment?saved=1")


@router.post("/board/assignments/{assignment_id}/replace", include_in_schema=False)
async def replace(
    request: Request, session: SessionDep, user: PageUser, assignment_id: UUID
) -> Response:
    form = await request.form()
    held = _chaired_assignment(session, user, assignment_id)
    chosen = _uuid(form.get("reviewer_id"))
    try:
        if chosen is None:
            raise InvalidInput("reviewer_id: choose a reviewer", field="reviewer_id")
        assignment.replace_reviewer(
            session=session, user=user, assignment_id=assignment_id, reviewer_id=chosen
        )
    except (Conflict, InvalidInput) as refused:
        session.rollback()
        context = _assignment_context(session, user, held.proposal_id)
        message = (
            gettext(_language(request), _CHOOSE_REVIEWER)
            if chosen is None
            else _refusal(request, refused)
        )
        context.update(errors={"replace": message}, failed_row=assignment_id)
        status = refused.status_code
        return render(request, "chair/assignment.html", context, user=user, status_code=status)
    session.commit()
    return redirect(f"/board/proposals/{held.proposal_id}/assignment?saved=1")


# --- the decision -----------------------------------------------------------------------------


def _outcome(value: object) -> Outcome:
    return Outcome(str(value)) if str(value) in Outcome.__members__ else Outcome.approved


def _letter(language: str, letter: DecisionForApplicant, title: str) -> Markup:
    """The letter rendered as the applicant's page shows it, in the applicant's language."""
    page = environment(language).get_template("chair/_letter.html")
    return Markup(
        page.render(
            letter=letter,
            title=title,
            fmt=i18n.Formats(language),
            label=lambda value: label(language, value),
        )
    )


def _decision_context(
    request: Request,
    session: Session,
    user: User,
    proposal_id: UUID,
    outcome: Outcome,
    message: str | None,
    rationale: str,
) -> dict[str, Any]:
    proposal = _chaired_proposal(session, user, proposal_id)
    language = _applicant_language(session, proposal)
    text = _letter_text(language, outcome, proposal.title) if message is None else message
    letter = reviews.letter_preview(
        session=session, user=user, proposal_id=proposal_id, outcome=outcome, message=text
    )
    return {
        "proposal": proposal,
        "outcome": outcome,
        "outcomes": list(Outcome),
        "letter_language": language,
        "letter_language_name": i18n.LANGUAGES[language],
        "letter": _letter(language, letter, proposal.title),
        "values": {"message_to_applicant": text, "rationale": rationale},
        "errors": {},
        "deciding": proposal.state == State.deliberation,
    }


@router.get("/board/proposals/{proposal_id}/decision", include_in_schema=False)
def decision_page(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID, outcome: str = ""
) -> Response:
    context = _decision_context(
        request, session, user, proposal_id, _outcome(outcome), None, rationale=""
    )
    return render(request, "chair/decision.html", context, user=user)


@router.post("/board/proposals/{proposal_id}/decision", include_in_schema=False)
async def decide(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    form = await request.form()
    outcome = _outcome(form.get("outcome"))
    message = str(form.get("message_to_applicant") or "")
    rationale = str(form.get("rationale") or "")
    context = _decision_context(request, session, user, proposal_id, outcome, message, rationale)
    if form.get("action") != "decide":
        # A preview: the letter as edited, nothing stored.
        return render(request, "chair/decision.html", context, user=user)
    try:
        data = DecisionRequest(
            outcome=outcome, rationale=rationale, message_to_applicant=message.strip()
        )
        if form.get("confirm") != "yes":
            raise InvalidInput("confirm: tick the box to confirm the decision", field="confirm")
    except ValidationError as error:
        context["errors"] = field_errors(error, _translate(request))
        return render(request, "chair/decision.html", context, user=user, status_code=422)
    except InvalidInput:
        context["errors"] = {"confirm": gettext(_language(request), _CONFIRM_DECISION)}
        return render(request, "chair/decision.html", context, user=user, status_code=422)
    reviews.decide(
        session=session,
        user=user,
        proposal_id=proposal_id,
        outcome=data.outcome,
        rationale=data.rationale,
        message_to_applicant=data.message_to_applicant,
    )
    session.commit()
    return redirect(f"/board/proposals/{proposal_id}?decided=1")


# --- batch decisions --------------------------------------------------------------------------


def _batch_context(
    session: Session, user: User, committee: str, outcome: Outcome
) -> dict[str, Any]:
    committees, chosen = _committees(session, user, committee)
    shown = [chosen] if chosen else committees
    query = _in_committees(user, shown, [State.deliberation]).order_by(col(Proposal.created_at))
    rows = []
    for proposal in _readable(session, user, session.exec(query).all()):
        language = _applicant_language(session, proposal)
        found = reviews.reviews_for(session=session, user=user, proposal_id=proposal.id)
        rows.append(
            {
                "proposal": proposal,
                "language": language,
                "language_name": i18n.LANGUAGES[language],
                "overall": (found.aggregate.get("overall") or {}).get("mean"),
                "conflicting": bool(found.aggregate.get("conflicting_recommendations")),
                "letter": _letter_text(language, outcome, proposal.title),
            }
        )
    return {
        "committees": committees,
        "chosen": chosen,
        "outcome": outcome,
        "outcomes": list(Outcome),
        "rows": rows,
        "picked": set(),
        "rationale": "",
        "errors": {},
        "results": None,
    }


@router.get("/board/decisions", include_in_schema=False)
def batch_page(
    request: Request, session: SessionDep, user: PageUser, committee: str = "", outcome: str = ""
) -> Response:
    context = _batch_context(session, user, committee, _outcome(outcome))
    return render(request, "chair/batch.html", context, user=user)


@router.post("/board/decisions", include_in_schema=False)
async def decide_batch(request: Request, session: SessionDep, user: PageUser) -> Response:
    form = await request.form()
    outcome = _outcome(form.get("outcome"))
    committee = str(form.get("committee") or "")
    picked = [p for p in (_uuid(v) for v in form.getlist("proposal")) if p is not None]
    rationale = str(form.get("rationale") or "")
    items = [
        {"proposal_id": p, "message_to_applicant": str(form.get(f"letter-{p}") or "").strip()}
        for p in picked
    ]
    context = _batch_context(session, user, committee, outcome)
    # What was typed stays on the page if it comes back with errors.
    for row in context["rows"]:
        row["letter"] = str(form.get(f"letter-{row['proposal'].id}") or row["letter"])
    context.update(picked={str(p) for p in picked}, rationale=rationale)
    try:
        data = BatchDecisionRequest.model_validate(
            {"outcome": outcome, "rationale": rationale, "items": items}
        )
    except ValidationError as error:
        errors = field_errors(error, _translate(request))
        if not picked:
            errors["items"] = gettext(_language(request), _CHOOSE_PROPOSALS)
        context["errors"] = errors
        return render(request, "chair/batch.html", context, user=user, status_code=422)
    results = reviews.decide_batch(
        session=session,
        user=user,
        outcome=data.outcome,
        rationale=data.rationale,
        letters=[(i.proposal_id, i.message_to_applicant) for i in data.items],
    )
    session.commit()
    # Titles only of the proposals the page offered: an id posted by hand names nothing.
    titles = {row["proposal"].id: row["proposal"].title for row in context["rows"]}
    context = _batch_context(session, user, committee, outcome)
    context["results"] = [
        {
            "result": r,
            "title": titles.get(r.proposal_id, str(r.proposal_id)),
            "explanation": ERROR_EXPLANATIONS.get(r.status or 0),
        }
        for r in results
    ]
    return render(request, "chair/batch.html", context, user=user)

"""The pages: sign-in, the applicant's proposals, the reviewer's assignments.

Each handler is an edge like an API route: it reads the form, calls the same service function
the API calls (which applies the same access rules), commits, and redirects (303) or renders.
"""

import io
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlmodel import Session, select

from service import policy
from service.analysis.service import read_analysis
from service.assignment import service as assignment
from service.assignment.models import AssignmentStatus
from service.assignment.profiles import Preference
from service.auth import accounts
from service.auth import service as auth
from service.auth.models import (
    InvitationAccept,
    InvitationCreate,
    PasswordResetConfirm,
    PasswordResetRequest,
    Role,
    User,
)
from service.auth.router import client_address
from service.charts.analysis import analysis_charts
from service.committees.models import Committee
from service.config import get_settings
from service.db import utcnow
from service.deps import SessionDep
from service.dossier import pdf as dossier_pdf
from service.dossier.service import dossier
from service.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    UnsupportedMediaType,
)
from service.i18n import Text
from service.notifications import webhooks
from service.organisations import members
from service.organisations.models import Organisation
from service.pagination import page_size
from service.proposals import attachments, service
from service.proposals.models import Proposal, ProposalCreate, ProposalUpdate, TransitionPublic
from service.proposals.vocabulary import (
    SCO_MEMBER_STATES,
    IndicationDetail,
    Modality,
    Phase,
    TherapeuticArea,
)
from service.reviews import discussion
from service.reviews import response as applicant_response
from service.reviews import service as reviews
from service.reviews.models import Recommendation, Review
from service.reviews.schemas import ReviewDraft, TextRequest
from service.reviews.service import ROUND_STATES
from service.screening.service import problems as screening_problems
from service.web import i18n, sessions
from service.web.forms import (
    Refusal,
    password_error,
    proposal_payload,
    submit_form,
    valid_part,
)
from service.web.i18n import N_
from service.web.labels import (
    ERROR_EXPLANATIONS,
    MARKETS_OTHER,
    TIMELINE,
    UPLOAD_ERRORS,
    WEBHOOK_EVENTS,
)
from service.web.render import gettext, redirect, render
from service.workflow.table import Event, State, Tag, has_tag


class SignInRequired(Exception):
    """The page needs a signed-in user: the browser is sent to the sign-in page."""


class PageRoute(APIRoute):
    """A page answers a refused or failed action with a page in the reader's language."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return redirect(f"/login?next={quote(target)}")
            except DomainError as error:
                return render(
                    request,
                    "error.html",
                    {
                        "status": error.status_code,
                        "explanation": ERROR_EXPLANATIONS.get(error.status_code),
                        "detail": error.detail,
                    },
                    status_code=error.status_code,
                )

        return page_handler


router = APIRouter(route_class=PageRoute, dependencies=[Depends(sessions.check_csrf)])


def _signed_in(request: Request, session: SessionDep) -> User:
    user = sessions.current_user(request, session)
    if user is None:
        raise SignInRequired
    return user


PageUser = Annotated[User, Depends(_signed_in)]


def _language(request: Request) -> str:
    return i18n.language_of(request)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    # "//host" and "/\\host" both leave the site in a browser.
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- home, sign-in, language -----------------------------------------------------------------


# Where each role's work starts: admins review nothing (the queue), chairs run the board.
_HOMES = {
    Role.applicant: "/proposals",
    Role.reviewer: "/assignments",
    Role.chair: "/board",
    Role.admin: "/admin/queue",
}


@router.get("/", include_in_schema=False)
def home(request: Request, session: SessionDep) -> Response:
    user = sessions.current_user(request, session)
    if user is None:
        return redirect("/login")
    return redirect(_HOMES[user.role])


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = "/", reset: str = "") -> Response:
    context = {"next": safe_next(next), "email": "", "error": None, "reset": reset == "1"}
    return render(request, "login.html", context)


@router.post("/login", include_in_schema=False)
async def log_in(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    email = str(form.get("email") or "").strip()
    target = safe_next(str(form.get("next") or "/"))
    try:
        # Password hashing is slow on purpose: off the event loop, like the API's log-in.
        token = await run_in_threadpool(
            sessions.sign_in,
            session=session,
            email=email,
            password=str(form.get("password") or ""),
            client=client_address(request),
        )
    except NotAuthenticated:
        session.commit()  # the failed attempt counts towards the throttle
        error = gettext(_language(request), "Incorrect e-mail or password.")
        context = {"next": target, "email": email, "error": error, "reset": False}
        return render(request, "login.html", context, status_code=401)
    session.commit()
    response = redirect(target)
    sessions.start(response, token)
    return response


@router.post("/logout", include_in_schema=False)
def log_out(request: Request, session: SessionDep) -> Response:
    sessions.sign_out(request, session)
    session.commit()
    response = redirect("/login")
    sessions.end(response)
    return response


# --- a forgotten password, a first sign-in from an invitation ---------------------------------

# A link's token that does not work, whatever the reason: nothing says which.
_LINK_UNUSABLE = N_("This link is invalid, used or expired.")
_ACCOUNT_EXISTS = N_(
    "An account with this e-mail already exists: sign in or ask for a new password."
)


@router.get("/password-reset", include_in_schema=False)
def password_reset_page(request: Request, token: str = "", sent: str = "") -> Response:
    """Without a token: ask for a link by e-mail. With the e-mailed link's: a new password."""
    context = {"token": token, "email": "", "errors": {}, "sent": sent == "1"}
    return render(request, "password_reset.html", context)


@router.post("/password-reset", include_in_schema=False)
async def ask_for_password_reset(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    email = str(form.get("email") or "").strip()

    def send(data: PasswordResetRequest) -> str:
        # Throttled per e-mail and per address like the API's; the same answer either way.
        accounts.request_password_reset(
            session=session, email=data.email, client=client_address(request)
        )
        return "/password-reset?sent=1"

    return await submit_form(
        request,
        session,
        model=PasswordResetRequest,
        payload={"email": email},
        act=send,
        template="password_reset.html",
        context=lambda errors: {"token": "", "email": email, "errors": errors, "sent": False},
        refusals=[
            Refusal(
                TooManyRequests,
                "email",
                N_("Too many requests for a new password; please wait a few minutes."),
            )
        ],
    )


@router.post("/password-reset/confirm", include_in_schema=False)
async def reset_password(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    token = str(form.get("token") or "")

    def reset(data: PasswordResetConfirm) -> str:
        accounts.reset_password(session=session, token=data.token, new_password=data.new_password)
        return "/login?reset=1"

    return await submit_form(
        request,
        session,
        model=PasswordResetConfirm,
        payload={"token": token, "new_password": str(form.get("new_password") or "")},
        act=reset,
        template="password_reset.html",
        context=lambda errors: {"token": token, "email": "", "errors": errors, "sent": False},
        refusals=[
            Refusal(InvalidInput, "token", _LINK_UNUSABLE),
            Refusal(InvalidInput, "new_password", password_error),
        ],
    )


@router.get("/invitations/accept", include_in_schema=False)
def invitation_page(request: Request, token: str = "") -> Response:
    return render(request, "invitation.html", {"token": token, "errors": {}})


@router.post("/invitations/accept", include_in_schema=False)
async def accept_invitation(request: Request, session: SessionDep) -> Response:
    """The invited person's first sign-in: the password it chose opens the account and a session."""
    form = await request.form()
    token = str(form.get("token") or "")

    def open_account(data: InvitationAccept) -> Response:
        user = accounts.accept_invitation(session=session, token=data.token, password=data.password)
        sessions.sign_out(request, session)  # whoever was signed in on this browser before
        response = redirect("/")
        sessions.start(response, auth.open_session(session=session, user=user))
        return response

    return await submit_form(
        request,
        session,
        model=InvitationAccept,
        payload={"token": token, "password": str(form.get("password") or "")},
        act=open_account,
        template="invitation.html",
        context=lambda errors: {"token": token, "errors": errors},
        refusals=[
            Refusal(InvalidInput, "token", _LINK_UNUSABLE),
            Refusal(InvalidInput, "password", password_error),
            Refusal(Conflict, "email", _ACCOUNT_EXISTS),
        ],
    )


# --- the applicant's proposals ---------------------------------------------------------------


@router.get("/proposals", include_in_schema=False)
def proposals_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    state: str = "",
    area: str = "",
    search: str = "",
    cursor: str = "",
) -> Response:
    """The proposals by the same list as the API's, its filters and its cursor pages."""
    chosen = State(state) if state in State.__members__ else None
    chosen_area = TherapeuticArea(area) if area in TherapeuticArea.__members__ else None
    search = search.strip()[:200]
    rows, next_cursor = service.list_visible(
        session=session,
        user=user,
        state=chosen,
        area=chosen_area,
        search=search or None,
        cursor=cursor or None,
        limit=page_size(None),
    )
    given = {"search": search, "state": chosen or "", "area": chosen_area or ""}
    filters = {name: str(value) for name, value in given.items() if value}
    context = {
        "proposals": rows,
        "states": list(State),
        "areas": list(TherapeuticArea),
        "chosen": chosen,
        "chosen_area": chosen_area,
        "search": search,
        "filtered": bool(filters),
        "first_page": f"/proposals?{urlencode(filters)}" if cursor else None,
        "next_page": f"/proposals?{urlencode({**filters, 'cursor': next_cursor})}"
        if next_cursor
        else None,
    }
    return render(request, "proposals.html", context, user=user)


def _form_context(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    markets = sorted(SCO_MEMBER_STATES)
    return {
        "values": values,
        "errors": errors,
        "areas": list(TherapeuticArea),
        "modalities": list(Modality),
        "phases": list(Phase),
        "indication_details": list(IndicationDetail),
        "sco_markets": markets,
        "other_markets": [m for m in MARKETS_OTHER if m not in markets],
    }


_EMPTY = {
    "title": "",
    "summary": "",
    "target_markets": [],
    "keywords": [],
    "declared_conflicts": [],
}


@router.get("/proposals/new", include_in_schema=False)
def new_proposal_page(request: Request, user: PageUser) -> Response:
    context = {**_form_context(dict(_EMPTY), {}), "proposal": None}
    return render(request, "proposal_form.html", context, user=user)


@router.post("/proposals/new", include_in_schema=False)
async def create_proposal(request: Request, session: SessionDep, user: PageUser) -> Response:
    payload = proposal_payload(await request.form())

    def create(data: ProposalCreate) -> str:
        return f"/proposals/{service.create(session=session, user=user, data=data).id}"

    return await submit_form(
        request,
        session,
        model=ProposalCreate,
        payload=payload,
        act=create,
        template="proposal_form.html",
        context=lambda errors: {**_form_context(payload, errors), "proposal": None},
        user=user,
    )


@router.get("/proposals/{proposal_id}/edit", include_in_schema=False)
def edit_proposal_page(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    proposal = _editable(session, user, proposal_id)
    # A loaded row holds its vocabulary columns as the stored strings (SQLModel does not
    # validate rows it reads), which is what the form shows; pydantic would warn of each.
    values = proposal.model_dump(warnings=False)
    context = {**_form_context(values, {}), "proposal": proposal}
    return render(request, "proposal_form.html", context, user=user)


def _row_version(form: Any) -> int | None:
    """The row_version the form was filled from: an edit based on a stale copy is refused."""
    version = str(form.get("row_version") or "")
    return int(version) if version.isdigit() else None


@router.post("/proposals/{proposal_id}/edit", include_in_schema=False)
async def edit_proposal(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    form = await request.form()
    payload = proposal_payload(form)

    def update(data: ProposalUpdate) -> str:
        service.update(
            session=session,
            user=user,
            proposal_id=proposal_id,
            data=data,
            expected_row_version=_row_version(form),
        )
        return f"/proposals/{proposal_id}"

    return await submit_form(
        request,
        session,
        model=ProposalUpdate,
        payload=payload,
        act=update,
        template="proposal_form.html",
        # Access first: a stranger's invalid edit is a 404, not the form with its errors.
        context=lambda errors: {
            **_form_context(payload, errors),
            "proposal": _editable(session, user, proposal_id),
        },
        user=user,
    )


@router.post("/proposals/{proposal_id}/autosave", include_in_schema=False)
async def autosave(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    """The draft form as it is so far (htmx, on change): the valid fields are saved through
    the same update as the Save button, the others named with their errors."""
    form = await request.form()
    language = _language(request)
    data, errors = valid_part(
        ProposalUpdate, proposal_payload(form), lambda m: gettext(language, m)
    )
    try:
        proposal = await run_in_threadpool(
            service.update,
            session=session,
            user=user,
            proposal_id=proposal_id,
            data=data,
            expected_row_version=_row_version(form),
        )
    except Conflict:
        # A colleague saved or submitted it meanwhile: nothing is overwritten.
        session.rollback()
        context = {"conflict": True, "errors": {}, "proposal": None}
        return render(request, "_autosave.html", context, user=user, status_code=409)
    session.commit()
    context = {"conflict": False, "errors": errors, "proposal": proposal}
    return render(request, "_autosave.html", context, user=user)


def _timeline(session: Session, user: User, proposal: Proposal) -> list[dict[str, Any]]:
    """The proposal's life in plain words: its creation, then each state it entered."""
    moves = service.history(session=session, user=user, proposal_id=proposal.id)
    return _timeline_of(proposal, moves)


def _timeline_of(proposal: Proposal, moves: list[TransitionPublic]) -> list[dict[str, Any]]:
    started = {"at": proposal.created_at, "text": TIMELINE[State.draft]}
    return [started, *({"at": t.created_at, "text": TIMELINE[t.to_state]} for t in moves)]


_DECIDING_EVENTS = frozenset({Event.approve, Event.reject, Event.request_revision})


@router.get("/proposals/{proposal_id}", include_in_schema=False)
def proposal_page(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    context = _proposal_context(session, user, proposal_id)
    return render(request, "proposal.html", context, user=user)


def _proposal_context(session: Session, user: User, proposal_id: UUID) -> dict[str, Any]:
    """What the proposal page shows, each part read through the API's own service function."""
    proposal = policy.readable(session=session, user=user, proposal_id=proposal_id)
    editable = user.role == Role.applicant and has_tag(proposal.state, Tag.applicant_action)
    files = attachments.list_for(session=session, user=user, proposal_id=proposal_id)
    missing: list[str] = []
    problems: list[Text] = []
    if editable:
        missing = list(proposal.missing_for_submit())
        problems = screening_problems(session=session, proposals=[proposal])[proposal.id]
    # The history says which reads can find anything: a report is stored with the stage's
    # complete_analysis move (a re-analysis needs one first), a decision with its deciding
    # move. Asking only then spares a young proposal's page two queries that find nothing.
    moves = service.history(session=session, user=user, proposal_id=proposal_id)
    analysis: dict[str, Any] | None = None
    if any(m.event == Event.complete_analysis for m in moves):
        try:
            analysis = read_analysis(
                session=session, user=user, proposal_id=proposal_id
            ).model_dump(mode="json")
        except NotFound:
            analysis = None
    decided = {m.proposal_version for m in moves if m.event in _DECIDING_EVENTS}
    # Every round's decision, newest first: a revised proposal keeps its earlier letters.
    decisions: list[Any] = []
    for version in sorted(decided, reverse=True):
        try:
            decisions.append(
                reviews.decision_for(
                    session=session, user=user, proposal_id=proposal_id, version=version
                )
            )
        except NotFound:
            continue
    answering = None
    if user.role == Role.applicant and proposal.state in ROUND_STATES:
        # The reviews' comments meant for the applicant, its one answer, and until when.
        found = applicant_response.response_round(
            session=session, user=user, proposal_id=proposal_id
        )
        answering = found if found.open or found.response is not None else None
    return {
        "proposal": proposal,
        "editable": editable,
        "attachments": files,
        "missing": missing,
        "problems": problems,
        "analysis": analysis,
        "decision": decisions[0] if decisions else None,
        "earlier_decisions": decisions[1:],
        "answering": answering,
        "answer": "",
        "answer_error": None,
        "timeline": _timeline_of(proposal, moves),
        "moving": has_tag(proposal.state, Tag.automated),
        "max_bytes": get_settings().attachment_max_bytes,
        "allowed": sorted(attachments.ALLOWED),
        "withdrawable": user.role == Role.applicant and not has_tag(proposal.state, Tag.terminal),
        "upload_error": None,
    }


@router.get("/proposals/{proposal_id}/timeline", include_in_schema=False)
def timeline_fragment(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    """The timeline alone, for htmx to refresh while the workers move the proposal."""
    proposal = policy.readable(session=session, user=user, proposal_id=proposal_id)
    context = {
        "proposal": proposal,
        "timeline": _timeline(session, user, proposal),
        "moving": has_tag(proposal.state, Tag.automated),
    }
    return render(request, "_timeline.html", context, user=user)


@router.post("/proposals/{proposal_id}/attachments", include_in_schema=False)
async def upload(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    form = await request.form()
    upload = form.get("file")
    chosen = upload is not None and not isinstance(upload, str)
    # No file chosen: the service still checks access first, then names the missing file.
    try:
        attachments.add(
            session=session,
            user=user,
            proposal_id=proposal_id,
            filename=(upload.filename or "") if chosen else "",  # type: ignore[union-attr]
            stream=upload.file if chosen else io.BytesIO(),  # type: ignore[union-attr]
        )
    except (InvalidInput, PayloadTooLarge, UnsupportedMediaType) as refused:
        # The file's problem is shown beside the file input, in the reader's language.
        session.rollback()
        context = _proposal_context(session, user, proposal_id)
        context["upload_error"] = gettext(_language(request), UPLOAD_ERRORS[type(refused)])
        return render(request, "proposal.html", context, user=user, status_code=refused.status_code)
    session.commit()
    return redirect(f"/proposals/{proposal_id}#attachments")


@router.post("/proposals/{proposal_id}/attachments/{attachment_id}/delete", include_in_schema=False)
def delete_attachment(
    session: SessionDep, user: PageUser, proposal_id: UUID, attachment_id: UUID
) -> Response:
    attachments.remove(
        session=session, user=user, proposal_id=proposal_id, attachment_id=attachment_id
    )
    session.commit()
    return redirect(f"/proposals/{proposal_id}#attachments")


@router.get("/proposals/{proposal_id}/attachments/{attachment_id}", include_in_schema=False)
def download(
    session: SessionDep, user: PageUser, proposal_id: UUID, attachment_id: UUID
) -> FileResponse:
    attachment = attachments.get(
        session=session, user=user, proposal_id=proposal_id, attachment_id=attachment_id
    )
    # PDFs and images open in the browser; other types download.
    inline = attachment.content_type == "application/pdf" or attachment.content_type.startswith(
        "image/"
    )
    return FileResponse(
        attachments.blob_path(attachment.sha256),
        media_type=attachment.content_type,
        filename=attachment.filename,
        content_disposition_type="inline" if inline else "attachment",
    )


@router.get("/proposals/{proposal_id}/dossier.pdf", include_in_schema=False)
def dossier_download(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    """The reader's copy of the dossier, in the page's language (the API's own function)."""
    written = dossier(session=session, user=user, proposal_id=proposal_id)
    return dossier_pdf.download(written, _language(request), utcnow())


@router.post("/proposals/{proposal_id}/submit", include_in_schema=False)
def submit(session: SessionDep, user: PageUser, proposal_id: UUID) -> Response:
    service.submit(session=session, user=user, proposal_id=proposal_id)
    session.commit()
    return redirect(f"/proposals/{proposal_id}")


@router.post("/proposals/{proposal_id}/response", include_in_schema=False)
async def answer_reviews(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    form = await request.form()
    body = str(form.get("body") or "")

    def respond(text: TextRequest) -> str:
        applicant_response.respond(
            session=session, user=user, proposal_id=proposal_id, body=text.body
        )
        return f"/proposals/{proposal_id}#response"

    return await submit_form(
        request,
        session,
        model=TextRequest,
        payload={"body": body},
        act=respond,
        template="proposal.html",
        # Access first (404 for a stranger), then the answer back beside its field.
        context=lambda errors: {
            **_proposal_context(session, user, proposal_id),
            "answer_error": errors.get("body"),
            "answer": body,
        },
        user=user,
    )


@router.post("/proposals/{proposal_id}/withdraw", include_in_schema=False)
async def withdraw(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    form = await request.form()
    _editable(session, user, proposal_id)  # 404 before 422
    if form.get("confirm") != "yes":
        raise InvalidInput("confirm: tick the box to confirm the withdrawal", field="confirm")
    reason = str(form.get("reason") or "")[:2000]
    service.withdraw(session=session, user=user, proposal_id=proposal_id, reason=reason)
    session.commit()
    return redirect(f"/proposals/{proposal_id}")


def _editable(session: Session, user: User, proposal_id: UUID) -> Proposal:
    """The proposal, if the caller's organisation may change it (404 / 403 otherwise)."""
    return policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.edit
    ).proposal


# --- the applicant's colleagues ---------------------------------------------------------------


def _colleagues_context(
    session: Session, user: User, cursor: str | None, values: dict[str, str], errors: dict[str, str]
) -> dict[str, Any]:
    people, next_cursor = members.colleagues(
        session=session, user=user, cursor=cursor, limit=page_size(None)
    )
    return {
        "organisation": session.get(Organisation, user.organisation_id),
        "people": people,
        "next_cursor": next_cursor,
        "invitations": members.open_invitations(session=session, user=user),
        "values": values,
        "errors": errors,
        "invited": False,
        "hours": get_settings().invitation_hours,
    }


@router.get("/colleagues", include_in_schema=False)
def colleagues_page(
    request: Request, session: SessionDep, user: PageUser, cursor: str = "", invited: str = ""
) -> Response:
    blank = {"email": "", "full_name": ""}
    context = _colleagues_context(session, user, cursor or None, blank, {})
    context["invited"] = invited == "1"
    return render(request, "colleagues.html", context, user=user)


@router.post("/colleagues", include_in_schema=False)
async def invite_colleague(request: Request, session: SessionDep, user: PageUser) -> Response:
    """An invitation into the applicant's own organisation, as POST /invitations sends it."""
    form = await request.form()
    values = {name: str(form.get(name) or "").strip() for name in ("email", "full_name")}

    def invite(data: InvitationCreate) -> str:
        policy.applicant_organisation(user, "invite colleagues")
        accounts.invite(session=session, inviter=user, data=data)
        return "/colleagues?invited=1"

    return await submit_form(
        request,
        session,
        model=InvitationCreate,
        payload=values,
        act=invite,
        template="colleagues.html",
        context=lambda errors: _colleagues_context(session, user, None, values, errors),
        user=user,
        refusals=[
            Refusal(Conflict, "email", N_("Someone with this e-mail already has an account.")),
        ],
    )


# --- the organisation's webhooks ---------------------------------------------------------------

# The new webhook's signing secret rides to the page after the redirect in a short-lived cookie,
# so that it is shown once, and a reload neither shows it again nor registers a second webhook.
_WEBHOOK_SECRET_COOKIE = "committee_webhook_secret"


def _webhooks_context(
    session: Session, user: User, cursor: str | None, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    rows, next_cursor = webhooks.list_webhooks(
        session=session, user=user, cursor=cursor, limit=page_size(None)
    )
    return {
        "webhooks": rows,
        "next_cursor": next_cursor,
        "events": WEBHOOK_EVENTS,
        "may_register": user.role == Role.applicant,
        "values": values,
        "errors": errors,
        "secret": None,
    }


@router.get("/webhooks", include_in_schema=False)
def webhooks_page(
    request: Request, session: SessionDep, user: PageUser, cursor: str = ""
) -> Response:
    context = _webhooks_context(session, user, cursor or None, {"url": "", "events": []}, {})
    context["secret"] = request.cookies.get(_WEBHOOK_SECRET_COOKIE)
    response = render(request, "webhooks.html", context, user=user)
    if context["secret"]:
        sessions.forget_once(response, _WEBHOOK_SECRET_COOKIE, path="/webhooks")
    return response


@router.post("/webhooks", include_in_schema=False)
async def register_webhook(request: Request, session: SessionDep, user: PageUser) -> Response:
    form = await request.form()
    values = {
        "url": str(form.get("url") or "").strip(),
        "events": [str(e) for e in form.getlist("events") if str(e)],
    }

    def register(data: webhooks.WebhookCreate) -> Response:
        webhook = webhooks.register_webhook(session=session, user=user, data=data)
        response = redirect("/webhooks#new-secret")
        sessions.keep_once(response, _WEBHOOK_SECRET_COOKIE, webhook.secret, path="/webhooks")
        return response

    limit = get_settings().webhooks_per_organisation_max
    return await submit_form(
        request,
        session,
        model=webhooks.WebhookCreate,
        payload=values,
        act=register,
        template="webhooks.html",
        context=lambda errors: _webhooks_context(session, user, None, values, errors),
        user=user,
        refusals=[
            Refusal(
                InvalidInput,
                "url",
                N_(
                    "This address cannot be called: use a public http or https address, "
                    "without a user name or password."
                ),
            ),
            Refusal(
                Conflict,
                "url",
                lambda _, translate: translate(
                    N_("Your organisation has {limit} webhooks, the most it may; delete one first.")
                ).format(limit=limit),
            ),
        ],
    )


@router.post("/webhooks/{webhook_id}/delete", include_in_schema=False)
def delete_webhook(session: SessionDep, user: PageUser, webhook_id: UUID) -> Response:
    webhooks.remove_webhook(session=session, user=user, webhook_id=webhook_id)
    session.commit()
    return redirect("/webhooks")


# --- the reviewer's assignments --------------------------------------------------------------


@router.get("/assignments", include_in_schema=False)
def assignments_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    items, _ = reviews.list_assignments(
        session=session, user=user, limit=get_settings().page_size_max
    )
    context = {"assignments": items, "now": utcnow()}
    return render(request, "assignments.html", context, user=user)


def _assignment(session: Session, user: User, assignment_id: UUID) -> Any:
    """The caller's assignment as its list shows it (404 for anyone else's)."""
    items, _ = reviews.list_assignments(session=session, user=user, limit=10_000)
    for item in items:
        if item.id == assignment_id:
            return item
    raise NotFound(f"assignment {assignment_id} not found")


@router.get("/assignments/{assignment_id}", include_in_schema=False)
def assignment_page(
    request: Request, session: SessionDep, user: PageUser, assignment_id: UUID
) -> Response:
    context = _assignment_context(request, session, user, assignment_id)
    return render(request, "assignment.html", context, user=user)


def _assignment_context(
    request: Request, session: Session, user: User, assignment_id: UUID
) -> dict[str, Any]:
    """What the assignment page shows, each part read through the API's own service function."""
    item = _assignment(session, user, assignment_id)
    # Before accepting, a reviewer sees only what the invitation says: title and summary.
    reading = item.status in (AssignmentStatus.accepted, AssignmentStatus.submitted)
    # The invitation's title and summary come with the assignment; the proposal once accepted.
    detail = reviews.assignment_detail(session=session, user=user, assignment_id=assignment_id)
    context: dict[str, Any] = {
        "item": item,
        "reading": reading,
        "now": utcnow(),
        "invitation": detail,
        "comment_error": None,
        "comment": "",
    }
    if reading:
        proposal = policy.readable(session=session, user=user, proposal_id=item.proposal_id)
        context["proposal"] = proposal
        committee = session.get(Committee, proposal.committee_id)
        review = session.exec(
            select(Review).where(Review.assignment_id == item.id, Review.reviewer_id == user.id)
        ).first()
        try:
            report = read_analysis(session=session, user=user, proposal_id=proposal.id)
        except NotFound:
            report = None
        analysis = report.model_dump(mode="json") if report else None
        charts = analysis_charts(getattr(report, "report", None), _language(request))
        co_reviews = None
        thread = None
        if item.status == AssignmentStatus.submitted:
            co_reviews = reviews.reviews_for(session=session, user=user, proposal_id=proposal.id)
            # The round this assignment belongs to, even after a revision opened a newer one.
            thread = discussion.discussion(
                session=session, user=user, proposal_id=proposal.id, version=item.proposal_version
            )
            if item.proposal_version == proposal.version:
                # The applicant's one answer to this round's reviews, when it has given it.
                context["applicant_answer"] = applicant_response.response_round(
                    session=session, user=user, proposal_id=proposal.id
                )
        context.update(
            attachments=attachments.list_for(session=session, user=user, proposal_id=proposal.id),
            rubric=committee.rubric if committee else [],
            review=review,
            analysis=analysis,
            charts=charts,
            co_reviews=co_reviews,
            discussion=thread,
            # Only the current round, while it runs, takes new comments.
            may_comment=thread is not None
            and item.proposal_version == proposal.version
            and proposal.state in ROUND_STATES,
            recommendations=list(Recommendation),
            saved=request.query_params.get("saved") == "1",
        )
    return context


@router.post("/assignments/{assignment_id}/accept", include_in_schema=False)
def accept(session: SessionDep, user: PageUser, assignment_id: UUID) -> Response:
    reviews.accept(session=session, user=user, assignment_id=assignment_id)
    session.commit()
    return redirect(f"/assignments/{assignment_id}")


@router.post("/assignments/{assignment_id}/decline", include_in_schema=False)
async def decline(
    request: Request, session: SessionDep, user: PageUser, assignment_id: UUID
) -> Response:
    form = await request.form()
    _assignment(session, user, assignment_id)  # 404 before 422
    reason = str(form.get("reason") or "").strip()
    if not reason:
        raise InvalidInput("reason: say why you decline", field="reason")
    reviews.decline(
        session=session,
        user=user,
        assignment_id=assignment_id,
        reason=reason,
        conflict_of_interest=form.get("conflict_of_interest") == "yes",
    )
    session.commit()
    return redirect("/assignments")


def _draft(form: Any) -> ReviewDraft:
    scores = {
        key.removeprefix("score_"): int(value)
        for key, value in form.multi_items()
        if key.startswith("score_") and str(value).isdigit()
    }
    confidence = str(form.get("confidence") or "")
    return ReviewDraft(
        scores=scores,
        recommendation=Recommendation(form["recommendation"])
        if form.get("recommendation") in Recommendation.__members__
        else None,
        confidence=int(confidence) if confidence.isdigit() else None,
        comments_for_applicant=str(form.get("comments_for_applicant") or ""),
        confidential_comments=str(form.get("confidential_comments") or ""),
    )


@router.post("/assignments/{assignment_id}/review", include_in_schema=False)
async def save_review(
    request: Request, session: SessionDep, user: PageUser, assignment_id: UUID
) -> Response:
    form = await request.form()
    _assignment(session, user, assignment_id)  # 404 before 422
    try:
        draft = _draft(form)
    except ValidationError as error:
        raise InvalidInput(str(error.errors()[0]["msg"])) from None
    reviews.save_draft(session=session, user=user, assignment_id=assignment_id, draft=draft)
    if form.get("submit") == "yes":
        if form.get("confirm") != "yes":
            session.commit()
            raise InvalidInput("confirm: tick the box to confirm you submit the review")
        reviews.submit_review(session=session, user=user, assignment_id=assignment_id)
    session.commit()
    if request.headers.get("hx-request"):
        # An autosave: the page stays; only the little "saved" note changes.
        note = gettext(_language(request), "Draft saved.")
        return Response(note, media_type="text/plain")
    return redirect(f"/assignments/{assignment_id}?saved=1")


@router.post("/assignments/{assignment_id}/discussion", include_in_schema=False)
async def add_to_discussion(
    request: Request, session: SessionDep, user: PageUser, assignment_id: UUID
) -> Response:
    form = await request.form()
    item = _assignment(session, user, assignment_id)  # 404 before 422
    body = str(form.get("body") or "")

    def comment(text: TextRequest) -> str:
        discussion.comment(session=session, user=user, proposal_id=item.proposal_id, body=text.body)
        return f"/assignments/{assignment_id}#discussion"

    return await submit_form(
        request,
        session,
        model=TextRequest,
        payload={"body": body},
        act=comment,
        template="assignment.html",
        # The comment comes back beside its field, with what is wrong in the reader's words.
        context=lambda errors: {
            **_assignment_context(request, session, user, assignment_id),
            "comment_error": errors.get("body"),
            "comment": body,
        },
        user=user,
    )


# --- bids on the proposals waiting in my committees ----------------------------------------


@router.get("/bids", include_in_schema=False)
def bids_page(
    request: Request, session: SessionDep, user: PageUser, cursor: str | None = None
) -> Response:
    policy.require_committee_member(user)
    items, next_cursor = assignment.biddable(
        session=session, user=user, cursor=cursor, limit=page_size(None)
    )
    context = {
        "proposals": items,
        "next_cursor": next_cursor,
        "preferences": list(Preference),
        "saved": request.query_params.get("saved"),
    }
    return render(request, "bids.html", context, user=user)


@router.post("/bids/{proposal_id}", include_in_schema=False)
async def place_bid(
    request: Request, session: SessionDep, user: PageUser, proposal_id: UUID
) -> Response:
    form = await request.form()
    chosen = str(form.get("preference") or "")
    policy.biddable(session=session, user=user, proposal_id=proposal_id)  # 404 before 422
    if chosen not in Preference.__members__:
        raise InvalidInput(
            "preference: choose eager, willing, not willing or conflict", field="preference"
        )
    assignment.bid(
        session=session, user=user, proposal_id=proposal_id, preference=Preference(chosen)
    )
    session.commit()
    return redirect(f"/bids?saved={proposal_id}#bid-{proposal_id}")

"""The admin's pages: the live queue with its re-drive, accounts, organisations, committees and
the audit log.

Each handler is an edge like the JSON API's route for the same thing: it calls the same service
function (which applies the same rules and writes the same audit entries), commits, and
redirects (303) or renders. The lists are the API's cursor pages, searched the same way.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from babel.dates import format_timedelta
from fastapi import APIRouter, Depends, Request, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlmodel import Session, col, select
from starlette.datastructures import FormData

from service import policy
from service.admin.models import QueueView
from service.admin.router import redrive_proposal
from service.admin.service import queue_view
from service.auth import accounts, audit
from service.auth.models import InvitationCreate, Role, User, UserAdminUpdate
from service.charts.queue_states import waiting_by_state
from service.committees import service as committees
from service.committees.models import Committee, CommitteeMembership, CommitteeUpdate
from service.config import get_settings
from service.deps import SessionDep
from service.errors import Conflict, DomainError, InvalidInput
from service.organisations import service as organisations
from service.organisations.models import Organisation, OrganisationCreate, OrganisationUpdate
from service.pagination import page_size
from service.proposals.vocabulary import TherapeuticArea
from service.web import i18n, sessions
from service.web.forms import field_errors
from service.web.i18n import N_
from service.web.pages import PageRoute, PageUser
from service.web.render import gettext, label, redirect, render
from service.workflow.table import Tag, has_tag

router = APIRouter(
    prefix="/admin", route_class=PageRoute, dependencies=[Depends(sessions.check_csrf)]
)
# How often the queue page asks for a fresh table (htmx); without JavaScript, the refresh link.
QUEUE_POLL_SECONDS = 3


def _admin(user: PageUser) -> User:
    """The signed-in admin; anyone else is refused by the rule the API's admin routes use."""
    policy.require_admin(user)
    return user


AdminPage = Annotated[User, Depends(_admin)]

# What the audit log calls each action, in the reader's words.
AUDIT_ACTIONS: dict[str, str] = {
    "user.create": N_("Account created"),
    "user.invite": N_("Invitation sent"),
    "user.update": N_("Account changed"),
    "user.deactivate": N_("Account deactivated"),
    "committee.create": N_("Committee created"),
    "committee.update": N_("Committee changed"),
    "organisation.create": N_("Organisation created"),
    "organisation.update": N_("Organisation changed"),
}
# The states whose shared label speaks to the applicant ("your answer"), as an admin reads them.
_STATE_WORDS: dict[str, str] = {
    "applicant_response": N_("Waiting for the applicant's answer"),
}
# A service's refusal of one field, by the start of its English reason: said beside the field.
_REFUSALS: dict[str, str] = {
    "organisation_id: an applicant must belong": N_("An applicant must belong to an organisation."),
    "organisation_id: no such organisation": N_("Choose one of the organisations."),
    "a user with e-mail": N_("An account with this e-mail address already exists."),
    "an organisation named": N_("Another organisation already has this name."),
    "a committee named": N_("Another committee already has this name."),
    "quorum cannot exceed": N_("The quorum cannot be larger than the reviewers per proposal."),
    "user ": N_("Choose members from the lists: each holds one seat, in a role that fits it."),
}
_REFUSED = N_("This value is not valid.")
# What our own validators want, by field (pydantic's own error types are worded in forms.py).
_VALUE_HINTS: dict[str, str] = {
    "country": N_("Use a two-letter country code, such as CN or KZ."),
    "email_domains": N_("Write e-mail domains such as example.com, one a line."),
    "email": N_("Enter an e-mail address such as name@example.com."),
}


def _words(request: Request) -> Callable[[str], str]:
    language = i18n.language_of(request)
    return lambda message: gettext(language, message)


def _invalid(request: Request, error: ValidationError) -> dict[str, str]:
    """Each field's first error in the reader's words, with our validators' own hints."""
    words = _words(request)
    found = field_errors(error, words)
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        if field in _VALUE_HINTS and item["type"] in ("value_error", "string_too_short"):
            found[field] = words(_VALUE_HINTS[field])
    return found


def _refused(request: Request, refused: DomainError, default_field: str) -> dict[str, str]:
    """A service's refusal, beside the field it names (or `default_field`)."""
    field = str(refused.extra.get("field") or default_field)
    reason = next(
        (words for start, words in _REFUSALS.items() if refused.detail.startswith(start)),
        _REFUSED,
    )
    return {field: _words(request)(reason)}


def _duration(language: str, *, ago: bool = False) -> Callable[[float | None], str]:
    """Seconds as a reader of `language` says them ("10 minutes"; with `ago`, "10 minutes
    ago", in the grammatical case the language wants there)."""

    def written(seconds: float | None) -> str:
        if seconds is None:
            return "—"
        span = dt.timedelta(seconds=-seconds if ago else seconds)
        return format_timedelta(span, locale=language, threshold=1.5, add_direction=ago)

    return written


def _page(
    request: Request,
    template: str,
    context: dict[str, Any],
    user: User,
    *,
    section: str,
    status_code: int = 200,
) -> Response:
    language = i18n.language_of(request)
    extra = {
        "section": section,
        "duration": _duration(language),
        "ago": _duration(language, ago=True),
        "state_words": {state: gettext(language, words) for state, words in _STATE_WORDS.items()},
    }
    return render(request, template, {**extra, **context}, user=user, status_code=status_code)


def _list_page(
    session: Session,
    lister: Callable[..., tuple[Sequence[Any], str | None]],
    path: str,
    search: str,
    cursor: str | None,
    **filters: StrEnum | None,
) -> tuple[Sequence[Any], dict[str, Any]]:
    """One page of an admin list: `lister`'s rows for the search typed and the filters, and
    the context every list page shares: the search, and the links to the first and the next
    page keeping the search and the filters (None where there is no such page to go to)."""
    rows, next_cursor = lister(
        session=session,
        search=search.strip()[:200] or None,
        cursor=cursor or None,
        limit=page_size(None),
        **filters,
    )
    query = {"search": search} if search else {}
    query |= {name: value.value for name, value in filters.items() if value is not None}
    first = f"{path}?{urlencode(query)}" if query else path
    return rows, {
        "search": search,
        "first": first if cursor else None,
        "more": f"{path}?{urlencode({**query, 'cursor': next_cursor})}" if next_cursor else None,
    }


def _lines(text: str) -> list[str]:
    """A list typed one entry per line (or comma)."""
    return [v.strip() for v in text.replace(",", "\n").splitlines() if v.strip()]


def _ids(values: Iterable[Any]) -> list[UUID]:
    found = []
    for value in values:
        try:
            found.append(UUID(str(value)))
        except ValueError:
            continue  # no checkbox offers such a value: a tampered form loses it
    return found


@router.get("", include_in_schema=False)
def admin_home(_: AdminPage) -> Response:
    return redirect("/admin/queue")


# --- the live queue ----------------------------------------------------------------------------


def _queue_chart(request: Request, view: QueueView) -> Markup:
    """The working states (not the applicant's, not the terminal ones) as a bar chart."""
    language = i18n.language_of(request)
    words = _words(request)
    rows = tuple(
        (
            words(_STATE_WORDS[queue.state])
            if queue.state in _STATE_WORDS
            else label(language, queue.state),
            queue.count,
            queue.past_sla or 0,
            queue.stalled,
        )
        for queue in view.states
        if not has_tag(queue.state, Tag.terminal) and not has_tag(queue.state, Tag.applicant_action)
    )
    legend = (
        words(N_("Proposals waiting in each state")),
        words(N_("Within the time limit")),
        words(N_("Past the limit")),
        words(N_("Stalled")),
    )
    return waiting_by_state(rows, legend)


def _queue_context(request: Request, session: Session) -> dict[str, Any]:
    view = queue_view(session=session)
    return {"view": view, "poll_seconds": QUEUE_POLL_SECONDS, "chart": _queue_chart(request, view)}


@router.get("/queue", include_in_schema=False)
def queue_page(request: Request, session: SessionDep, user: AdminPage) -> Response:
    context = {
        **_queue_context(request, session),
        "redriven": request.query_params.get("redriven"),
    }
    return _page(request, "admin/queue.html", context, user, section="queue")


@router.get("/queue/live", include_in_schema=False)
def queue_fragment(request: Request, session: SessionDep, user: AdminPage) -> Response:
    """The live part of the queue page alone, for htmx to swap in every few seconds."""
    return _page(
        request, "admin/_queue_live.html", _queue_context(request, session), user, section="queue"
    )


@router.post("/queue/{proposal_id}/redrive", include_in_schema=False)
def redrive(session: SessionDep, user: AdminPage, proposal_id: UUID) -> Response:
    # The API's own route: the same re-drive, history entry, commit and operator log line.
    redrive_proposal(proposal_id, session, user)
    return redirect(f"/admin/queue?redriven={proposal_id}#stalled")


# --- accounts ----------------------------------------------------------------------------------


def _organisation_choices(session: Session) -> list[Organisation]:
    rows, _ = organisations.list_organisations(
        session=session, cursor=None, limit=get_settings().page_size_max
    )
    return rows


def _names(session: Session, model: Any, ids: Iterable[UUID | None]) -> dict[UUID, Any]:
    """The rows of `model` with these ids, by id: one read for a whole page."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row.id: row for row in session.exec(select(model).where(col(model.id).in_(wanted)))}


@router.get("/users", include_in_schema=False)
def users_page(
    request: Request,
    session: SessionDep,
    user: AdminPage,
    search: str = "",
    role: str = "",
    cursor: str | None = None,
) -> Response:
    chosen = Role(role) if role in Role.__members__ else None
    rows, listed = _list_page(
        session, accounts.list_users, "/admin/users", search, cursor, role=chosen
    )
    context = {
        "users": rows,
        "organisations": _names(session, Organisation, (u.organisation_id for u in rows)),
        "role": chosen,
        "roles": list(Role),
        "invited": request.query_params.get("invited"),
        **listed,
    }
    return _page(request, "admin/users.html", context, user, section="users")


def _invite_form(
    request: Request,
    session: Session,
    user: User,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "roles": list(Role),
        "organisations": _organisation_choices(session),
    }
    return _page(
        request, "admin/invite.html", context, user, section="users", status_code=status_code
    )


@router.get("/users/invite", include_in_schema=False)
def invite_page(request: Request, session: SessionDep, user: AdminPage) -> Response:
    values = {"email": "", "full_name": "", "role": Role.reviewer, "organisation_id": ""}
    return _invite_form(request, session, user, values, {})


@router.post("/users/invite", include_in_schema=False)
async def invite(request: Request, session: SessionDep, user: AdminPage) -> Response:
    form = await request.form()
    values = {
        name: str(form.get(name) or "").strip()
        for name in ("email", "full_name", "role", "organisation_id")
    }
    payload = {**values, "organisation_id": values["organisation_id"] or None}
    try:
        data = InvitationCreate.model_validate(payload)
        accounts.invite(session=session, inviter=user, data=data)
    except ValidationError as error:
        return _invite_form(request, session, user, values, _invalid(request, error), 422)
    except (InvalidInput, Conflict) as refused:
        session.rollback()
        errors = _refused(request, refused, "email")
        return _invite_form(request, session, user, values, errors, refused.status_code)
    session.commit()
    return redirect(f"/admin/users?{urlencode({'invited': data.email})}")


def _user_form(
    request: Request,
    session: Session,
    admin: User,
    account: User,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    seats = session.exec(
        select(Committee.id, Committee.name)
        .join_from(Committee, CommitteeMembership)
        .where(CommitteeMembership.user_id == account.id)
        .order_by(Committee.name)
    ).all()
    organisation = (
        session.get(Organisation, account.organisation_id) if account.organisation_id else None
    )
    context = {
        "account": account,
        "organisation": organisation,
        "seats": seats,
        "values": values,
        "errors": errors,
        "roles": list(Role),
        "organisations": _organisation_choices(session),
        "itself": account.id == admin.id,
        "saved": request.query_params.get("saved"),
    }
    return _page(
        request, "admin/user.html", context, admin, section="users", status_code=status_code
    )


def _account_values(account: User) -> dict[str, Any]:
    return {
        "role": account.role,
        "organisation_id": str(account.organisation_id or ""),
        "capacity": str(account.capacity),
    }


@router.get("/users/{user_id}", include_in_schema=False)
def user_page(request: Request, session: SessionDep, user: AdminPage, user_id: UUID) -> Response:
    account = accounts.get_user(session=session, user_id=user_id)
    return _user_form(request, session, user, account, _account_values(account), {})


@router.post("/users/{user_id}", include_in_schema=False)
async def edit_user(
    request: Request, session: SessionDep, user: AdminPage, user_id: UUID
) -> Response:
    account = accounts.get_user(session=session, user_id=user_id)
    form = await request.form()
    values = {name: str(form.get(name) or "").strip() for name in ("role", "organisation_id")}
    values["capacity"] = str(form.get("capacity") or "").strip()
    # Only what the admin changed is sent, as a PATCH would: the own role stays untouched.
    current = _account_values(account)
    payload: dict[str, Any] = {
        name: value for name, value in values.items() if value and value != current[name]
    }
    try:
        data = UserAdminUpdate.model_validate(payload)
        accounts.update_user(session=session, actor=user, user_id=user_id, data=data)
    except ValidationError as error:
        errors = _invalid(request, error)
        return _user_form(request, session, user, account, values, errors, 422)
    except InvalidInput as refused:
        session.rollback()
        account = accounts.get_user(session=session, user_id=user_id)
        errors = _refused(request, refused, "role")
        return _user_form(request, session, user, account, values, errors, 422)
    session.commit()
    return redirect(f"/admin/users/{user_id}?saved=1")


def _set_active(session: Session, admin: User, user_id: UUID, active: bool) -> Response:
    data = UserAdminUpdate(is_active=active)
    accounts.update_user(session=session, actor=admin, user_id=user_id, data=data)
    session.commit()
    return redirect(f"/admin/users/{user_id}?saved={'active' if active else 'inactive'}")


@router.post("/users/{user_id}/deactivate", include_in_schema=False)
async def deactivate(
    request: Request, session: SessionDep, user: AdminPage, user_id: UUID
) -> Response:
    """End the account: its sessions end at once and its open invitations go to others."""
    form = await request.form()
    accounts.get_user(session=session, user_id=user_id)  # 404 before 422
    if form.get("confirm") != "yes":
        raise InvalidInput("confirm: tick the box to confirm the deactivation", field="confirm")
    return _set_active(session, user, user_id, False)


@router.post("/users/{user_id}/reactivate", include_in_schema=False)
def reactivate(session: SessionDep, user: AdminPage, user_id: UUID) -> Response:
    return _set_active(session, user, user_id, True)


# --- organisations -----------------------------------------------------------------------------


@router.get("/organisations", include_in_schema=False)
def organisations_page(
    request: Request,
    session: SessionDep,
    user: AdminPage,
    search: str = "",
    cursor: str | None = None,
) -> Response:
    rows, listed = _list_page(
        session, organisations.list_organisations, "/admin/organisations", search, cursor
    )
    context = {"organisations": rows, **listed}
    return _page(request, "admin/organisations.html", context, user, section="organisations")


def _organisation_payload(form: FormData) -> dict[str, Any]:
    return {
        "name": str(form.get("name") or "").strip(),
        "country": str(form.get("country") or "").strip(),
        "email_domains": _lines(str(form.get("email_domains") or "")),
    }


def _organisation_form(
    request: Request,
    admin: User,
    organisation: Organisation | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {
        "organisation": organisation,
        "values": values,
        "errors": errors,
        "saved": request.query_params.get("saved") == "1",
    }
    return _page(
        request,
        "admin/organisation.html",
        context,
        admin,
        section="organisations",
        status_code=status_code,
    )


@router.get("/organisations/new", include_in_schema=False)
def new_organisation_page(request: Request, user: AdminPage) -> Response:
    values = {"name": "", "country": "", "email_domains": []}
    return _organisation_form(request, user, None, values, {})


@router.post("/organisations/new", include_in_schema=False)
async def create_organisation(request: Request, session: SessionDep, user: AdminPage) -> Response:
    values = _organisation_payload(await request.form())
    try:
        data = OrganisationCreate.model_validate(values)
        created = organisations.create_organisation(session=session, admin=user, data=data)
    except ValidationError as error:
        return _organisation_form(request, user, None, values, _invalid(request, error), 422)
    except Conflict as refused:
        session.rollback()
        errors = _refused(request, refused, "name")
        return _organisation_form(request, user, None, values, errors, 409)
    session.commit()
    return redirect(f"/admin/organisations/{created.id}?saved=1")


@router.get("/organisations/{organisation_id}", include_in_schema=False)
def organisation_page(
    request: Request, session: SessionDep, user: AdminPage, organisation_id: UUID
) -> Response:
    found = organisations.get_organisation(session=session, organisation_id=organisation_id)
    return _organisation_form(request, user, found, found.model_dump(), {})


@router.post("/organisations/{organisation_id}", include_in_schema=False)
async def edit_organisation(
    request: Request, session: SessionDep, user: AdminPage, organisation_id: UUID
) -> Response:
    found = organisations.get_organisation(session=session, organisation_id=organisation_id)
    values = _organisation_payload(await request.form())
    try:
        data = OrganisationUpdate.model_validate(values)
        organisations.update_organisation(
            session=session, admin=user, organisation_id=organisation_id, data=data
        )
    except ValidationError as error:
        return _organisation_form(request, user, found, values, _invalid(request, error), 422)
    except Conflict as refused:
        session.rollback()
        found = organisations.get_organisation(session=session, organisation_id=organisation_id)
        errors = _refused(request, refused, "name")
        return _organisation_form(request, user, found, values, errors, 409)
    session.commit()
    return redirect(f"/admin/organisations/{organisation_id}?saved=1")


# --- committees --------------------------------------------------------------------------------


@router.get("/committees", include_in_schema=False)
def committees_page(
    request: Request,
    session: SessionDep,
    user: AdminPage,
    search: str = "",
    cursor: str | None = None,
) -> Response:
    rows, listed = _list_page(
        session, committees.list_committees, "/admin/committees", search, cursor
    )
    context = {
        "committees": committees.to_public_all(session=session, committees=rows),
        **listed,
    }
    return _page(request, "admin/committees.html", context, user, section="committees")


def _candidates(session: Session, role: Role) -> list[User]:
    rows, _ = accounts.list_users(session=session, role=role, limit=get_settings().page_size_max)
    return sorted((u for u in rows if u.is_active), key=lambda u: (u.full_name, u.email))


def _committee_form(
    request: Request,
    session: Session,
    admin: User,
    committee: Committee,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    chairs = _candidates(session, Role.chair)
    reviewers = _candidates(session, Role.reviewer)
    context = {
        "committee": committee,
        "values": values,
        "errors": errors,
        "areas": list(TherapeuticArea),
        "chair_candidates": chairs,
        # A chair may also sit on a committee as one of its reviewers.
        "reviewer_candidates": sorted([*reviewers, *chairs], key=lambda u: (u.full_name, u.email)),
        "saved": request.query_params.get("saved") == "1",
    }
    return _page(
        request,
        "admin/committee.html",
        context,
        admin,
        section="committees",
        status_code=status_code,
    )


def _committee_values(session: Session, committee: Committee) -> dict[str, Any]:
    public = committees.to_public(session=session, committee=committee)
    values = public.model_dump(mode="json")
    for name in ("reviewers_per_proposal", "quorum", "applicant_response_days"):
        values[name] = str(values[name])
    return values


@router.get("/committees/{committee_id}", include_in_schema=False)
def committee_page(
    request: Request, session: SessionDep, user: AdminPage, committee_id: UUID
) -> Response:
    found = committees.get_committee(session=session, user=user, committee_id=committee_id)
    values = _committee_values(session, found)
    return _committee_form(request, session, user, found, values, {})


@router.post("/committees/{committee_id}", include_in_schema=False)
async def edit_committee(
    request: Request, session: SessionDep, user: AdminPage, committee_id: UUID
) -> Response:
    found = committees.get_committee(session=session, user=user, committee_id=committee_id)
    form = await request.form()
    values: dict[str, Any] = {
        "name": str(form.get("name") or "").strip(),
        "therapeutic_areas": [str(v) for v in form.getlist("therapeutic_areas")],
        "chair_ids": [str(v) for v in form.getlist("chair_ids")],
        "reviewer_ids": [str(v) for v in form.getlist("reviewer_ids")],
    }
    for name in ("reviewers_per_proposal", "quorum", "applicant_response_days"):
        values[name] = str(form.get(name) or "").strip()
    # The whole form is sent, as a PATCH of every field; the service audits what changed.
    payload = {
        **values,
        "chair_ids": _ids(values["chair_ids"]),
        "reviewer_ids": _ids(values["reviewer_ids"]),
    }
    try:
        data = CommitteeUpdate.model_validate(payload)
        committees.update_committee(
            session=session, admin=user, committee_id=committee_id, data=data
        )
    except ValidationError as error:
        errors = _invalid(request, error)
        return _committee_form(request, session, user, found, values, errors, 422)
    except (InvalidInput, Conflict) as refused:
        session.rollback()
        found = committees.get_committee(session=session, user=user, committee_id=committee_id)
        errors = _refused(request, refused, "name")
        return _committee_form(request, session, user, found, values, errors, 422)
    session.commit()
    return redirect(f"/admin/committees/{committee_id}?saved=1")


# --- the audit log -----------------------------------------------------------------------------

# Where the log's targets are edited, by their type.
_TARGET_PAGES = {
    "user": "/admin/users/{}",
    "committee": "/admin/committees/{}",
    "organisation": "/admin/organisations/{}",
}


@router.get("/audit", include_in_schema=False)
def audit_page(
    request: Request,
    session: SessionDep,
    user: AdminPage,
    search: str = "",
    cursor: str | None = None,
) -> Response:
    rows, listed = _list_page(session, audit.entries, "/admin/audit", search, cursor)
    context = {
        "entries": rows,
        "actors": _names(session, User, (e.actor_id for e in rows)),
        "actions": AUDIT_ACTIONS,
        "target_pages": _TARGET_PAGES,
        **listed,
    }
    return _page(request, "admin/audit.html", context, user, section="audit")

"""Account pages: the language, the password, and a reviewer's own profile.

Each form calls the service function its API twin calls (`PATCH /me`, `POST /me/password`),
so a page refuses exactly what the API refuses; the refusal is shown beside its field.
"""

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.datastructures import FormData

from service import policy
from service.auth import accounts
from service.auth import service as auth
from service.auth.models import Language, PasswordChange, ProfileUpdate, User
from service.deps import SessionDep
from service.errors import InvalidInput
from service.web import i18n, sessions
from service.web.forms import entries, field_errors, password_error, row_errors
from service.web.pages import PageRoute, PageUser, SignInRequired, safe_next
from service.web.render import gettext, redirect, render

router = APIRouter(route_class=PageRoute, dependencies=[Depends(sessions.check_csrf)])

# Empty period rows offered under the filled ones, so that one can be added without scripts.
_BLANK_ROWS = 1


@router.post("/language", include_in_schema=False)
async def choose_language(request: Request, session: SessionDep) -> Response:
    """The header's switcher: kept in a cookie, and on the account when someone is signed in,
    so that the choice follows the person to another browser."""
    form = await request.form()
    chosen = str(form.get("language") or "")
    response = redirect(safe_next(str(form.get("next") or "/")))
    if chosen not in i18n.LANGUAGES:
        return response
    user = sessions.current_user(request, session)
    if user is not None:
        accounts.update_profile(
            session=session, user=user, data=ProfileUpdate(language=Language(chosen))
        )
        session.commit()
    response.set_cookie(
        i18n.LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax", path="/"
    )
    return response


@router.get("/account", include_in_schema=False)
def account_page(request: Request, user: PageUser) -> Response:
    context = {"errors": {}, "changed": request.query_params.get("changed") == "1"}
    return render(request, "account.html", context, user=user)


@router.post("/account/password", include_in_schema=False)
async def change_password(request: Request, session: SessionDep) -> Response:
    # The session itself, not only its user: the change ends every other session but this one.
    signed_in = sessions.signed_in(request, session)
    if signed_in is None:
        raise SignInRequired
    user = signed_in.user
    form = await request.form()
    language = i18n.language_of(request)
    try:
        data = PasswordChange.model_validate(
            {
                "current_password": str(form.get("current_password") or ""),
                "new_password": str(form.get("new_password") or ""),
            }
        )
        # Password hashing is slow on purpose: off the event loop, like the sign-in.
        await run_in_threadpool(
            auth.change_password,
            session=session,
            user=user,
            current=data.current_password,
            new=data.new_password,
            session_id=signed_in.session_id,
        )
    except ValidationError as error:
        errors = field_errors(error, lambda m: gettext(language, m))
    except InvalidInput as refused:
        session.rollback()
        field = str(refused.extra.get("field") or "new_password")
        errors = {field: password_error(refused, lambda m: gettext(language, m))}
    else:
        session.commit()
        return redirect("/account?changed=1")
    context = {"errors": errors, "changed": False}
    return render(request, "account.html", context, user=user, status_code=422)


# --- a reviewer's profile --------------------------------------------------------------------


def _period_rows(form: FormData) -> list[dict[str, str]]:
    """The period rows as posted (start, end), without the ones marked for removal."""
    starts = [str(v) for v in form.getlist("period_start")]
    ends = [str(v) for v in form.getlist("period_end")]
    removed = {str(v) for v in form.getlist("period_remove")}
    rows = []
    for index, (start, end) in enumerate(zip(starts, ends, strict=False)):
        if str(index) in removed or not (start.strip() or end.strip()):
            continue
        rows.append({"start": start.strip(), "end": end.strip()})
    return rows


def profile_payload(form: FormData) -> dict[str, Any]:
    """The profile form as the `PATCH /me` body: a half-filled period lacks its empty end."""
    return {
        "expertise_keywords": entries(str(form.get("expertise_keywords") or "")),
        "expertise_profile": str(form.get("expertise_profile") or "").strip(),
        "capacity": str(form.get("capacity") or "").strip(),
        "unavailable_periods": [{k: v for k, v in row.items() if v} for row in _period_rows(form)],
        "standing_conflicts": entries(str(form.get("standing_conflicts") or "")),
    }


def _profile_values(user: User) -> dict[str, Any]:
    return {
        "expertise_keywords": user.expertise_keywords,
        "expertise_profile": user.expertise_profile,
        "capacity": user.capacity,
        "unavailable_periods": [
            {"start": str(p.get("start", "")), "end": str(p.get("end", ""))}
            for p in user.unavailable_periods
        ],
        "standing_conflicts": user.standing_conflicts,
    }


def _profile_page(
    request: Request,
    user: User,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    blank_rows: int = _BLANK_ROWS,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    rows = [*values["unavailable_periods"], *({"start": "", "end": ""} for _ in range(blank_rows))]
    context = {
        "values": {**values, "unavailable_periods": rows},
        "errors": errors,
        "saved": saved,
    }
    return render(request, "profile.html", context, user=user, status_code=status_code)


@router.get("/account/profile", include_in_schema=False)
def profile_page(request: Request, user: PageUser) -> Response:
    policy.require_committee_member(user)
    saved = request.query_params.get("saved") == "1"
    return _profile_page(request, user, _profile_values(user), {}, saved=saved)


@router.post("/account/profile", include_in_schema=False)
async def save_profile(request: Request, session: SessionDep, user: PageUser) -> Response:
    policy.require_committee_member(user)
    form = await request.form()
    payload = profile_payload(form)
    # What the reader typed, shown back as typed when something is wrong.
    values = {**payload, "unavailable_periods": _period_rows(form)}
    if form.get("action") == "add_period":
        # Another empty row, nothing saved: the form works without scripts.
        return _profile_page(request, user, values, {}, blank_rows=_BLANK_ROWS + 1)
    language = i18n.language_of(request)
    try:
        data = ProfileUpdate.model_validate(payload)
    except ValidationError as error:
        errors = row_errors(error, lambda m: gettext(language, m))
        return _profile_page(request, user, values, errors, blank_rows=0, status_code=422)
    accounts.update_profile(session=session, user=user, data=data)
    session.commit()
    return redirect("/account/profile?saved=1")

"""The chair's and the admin's reports: the statistics with their charts, and the exports.

The statistics page reads `GET /stats`'s own service function (and so its policy: admins
every committee, chairs theirs, others refused); the exports page offers the API's exports,
each with its row count known before the download, which then streams.
"""

from datetime import date
from typing import Any
from uuid import UUID

from babel.dates import format_skeleton, format_timedelta
from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Depends, Query, Request, Response
from markupsafe import Markup
from sqlmodel import Session, col, select

from service import policy
from service.auth.models import User
from service.charts.stats import bars
from service.committees.models import Committee
from service.deps import SessionDep
from service.errors import InvalidInput, NotFound
from service.exports import service as exports
from service.exports.tables import Export, Format, download
from service.stats import service as stats
from service.stats.models import Acceptance, Statistics
from service.web import i18n, sessions
from service.web.i18n import N_
from service.web.pages import PageRoute, PageUser
from service.web.render import gettext, label, render
from service.workflow.table import State

router = APIRouter(route_class=PageRoute, dependencies=[Depends(sessions.check_csrf)])

# What each filter's error says beside its field.
_DATE_ERROR = N_("Enter a date as YYYY-MM-DD.")
_ORDER_ERROR = N_("The period ends before it starts.")
_COMMITTEE_ERROR = N_("Choose a committee from the list.")
_NOT_SET = N_("Not set")
_NO_REPORT = N_("No prospect report")


def _committee_of(raw: str, errors: dict[str, str]) -> UUID | None:
    """The committee filter's id (None: every committee the caller may read); a value that
    is no id is named in `errors`."""
    if not raw:
        return None
    try:
        return UUID(raw)
    except ValueError:
        errors["committee"] = _COMMITTEE_ERROR
        return None


class _Filters:
    """The period and committee asked for, read from the query; each bad value named."""

    def __init__(self, raw_from: str, raw_to: str, raw_committee: str) -> None:
        self.values = {"from": raw_from, "to": raw_to, "committee": raw_committee}
        self.errors: dict[str, str] = {}
        self.period_from = self._day("from", raw_from)
        self.period_to = self._day("to", raw_to)
        self.committee = _committee_of(raw_committee, self.errors)

    def _day(self, name: str, raw: str) -> date | None:
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.errors[name] = _DATE_ERROR
            return None


def _committees(session: Session, user: User) -> list[Committee]:
    """The committees the caller may report on (the same policy as GET /stats; 403 for
    reviewers and applicants)."""
    allowed = policy.statistics_committees(session=session, user=user, committee_id=None)
    query = select(Committee).order_by(col(Committee.name))
    if allowed is not None:
        query = query.where(col(Committee.id).in_(allowed))
    return list(session.exec(query))


def _duration_unit(longest: float) -> tuple[float, str]:
    """Seconds per unit and the axis words for the stage-time chart's longest bar."""
    if longest >= 2 * 86_400:
        return 86_400, N_("Days")
    if longest >= 2 * 3_600:
        return 3_600, N_("Hours")
    return 60, N_("Minutes")


def _charts(
    found: Statistics, language: str, names: dict[str, str]
) -> dict[str, Markup | dict[str, Markup]]:
    """Every chart of the page, its words in the reader's language."""
    locale = i18n.Formats(language).locale

    def rate(value: float) -> str:
        return format_percent(value, "#,##0%", locale=locale)

    def number(value: float) -> str:
        return format_decimal(value, "#,##0.#", locale=locale)

    charts: dict[str, Any] = {}
    if found.weekly:
        charts["throughput"] = bars(
            "throughput",
            [format_skeleton("MMMd", w.week, locale=locale) for w in found.weekly],
            [
                (gettext(language, "Submitted"), [w.submitted for w in found.weekly]),
                (gettext(language, "Decided"), [w.decided for w in found.weekly]),
            ],
            title=gettext(language, "Proposals submitted and decided per week"),
            value_label=gettext(language, "Proposals"),
            horizontal=False,
            tick=number,
            counts=True,
        )
    if found.stage_times:
        seconds, unit = _duration_unit(max(s.p90_seconds for s in found.stage_times))
        charts["stages"] = bars(
            "stages",
            [label(language, s.state) for s in found.stage_times],
            [
                (
                    gettext(language, "Median"),
                    [s.median_seconds / seconds for s in found.stage_times],
                ),
                (
                    gettext(language, "90th percentile"),
                    [s.p90_seconds / seconds for s in found.stage_times],
                ),
            ],
            title=gettext(language, "Time in each stage"),
            value_label=gettext(language, unit),
            horizontal=True,
            tick=number,
        )
    groups = {
        "area": (found.by_therapeutic_area, gettext(language, "Approval rate by therapeutic area")),
        "modality": (found.by_modality, gettext(language, "Approval rate by modality")),
        "committee": (found.by_committee, gettext(language, "Approval rate by committee")),
    }
    acceptance: dict[str, Markup] = {}
    for name, (rows, title) in groups.items():
        if rows:
            acceptance[name] = bars(
                f"acceptance-{name}",
                [_key_words(language, r, names) for r in rows],
                [(gettext(language, "Approval rate"), [r.approval_rate for r in rows])],
                title=title,
                value_label=gettext(language, "Approved of decided"),
                horizontal=True,
                tick=rate,
                limit=1.0,
            )
    charts["acceptance"] = acceptance
    if found.prospect_bands:
        bands = found.prospect_bands
        charts["bands"] = bars(
            "bands",
            [label(language, b.band) if b.band else gettext(language, _NO_REPORT) for b in bands],
            [
                (gettext(language, "Decided"), [b.decided for b in bands]),
                (gettext(language, "Approved"), [b.approved for b in bands]),
            ],
            title=gettext(language, "Prospect band against the decision"),
            value_label=gettext(language, "Proposals"),
            horizontal=True,
            tick=number,
            counts=True,
        )
    return charts


def _key_words(language: str, row: Acceptance, names: dict[str, str]) -> str:
    """An acceptance row's key as a reader names it: an area, a modality or a committee."""
    if row.key is None:
        return gettext(language, _NOT_SET)
    return names.get(row.key) or label(language, row.key)


@router.get("/reports/statistics", include_in_schema=False)
def statistics_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    raw_from: str = Query("", alias="from"),
    raw_to: str = Query("", alias="to"),
    committee: str = "",
) -> Response:
    committees = _committees(session, user)  # 403 before anything else
    filters = _Filters(raw_from.strip(), raw_to.strip(), committee.strip())
    language = i18n.language_of(request)
    context: dict[str, Any] = {
        "committees": committees,
        "values": filters.values,
        "errors": {k: gettext(language, v) for k, v in filters.errors.items()},
        "found": None,
    }
    if filters.errors:
        return render(request, "reports/statistics.html", context, user=user, status_code=422)
    try:
        found = stats.statistics(
            session=session,
            user=user,
            committee_id=filters.committee,
            period_from=filters.period_from,
            period_to=filters.period_to,
        )
    except InvalidInput as refused:
        # The service's own check of the period: it ends before it starts.
        field = str(refused.extra.get("field") or "to")
        context["errors"] = {field: gettext(language, _ORDER_ERROR)}
        return render(request, "reports/statistics.html", context, user=user, status_code=422)
    names = {str(c.id): c.name for c in committees}
    context.update(
        found=found,
        names=names,
        charts=_charts(found, language, names),
        duration=lambda seconds: format_timedelta(
            seconds, threshold=1.5, locale=i18n.Formats(language).locale
        ),
        key_words=lambda row: _key_words(language, row, names),
    )
    return render(request, "reports/statistics.html", context, user=user)


# --- exports ----------------------------------------------------------------------------------

_EXPORT_TITLES = {
    "proposals": N_("Proposals"),
    "reviews": N_("Reviews (a column per criterion)"),
    "decisions": N_("Decisions"),
}


def _exports(
    session: Session, user: User, committee: UUID | None, state: State | None
) -> dict[str, Export | None]:
    """The page's exports through the API's own service functions (and policy); the reviews
    need one committee (its rubric gives the columns): None until one is chosen."""
    return {
        "proposals": exports.proposals_export(user=user, state=state, committee_id=committee),
        "reviews": exports.reviews_export(session=session, user=user, committee_id=committee)
        if committee
        else None,
        "decisions": exports.decisions_export(session=session, user=user, committee_id=committee),
    }


def _export_filters(committee: str, state: str) -> tuple[UUID | None, State | None, dict[str, str]]:
    errors: dict[str, str] = {}
    chosen = _committee_of(committee.strip(), errors)
    return chosen, State(state) if state in State.__members__ else None, errors


@router.get("/reports/exports", include_in_schema=False)
def exports_page(
    request: Request, session: SessionDep, user: PageUser, committee: str = "", state: str = ""
) -> Response:
    committees = _committees(session, user)  # 403 before anything else
    language = i18n.language_of(request)
    chosen, shown_state, found_errors = _export_filters(committee, state)
    errors = {k: gettext(language, v) for k, v in found_errors.items()}
    context: dict[str, Any] = {
        "committees": committees,
        "states": list(State),
        "values": {"committee": committee, "state": shown_state.value if shown_state else ""},
        "errors": errors,
        "rows": [],
    }
    if errors:
        return render(request, "reports/exports.html", context, user=user, status_code=422)
    query = "&".join(
        f"{k}={v}" for k, v in (("committee", chosen), ("state", shown_state)) if v is not None
    )
    for name, export in _exports(session, user, chosen, shown_state).items():
        context["rows"].append(
            {
                "name": name,
                "title": _EXPORT_TITLES[name],
                "count": export.count(session) if export else None,
                "query": query,
            }
        )
    return render(request, "reports/exports.html", context, user=user)


@router.get("/reports/exports/{name}.{fmt}", include_in_schema=False)
def download_export(
    session: SessionDep,
    user: PageUser,
    name: str,
    fmt: Format,
    committee: str = "",
    state: str = "",
) -> Response:
    """The same stream as GET /api/v1/exports/{name}.{fmt}, for the signed-in browser."""
    chosen, shown_state, errors = _export_filters(committee, state)
    if errors:
        raise InvalidInput("committee: not a committee id", field="committee")
    if name not in _EXPORT_TITLES:
        raise NotFound(f"no export {name}")
    if name == "reviews" and chosen is None:
        raise InvalidInput("committee: the reviews export is of one committee", field="committee")
    export = _exports(session, user, chosen, shown_state)[name]
    assert export is not None  # the reviews without a committee were refused above
    return download(export, fmt)

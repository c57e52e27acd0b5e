"""The applicant's newer pages over HTTP: password reset, first sign-in from an invitation,
colleagues, webhooks, the proposal list's search and filters, the method-2 fields, autosave."""

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import Session, select

from service.notifications.models import Notification
from tests.auth.test_account_lifecycle import _link_token as _link
from tests.conftest import COMPLETE_PROPOSAL, Api
from tests.web import test_pages
from tests.web.test_pages import _csrf, _sign_in

web = test_pages.web  # the same browser-like client over https
STRONG = "violet tundra harbour quietly"


@pytest.fixture
def configure() -> Iterator[Callable[..., None]]:
    """Set environment settings for this test only."""
    from service.config import get_settings

    patch = pytest.MonkeyPatch()

    def apply(**values: str) -> None:
        for name, value in values.items():
            patch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    patch.undo()
    get_settings.cache_clear()


def _sent(session: Session, event: str) -> list[str]:
    session.expire_all()
    return list(session.exec(select(Notification.address).where(Notification.event == event)))


def _api_login(client: Any, email: str, password: str) -> int:
    answer = client.post("/api/v1/auth/token", data={"username": email, "password": password})
    return int(answer.status_code)


# --- password reset ----------------------------------------------------------------------------


def test_a_forgotten_password_is_reset_by_the_emailed_link(
    web: Any, session: Session, committee: dict[str, Any]
) -> None:
    applicant = committee["applicant"]
    web.cookies.set("lang", "ru")
    login = web.get("/login").text
    assert 'href="/password-reset"' in login and "Забыли пароль?" in login
    token = _csrf(web.get("/password-reset").text)

    wrong = web.post("/password-reset", data={"csrf_token": token, "email": "not an address"})
    assert wrong.status_code == 422
    assert 'id="email-error">Введите адрес электронной почты' in wrong.text
    assert 'value="not an address"' in wrong.text  # kept for correcting
    assert _sent(session, "account.password_reset") == []

    for email in (applicant, "ghost@nowhere.example"):  # the same answer either way
        asked = web.post(
            "/password-reset", data={"csrf_token": token, "email": email}, follow_redirects=False
        )
        assert asked.status_code == 303
        assert asked.headers["location"] == "/password-reset?sent=1"
    assert 'id="reset-sent"' in web.get("/password-reset?sent=1").text
    assert _sent(session, "account.password_reset") == [applicant]

    link = _link(session, "account.password_reset", applicant)
    page = web.get(f"/password-reset?token={link}").text
    assert 'action="/password-reset/confirm"' in page and f'value="{link}"' in page
    weak = web.post(
        "/password-reset/confirm",
        data={"csrf_token": token, "token": link, "new_password": "password1234"},
    )
    assert weak.status_code == 422
    assert 'id="new_password-error">Этот пароль слишком легко угадать' in weak.text
    forged = web.post(
        "/password-reset/confirm",
        data={"csrf_token": token, "token": "forged", "new_password": STRONG},
    )
    assert forged.status_code == 422
    assert 'id="token-error"' in forged.text and 'href="/password-reset"' in forged.text

    done = web.post(
        "/password-reset/confirm",
        data={"csrf_token": token, "token": link, "new_password": STRONG},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/login?reset=1"
    assert "Новый пароль установлен" in web.get("/login?reset=1").text
    assert _api_login(web, applicant, "password-123") == 401
    assert _api_login(web, applicant, STRONG) == 200
    again = web.post(
        "/password-reset/confirm",
        data={"csrf_token": token, "token": link, "new_password": STRONG + " again"},
    )
    assert again.status_code == 422  # the link works once
    assert 'id="token-error"' in again.text


def test_the_new_forms_refuse_a_post_without_its_csrf_token(
    web: Any, api: Api, session: Session, committee: dict[str, Any]
) -> None:
    web.get("/password-reset")
    unsigned = web.post("/password-reset", data={"email": committee["applicant"]})
    assert unsigned.status_code == 403
    assert _sent(session, "account.password_reset") == []
    confirm = web.post("/password-reset/confirm", data={"token": "x", "new_password": STRONG})
    assert confirm.status_code == 403
    invited = api.as_(committee["applicant"])(
        "POST", "/invitations", json={"email": "mei@acme.example", "full_name": "Mei Lin"}
    )
    assert invited.status_code == 201
    link = _link(session, "account.invitation", "mei@acme.example")
    forged = web.post(
        "/invitations/accept", data={"token": link, "password": STRONG, "csrf_token": "x.y"}
    )
    assert forged.status_code == 403 and "committee_session" not in forged.cookies
    _sign_in(web, committee["applicant"])
    hook = web.post("/webhooks", data={"url": "https://hooks.acme.example/"})
    assert hook.status_code == 403
    assert api.as_(committee["applicant"])("GET", "/webhooks").json()["items"] == []


def test_reset_requests_are_throttled_like_the_apis(web: Any, committee: dict[str, Any]) -> None:
    web.cookies.set("lang", "zh_Hans")
    token = _csrf(web.get("/password-reset").text)
    form = {"csrf_token": token, "email": committee["chair"]}
    answers = [web.post("/password-reset", data=form, follow_redirects=False) for _ in range(6)]
    assert [a.status_code for a in answers[:5]] == [303] * 5
    assert answers[-1].status_code == 429
    assert 'id="email-error">' in answers[-1].text and "申请新密码的请求过多" in answers[-1].text
    # The API counts the same requests: it is throttled too.
    assert web.post(
        "/api/v1/auth/password-reset", json={"email": committee["chair"]}
    ).status_code == (429)


# --- colleagues and the first sign-in from an invitation -----------------------------------------


def test_an_applicant_invites_a_colleague_who_signs_in_from_the_link(
    web: Any, api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    token = _sign_in(web, committee["applicant"])
    page = web.get("/colleagues").text
    assert 'href="/colleagues"' in page  # the header links the page
    assert "Acme Bio" in page and committee["applicant"] in page
    assert committee["rival"] not in page  # another organisation's people

    blank = web.post("/colleagues", data={"csrf_token": token, "email": "x", "full_name": ""})
    assert blank.status_code == 422
    assert 'id="full_name-error">' in blank.text and 'id="email-error">' in blank.text
    taken = web.post(
        "/colleagues",
        data={"csrf_token": token, "email": committee["rival"], "full_name": "Someone"},
    )
    assert taken.status_code == 409
    assert 'id="email-error">Someone with this e-mail already has an account.' in taken.text
    unsigned = web.post("/colleagues", data={"email": "mei@acme.example", "full_name": "Mei"})
    assert unsigned.status_code == 403
    assert _sent(session, "account.invitation") == []

    invited = web.post(
        "/colleagues",
        data={"csrf_token": token, "email": "Mei@Acme.example", "full_name": "Mei Lin"},
        follow_redirects=False,
    )
    assert invited.status_code == 303
    waiting = web.get(invited.headers["location"]).text
    assert 'role="status"' in waiting and "mei@acme.example" in waiting
    link = _link(session, "account.invitation", "mei@acme.example")

    web.cookies.clear()  # the colleague's own browser
    web.cookies.set("lang", "zh_Hans")
    first = web.get(f"/invitations/accept?token={link}").text
    token = _csrf(first)
    assert 'autocomplete="new-password"' in first
    weak = web.post(
        "/invitations/accept", data={"csrf_token": token, "token": link, "password": "short"}
    )
    assert weak.status_code == 422
    assert 'id="password-error">至少使用 10 个字符。' in weak.text
    opened = web.post(
        "/invitations/accept",
        data={"csrf_token": token, "token": link, "password": STRONG},
        follow_redirects=False,
    )
    assert opened.status_code == 303 and "committee_session" in opened.cookies
    listed = web.get("/proposals").text  # signed in: the organisation's proposals
    assert "Bispecific antibody R&amp;D centre" in listed and "Mei Lin" in listed
    used = web.post(
        "/invitations/accept", data={"csrf_token": token, "token": link, "password": STRONG}
    )
    assert used.status_code == 422 and 'id="token-error"' in used.text
    members = web.get("/colleagues").text
    assert "Mei Lin" in members and "applicant@acme.example" in members
    assert "mei@acme.example" not in members.split('id="invitations"')[1].split("</section>")[0]


@pytest.mark.parametrize("who", ["reviewer", "chair", "admin"])
def test_only_applicants_have_colleagues_pages(
    web: Any, session: Session, committee: dict[str, Any], who: str
) -> None:
    email = committee["reviewers"][0] if who == "reviewer" else committee[who]
    token = _sign_in(web, email)
    assert web.get("/colleagues").status_code == 403
    form = {"csrf_token": token, "email": "x@lab.example", "full_name": "X"}
    assert web.post("/colleagues", data=form).status_code == 403
    assert _sent(session, "account.invitation") == []


# --- webhooks ------------------------------------------------------------------------------------


def test_an_applicant_registers_sees_the_secret_once_and_deletes_a_webhook(
    web: Any, api: Api, committee: dict[str, Any], configure: Callable[..., None]
) -> None:
    configure(WEBHOOK_ALLOW_PRIVATE="true")  # hooks.acme.example resolves nowhere
    web.cookies.set("lang", "ru")
    token = _sign_in(web, committee["applicant"])
    assert "Вебхуки" in web.get("/webhooks").text
    bad = web.post("/webhooks", data={"csrf_token": token, "url": "not a url"})
    assert bad.status_code == 422
    assert 'id="url-error">' in bad.text and 'value="not a url"' in bad.text
    secretive = "https://user:password@hooks.acme.example/"  # refused whatever the setting
    private = web.post("/webhooks", data={"csrf_token": token, "url": secretive})
    assert private.status_code == 422
    assert 'id="url-error">Этот адрес нельзя вызывать' in private.text
    assert api.as_(committee["applicant"])("GET", "/webhooks").json()["items"] == []

    created = web.post(
        "/webhooks",
        data={
            "csrf_token": token,
            "url": "https://hooks.acme.example/committee",
            "events": ["proposal.decided"],
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    shown = web.get("/webhooks").text
    secret = re.search(r'<code class="secret">(whsec_[^<]+)</code>', shown)
    assert secret is not None
    assert "https://hooks.acme.example/committee" in shown
    assert "Комитет принял решение по заявке" in shown  # the event, in words
    assert "whsec_" not in web.get("/webhooks").text  # once only
    (hook,) = api.as_(committee["applicant"])("GET", "/webhooks").json()["items"]
    assert hook["events"] == ["proposal.decided"]

    _sign_in(web, committee["rival"])
    assert "hooks.acme.example" not in web.get("/webhooks").text
    foreign = web.post(f"/webhooks/{hook['id']}/delete", data={"csrf_token": token})
    assert foreign.status_code == 404
    token = _sign_in(web, committee["applicant"])
    unsigned = web.post(f"/webhooks/{hook['id']}/delete", data={}, follow_redirects=False)
    assert unsigned.status_code == 403
    deleted = web.post(
        f"/webhooks/{hook['id']}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert api.as_(committee["applicant"])("GET", "/webhooks").json()["items"] == []


def test_private_addresses_and_the_webhook_limit_are_said_beside_the_address(
    web: Any, committee: dict[str, Any], configure: Callable[..., None]
) -> None:
    token = _sign_in(web, committee["applicant"])
    private = web.post("/webhooks", data={"csrf_token": token, "url": "http://127.0.0.1:9/"})
    assert private.status_code == 422
    assert 'id="url-error">This address cannot be called' in private.text
    configure(WEBHOOK_ALLOW_PRIVATE="true", WEBHOOKS_PER_ORGANISATION_MAX="1")
    form = {"csrf_token": token, "url": "https://hooks.acme.example/one"}
    assert web.post("/webhooks", data=form, follow_redirects=False).status_code == 303
    full = web.post("/webhooks", data={**form, "url": "https://hooks.acme.example/two"})
    assert full.status_code == 409
    assert 'id="url-error">Your organisation has 1 webhooks' in full.text


@pytest.mark.parametrize("who", ["reviewer", "chair"])
def test_committee_members_have_no_webhooks_page(
    web: Any, committee: dict[str, Any], who: str
) -> None:
    email = committee["reviewers"][0] if who == "reviewer" else committee[who]
    token = _sign_in(web, email)
    assert web.get("/webhooks").status_code == 403
    form = {"csrf_token": token, "url": "https://x.example/"}
    assert web.post("/webhooks", data=form).status_code == 403


# --- the proposal list: search, filters, cursor pages ---------------------------------------------


def test_the_proposal_list_searches_filters_and_pages(
    web: Any, api: Api, committee: dict[str, Any], configure: Callable[..., None]
) -> None:
    call = api.as_(committee["applicant"])
    for title, area in (
        ("CAR-T programme", "hematology"),
        ("Bispecific antibody centre", "oncology"),
        ("ADC line 100% owned", "oncology"),
        ("Insulin biosimilar", "metabolic"),
    ):
        made = call(
            "POST",
            "/proposals",
            json={**COMPLETE_PROPOSAL, "title": title, "therapeutic_area": area},
        )
        assert made.status_code == 201
    rival = api.as_(committee["rival"])
    assert (
        rival("POST", "/proposals", json={**COMPLETE_PROPOSAL, "title": "Rival CAR-T"}).status_code
        == 201
    )

    configure(PAGE_SIZE_DEFAULT="2")
    _sign_in(web, committee["applicant"])

    def titles(query: str) -> list[str]:
        page = web.get(f"/proposals{query}")
        assert page.status_code == 200
        return re.findall(r'<a href="/proposals/[0-9a-f-]{36}">([^<]+)</a>', page.text)

    assert titles("?search=car-t") == ["CAR-T programme"]
    assert titles("?search=100%25") == ["ADC line 100% owned"]  # % is looked for as itself
    assert titles("?search=nothing+like+it") == []
    assert "No proposal matches these filters." in web.get("/proposals?search=zzz").text
    first = web.get("/proposals?area=oncology&state=draft")
    assert re.findall(r'<a href="/proposals/[0-9a-f-]{36}">([^<]+)</a>', first.text) == [
        "ADC line 100% owned",
        "Bispecific antibody centre",
    ]
    assert '<option value="oncology" selected>' in first.text
    assert titles("?area=oncology&state=approved") == []

    everything: list[str] = []
    query = "?state=draft"
    while True:
        page = web.get(f"/proposals{query}").text
        everything += re.findall(r'<a href="/proposals/[0-9a-f-]{36}">([^<]+)</a>', page)
        found = re.search(r'<a href="/proposals(\?[^"]+)" rel="next">', page)
        if found is None:
            break
        query = found.group(1).replace("&amp;", "&")
        assert "state=draft" in query  # the filters go on to the next page
    assert everything == [
        "Insulin biosimilar",
        "ADC line 100% owned",
        "Bispecific antibody centre",
        "CAR-T programme",
    ]
    # The same filters in the API, on the same service function.
    found_by_api = call("GET", "/proposals", params={"search": "CAR", "area": "hematology"})
    assert [p["title"] for p in found_by_api.json()["items"]] == ["CAR-T programme"]


# --- the draft form: method-2 fields and autosave -------------------------------------------------


def test_the_draft_form_takes_the_method_2_fields(
    web: Any, api: Api, committee: dict[str, Any]
) -> None:
    web.cookies.set("lang", "ru")
    token = _sign_in(web, committee["applicant"])
    form = web.get("/proposals/new").text
    assert '<select id="indication_detail" name="indication_detail"' in form
    assert "Гематологический рак" in form  # the vocabulary in the reader's language
    wrong = web.post(
        "/proposals/new",
        data={
            "csrf_token": token,
            "title": "CAR-T programme",
            "team_size": "0",
            "overseas_sites": "many",
            "rare_disease": "perhaps",
        },
    )
    assert wrong.status_code == 422
    assert 'id="team_size-error">Значение должно быть не меньше 1.' in wrong.text
    assert 'id="overseas_sites-error">Введите целое число.' in wrong.text
    assert 'id="rare_disease-error">' in wrong.text
    created = web.post(
        "/proposals/new",
        data={
            "csrf_token": token,
            "title": "CAR-T programme",
            "therapeutic_area": "oncology",
            "indication_detail": "hematologic_cancer",
            "rare_disease": "yes",
            "biomarker": "no",
            "team_size": "40",
            "staff_international_experience": "12",
            "overseas_sites": "2",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    proposal_id = created.headers["location"].rsplit("/", 1)[1]
    seen = api.as_(committee["applicant"])("GET", f"/proposals/{proposal_id}").json()
    assert (seen["indication_detail"], seen["rare_disease"], seen["biomarker"]) == (
        "hematologic_cancer",
        True,
        False,
    )
    assert (seen["team_size"], seen["staff_international_experience"]) == (40, 12)
    assert seen["overseas_sites"] == 2
    edit = web.get(f"/proposals/{proposal_id}/edit").text
    assert '<option value="hematologic_cancer" selected>' in edit
    assert '<option value="yes" selected>' in edit and '<option value="no" selected>' in edit
    assert "Гематологический рак" in web.get(f"/proposals/{proposal_id}").text


def test_autosave_keeps_the_valid_fields_and_names_the_others(
    web: Any, api: Api, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    call = api.as_(committee["applicant"])
    token = _sign_in(web, committee["applicant"])
    edit = web.get(f"/proposals/{draft['id']}/edit").text
    assert f'hx-post="/proposals/{draft["id"]}/autosave"' in edit
    version = re.search(r'name="row_version" id="row_version" value="(\d+)"', edit)
    assert version is not None
    form = {
        "csrf_token": token,
        "row_version": version.group(1),
        "title": "Bispecific antibody R&D centre, revised",
        "summary": "Partly written.",
        "budget_requested": "-1",
        "team_size": "25",
    }
    saved = web.post(
        f"/proposals/{draft['id']}/autosave", data=form, headers={"HX-Request": "true"}
    )
    assert saved.status_code == 200
    assert re.search(r"Saved at [0-9:]+\s*(AM|PM)? UTC\.", saved.text)
    assert "Budget requested (US dollars): Must be at least 0." in saved.text
    seen = call("GET", f"/proposals/{draft['id']}").json()
    assert seen["title"] == "Bispecific antibody R&D centre, revised"
    assert seen["summary"] == "Partly written." and seen["team_size"] == 25
    assert seen["budget_requested"] == 60_000_000  # the invalid value is not saved
    # The form's row_version moves on with the save, so the next save is not refused.
    fresh = re.search(r'id="row_version" value="(\d+)" hx-swap-oob="true"', saved.text)
    assert fresh is not None and int(fresh.group(1)) == seen["row_version"]

    stale = web.post(f"/proposals/{draft['id']}/autosave", data={**form, "summary": "Lost?"})
    assert stale.status_code == 409
    assert "changed elsewhere" in stale.text
    assert call("GET", f"/proposals/{draft['id']}").json()["summary"] == "Partly written."
    unsigned = web.post(
        f"/proposals/{draft['id']}/autosave",
        data={k: v for k, v in form.items() if k != "csrf_token"},
    )
    assert unsigned.status_code == 403
    # The Save button saves the same way without script, from the fresh row_version.
    saved_by_button = web.post(
        f"/proposals/{draft['id']}/edit",
        data={**form, "row_version": fresh.group(1), "budget_requested": "70000000"},
        follow_redirects=False,
    )
    assert saved_by_button.status_code == 303
    assert call("GET", f"/proposals/{draft['id']}").json()["budget_requested"] == 70_000_000


def test_autosave_stops_once_the_proposal_is_submitted(
    web: Any, api: Api, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    call = api.as_(committee["applicant"])
    token = _sign_in(web, committee["applicant"])
    attached = call(
        "POST",
        f"/proposals/{draft['id']}/attachments",
        files={"file": ("plan.pdf", test_pages.PDF)},
    )
    assert attached.status_code == 201
    assert call("POST", f"/proposals/{draft['id']}/submit").status_code == 200
    late = web.post(
        f"/proposals/{draft['id']}/autosave", data={"csrf_token": token, "title": "Too late"}
    )
    assert late.status_code == 409
    assert call("GET", f"/proposals/{draft['id']}").json()["title"] == COMPLETE_PROPOSAL["title"]


def test_an_invitation_to_an_address_that_has_an_account_since_says_so(
    web: Any, api: Api, session: Session, committee: dict[str, Any]
) -> None:
    invite = {"email": "mei@acme.example", "full_name": "Mei Lin"}
    assert api.as_(committee["applicant"])("POST", "/invitations", json=invite).status_code == 201
    link = _link(session, "account.invitation", "mei@acme.example")
    created = api.as_(committee["admin"])(
        "POST",
        "/users",
        json={
            **invite,
            "role": "applicant",
            "organisation_id": committee["organisation_id"],
            "password": "orchid lantern meadow 77",
        },
    )
    assert created.status_code == 201, created.text
    web.cookies.set("lang", "ru")
    token = _csrf(web.get(f"/invitations/accept?token={link}").text)
    taken = web.post(
        "/invitations/accept", data={"csrf_token": token, "token": link, "password": STRONG}
    )
    assert taken.status_code == 409
    assert 'id="email-error">Учётная запись' in taken.text and "уже существует" in taken.text
    assert "committee_session" not in taken.cookies

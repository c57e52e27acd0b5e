"""Each role's main path in headless Chromium against a real API process and a real worker.

Every page visited is photographed at desktop and phone width under var/screenshots/ and
checked with axe-core: no serious or critical accessibility violation.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from service.web.i18n import translations
from tests.auth.test_account_lifecycle import _link_token
from tests.conftest import Api
from tests.pipeline.conftest import PDF, Process, state_of, submitted_proposal, wait_for
from tests.web.conftest import DESKTOP, PHONE, SCREENSHOTS

PIPELINE_SECONDS = 90


class Browsing:
    """One browser tab in one language, photographing and checking each page it shows."""

    def __init__(self, page: Any, language: str, role: str) -> None:
        self.page = page
        self.language = language
        self.role = role

    def words(self, message: str) -> str:
        return translations(self.language).gettext(message)

    def look(self, name: str) -> None:
        """Screenshots at both widths, and axe-core on the page as the user sees it."""
        from axe_playwright_python.sync_playwright import Axe

        folder = SCREENSHOTS / self.language
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(folder / f"{self.role}-{name}-desktop.png"), full_page=True)
        self.page.set_viewport_size(PHONE)
        # Readable on a phone: nothing wider than the screen, no sideways scrolling.
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} ({self.language}) is {width}px wide on a phone"
        self.page.screenshot(path=str(folder / f"{self.role}-{name}-phone.png"), full_page=True)
        self.page.set_viewport_size(DESKTOP)
        results = Axe().run(self.page)
        serious = [
            v["id"]
            for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")
        ]
        assert not serious, f"{name} ({self.language}): {results.generate_report()}"


@pytest.fixture
def api_of(server: str) -> Iterator[Api]:
    with httpx.Client(base_url=server, timeout=30) as http:
        yield Api(http)


def _sign_in(tab: Browsing, email: str) -> None:
    tab.look("sign-in")
    tab.page.fill("#email", email)
    tab.page.fill("#password", "password-123")
    tab.page.click("main button[type=submit]")


def _review_through_api(api: Api, committee: dict[str, Any], proposal_id: str) -> None:
    """Two assigned reviewers (the quorum) accept and submit, as on their own pages."""
    rubric = [
        "innovative_technology",
        "batch_stability",
        "regulatory_compliance",
        "supply_chain",
        "international_talent",
        "market_prospect",
    ]
    submitted = 0
    for email in committee["reviewers"]:
        call = api.as_(email)
        mine = [
            a
            for a in call("GET", "/assignments").json()["items"]
            if a["proposal_id"] == proposal_id and a["status"] == "invited"
        ]
        for assignment in mine:
            base = f"/assignments/{assignment['id']}"
            assert call("POST", f"{base}/accept").status_code == 200
            draft = {
                "scores": dict.fromkeys(rubric, 3),
                "recommendation": "revise",
                "confidence": 4,
                "comments_for_applicant": f"Please add stability data ({email[:9]}).",
            }
            assert call("PUT", f"{base}/review", json=draft).status_code == 200
            assert call("POST", f"{base}/review/submit").status_code == 200
            submitted += 1
            if submitted == 2:
                return
    raise AssertionError("fewer than two reviewers were assigned")


LANGUAGES = [("en", "en-US"), ("zh_Hans", "zh-CN"), ("ru", "ru-RU")]


@pytest.mark.parametrize(("language", "accept_language"), LANGUAGES, ids=[x[0] for x in LANGUAGES])
def test_applicant_creates_submits_and_reads_the_decision(
    browser: Any,
    server: str,
    worker: Process,
    api_of: Api,
    committee: dict[str, Any],
    language: str,
    accept_language: str,
) -> None:
    context = browser.new_context(locale=accept_language, viewport=DESKTOP, base_url=server)
    tab = Browsing(context.new_page(), language, "applicant")
    page = tab.page
    page.goto("/proposals")
    _sign_in(tab, committee["applicant"])
    page.wait_for_url("**/proposals")
    assert page.locator("html").get_attribute("lang") == language.replace("_", "-")
    tab.look("proposals-empty")

    page.click("main a.button.primary")
    tab.look("proposal-new")
    page.fill("#title", "ab")
    page.fill("#budget_requested", "-1")
    page.click("main form button[type=submit]")
    assert page.locator("#title-error").is_visible()
    assert page.locator("#budget_requested-error").is_visible()
    tab.look("proposal-new-errors")

    page.fill("#title", "Bispecific antibody R&D centre")
    page.fill("#summary", "A PD-1 x VEGF bispecific antibody for solid tumours.")
    page.select_option("#therapeutic_area", "oncology")
    page.select_option("#modality", "bispecific_antibody")
    page.select_option("#phase", "phase_2")
    page.fill("#budget_requested", "60000000")
    page.fill("#expected_peak_sales", "800000000")
    page.fill("#target_launch_year", "2033")
    page.check("input[name=target_markets][value=CN]")
    page.check("input[name=target_markets][value=KZ]")
    page.fill("#keywords", "bispecific\noncology")
    # The method-2 intake: the benchmark row and the team the analysis reads.
    page.select_option("#indication_detail", "solid_tumour")
    page.select_option("#rare_disease", "no")
    page.select_option("#biomarker", "yes")
    page.fill("#team_size", "40")
    page.fill("#staff_international_experience", "12")
    page.fill("#overseas_sites", "1")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#check")

    # Autosave: htmx saves the draft on change, without a page load; a reload shows it kept.
    page.click("main a.button[href$='/edit']")
    page.wait_for_url("**/edit")
    page.wait_for_load_state("load")  # htmx (deferred) listens from DOMContentLoaded on
    page.fill("#team_size", "45")
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200):
        page.locator("#team_size").press("Tab")
    saved = tab.words("Saved at %(time)s UTC.").split("%(time)s")[0].strip()
    assert saved in page.locator("#autosave").inner_text()
    page.reload()
    assert page.locator("#team_size").input_value() == "45"
    assert page.locator("#indication_detail").input_value() == "solid_tumour"
    assert page.locator("#biomarker").input_value() == "yes"
    tab.look("proposal-autosaved")
    page.click("main form .actions a")  # Cancel: back to the proposal, nothing more to save
    page.wait_for_selector("#check")
    # The check before submitting names the missing business plan, in the screening's words.
    assert page.locator("#check ul.missing li").count() >= 1
    tab.look("proposal-draft")

    page.set_input_files(
        "#file", files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("text=plan.pdf")
    assert page.locator("#check ul.missing").count() == 0
    page.click("#check button[type=submit]")

    # The timeline refreshes by itself (htmx) while the worker screens, analyses and assigns.
    page.wait_for_selector("#timeline[data-state=in_review]", timeout=PIPELINE_SECONDS * 1000)
    assert tab.words("In review") in page.locator("#current-state").inner_text()
    tab.look("proposal-in-review")
    proposal_id = page.url.rsplit("/", 1)[1].split("#")[0]

    _review_through_api(api_of, committee, proposal_id)
    wait_for(
        lambda: state_of(api_of, committee["chair"], proposal_id) == "deliberation",
        seconds=PIPELINE_SECONDS,
        what="deliberation",
    )
    decided = api_of.as_(committee["chair"])(
        "POST",
        f"/proposals/{proposal_id}/decision",
        json={
            "outcome": "revision_requested",
            "rationale": "Promising, but the stability data are thin.",
            "message_to_applicant": "Please add batch stability data and resubmit.",
        },
    )
    assert decided.status_code == 200, decided.text

    page.reload()
    decision = page.locator("#decision")
    assert tab.words("Revision requested") in decision.inner_text()
    assert "Please add batch stability data" in decision.inner_text()
    assert "Please add stability data" in decision.inner_text()
    tab.look("proposal-decision")

    # Revise and resubmit: the same form, then the pipeline again.
    page.click("main a.button[href$='/edit']")
    tab.look("proposal-edit")
    page.fill("#summary", "A PD-1 x VEGF bispecific antibody; three consistent GMP batches.")
    page.click("main form button[type=submit]")
    page.click("#check button[type=submit]")
    page.wait_for_selector("#timeline[data-state=in_review]", timeout=PIPELINE_SECONDS * 1000)
    assert state_of(api_of, committee["applicant"], proposal_id) == "in_review"

    page.goto("/proposals")
    tab.look("proposals")
    page.fill("#search", "bispecific")
    page.select_option("#area", "oncology")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/proposals?search=bispecific*")
    assert page.locator("table.list tbody tr").count() == 1
    tab.look("proposals-filtered")
    seen = api_of.as_(committee["applicant"])("GET", f"/proposals/{proposal_id}").json()
    assert (seen["team_size"], seen["indication_detail"], seen["biomarker"]) == (
        45,
        "solid_tumour",
        True,
    )
    context.close()


STRONG = "violet tundra harbour quietly"


@pytest.fixture
def loopback_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API process (started after this) lets webhooks call 127.0.0.1: nothing here resolves
    a public host name."""
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "true")


@pytest.mark.parametrize(("language", "accept_language"), LANGUAGES, ids=[x[0] for x in LANGUAGES])
def test_applicant_resets_the_password_invites_a_colleague_and_registers_a_webhook(
    browser: Any,
    loopback_webhooks: None,
    server: str,
    session: Any,
    committee: dict[str, Any],
    language: str,
    accept_language: str,
) -> None:
    applicant = committee["applicant"]
    context = browser.new_context(locale=accept_language, viewport=DESKTOP, base_url=server)
    tab = Browsing(context.new_page(), language, "applicant")
    page = tab.page

    # A forgotten password: the link from the sign-in page, the e-mail, a new password.
    page.goto("/login")
    page.click("main a[href='/password-reset']")
    tab.look("password-reset")
    page.fill("#email", "not an address")
    page.click("main button[type=submit]")
    assert page.locator("#email-error").is_visible()
    tab.look("password-reset-errors")
    page.fill("#email", applicant)
    page.click("main button[type=submit]")
    page.wait_for_selector("#reset-sent")
    tab.look("password-reset-sent")
    page.goto(f"/password-reset?token={_link_token(session, 'account.password_reset', applicant)}")
    tab.look("password-new")
    page.fill("#new_password", "password1234")
    page.click("main button[type=submit]")
    assert page.locator("#new_password-error").is_visible()
    tab.look("password-new-errors")
    page.fill("#new_password", STRONG)
    page.click("main button[type=submit]")
    page.wait_for_url("**/login?reset=1")
    tab.look("sign-in-after-reset")
    page.fill("#email", applicant)
    page.fill("#password", STRONG)
    page.click("main button[type=submit]")
    page.wait_for_url("**/proposals")

    # Colleagues: the members, and an invitation into the organisation.
    page.click("header nav a[href='/colleagues']")
    tab.look("colleagues")
    colleague = f"mei.{language.lower()}@acme.example"
    page.fill("#full_name", "Mei Lin")
    page.fill("#email", colleague)
    page.click("main form[action='/colleagues'] button[type=submit]")
    page.wait_for_selector("#invitations [role=status]")
    assert colleague in page.locator("#invitations").inner_text()
    tab.look("colleagues-invited")

    # Webhooks: a refused address beside its field, the secret shown once, then deletion.
    page.click("header nav a[href='/webhooks']")
    tab.look("webhooks")
    page.fill("#url", "https://user:secret@hooks.acme.example/")
    page.click("main form[action='/webhooks'] button[type=submit]")
    assert page.locator("#url-error").is_visible()
    tab.look("webhooks-errors")
    page.fill("#url", "http://127.0.0.1:9/committee")
    page.check("input[name=events][value='proposal.decided']")
    page.click("main form[action='/webhooks'] button[type=submit]")
    page.wait_for_selector("#new-secret code.secret")
    assert page.locator("#new-secret code.secret").inner_text().startswith("whsec_")
    tab.look("webhooks-secret")
    page.reload()
    assert page.locator("#new-secret").count() == 0  # shown once
    page.click("main form[action$='/delete'] button[type=submit]")
    page.wait_for_selector("#registered-heading ~ p.empty")
    context.close()

    # The colleague's first sign-in, from the invitation's link, in its own browser.
    theirs = browser.new_context(locale=accept_language, viewport=DESKTOP, base_url=server)
    tab = Browsing(theirs.new_page(), language, "applicant")
    page = tab.page
    page.goto(f"/invitations/accept?token={_link_token(session, 'account.invitation', colleague)}")
    tab.look("invitation")
    page.fill("#password", "short")
    page.click("main button[type=submit]")
    assert page.locator("#password-error").is_visible()
    tab.look("invitation-errors")
    page.fill("#password", STRONG)
    page.click("main button[type=submit]")
    page.wait_for_url("**/proposals")
    assert "Mei Lin" in page.locator("header").inner_text()
    theirs.close()


def test_applicant_withdraws_only_after_confirming(
    browser: Any, server: str, api_of: Api, committee: dict[str, Any], worker: Process
) -> None:
    proposal_id = submitted_proposal(api_of, committee["applicant"])
    context = browser.new_context(locale="en-US", viewport=DESKTOP, base_url=server)
    tab = Browsing(context.new_page(), "en", "applicant")
    page = tab.page
    page.goto(f"/proposals/{proposal_id}")
    _sign_in(tab, committee["applicant"])
    page.click("details.danger-zone summary")
    tab.look("withdraw")
    # The browser refuses the unconfirmed form (required box); the server would too.
    page.click("details.danger-zone button[type=submit]")
    assert state_of(api_of, committee["applicant"], proposal_id) != "withdrawn"
    page.check("details.danger-zone input[name=confirm]")
    page.click("details.danger-zone button[type=submit]")
    page.wait_for_selector("#timeline[data-state=withdrawn]")
    assert state_of(api_of, committee["applicant"], proposal_id) == "withdrawn"
    context.close()


def test_reviewer_accepts_drafts_and_submits(
    browser: Any, server: str, worker: Process, api_of: Api, committee: dict[str, Any]
) -> None:
    proposal_id = submitted_proposal(api_of, committee["applicant"])
    wait_for(
        lambda: state_of(api_of, committee["applicant"], proposal_id) == "in_review",
        seconds=PIPELINE_SECONDS,
        what="in_review",
    )
    reviewer = next(
        email
        for email in committee["reviewers"]
        if api_of.as_(email)("GET", "/assignments").json()["items"]
    )
    context = browser.new_context(locale="en-US", viewport=DESKTOP, base_url=server)
    tab = Browsing(context.new_page(), "en", "reviewer")
    page = tab.page
    page.goto("/")
    _sign_in(tab, reviewer)
    page.wait_for_url("**/assignments")
    tab.look("assignments")
    page.click("table.list a")
    tab.look("invitation")
    page.click("main form[action$='/accept'] button")
    page.wait_for_selector("#review-form")
    # The analysis report's pictures: the PTRS path, the rNPV range and the tornado.
    assert page.locator("figure.chart svg[role=img]").count() == 3
    tab.look("review-form")

    criteria = page.locator("#review-form fieldset.score")
    for index in range(criteria.count()):
        criteria.nth(index).locator("input[value='4']").check()
    page.select_option("#recommendation", "approve")
    page.select_option("#confidence", "4")
    page.fill("#comments_for_applicant", "Strong team; add the stability data.")
    # Autosave: htmx posts the draft on change, without a page load.
    with page.expect_response(lambda r: r.url.endswith("/review") and r.status == 200):
        page.locator("#comments_for_applicant").press("Tab")
    # htmx swaps the note in just after the response arrives: wait for it, do not race it.
    expect(page.locator("#autosave")).to_contain_text(tab.words("Draft saved."))

    page.reload()
    assert page.locator("#comments_for_applicant").input_value() == (
        "Strong team; add the stability data."
    )
    assert page.locator("#review-form input[type=radio]:checked").count() == criteria.count()
    assert page.locator("#recommendation").input_value() == "approve"

    page.check("#review-form input[name=confirm]")
    page.click("#review-form button[name=submit][value=yes]")
    page.wait_for_selector("#co-heading")
    tab.look("after-submitting")
    reviews = api_of.as_(committee["chair"])("GET", f"/proposals/{proposal_id}/reviews").json()
    assert [r["recommendation"] for r in reviews["reviews"]] == ["approve"]

    # Once submitted, the reviewer discusses the round with the chair and the others.
    page.fill("#comment-body", "The stability data decide it for me.")
    page.click("#discussion button[type=submit]")
    page.wait_for_selector("#discussion article.comment")
    assert "The stability data decide it for me." in page.locator("#discussion").inner_text()
    tab.look("discussion")
    page.click("header nav a[href='/bids']")
    tab.look("bids")
    page.click("header a[href='/account']")
    tab.look("account")

    # The reviewer's pages in the other languages, for the screenshots and the axe check.
    for language in ("zh_Hans", "ru"):
        context.add_cookies([{"name": "lang", "value": language, "url": server}])
        other = Browsing(page, language, "reviewer")
        page.goto("/assignments")
        other.look("assignments")
        page.click("table.list a")
        other.look("after-submitting")
        for name in ("bids", "account"):
            page.goto(f"/{name}")
            other.look(name)
    context.close()


def test_reviewer_keeps_a_profile_in_each_language(
    browser: Any, server: str, api_of: Api, committee: dict[str, Any]
) -> None:
    reviewer = committee["reviewers"][1]
    context = browser.new_context(locale="en-US", viewport=DESKTOP, base_url=server)
    tab = Browsing(context.new_page(), "en", "reviewer")
    page = tab.page
    page.goto("/login")
    page.fill("#email", reviewer)
    page.fill("#password", "password-123")
    page.click("main button[type=submit]")
    page.wait_for_url("**/assignments")
    page.click("header a[href='/account']")
    page.click("main a[href='/account/profile']")
    tab.look("profile")

    # A period that ends before it starts is refused beside its field; nothing is saved.
    page.fill("[id='unavailable_periods.0.start']", "2027-08-20")
    page.fill("[id='unavailable_periods.0.end']", "2027-08-01")
    page.fill("#capacity", "3")
    page.click("main button.primary[name=action][value=save]")
    error = page.locator("[id='unavailable_periods.0-error']")
    assert error.inner_text() == tab.words("The end is before the start.")
    tab.look("profile-errors")
    assert api_of.as_(reviewer)("GET", "/me").json()["capacity"] == 5

    # Enter in a field saves (the form's first button), it does not add a period row.
    page.fill("[id='unavailable_periods.0.end']", "2027-08-31")
    page.press("#capacity", "Enter")
    page.wait_for_url("**/account/profile?saved=1")
    me = api_of.as_(reviewer)("GET", "/me").json()
    assert me["capacity"] == 3
    assert me["unavailable_periods"] == [{"start": "2027-08-20", "end": "2027-08-31"}]

    # The header's switcher keeps the language on the account: the pages follow it.
    for language in ("zh_Hans", "ru"):
        page.select_option("#language-select", language)
        page.click("header form.lang button")
        page.wait_for_url("**/account/profile*")
        other = Browsing(page, language, "reviewer")
        assert page.locator("h1").inner_text() == other.words("Reviewer profile")
        other.look("profile")
        page.click("main button[name=action][value=add_period]")
        assert page.locator("input[name=period_start]").count() == 3
        other.look("profile-another-period")
        page.goto("/account/profile")
    assert api_of.as_(reviewer)("GET", "/me").json()["language"] == "ru"
    context.close()

"""The admin in headless Chromium against a real API process and a real worker: a proposal
stalls for real, the admin sees it on the live queue, re-drives it and watches the queue move on
by itself; then the accounts, organisations, committees and audit pages. Every page is
photographed at desktop and phone width and checked with axe-core."""

import uuid
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import update
from sqlmodel import Session, col

from service.committees.models import Committee
from service.proposals.vocabulary import TherapeuticArea
from tests.conftest import Api
from tests.pipeline.conftest import Process, state_of, submitted_proposal, wait_for
from tests.web.conftest import DESKTOP
from tests.web.test_browser import Browsing, _sign_in, api_of  # noqa: F401  (the fixture)

PIPELINE_SECONDS = 90


def _cover(session: Session, committee_id: str, areas: list[TherapeuticArea]) -> None:
    """Set the areas the committee covers, behind the pages' back (as test_stalls does)."""
    session.execute(
        update(Committee)
        .where(col(Committee.id) == uuid.UUID(committee_id))
        .values(therapeutic_areas=[str(a) for a in areas])
    )
    session.commit()


def see(tab: Browsing, name: str) -> None:
    """Photograph and check the page once it has loaded whole (a full-page screenshot taken
    while the page still lays out is cut short)."""
    tab.page.wait_for_load_state("load")
    tab.look(name)


def _stalled(api: Api, admin: str) -> list[Any]:
    return list(api.as_(admin)("GET", "/admin/queue").json()["stalled"]["items"])


def test_admin_sees_a_stall_re_drives_it_and_watches_the_queue_move(
    browser: Any,
    server: str,
    worker: Process,
    api_of: Api,  # noqa: F811
    session: Session,
    committee: dict[str, Any],
) -> None:
    admin, applicant = committee["admin"], committee["applicant"]
    # The only committee stops covering neurology: screening cannot route such a proposal.
    _cover(session, committee["committee_id"], [a for a in TherapeuticArea if a != "neurology"])
    proposal_id = submitted_proposal(
        api_of, applicant, title="Antisense programme for ALS", therapeutic_area="neurology"
    )
    wait_for(lambda: _stalled(api_of, admin), seconds=PIPELINE_SECONDS, what="the stall")

    context = browser.new_context(locale="en-US", viewport=DESKTOP, base_url=server)
    tab = Browsing(context.new_page(), "en", "admin")
    page = tab.page
    page.goto("/admin/queue")
    _sign_in(tab, admin)
    page.wait_for_url("**/admin/queue")
    stalled = page.locator(f"#stalled article[data-proposal='{proposal_id}']")
    assert "Antisense programme for ALS" in stalled.inner_text()
    assert "NoCommittee" in stalled.locator("pre").inner_text()
    assert page.locator("tr[data-state=screening] td.stalled").inner_text() == "1"
    assert int(page.locator("#live-workers").inner_text()) >= 1
    see(tab, "queue-stalled")

    # The admin fixes the cause, then re-drives from the page.
    _cover(session, committee["committee_id"], list(TherapeuticArea))
    stalled.locator("button[type=submit]").click()
    page.wait_for_selector("#redriven")
    # From here on nothing navigates: a marker on the window survives only without a reload.
    page.evaluate("window.stillTheSamePage = true")
    wait_for(
        lambda: state_of(api_of, applicant, proposal_id) == "in_review",
        seconds=PIPELINE_SECONDS,
        what="in_review",
    )
    # htmx swaps the fresh table in by itself (the CSP forbids a polled script here anyway).
    expect(page.locator("tr[data-state=in_review] td.count")).to_have_text("1", timeout=30_000)
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.locator("#stalled article").count() == 0
    assert page.locator("tr[data-state=screening] td.stalled").inner_text() == "0"
    see(tab, "queue-redriven")
    history = api_of.as_(admin)("GET", f"/proposals/{proposal_id}/history").json()
    assert [h["event"] for h in history][:2] == ["submit", "redrive"]

    # Accounts: the list, the invitation with its errors beside the fields, one account.
    page.click("header nav a[href='/admin/users']")
    see(tab, "users")
    page.click("main a[href='/admin/users/invite']")
    page.fill("#email", "not an address")
    page.click("main form button[type=submit]")
    assert page.locator("#email-error").is_visible()
    assert page.locator("#full_name-error").is_visible()
    see(tab, "invite-errors")
    page.fill("#email", "haematologist@reviewers.example")
    page.fill("#full_name", "Dr Petrova")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=haematologist@reviewers.example")
    page.fill("#search", "reviewer0")
    page.click("form[role=search] button[type=submit]")
    page.click("#users a")
    page.wait_for_selector("#active-heading")
    see(tab, "user")

    page.click("header nav a[href='/admin/organisations']")
    see(tab, "organisations")
    page.click("#organisations a")
    page.wait_for_selector("#email_domains")
    see(tab, "organisation")
    page.click("header nav a[href='/admin/committees']")
    see(tab, "committees")
    page.click("#committees a")
    page.wait_for_selector("#rubric-heading")
    page.fill("#quorum", "9")
    page.click("main form button[type=submit]")
    assert page.locator("#quorum-error").is_visible()
    see(tab, "committee-errors")
    page.click("header nav a[href='/admin/audit']")
    assert "Invitation sent" in page.locator("#audit").inner_text()
    see(tab, "audit")

    # The queue in the other languages, for the screenshots and the axe check.
    for language in ("zh_Hans", "ru"):
        context.add_cookies([{"name": "lang", "value": language, "url": server}])
        other = Browsing(page, language, "admin")
        for name in ("queue", "users", "committees", "audit"):
            page.goto(f"/admin/{name}")
            see(other, name)
    context.close()

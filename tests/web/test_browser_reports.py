"""The chair and the admin open the statistics and download an export, in headless Chromium.

Every page is photographed at desktop and phone width under var/screenshots/ and checked with
axe-core (see `Browsing.look`). The history is tests/stats' hand-built March 2025.
"""

from typing import Any

import pytest

from tests.stats import test_stats
from tests.web.conftest import DESKTOP
from tests.web.test_browser import LANGUAGES, Browsing, _sign_in

history = test_stats.history  # the fixture: tests/stats' hand-built March 2025

MARCH = "from=2025-03-01&to=2025-03-31"


@pytest.mark.parametrize(("language", "accept_language"), LANGUAGES, ids=[x[0] for x in LANGUAGES])
def test_chair_reads_statistics_and_downloads_the_decisions(
    browser: Any,
    server: str,
    committee: dict[str, Any],
    history: dict[str, Any],
    language: str,
    accept_language: str,
) -> None:
    context = browser.new_context(locale=accept_language, viewport=DESKTOP, base_url=server)
    tab = Browsing(context.new_page(), language, "chair")
    page = tab.page
    page.goto("/reports/statistics")
    _sign_in(tab, committee["chair"])
    page.wait_for_url("**/reports/statistics")
    tab.look("statistics-all-time")

    # The filters, through the form as a reader fills it (no JavaScript needed).
    page.fill("#from", "2025-03-01")
    page.fill("#to", "2025-03-31")
    page.click("main form.filters button[type=submit]")
    page.wait_for_url(f"**/reports/statistics?{MARCH}*")
    charts = page.locator("main svg[role=img]")
    # Throughput, stage times, acceptance by area, modality and committee, and the bands.
    assert charts.count() == 6
    title = tab.words("Approval rate by therapeutic area")
    assert page.locator(f'svg[aria-label="{title}"]').count() == 1
    tab.look("statistics-march")

    page.fill("#from", "2025-03-31")
    page.fill("#to", "2025-03-01")
    page.click("main form.filters button[type=submit]")
    page.wait_for_selector("#to-error")
    tab.look("statistics-error")

    page.click("header nav a[href='/reports/exports']")
    page.wait_for_url("**/reports/exports")
    tab.look("exports")
    with page.expect_download() as started:
        page.click("#export-decisions a[href$='decisions.csv']")
    download = started.value
    assert download.suggested_filename == "decisions.csv"
    with open(download.path(), encoding="utf-8-sig") as saved:
        text = saved.read()
    lines = text.strip().splitlines()
    assert lines[0].startswith("decision_id,proposal_id,title")
    assert len(lines) == 1 + 4  # the four decisions of its committee
    context.close()


def test_admin_reads_every_committees_statistics_and_downloads_the_reviews(
    browser: Any, server: str, committee: dict[str, Any], history: dict[str, Any]
) -> None:
    context = browser.new_context(locale="en-US", viewport=DESKTOP, base_url=server)
    tab = Browsing(context.new_page(), "en", "admin")
    page = tab.page
    page.goto(f"/reports/statistics?{MARCH}")
    _sign_in(tab, committee["admin"])
    page.wait_for_url("**/reports/statistics?*")
    options = page.locator("#committee option")
    assert options.count() == 3  # every committee, and all of them
    tab.look("statistics")

    page.goto("/reports/exports")
    page.select_option("#committee", committee["committee_id"])
    page.click("main form.filters button[type=submit]")
    page.wait_for_selector("#export-reviews a[href*='reviews.xlsx']")
    tab.look("exports-committee")
    with page.expect_download() as started:
        page.click("#export-reviews a[href*='reviews.xlsx']")
    download = started.value
    assert download.suggested_filename == "reviews.xlsx"
    with open(download.path(), "rb") as saved:
        assert saved.read(2) == b"PK"  # a zip: the workbook
    context.close()

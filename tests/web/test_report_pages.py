"""The statistics and exports pages against the hand-computed history of tests/stats.

March 2025, the committee's chair: decided p1 (oncology, approved, 2 March), p2 (oncology,
rejected, 4 March) and p3 (hematology, revision requested, 6 March), submitted 1, 2 and 3
March. Weeks start on Monday: 24 February holds two submissions and one decision, 3 March one
submission and two decisions. The charts' bars are measured in the SVG, not just found.
"""

import re
from typing import Any

import pytest

from tests.conftest import Api
from tests.stats import test_stats
from tests.stats.test_stats import MARCH
from tests.web import test_page_access
from tests.web.test_page_access import _sign_in

# Fixtures of other modules: tests/stats' March 2025 and the pages' own test client.
history = test_stats.history
web = test_page_access.web

STATS = "/reports/statistics"


def _box(svg: str, gid: str) -> tuple[float, float]:
    """Width and height of the rectangle drawn in the SVG group `gid`."""
    found = re.search(rf'<g id="{re.escape(gid)}">\s*<path d="([^"]+)"', svg)
    assert found, f"no bar {gid}"
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", found.group(1))]
    xs, ys = numbers[0::2], numbers[1::2]
    return max(xs) - min(xs), max(ys) - min(ys)


def _chart(page: str, name: str) -> str:
    start = page.index(f'<g id="{name}-figure_1">')
    return page[start : page.index("</svg>", start)]


def test_a_chair_reads_its_committees_statistics_as_charts_and_tables(
    web: Any, committee: dict[str, Any], history: dict[str, Any]
) -> None:
    _sign_in(web, committee["chair"])
    page = web.get(STATS, params=MARCH)
    assert page.status_code == 200, page.text
    html = page.text
    # Only its own committee to choose from.
    assert "Biomedicine" in html and "Other committee" not in html

    # Throughput: 2 submitted / 1 decided in the week of 24 February, 1 / 2 in the next.
    weeks = _chart(html, "throughput")
    submitted = [_box(weeks, f"throughput-bar-0-{w}")[1] for w in (0, 1)]
    decided = [_box(weeks, f"throughput-bar-1-{w}")[1] for w in (0, 1)]
    assert submitted[0] == pytest.approx(2 * submitted[1], rel=1e-3)
    assert decided[1] == pytest.approx(2 * decided[0], rel=1e-3)
    assert submitted[1] == pytest.approx(decided[0], rel=1e-3)
    assert "throughput-bar-0-2" not in weeks

    # Acceptance by area, rows sorted by key: hematology 0 of 1, oncology 1 of 2, on an
    # axis from 0 to 100% (the axes' own rectangle is patch_2).
    areas = _chart(html, "acceptance-area")
    full = _box(areas, "acceptance-area-patch_2")[0]
    assert _box(areas, "acceptance-area-bar-0-0")[0] == pytest.approx(0, abs=1e-6)
    assert _box(areas, "acceptance-area-bar-0-1")[0] == pytest.approx(full / 2, rel=1e-3)

    # Bands: strong (2 decided, 1 approved), then weak (p3, re-analysed from moderate: 1, 0).
    bands = _chart(html, "bands")
    strong_decided, strong_approved = (_box(bands, f"bands-bar-{s}-0")[0] for s in (0, 1))
    weak_decided, weak_approved = (_box(bands, f"bands-bar-{s}-1")[0] for s in (0, 1))
    assert strong_decided == pytest.approx(2 * strong_approved, rel=1e-3)
    assert weak_decided == pytest.approx(strong_approved, rel=1e-3)
    assert weak_approved == pytest.approx(0, abs=1e-6)

    # Stage times: five stages, the median and p90 of each, the p90 never shorter.
    stages = _chart(html, "stages")
    for c in range(5):
        assert _box(stages, f"stages-bar-1-{c}")[0] >= _box(stages, f"stages-bar-0-{c}")[0]
    assert "stages-bar-0-5" not in stages

    # The tables beside the charts carry the same figures, in words and formatted numbers.
    assert "Hematology" in html and "Oncology" in html
    assert "50.0%" in html
    assert 'role="img" aria-label="Approval rate by therapeutic area"' in html


def test_statistics_are_written_the_readers_way(
    web: Any, committee: dict[str, Any], history: dict[str, Any]
) -> None:
    _sign_in(web, committee["chair"])
    web.cookies.set("lang", "ru")
    html = web.get(STATS, params=MARCH).text
    assert "Доля одобренных по терапевтическим областям" in html
    assert "50,0" in html  # the Russian decimal comma


def test_the_filters_narrow_the_figures_and_name_bad_input_beside_the_field(
    web: Any, committee: dict[str, Any], history: dict[str, Any]
) -> None:
    _sign_in(web, committee["admin"])
    everything = web.get(STATS, params=MARCH).text
    assert "Other committee" in everything
    # The admin's March holds the other committee's decision too: its chart has two bars.
    assert "acceptance-committee-bar-0-1" in _chart(everything, "acceptance-committee")
    mine = web.get(STATS, params={**MARCH, "committee": committee["committee_id"]}).text
    assert "acceptance-committee-bar-0-1" not in _chart(mine, "acceptance-committee")
    may = web.get(STATS, params={"from": "2025-05-01", "to": "2025-05-31"}).text
    assert "throughput-bar-1-0" in may and "throughput-bar-1-1" not in may

    bad = web.get(STATS, params={"from": "2025-13-01"})
    assert bad.status_code == 422
    assert 'id="from-error"' in bad.text and 'aria-invalid="true"' in bad.text
    backwards = web.get(STATS, params={"from": "2025-03-31", "to": "2025-03-01"})
    assert backwards.status_code == 422
    assert 'id="to-error"' in backwards.text
    unknown = web.get(STATS, params={"committee": "not-an-id"})
    assert unknown.status_code == 422 and 'id="committee-error"' in unknown.text


def test_a_chair_may_not_read_another_committees_statistics(
    web: Any, committee: dict[str, Any], history: dict[str, Any]
) -> None:
    _sign_in(web, committee["chair"])
    assert web.get(STATS, params={"committee": history["other"]}).status_code == 404
    download = web.get("/reports/exports/decisions.csv", params={"committee": history["other"]})
    assert download.status_code == 404


@pytest.mark.parametrize("who", ["applicant", "reviewer"])
def test_applicants_and_reviewers_are_refused(
    web: Any, committee: dict[str, Any], history: dict[str, Any], who: str
) -> None:
    email = committee["applicant"] if who == "applicant" else committee["reviewers"][0]
    _sign_in(web, email)
    for path in (STATS, "/reports/exports", "/reports/exports/decisions.csv"):
        assert web.get(path).status_code == 403, path
    assert "/reports/statistics" not in web.get("/account").text


def test_the_exports_page_counts_the_rows_and_downloads_what_the_api_sends(
    web: Any, api: Api, committee: dict[str, Any], history: dict[str, Any]
) -> None:
    _sign_in(web, committee["chair"])
    page = web.get("/reports/exports")
    assert page.status_code == 200
    # Four decided proposals of its committee; the reviews wait for a committee to be chosen.
    assert re.search(r'id="export-proposals">.*?up to 4<', page.text, re.S)
    assert re.search(r'id="export-decisions">.*?up to 4<', page.text, re.S)
    assert "/reports/exports/reviews.csv" not in page.text
    chosen = web.get("/reports/exports", params={"committee": committee["committee_id"]})
    assert re.search(r'id="export-reviews">.*?up to 3<', chosen.text, re.S)
    approved = web.get("/reports/exports", params={"state": "approved"})
    assert re.search(r'id="export-proposals">.*?up to 2<', approved.text, re.S)

    for path in ("/exports/decisions.csv", "/exports/proposals.csv"):
        from_page = web.get("/reports" + path)
        assert from_page.status_code == 200
        assert from_page.headers["content-disposition"] == api_disposition(path)
        assert from_page.content == api.as_(committee["chair"])("GET", path).content
    params = {"committee": committee["committee_id"]}
    reviews = web.get("/reports/exports/reviews.xlsx", params=params)
    assert reviews.status_code == 200
    assert reviews.headers["content-type"].startswith("application/vnd.openxmlformats")


def api_disposition(path: str) -> str:
    return f'attachment; filename="{path.rsplit("/", 1)[1]}"'

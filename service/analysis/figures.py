"""The published reference figures behind the prospect analysis, loaded from the packaged CSVs.

Each row of `reference/bio2021.csv` (phase-transition rates with their n, likelihood of approval
and phase durations) and `reference/costs.csv` (trial costs, discount rates, device figures) is
one figure with its own source, year and confidence, so that every number in a report can cite
them. Each method version reads its own reference package: method 1 keeps the table it was
published with (`service.analysis.method1`), so that it still computes what it computed then.
"""

import csv
from enum import StrEnum
from functools import cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict

CURRENT_REFERENCE = "service.analysis"


class Confidence(StrEnum):
    """How a figure was verified (see the reference notes for the project)."""

    primary = "P"  # read in the primary text or the publisher's own page
    secondary_checked = "S+"  # secondary, cross-checked: transitions multiply out to the LOA
    secondary = "S"  # secondary only


class ReferenceFigure(BaseModel):
    """One published figure with its provenance, as stored and as shown in every report."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    value: float
    unit: str
    source: str
    year: int
    confidence: Confidence
    caveat: str  # empty when the source raises no caveat about this figure
    # Phase transitions behind a BIO rate (for an LOA: of its four transitions); None where the
    # source gives no count (durations, costs) or the method's table predates the counts.
    n: int | None = None


def _read_rows(package: str, name: str) -> list[dict[str, str]]:
    text = files(package).joinpath("reference", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def success_rates(package: str = CURRENT_REFERENCE) -> dict[tuple[str, str], ReferenceFigure]:
    """BIO 2021 figures keyed by (subject, measure), e.g. ("oncology", "p1_to_p2").

    Subjects are BIO rows: therapeutic areas (plus "all_indications"), oncology subgroups,
    modalities, rare / chronic disease and biomarker use; measures are the transitions, LOAs
    and phase durations in the CSV.
    """
    table: dict[tuple[str, str], ReferenceFigure] = {}
    for row in _read_rows(package, "bio2021.csv"):
        subject, measure = row["subject"], row["measure"]
        table[(subject, measure)] = ReferenceFigure(
            key=f"bio2021.{subject}.{measure}",
            label=f"{row['subject_label']}: {_MEASURE_LABELS[measure]}",
            value=float(row["value"]),
            unit=row["unit"],
            source=row["source"],
            year=int(row["year"]),
            confidence=Confidence(row["confidence"]),
            caveat=row["caveat"],
            n=int(row["n"]) if row.get("n") else None,
        )
    return table


@cache
def bio_subjects(package: str = CURRENT_REFERENCE) -> dict[str, tuple[str, str]]:
    """Each BIO subject's table (area, oncology_subgroup, modality, ...) and its label."""
    return {
        row["subject"]: (row["table"], row["subject_label"])
        for row in _read_rows(package, "bio2021.csv")
    }


@cache
def cost_figures(package: str = CURRENT_REFERENCE) -> dict[str, ReferenceFigure]:
    """Trial costs, discount rates and device figures keyed by their `key` column."""
    return {
        row["key"]: ReferenceFigure(
            key=f"costs.{row['key']}",
            label=row["label"],
            value=float(row["value"]),
            unit=row["unit"],
            source=row["source"],
            year=int(row["year"]),
            confidence=Confidence(row["confidence"]),
            caveat=row["caveat"],
        )
        for row in _read_rows(package, "costs.csv")
    }


_MEASURE_LABELS = {
    "p1_to_p2": "Phase I to Phase II transition",
    "p2_to_p3": "Phase II to Phase III transition",
    "p3_to_filing": "Phase III to filing transition",
    "filing_to_approval": "filing to approval transition",
    "loa_from_phase_1": "likelihood of approval from Phase I",
    "loa_from_phase_2": "likelihood of approval from Phase II",
    "loa_from_phase_3": "likelihood of approval from Phase III",
    "years_phase_1": "Phase I duration",
    "years_phase_2": "Phase II duration",
    "years_phase_3": "Phase III duration",
    "years_filing": "filing to approval duration",
    "years_phase_1_to_approval": "years from Phase I to approval",
}


class FigureLog:
    """Collects the reference figures one analysis uses, once each, in the order of first use."""

    def __init__(self) -> None:
        self._figures: dict[str, ReferenceFigure] = {}

    def use(self, figure: ReferenceFigure) -> float:
        """Record `figure` as an input of the report and return its value."""
        self._figures.setdefault(figure.key, figure)
        return figure.value

    def figures(self) -> list[ReferenceFigure]:
        """The figures used so far."""
        return list(self._figures.values())

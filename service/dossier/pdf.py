"""The dossier as a PDF: the pages' Jinja2 template and catalogues, laid out by WeasyPrint.

WeasyPrint shapes text with pango, so Chinese and Russian come out as real, searchable text in
the fonts the machine has (Noto Sans CJK, DejaVu Sans); the charts go in as the same inline SVG
the reviewer's page shows.
"""

from datetime import datetime

from fastapi import Response

from service.charts.analysis import analysis_charts
from service.dossier.service import Dossier
from service.web.render import environment, helpers

TEMPLATE = "dossier.html"
MEDIA_TYPE = "application/pdf"


def html(dossier: Dossier, language: str, now: datetime) -> str:
    """The dossier as one HTML document in `language` (what the PDF is made from)."""
    report = getattr(dossier.analysis, "report", None)
    return (
        environment(language)
        .get_template(TEMPLATE)
        .render(
            d=dossier,
            charts=analysis_charts(report, language),
            generated_at=now,
            **helpers(language),
        )
    )


def pdf(dossier: Dossier, language: str, now: datetime) -> bytes:
    """The dossier as PDF bytes in `language`."""
    # Imported here: WeasyPrint loads pango when imported, and only this needs it, so a
    # machine without pango still serves everything else.
    from weasyprint import HTML

    document: bytes = HTML(string=html(dossier, language, now)).write_pdf()
    return document


def filename(dossier: Dossier) -> str:
    copy = "committee" if dossier.for_committee else "applicant"
    return f"dossier-{dossier.proposal.id}-v{dossier.proposal.version}-{copy}.pdf"


def download(dossier: Dossier, language: str, now: datetime) -> Response:
    """The PDF as a download, for the API and the page alike."""
    return Response(
        pdf(dossier, language, now),
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename(dossier)}"'},
    )

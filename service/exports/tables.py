"""Writing an export as CSV or XLSX a page at a time, so no export sits whole in memory."""

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import xlsxwriter
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from service.db import get_engine

Cell = str | int | float | bool | datetime | UUID | None
Row = list[Cell]

# Rows fetched from the cursor at a time: large enough that a page costs little more than
# COPY's rows, small enough that memory does not grow with the export.
EXPORT_PAGE_ROWS = 1000
_CHUNK = 64 * 1024


class Format(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


MEDIA_TYPES = {
    Format.csv: "text/csv; charset=utf-8",
    Format.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Export:
    """An export's header and its rows, page by page, read through the session it is given."""

    name: str
    header: list[str]
    pages: Callable[[Session], Iterator[list[Row]]]
    # At most this many rows (a chair's conflicts, left out row by row, can make it fewer).
    count: Callable[[Session], int]


# A spreadsheet runs a cell starting with one of these as a formula (OWASP CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def plain(value: Cell) -> str | int | float | bool:
    """The cell as a spreadsheet should hold it: text that could start a formula gets a
    leading apostrophe, times are ISO 8601 in UTC, nothing is empty text."""
    # Called for every cell of every row: the common exact types first, one test each.
    if type(value) is str:
        return "'" + value if value.startswith(_FORMULA_STARTS) else value
    if value is None:
        return ""
    if type(value) is int:
        return value
    if type(value) is UUID:
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value  # type: ignore[return-value]


def _pages(export: Export) -> Iterator[list[Row]]:
    # The request's session closes before a streamed body is sent: the rows are read
    # through a session of their own, held for the length of the download.
    with Session(get_engine()) as session:
        yield from export.pages(session)


def csv_chunks(export: Export) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # The byte-order mark makes spreadsheet programs read the file as UTF-8 (Chinese, Russian).
    buffer.write("\ufeff")
    writer.writerow(export.header)
    for page in _pages(export):
        writer.writerows([plain(c) for c in row] for row in page)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def xlsx_chunks(export: Export) -> Iterator[bytes]:
    """The workbook, written row by row to a temporary file (constant_memory flushes each row),
    then sent in chunks: an XLSX is a zip whose index comes last, so it is sent once built."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        book = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                # Text stays text: never turned into a formula, a link or a number.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        sheet = book.add_worksheet(export.name)
        sheet.write_row(0, 0, export.header)
        number = 1
        for page in _pages(export):
            for row in page:
                sheet.write_row(number, 0, [plain(c) for c in row])
                number += 1
        book.close()
        with open(path, "rb") as built:
            while chunk := built.read(_CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def chunks(export: Export, fmt: Format) -> Iterator[bytes]:
    return csv_chunks(export) if fmt == Format.csv else xlsx_chunks(export)


def download(export: Export, fmt: Format) -> StreamingResponse:
    """The export as a file download, streamed (the API's route and the exports page)."""
    return StreamingResponse(
        chunks(export, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{export.name}.{fmt}"'},
    )


def streamed_pages(
    query: Any,
    rows_of: Callable[[Session, list[Any]], list[Row]],
    page_rows: int,
) -> Callable[[Session], Iterator[list[Row]]]:
    """Pages of rows from one query of plain columns, read `page_rows` at a time through a
    server-side cursor (PostgreSQL): no ORM object is built and memory holds one page.
    `rows_of` turns a page of result rows into the export's rows."""

    def pages(session: Session) -> Iterator[list[Row]]:
        result = session.execute(query.execution_options(yield_per=page_rows))
        for partition in result.partitions():
            yield rows_of(session, list(partition))
            # A chair's pages load proposals to check conflicts: forget them, memory stays flat.
            session.expunge_all()

    return pages

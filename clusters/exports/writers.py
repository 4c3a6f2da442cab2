"""CSV and XLSX files from one column definition, produced as chunks of bytes while the rows
are read, so memory stays flat whatever the number of rows (``manage.py bench_exports``).

Both take ``columns`` (``columns.COLUMNS[kind]``) and an iterable of objects, and write the
column keys as the header row: a file exported here imports back unchanged.

CSV: UTF-8 with a byte-order mark (Excel then reads accents right), dates in ISO 8601,
decimals written out in full (never ``1E+6``), None as an empty cell. A text cell that starts
with ``= + - @``, a tab or a carriage return is prefixed with ``'`` (CSV injection: spreadsheet
programs would run it as a formula); ``unescape`` undoes it for the imports.

XLSX: openpyxl's write-only mode, dates as date cells and numbers as number cells. Text is
always a text cell (openpyxl would otherwise turn ``=...`` into a formula), so no prefix is
needed; characters that XLSX cannot hold (control characters) are dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from .columns import Column

# Spreadsheet programs run cells that start with these as formulas (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
BOM = "\ufeff"
# Bytes per chunk handed to the response or the file: large enough that a 100,000-row export
# is a few hundred chunks, small enough to stay flat.
CHUNK_BYTES = 64 * 1024

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def escape(value: str) -> str:
    """A text cell as a spreadsheet program may open it safely."""
    return ESCAPE + value if value.startswith(FORMULA_STARTS) else value


def unescape(value: str) -> str:
    """The text ``escape`` was given back (for the imports of exported CSV files)."""
    if value.startswith(ESCAPE) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    return str(value)


def csv_chunks(columns: Sequence[Column], objects: Iterable[Any]) -> Iterator[bytes]:
    """The CSV file in chunks of about CHUNK_BYTES: header row (column keys), then a row per
    object."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([column.key for column in columns])
    getters = [column.value for column in columns]
    for obj in objects:
        writer.writerow([csv_cell(get(obj)) for get in getters])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _xlsx_value(value: Any, sheet) -> Any:
    """What the write-only sheet should get for a value: text that openpyxl would read as a
    formula or an error code becomes an explicit text cell."""
    if isinstance(value, str):
        if ILLEGAL_CHARACTERS_RE.search(value):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("=") or value in ERROR_CODES:
            cell = WriteOnlyCell(sheet)
            cell._value, cell.data_type = value, "s"
            return cell
        return value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # Excel has no time zones: UTC, as stored.
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def write_xlsx(
    columns: Sequence[Column], objects: Iterable[Any], target, title: str = "Export"
) -> None:
    """Write the workbook to ``target`` (a path or a binary file object).

    In write-only mode openpyxl spools each row to a temporary file as it is appended and
    zips it at ``save``: memory does not grow with the rows.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.key)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    getters = [column.value for column in columns]
    for obj in objects:
        sheet.append([_xlsx_value(get(obj), sheet) for get in getters])
    workbook.save(target)


def xlsx_chunks(
    columns: Sequence[Column], objects: Iterable[Any], title: str = "Export"
) -> Iterator[bytes]:
    """The XLSX file in chunks. A zip file is written whole before it can be read, so it is
    built in a temporary file (on disk past a few MB) and then read back chunk by chunk."""
    with tempfile.SpooledTemporaryFile(max_size=4 * CHUNK_BYTES) as spool:
        write_xlsx(columns, objects, spool, title=title)
        spool.seek(0)
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk


CONTENT_TYPES = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}


def write_file(
    fmt: str, columns: Sequence[Column], objects: Iterable[Any], target, title: str = "Export"
) -> None:
    """Write the whole file to a binary file object (a background export's file)."""
    if fmt == "xlsx":
        write_xlsx(columns, objects, target, title=title)
        return
    for chunk in csv_chunks(columns, objects):
        target.write(chunk)


def chunks(
    fmt: str, columns: Sequence[Column], objects: Iterable[Any], title: str = "Export"
) -> Iterator[bytes]:
    """The file of format ``fmt`` ("csv" or "xlsx") in chunks of bytes."""
    if fmt == "xlsx":
        return xlsx_chunks(columns, objects, title=title)
    return csv_chunks(columns, objects)

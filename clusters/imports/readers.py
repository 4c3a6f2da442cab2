"""Read an uploaded CSV or XLSX file into numbered rows, as a spreadsheet shows them.

Every cell comes back as stripped text whatever the format (an XLSX number, date or boolean as
it would read in a CSV file; a CSV cell without the export's formula-escaping ``'``), so the
import validates one representation. A file that cannot
be read at all raises ``FileError`` with a sentence for the person who uploaded it: the upload
form shows it, and nothing reaches the database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

from django.conf import settings

from ..exports.writers import unescape

XLSX_MAGIC = b"PK\x03\x04"
DELIMITERS = (",", ";", "\t")


class FileError(ValueError):
    """The file as a whole cannot be read (type, encoding, size, structure)."""


def max_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024)


def max_rows() -> int:
    return getattr(settings, "IMPORT_MAX_ROWS", 50_000)


@dataclass
class Table:
    """Headers as written (stripped) and the data rows: (row number, cells aligned with the
    headers). Row 1 is the header; blank rows are skipped but keep their numbers."""

    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    # Cells under no header: (row number, column number), reported by the validation.
    stray: list[tuple[int, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def _text(value: Any) -> str:
    """A cell as text, the way a CSV export would have written it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).strip()


def _table(lines: Iterable[Iterable[Any]]) -> Table:
    limit = max_rows()
    iterator = iter(lines)
    header = next(iterator, None)
    headers = [_text(cell) for cell in header or ()]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise FileError("The file is empty: its first row must name the columns.")
    table = Table(headers=headers)
    width = len(headers)
    for number, line in enumerate(iterator, start=2):
        cells = [_text(cell) for cell in line]
        if not any(cells):
            continue
        if len(table.rows) >= limit:
            raise FileError(f"The file has more than {limit:,} rows: split it into several files.")
        for column, cell in enumerate(cells[width:], start=width + 1):
            if cell:
                table.stray.append((number, column))
        cells = cells[:width] + [""] * (width - len(cells))
        table.rows.append((number, cells))
    return table


def _delimiter(first_line: str) -> str:
    """The separator the header uses most: Excel writes ``;`` where ``,`` is the decimal mark."""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(data: bytes) -> Table:
    if b"\x00" in data[:4096]:
        raise FileError("This is not a text file: upload a CSV (UTF-8) or an XLSX file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileError(
            f"The file is not UTF-8 text (line {line}): save it as “CSV UTF-8” and upload it again."
        ) from None
    delimiter = _delimiter(text.split("\n", 1)[0])
    lines = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # The CSV export prefixes text that a spreadsheet would run as a formula with "'".
        return _table([unescape(cell) for cell in line] for line in lines)
    except csv.Error as error:
        raise FileError(f"The CSV file could not be read: {error}.") from None


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    # A damaged workbook fails in many ways (zip, XML parse, key, value and type errors);
    # whatever openpyxl raises, it is the file that cannot be read.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise FileError(
            "The file could not be opened as an XLSX workbook (it may be damaged or in another "
            f"format): {type(error).__name__}."
        ) from None
    try:
        if not workbook.worksheets:
            raise FileError("The workbook has no sheet.")
        sheet = workbook.worksheets[0]
        # The stored size may be wrong (some writers never update it): read what is there.
        sheet.reset_dimensions()
        return _table(sheet.iter_rows(values_only=True))
    except FileError:
        raise
    except Exception as error:
        raise FileError(
            f"The first sheet of the workbook could not be read: {type(error).__name__}."
        ) from None
    finally:
        workbook.close()


def read_table(fileobj: IO[bytes], name: str) -> Table:
    """Read a CSV or XLSX upload (chosen by its content, then its name)."""
    data = fileobj.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise FileError(f"The file is larger than {max_bytes() // (1024 * 1024)} MB.")
    lowered = name.lower()
    if lowered.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError("Old Excel files (.xls) cannot be read: save it as .xlsx or CSV.")
    if data.startswith(XLSX_MAGIC) or lowered.endswith((".xlsx", ".xlsm")):
        return read_xlsx(data)
    if lowered.endswith((".csv", ".txt", ".tsv")) or not lowered.rpartition(".")[1]:
        return read_csv(data)
    raise FileError("Upload a CSV or an XLSX file.")

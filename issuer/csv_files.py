"""CSV files in and out of the admin pages (pure: bytes and rows, no database).

Exports neutralise every cell that a spreadsheet would read as a formula (OWASP "CSV
Injection"): a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe, so ``=HYPERLINK(…)`` in a student's name shows as text. Imports refuse such
cells (``formula_cells``) instead of storing them, and read only UTF-8 text of bounded size.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # 2 MiB: a roster of a whole district fits many times over
MAX_ROWS = 10_000
TOO_LARGE = (
    f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Split it into smaller "
    f"files (at most {MAX_ROWS:,} rows each)."
)


class CsvFileError(ValueError):
    """The file as a whole cannot be used (size, encoding, columns, row count)."""


def neutralise(value: object) -> str:
    """The cell as text, with a leading ``'`` when it would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document (CRLF lines, as RFC 4180) with every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()


def read_rows(
    content: bytes,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    one_of: Sequence[str] = (),
) -> list[tuple[int, dict[str, str]]]:
    """``(line number, {column: trimmed value})`` for each data row (the header is line 1).

    Column names are matched case-insensitively; at least one of ``one_of`` (when given) must
    be present (they count as optional columns); unknown columns are refused so that a typo
    (``emial``) is not silently ignored. Raises :class:`CsvFileError` naming the problem.
    """
    if len(content) > MAX_UPLOAD_BYTES:
        raise CsvFileError(
            f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split it"
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFileError("the file is not UTF-8 text; save it as “CSV UTF-8”") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    if not header:
        raise CsvFileError("the file is empty")
    missing = [c for c in required if c not in header]
    if missing:
        raise CsvFileError(f"the file needs the column(s) {', '.join(missing)}")
    if one_of and not set(one_of) & set(header):
        raise CsvFileError(f"the file needs a {' or a '.join(one_of)} column")
    unknown = [c for c in header if c not in (*required, *one_of, *optional)]
    if unknown:
        allowed = ", ".join((*required, *one_of, *optional))
        raise CsvFileError(f"unknown column(s) {', '.join(unknown)}; the columns are {allowed}")
    if len(set(header)) != len(header):
        raise CsvFileError("a column appears twice in the header")
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue  # blank lines
        if len(rows) >= MAX_ROWS:
            raise CsvFileError(f"the file has more than {MAX_ROWS:,} rows; split it")
        padded = [*values, *[""] * (len(header) - len(values))]
        rows.append((reader.line_num, {c: padded[i].strip() for i, c in enumerate(header)}))
    return rows


def formula_cells(row: dict[str, str]) -> list[str]:
    """The columns of ``row`` whose value would be read as a spreadsheet formula."""
    return [column for column, value in row.items() if value.startswith(FORMULA_PREFIXES[:4])]

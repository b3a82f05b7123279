"""Readers: every supported file becomes a stream of pyarrow tables of text columns.

Each table carries ``_row``, the row's number in its file as a user would find it: for CSV and
Excel the spreadsheet row (the header is row 1, the first data row is row 2); for Parquet and
XES the 1-based record (event) number. Values stay text here; :mod:`pipeline.ingest.load`
parses them in SQL, so every reader is checked by the same rules.

Rows a reader cannot split into fields (a CSV line with the wrong number of fields) are not
dropped: they are returned through :class:`ReadReport` and quarantined.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.errors import LogFormatError

BATCH_ROWS = 100_000
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass
class ReadReport:
    """What a reader noticed besides the rows: unsplittable rows and the options it chose."""

    bad_rows: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, text)
    options: dict[str, Any] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)


def detect_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".xes", ".xes.gz")):
        return "xes"
    if path.suffix.lower() in CSV_SUFFIXES or name.endswith(".csv.gz"):
        return "csv"
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return "excel"
    if path.suffix.lower() in {".parquet", ".pq"}:
        return "parquet"
    if path.suffix.lower() == ".xls":
        raise LogFormatError("old .xls workbooks are not read", file=path,
                             fix="Save the workbook as .xlsx (Excel: File > Save As) or export CSV.")
    raise LogFormatError(f"unknown file type '{path.suffix}'", file=path,
                         fix="Give a .csv, .xlsx, .parquet, .xes or .xes.gz file.")


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def release_memory() -> None:
    """Give the memory pyarrow's allocator kept from reading back to the system: it holds
    on to freed blocks (a few hundred MB after a large CSV), which would otherwise sit under
    the next stage's peak."""
    pa.default_memory_pool().release_unused()


def read_batches(path: Path, fmt: str, report: ReadReport, *, delimiter: str | None = None,
                 encoding: str | None = None, sheet: str | None = None) -> Iterator[pa.Table]:
    """The rows of ``path`` as tables of text columns plus ``_row``."""
    if not path.exists():
        raise LogFormatError("file not found", file=path, fix="Check the path.")
    if path.stat().st_size == 0:
        raise LogFormatError("the file is empty", file=path,
                             fix="Export the log again; an empty file holds no events.")
    if fmt == "csv":
        return _read_csv(path, report, delimiter, encoding)
    if fmt == "excel":
        return _read_excel(path, report, sheet)
    if fmt == "parquet":
        return _read_parquet(path, report)
    if fmt == "xes":
        from pipeline.ingest.xes import read_xes

        return read_xes(path, report)
    raise LogFormatError(f"unknown format '{fmt}'", file=path, fix="Use csv, excel, parquet or xes.")


# -- CSV ----------------------------------------------------------------------------------
def sniff_encoding(path: Path) -> str:
    """utf-8 (with or without BOM) if the whole file decodes as UTF-8, else cp1252."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        head = fh.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        fh.seek(0)
        try:
            for chunk in iter(lambda: fh.read(1 << 22), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def sniff_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    best, best_score = ",", -1
    for candidate in (";", ",", "\t", "|"):
        counts = [len(next(csv.reader([line], delimiter=candidate))) for line in lines]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for c in counts if c == counts[0])
        score = consistent * 100 + counts[0]
        if score > best_score:
            best, best_score = candidate, score
    return best


def _read_csv(path: Path, report: ReadReport, delimiter: str | None,
              encoding: str | None) -> Iterator[pa.Table]:
    import pyarrow.csv as pcsv

    encoding = encoding or sniff_encoding(path)
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(65536)
    sample = sample.lstrip("\ufeff")
    if not sample.strip():
        raise LogFormatError("the file holds only blank lines", file=path,
                             fix="Export the log again with its rows.")
    delimiter = delimiter or sniff_delimiter(sample)
    header = next(csv.reader([sample.splitlines()[0]], delimiter=delimiter))
    # an unnamed column (pandas writes its index so) gets a name instead of being refused
    header = [h.strip() or f"unnamed_{_col_letter(i)}" for i, h in enumerate(header)]
    _check_header(path, header, row=1)
    report.columns = header
    report.options.update(encoding=encoding, delimiter=delimiter)
    pending: list[tuple[str, str]] = []

    def on_invalid(row: Any) -> str:
        reason = f"has {row.actual_columns} fields where the header has {row.expected_columns}"
        pending.append((row.text or "", reason))
        return "skip"

    reader = pcsv.open_csv(
        path,
        read_options=pcsv.ReadOptions(
            encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
            column_names=header, skip_rows=1, block_size=1 << 24),
        parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                        invalid_row_handler=on_invalid),
        convert_options=pcsv.ConvertOptions(
            column_types={h: pa.string() for h in header}, strings_can_be_null=True,
            quoted_strings_can_be_null=True, null_values=[""]),
    )
    return _numbered(reader, pending, report, path, encoding)


def _numbered(reader: Any, pending: list[tuple[str, str]], report: ReadReport, path: Path,
              encoding: str) -> Iterator[pa.Table]:
    """Number the rows as a spreadsheet does (header = 1), around rows the parser skipped.

    pyarrow's streaming reader does not tell the line of a skipped row, so its text is looked
    up in the file, moving forward only: one extra pass at most, and only when rows were bad.
    """
    import numpy as np

    skipped: list[int] = []
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        lines = enumerate(fh, start=1)

        def locate(text: str) -> int:
            return next((n for n, line in lines if line.rstrip("\r\n") == text), 0)

        done = 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                raise LogFormatError(
                    f"cannot be read as CSV ({str(exc).splitlines()[0]})", file=path,
                    fix="Check the delimiter and encoding (mapping keys csv.delimiter, "
                        "csv.encoding).") from None
            while pending:
                text, reason = pending.pop(0)
                number = locate(text)
                skipped.append(number)
                report.bad_rows.append((number, reason, text[:500]))
            rows = np.arange(done, done + batch.num_rows, dtype=np.int64) + 2
            for line in sorted(skipped):
                rows[rows >= line] += 1
            done += batch.num_rows
            yield pa.Table.from_batches([batch]).append_column("_row", pa.array(rows))
        for text, reason in pending:  # rows skipped in the last block, after the last batch
            report.bad_rows.append((locate(text), reason, text[:500]))


def _check_header(path: Path, header: list[str], row: int, where: str = "") -> None:
    used = len(header)
    while used and not header[used - 1]:
        used -= 1
    for i, name in enumerate(header[:used]):
        if not name:
            raise LogFormatError(
                f"{where}header cell {_col_letter(i)}{row} is empty (merged or missing header cells)",
                file=path, row=row,
                fix="Unmerge the header cells and give every column its own name in one header row.")
    seen: set[str] = set()
    for name in header[:used]:
        if name in seen:
            raise LogFormatError(f"{where}the header names column '{name}' twice", file=path, row=row,
                                 fix="Rename one of the two columns.")
        seen.add(name)
    if "_row" in seen:
        raise LogFormatError("a column is named '_row', which sopmine reserves", file=path, row=row,
                             fix="Rename that column.")


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# -- Excel --------------------------------------------------------------------------------
def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _read_excel(path: Path, report: ReadReport, sheet: str | None) -> Iterator[pa.Table]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken zip
        raise LogFormatError(f"cannot be opened as an Excel workbook ({exc})", file=path,
                             fix="Open it in Excel and save it again as .xlsx.") from None
    if sheet is not None and sheet not in book.sheetnames:
        book.close()
        raise LogFormatError(f"no sheet named '{sheet}'", file=path,
                             fix=f"Sheets in the workbook: {', '.join(book.sheetnames)}.")
    ws = book[sheet] if sheet else book.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    try:
        first = next(rows)
        header = [_cell_text(v) or "" for v in first]
        while header and not header[-1]:
            header.pop()
        _check_header(path, header, row=1, where=f"sheet '{ws.title}': ")
    except StopIteration:
        rows.close()
        book.close()
        raise LogFormatError(f"sheet '{ws.title}' is empty", file=path,
                             fix="Choose the sheet with the log (mapping key 'sheet').") from None
    except LogFormatError:
        rows.close()  # the row generator holds the sheet's stream, and with it the file, open
        book.close()
        raise
    report.columns = header
    report.options.update(sheet=ws.title)
    width = len(header)

    def batches() -> Iterator[pa.Table]:
        buffer: list[list[str | None]] = [[] for _ in range(width)]
        numbers: list[int] = []
        for number, values in enumerate(rows, start=2):
            cells = [_cell_text(v) for v in values[:width]]
            if all(c is None for c in cells):
                continue  # blank spreadsheet rows are layout, not data
            cells += [None] * (width - len(cells))
            for i, c in enumerate(cells):
                buffer[i].append(c)
            numbers.append(number)
            if len(numbers) >= BATCH_ROWS:
                yield _table(header, buffer, numbers)
                buffer, numbers = [[] for _ in range(width)], []
        if numbers:
            yield _table(header, buffer, numbers)
        book.close()

    return batches()


def _table(header: list[str], buffer: list[list[str | None]], numbers: list[int]) -> pa.Table:
    data = {h: pa.array(col, type=pa.string()) for h, col in zip(header, buffer, strict=True)}
    data["_row"] = pa.array(numbers, type=pa.int64())
    return pa.table(data)


# -- Parquet ------------------------------------------------------------------------------
def _read_parquet(path: Path, report: ReadReport) -> Iterator[pa.Table]:
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise LogFormatError(f"cannot be read as Parquet ({exc})", file=path,
                             fix="Write the file again, or export CSV.") from None
    header = list(file.schema_arrow.names)
    _check_header(path, header, row=1)
    report.columns = header

    def text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
        if pa.types.is_timestamp(column.type):
            # microseconds, and the instant with its offset where the column has a zone
            return column.cast(pa.timestamp("us", column.type.tz)).cast(pa.string())
        if pa.types.is_string(column.type):
            return column
        return column.cast(pa.string())

    def batches() -> Iterator[pa.Table]:
        start = 1
        for batch in file.iter_batches(batch_size=BATCH_ROWS):
            data = {name: text(batch.column(i)) for i, name in enumerate(batch.schema.names)}
            data["_row"] = pa.array(range(start, start + batch.num_rows), type=pa.int64())
            start += batch.num_rows
            yield pa.table(data)

    return batches()


def open_maybe_gzip(path: Path) -> Any:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)

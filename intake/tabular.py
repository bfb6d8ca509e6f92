"""CSV and Excel exports of hotline systems as rows of our field names.

A file is read whole (an export of 100,000 rows is a few tens of MB).  Excel
workbooks (.xlsx, .xlsm and the old .xls) are read with calamine, a Rust
reader about ten times faster than openpyxl (100,000 rows in under 2 s), and
only their first sheet.  A CSV's encoding is found (UTF-8 with or without BOM, UTF-16 with BOM, else GBK read
as GB18030, its superset), its delimiter (comma, tab or semicolon) sniffed
from the header line, and its headers matched to field names through a
column mapping.

The built-in mapping reads our own export format and the usual Chinese and
English headers of hotline exports; ``--map FILE`` adds or overrides
entries, one per line::

    # comment
    工单号 = source_ref
    问题类别 = category

Headers are compared without case, spaces, underscores and a BOM.  Row
numbers are the spreadsheet's: the header is row 1, the first case row 2.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
SUFFIXES = (".csv", ".txt", ".tsv", *EXCEL_SUFFIXES)

#: field -> accepted headers; the first two are our own export's Chinese and English headers
BUILTIN_HEADERS: dict[str, tuple[str, ...]] = {
    "source_ref": ("工单编号", "Case ID", "source_ref", "工单号", "案件编号", "诉求编号", "事件编号", "编号",
                   "ticket id", "ticket no", "case no", "ref"),
    "category": ("问题大类", "Category", "category", "大类", "类别", "问题分类", "诉求类别", "案件类别"),
    "item": ("事项", "Item", "item", "小类", "问题类型", "诉求事项", "案件类型", "事项类型"),
    "title": ("标题", "Title", "title", "诉求标题", "工单标题", "事件标题"),
    "created_at": ("受理时间", "Received at", "created_at", "接件时间", "来电时间", "创建时间", "登记时间",
                   "上报时间", "received", "created"),
    "grid_code": ("网格编码", "Grid code", "grid_code", "网格编号", "网格代码", "所属网格编码", "grid"),
    "lon": ("经度", "Longitude", "lon", "lng", "long", "x"),
    "lat": ("纬度", "Latitude", "lat", "y"),
    "note": ("诉求内容", "Description", "note", "内容", "描述", "问题描述", "详细内容", "description"),
    "actor": ("受理人", "Received by", "actor", "接件人", "受理坐席", "operator"),
}
FIELDS = tuple(BUILTIN_HEADERS)


class TableError(ValueError):
    """A file that cannot be read as a table of cases; the message names the file (and row or column)."""


def header_key(text) -> str:
    """Headers compare without case, spaces, underscores, hyphens and a BOM.

    >>> header_key(" Grid_Code\\ufeff"), header_key("网格 编码")
    ('gridcode', '网格编码')
    """
    out = str(text if text is not None else "").replace("\ufeff", "").strip().lower()
    for noise in (" ", "_", "-", "\u3000"):
        out = out.replace(noise, "")
    return out


BUILTIN_LOOKUP = {header_key(h): f for f, headers in BUILTIN_HEADERS.items() for h in headers}


def load_mapping(path: str | Path) -> dict[str, str]:
    """A ``--map`` file: ``header = field`` lines (``#`` comments, blank lines ignored).

    Raises :class:`TableError` naming the line of a bad entry or an unknown field.
    """
    path = Path(path)
    try:
        text = _decode(path.read_bytes(), path)[0]
    except OSError as exc:
        raise TableError(f"{path}: cannot read the mapping: {exc.strerror}") from None
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        header, sep, name = line.rpartition("=")
        header, name = header.strip(), name.strip()
        if not sep or not header or not name:
            raise TableError(f"{path}: line {n}: expected 'column header = field', got {line!r}")
        if name not in FIELDS:
            raise TableError(f"{path}: line {n}: unknown field {name!r}; fields: {', '.join(FIELDS)}")
        out[header_key(header)] = name
    return out


@dataclass
class Table:
    """Rows of a file under our field names.

    ``rows`` holds ``(row number, {field: raw value})``; ``raw`` the original
    cells of each row (for writing rejected rows back); ``unmapped`` the
    headers no field took.
    """
    path: Path
    encoding: str
    headers: list[str]
    columns: dict[str, int]
    rows: list[tuple[int, dict]] = field(default_factory=list)
    raw: list[list] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """Text and the name of its encoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gbk"
    except UnicodeDecodeError as exc:
        raise TableError(f"{path}: neither UTF-8 nor GBK (byte {exc.start}); save the file as UTF-8 CSV") from None


def _csv_cells(path: Path) -> tuple[list[list], str]:
    text, encoding = _decode(path.read_bytes(), path)
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(reader), encoding
    except csv.Error as exc:
        raise TableError(f"{path}: row {reader.line_num}: {exc}") from None


def _excel_cells(path: Path) -> tuple[list[list], str]:
    """The first sheet's cells: text, floats, datetimes, ``""`` when empty.

    ``skip_empty_area=False`` keeps leading empty rows, so that row numbers are the spreadsheet's.
    """
    from python_calamine import CalamineWorkbook
    try:
        book = CalamineWorkbook.from_path(str(path))
        return book.get_sheet_by_index(0).to_python(skip_empty_area=False), path.suffix.lower()[1:]
    except Exception as exc:  # calamine raises its own error types for a damaged or encrypted file
        raise TableError(f"{path}: cannot read the workbook: {exc}") from None


def _blank_row(cells) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def read_table(path: str | Path, mapping: dict[str, str] | None = None) -> Table:
    """Read a CSV or Excel file of cases: header row, then one case per row.

    ``mapping`` (from :func:`load_mapping`) comes before the built-in headers.
    Raises :class:`TableError` for an unreadable file, an unknown type, no
    header, two columns for one field, or a missing required column.
    """
    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise TableError(f"{path}: unsupported file type {path.suffix!r}; use CSV, XLSX or XLS")
    cells, encoding = _excel_cells(path) if suffix in EXCEL_SUFFIXES else _csv_cells(path)
    start = next((i for i, r in enumerate(cells) if not _blank_row(r)), None)
    if start is None:
        raise TableError(f"{path}: the file is empty")
    headers = ["" if h is None else str(h).replace("\ufeff", "").strip() for h in cells[start]]
    lookup = {**BUILTIN_LOOKUP, **(mapping or {})}
    columns: dict[str, int] = {}
    unmapped = []
    for i, h in enumerate(headers):
        name = lookup.get(header_key(h))
        if name is None:
            if h:
                unmapped.append(h)
            continue
        if name in columns:
            raise TableError(f"{path}: columns {headers[columns[name]]!r} and {h!r} both map to field "
                             f"{name!r}; drop one or map it in a --map file")
        columns[name] = i
    missing = [f for f in ("source_ref", "category", "created_at") if f not in columns]
    if not {"grid_code"} <= set(columns) and not {"lon", "lat"} <= set(columns):
        missing.append("grid_code (or lon and lat)")
    if missing:
        raise TableError(f"{path}: no column for {', '.join(missing)}; headers found: {', '.join(headers)}. "
                         "Rename the columns or map them with --map FILE ('column header = field' lines)")
    table = Table(path, encoding, headers, columns, unmapped=unmapped)
    width = len(headers)
    for i in range(start + 1, len(cells)):
        row = cells[i]
        if _blank_row(row):
            continue
        row = list(row) + [None] * (width - len(row))
        table.rows.append((i + 1, {name: row[k] for name, k in columns.items()}))
        table.raw.append(row)
    return table


def write_rejected(path: str | Path, table: Table, rejected: dict[int, str]) -> int:
    """Write the rejected rows (row number -> reason) as UTF-8 CSV with a BOM (Excel opens it as such).

    Columns: ``row``, ``error``, then the file's own columns.  Returns the rows written.
    """
    by_row = {n: raw for (n, _), raw in zip(table.rows, table.raw)}
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["row", "error", *table.headers])
        for n in sorted(rejected):
            out.writerow([n, rejected[n], *("" if c is None else c for c in by_row[n][:len(table.headers)])])
    return len(rejected)

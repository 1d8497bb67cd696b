"""A figure's data as CSV (machine column names, exact values) and as XLSX (headings in the
reader's language, money as numbers with two decimals, shares as percentages)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from arrears.analytics.figures import Figure
from arrears.analytics.labels import column_label, figure_title

MONEY_FORMAT = "#,##0.00"
SHARE_FORMAT = "0.00%"


def _cell(value: Any) -> Any:
    if value is None or (not isinstance(value, (Decimal, str, date)) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _csv_text(value: Any) -> str:
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_csv(figure: Figure) -> bytes:
    """UTF-8 CSV with a header row of column names."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(figure.frame.columns))
    for row in figure.frame.itertuples(index=False):
        writer.writerow([_csv_text(v) for v in row])
    return out.getvalue().encode("utf-8")


def _is_share(column: str) -> bool:
    return column.endswith(("_rate", "_share")) or column in {"estimate", "low", "high"}


def write_sheet(book: Workbook, figure: Figure, *, locale: str) -> None:
    """Add the figure as a sheet (title row, headings, typed cells)."""
    sheet = book.create_sheet(figure.key[:31])
    sheet.append([figure_title(figure.key, locale)])
    sheet["A1"].font = Font(bold=True, size=13)
    columns = list(figure.frame.columns)
    sheet.append([column_label(c, locale) for c in columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in figure.frame.itertuples(index=False):
        sheet.append([float(v) if isinstance(v, Decimal) else _cell(v) for v in row])
    for idx, column in enumerate(columns, start=1):
        letter = get_column_letter(idx)
        sample = figure.frame[column].iloc[0] if len(figure.frame) else None
        fmt = SHARE_FORMAT if _is_share(column) else (
            MONEY_FORMAT if isinstance(sample, Decimal) else
            "yyyy-mm-dd" if isinstance(sample, date) else None)
        if fmt:
            for cell in sheet[letter][2:]:
                cell.number_format = fmt
        sheet.column_dimensions[letter].width = max(12, len(column_label(column, locale)) + 4)
    sheet.freeze_panes = "A3"


def to_xlsx(figures: list[Figure], *, locale: str) -> bytes:
    """One workbook, one sheet per figure."""
    book = Workbook()
    book.remove(book.active)
    for figure in figures:
        write_sheet(book, figure, locale=locale)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()

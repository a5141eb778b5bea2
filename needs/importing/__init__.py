"""Spreadsheet import of needs (需求批量导入): reading the file safely, finding
its columns, checking every row. Nothing here writes; ``services.imports``
writes a checked file's rows, all or none."""

from .checking import CheckedRow, CheckResult, RowError, already_recorded, check_file
from .columns import COLUMNS, MAX_ROWS, column_label, template_rows
from .reading import MAX_BYTES, ImportFileError, estimate_rows

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "CheckResult",
    "CheckedRow",
    "ImportFileError",
    "RowError",
    "already_recorded",
    "check_file",
    "column_label",
    "estimate_rows",
    "template_rows",
]

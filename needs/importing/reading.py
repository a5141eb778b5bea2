"""Reading an uploaded needs spreadsheet safely: size, encoding and zip guards.

Untrusted workbooks are checked before openpyxl opens them: the zip's declared
sizes (Python's zipfile never inflates a member beyond its declared size, so
these bound the work) and openpyxl's use of defusedxml, which refuses entity
declarations (billion laughs, external entities). CSV files are read as UTF-8
(with or without BOM) or GB18030.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import PurePath

import openpyxl
import openpyxl.xml
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _

logger = logging.getLogger("needs.importing")

MAX_BYTES = 5 * 1024 * 1024

# An .xlsx is a zip: refuse it before openpyxl opens it when it would unpack to
# more than this, has a member packed more tightly than this, or has this many members.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 1000

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected .xlsx


class ImportFileError(Exception):
    """A problem with the whole file; ``str(exc)`` is the message for the user."""


def read_rows(file, file_name: str) -> Iterator[tuple[int, tuple]]:
    """(row number, cell values) of an uploaded .xlsx or .csv, blank rows included.

    Raises ImportFileError for a file that cannot be read.
    """
    data = _read_limited(file)
    suffix = PurePath(file_name or "").suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(data)
    if suffix == ".csv":
        return _csv_rows(data)
    if suffix in (".xls", ".et", ".wps"):
        raise ImportFileError(
            _("Old-format workbooks (%(suffix)s) cannot be read: save the sheet as .xlsx or .csv.")
            % {"suffix": suffix}
        )
    raise ImportFileError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))


def _read_limited(file) -> bytes:
    size = getattr(file, "size", None)
    if isinstance(size, int) and size > MAX_BYTES:
        raise _too_big()
    seekable = getattr(file, "seekable", None)
    if seekable is not None and seekable():
        file.seek(0)
    data = file.read(MAX_BYTES + 1)
    if isinstance(data, str):
        raise TypeError("check_file needs a binary file")
    if len(data) > MAX_BYTES:
        raise _too_big()
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    return data


def _too_big() -> ImportFileError:
    return ImportFileError(
        _("The file is larger than %(max)d MB: split it into smaller files.")
        % {"max": MAX_BYTES // (1024 * 1024)}
    )


def _bad_workbook() -> ImportFileError:
    return ImportFileError(
        _(
            "This file is not a valid Excel workbook (.xlsx): open it in Excel or WPS and save it again as .xlsx."
        )
    )


def _unsafe_workbook() -> ImportFileError:
    return ImportFileError(
        _(
            "This workbook cannot be read safely: it unpacks to too much data or is built unusually. Save it again as .xlsx, or split it."
        )
    )


def _check_zip(data: bytes) -> None:
    """Refuse what is not an .xlsx zip, or would unpack to too much, before openpyxl opens it."""
    if data.startswith(_OLE_MAGIC):
        raise ImportFileError(
            _(
                "This is an old-format (.xls) or password-protected workbook: save it as .xlsx without a password."
            )
        )
    if not data.startswith(_ZIP_MAGIC):
        raise _bad_workbook()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception as exc:  # zipfile raises many kinds on a corrupt archive
        logger.info("needs import: unreadable zip: %r", exc)
        raise _bad_workbook() from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise _unsafe_workbook()
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise _unsafe_workbook()
    for m in members:
        if m.flag_bits & 0x1:  # encrypted member
            raise _bad_workbook()
        if m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1):
            raise _unsafe_workbook()


def _workbook_error(exc: Exception) -> ImportFileError:
    logger.info("needs import: unreadable workbook: %r", exc)
    if any(isinstance(e, DefusedXmlException) for e in _causes(exc)):
        return ImportFileError(
            _("This workbook contains XML that is not allowed (entity declarations) and was not read.")
        )
    return _bad_workbook()


def _causes(exc: BaseException | None) -> Iterator[BaseException]:
    """The exception and those it was raised from (openpyxl wraps parse errors in ValueError)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, tuple]]:
    """(row number, cell values) of the first worksheet, blank rows included."""
    _check_zip(data)
    if not openpyxl.xml.DEFUSEDXML:
        # Without defusedxml openpyxl would expand XML entities: refuse rather than risk it.
        logger.error("needs import: openpyxl runs without defusedxml; refusing .xlsx uploads")
        raise ImportFileError(
            _("Excel workbooks cannot be read on this server at present: upload a CSV file.")
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises anything from KeyError to ParseError on bad input
        raise _workbook_error(exc) from exc
    try:
        try:
            if not workbook.worksheets:
                raise _bad_workbook()
            sheet = workbook.worksheets[0]
            # Some writers record wrong dimensions; read what is really there.
            sheet.reset_dimensions()
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        except ImportFileError:
            raise
        except Exception as exc:
            raise _workbook_error(exc) from exc
    finally:
        workbook.close()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _not_csv()


def _not_csv() -> ImportFileError:
    return ImportFileError(
        _(
            "This file is not a CSV text file: save the sheet as “CSV UTF-8 (comma delimited)” and upload it again."
        )
    )


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell values) of a CSV in UTF-8 (with or without BOM) or GBK/GB18030."""
    if data.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        raise ImportFileError(
            _(
                "This file is an Excel workbook, not a CSV file: upload it with its .xlsx name, or save it as CSV."
            )
        )
    text = _decode(data)
    if "\x00" in text:
        raise _not_csv()
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ","
    if "," not in first_line:
        delimiter = "\t" if "\t" in first_line else (";" if ";" in first_line else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        logger.info("needs import: unreadable csv: %r", exc)
        raise _not_csv() from exc


_DIMENSION_RE = re.compile(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')


def estimate_rows(data: bytes, file_name: str) -> int:
    """A quick guess of a file's data rows, to decide whether to show progress.

    CSV: its line count. XLSX: the first sheet's declared dimension, which
    spreadsheet programs write; failing that, a guess from the file size.
    """
    if PurePath(file_name or "").suffix.lower() == ".csv":
        return max(data.count(b"\n") - 1, 0)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
            if sheets:
                with archive.open(sheets[0]) as sheet:
                    head = sheet.read(4096)
                match = _DIMENSION_RE.search(head)
                if match:
                    return max(int(match.group(1)) - 1, 0)
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        pass
    return len(data) // 40

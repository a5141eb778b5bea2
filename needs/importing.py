"""Reading and checking a needs spreadsheet (需求批量导入) before anything is saved.

``check_file`` reads an uploaded .xlsx or .csv, matches its columns by header
name, checks every row against the user's scope, the category taxonomy and the
needs already recorded, and returns the good rows and every problem found with
its spreadsheet row number and column. It never writes to the database and runs
a fixed number of queries whatever the number of rows.

Whole-file problems (too big, too many rows, not a spreadsheet, an unsafe
workbook, missing columns) raise ``ImportFileError`` whose text is the message
for the user. Untrusted workbooks are checked before openpyxl opens them: the
zip's declared sizes (Python's zipfile never inflates a member beyond its
declared size, so these bound the work) and openpyxl's use of defusedxml,
which refuses entity declarations (billion laughs, external entities).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath

import openpyxl
import openpyxl.xml
from defusedxml import DefusedXmlException
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from communities.access import visible_communities
from communities.models import Community, is_english

from .models import Channel, Need, ProblemCategory, mobile_validator

logger = logging.getLogger(__name__)

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "CheckResult",
    "CheckedRow",
    "ImportFileError",
    "RowError",
    "check_file",
    "column_label",
    "template_rows",
]

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

# An .xlsx is a zip: refuse it before openpyxl opens it when it would unpack to
# more than this, has a member packed more tightly than this, or has this many members.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 1000

PROGRESS_EVERY = 500
# The header row is the first non-blank row naming a known column, among the first few.
HEADER_SEARCH_ROWS = 5
# Needs from before this year are taken for a typing mistake (a bare "5" is 1900-01-05).
EARLIEST_YEAR = 2000

COLUMNS = [
    ("community", "社区", "community"),
    ("date", "日期", "date"),
    ("channel", "渠道", "channel"),
    ("title", "标题", "title"),
    ("description", "描述", "description"),
    ("category", "类别", "category"),
    ("urgent", "是否紧急", "urgent"),
    ("location", "地点", "location"),
    ("resident_name", "居民姓名", "resident_name"),
    ("mobile", "手机号", "mobile"),
]
REQUIRED_COLUMNS = ("community", "date", "title", "category")

# Other headers people write for the same columns (matched after normalising, see _header_key).
_HEADER_ALIASES = {
    "community": ["社区名称", "社区代码", "村社区", "村/社区", "社区/村", "community_code", "community_name"],
    "date": ["反映日期", "提出日期", "登记日期", "raised_on", "date_raised"],
    "channel": ["收集渠道", "来源渠道", "问需渠道"],
    "title": ["需求标题", "问题标题", "需求"],
    "description": ["需求描述", "问题描述", "详细描述", "具体描述"],
    "category": ["问题类别", "需求类别", "类别代码", "分类"],
    "urgent": ["紧急", "急难愁盼", "是否急难愁盼"],
    "location": ["位置", "地址"],
    "resident_name": ["姓名", "居民", "反映人", "resident", "name"],
    "mobile": ["手机", "手机号码", "联系电话", "电话", "mobile_number", "phone"],
}

_CHANNEL_ALIASES = {
    "民有所呼我有所为": Channel.RESIDENTS_CALL,
    "社情民意联系日": Channel.CONTACT_DAY,
    "巡访问事": Channel.VISIT,
    "上门走访": Channel.VISIT,
    "网格": Channel.GRID,
    "网格上报": Channel.GRID,
    "热线": Channel.HOTLINE,
    "12345": Channel.HOTLINE,
    "议事": Channel.DELIBERATION,
    "协商": Channel.DELIBERATION,
    "问卷": Channel.QUESTIONNAIRE,
    "其他": Channel.OTHER,
}

_YES = {"是", "yes", "y", "1", "true"}
_NO = {"否", "no", "n", "0", "false", ""}

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected .xlsx

_TITLE_MAX = Need._meta.get_field("title").max_length
_LOCATION_MAX = Need._meta.get_field("location").max_length
_RESIDENT_NAME_MAX = Need._meta.get_field("resident_name").max_length

_DATE_RE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_COMPACT_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL_RE = re.compile(r"\d{1,7}(?:\.\d+)?")
_MAX_SERIAL = 2_958_465  # 9999-12-31
_BRACKETS_RE = re.compile(r"[(\[【][^)\]】]*[)\]】]")


class ImportFileError(Exception):
    """A problem with the whole file; ``str(exc)`` is the message for the user."""


@dataclass(frozen=True)
class RowError:
    row: int  # as the user sees it: the header is row 1, the first data row row 2
    column: str  # the column's label in the active language; '' for a whole-row problem
    message: str


@dataclass
class CheckedRow:
    row: int
    community: Community
    raised_on: date
    channel: str
    title: str
    description: str
    category: ProblemCategory
    urgent: bool
    location: str
    resident_name: str
    mobile: str


@dataclass
class CheckResult:
    rows: list[CheckedRow]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        """Nothing wrong, and something to import."""
        return not self.errors and bool(self.rows)


def column_label(key: str) -> str:
    """A column's name as the user sees it: the Chinese header, or the English one in English."""
    for k, chinese, english in COLUMNS:
        if k == key:
            return english if is_english() else chinese
    raise KeyError(key)


def template_rows() -> tuple[list[str], list[list[str]]]:
    """Chinese headers and two example rows, for the downloadable template."""
    headers = [chinese for _key, chinese, _english in COLUMNS]
    examples = [
        [
            "320585100001",
            "2024-03-05",
            "上门走访",
            "小区新能源车充电桩不足",
            "3幢附近车位多，居民希望增设充电桩",
            "新能源车充电桩增设",
            "否",
            "3幢北侧停车场",
            "张三",
            "13812345678",
        ],
        [
            "南湾社区",
            "2024-03-06",
            "12345",
            "滨河路路灯不亮",
            "晚上出行不便，老人担心摔倒",
            "路灯照明",
            "是",
            "滨河路东段",
            "",
            "",
        ],
    ]
    return headers, examples


def check_file(
    *,
    file,
    file_name: str,
    user,
    today: date | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> CheckResult:
    """Read and check a needs spreadsheet.

    Raises ImportFileError for whole-file problems; never writes.
    """
    data = _read_limited(file)
    suffix = PurePath(file_name or "").suffix.lower()
    if suffix == ".xlsx":
        source = _xlsx_rows(data)
    elif suffix == ".csv":
        source = _csv_rows(data)
    elif suffix in (".xls", ".et", ".wps"):
        raise ImportFileError(
            _("Old-format workbooks (%(suffix)s) cannot be read: save the sheet as .xlsx or .csv.")
            % {"suffix": suffix}
        )
    else:
        raise ImportFileError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))

    columns, records = _collect(source)
    checker = _Checker(user=user, today=today or timezone.localdate())
    return checker.run(columns, records, progress)


# --- Reading ---------------------------------------------------------------------------------------


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


def _header_key(value) -> str:
    """A header reduced for matching: no spaces, brackets or '*', lower case."""
    text = unicodedata.normalize("NFKC", str(value)).replace("\u200b", "").replace("\ufeff", "")
    text = _BRACKETS_RE.sub("", text)
    text = text.strip().strip("*:").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def _header_lookup() -> dict[str, str]:
    lookup = {}
    for key, chinese, english in COLUMNS:
        for name in (chinese, english, *_HEADER_ALIASES.get(key, ())):
            lookup[_header_key(name)] = key
    return lookup


def _collect(source) -> tuple[dict[str, int], list[tuple[int, tuple]]]:
    """Find the header row and gather the non-blank data rows (at most MAX_ROWS)."""
    lookup = _header_lookup()
    columns: dict[str, int] | None = None
    records: list[tuple[int, tuple]] = []
    rows_before_header = 0
    with closing(source):
        for number, values in source:
            if columns is None:
                if _is_blank(values):
                    continue
                columns = _match_header(values, lookup) or None
                if columns is not None:
                    _require_columns(columns)
                    continue
                rows_before_header += 1
                if rows_before_header >= HEADER_SEARCH_ROWS:
                    break
                continue
            if all(_is_blank_value(values[i]) for i in columns.values() if i < len(values)):
                continue
            if len(records) >= MAX_ROWS:
                raise ImportFileError(
                    _(
                        "The file has more than %(max)d rows of needs: split it into files of at most %(max)d rows."
                    )
                    % {"max": MAX_ROWS}
                )
            records.append((number, values))
    if columns is None:
        _require_columns({})
    return columns, records


def _require_columns(columns: dict[str, int]) -> None:
    missing = [key for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        separator = ", " if is_english() else "、"
        raise ImportFileError(
            _(
                "Columns missing from the header row: %(columns)s. The first row must hold the column names of the template."
            )
            % {"columns": separator.join(column_label(key) for key in missing)}
        )


def _match_header(values, lookup) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, value in enumerate(values):
        if _is_blank_value(value):
            continue
        key = lookup.get(_header_key(value))
        if key is None:
            continue
        if key in columns:
            raise ImportFileError(
                _("The column “%(column)s” appears more than once in the header row.")
                % {"column": column_label(key)}
            )
        columns[key] = index
    return columns


def _is_blank_value(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_blank(values) -> bool:
    return all(_is_blank_value(v) for v in values)


# --- Checking --------------------------------------------------------------------------------------


def _text(value) -> str:
    """A cell as text: numbers without a spurious '.0', dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _lookup_key(text: str) -> str:
    """Names compared loosely: full-width forms folded, no spaces, case-insensitive."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _channel_key(text: str) -> str:
    """Channel names compared without punctuation or spaces: 民有所呼、我有所为 = 民有所呼我有所为."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def _shown(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _BadValue(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(value, value)
    text = unicodedata.normalize("NFKC", _text(value))
    match = _DATE_RE.fullmatch(text) or _COMPACT_DATE_RE.fullmatch(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise _BadValue(_bad_date(text)) from None
    if _SERIAL_RE.fullmatch(text):
        return _from_serial(float(text), text)
    raise _BadValue(_bad_date(text))


def _from_serial(serial, shown) -> date:
    if not 1 <= serial <= _MAX_SERIAL:
        raise _BadValue(_bad_date(_text(shown)))
    return from_excel(int(serial)).date()  # minds Excel's 1900 leap-year bug


def _bad_date(text: str) -> str:
    return _("“%(value)s” is not a date: write it as 2024-03-05.") % {"value": _shown(text)}


def _too_long(length: int, limit: int) -> str:
    return _("Too long: %(length)d characters, at most %(max)d.") % {"length": length, "max": limit}


def _mobile_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", _text(value))
    text = re.sub(r"[\s\-]+", "", text)
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".", 1)[0]
    if text.startswith("+86"):
        text = text[3:]
    return text


class _Checker:
    """Checks rows against lookups loaded in a fixed number of queries."""

    def __init__(self, *, user, today: date):
        self.today = today
        self.earliest = date(EARLIEST_YEAR, 1, 1)
        self.labels = {key: column_label(key) for key, _c, _e in COLUMNS}
        self.position = {key: i for i, (key, _c, _e) in enumerate(COLUMNS)}

        # The user's communities (archived included, to say so), then every community's
        # code and name, to tell "outside your area" from "unknown".
        visible = list(visible_communities(user).select_related("town", "type"))
        visible_ids = {c.id for c in visible}
        self.by_code = {c.code: c for c in visible}
        self.by_name: dict[str, list[Community]] = defaultdict(list)
        for c in visible:
            self.by_name[_lookup_key(c.name)].append(c)
        self.outside_codes, self.outside_names = set(), set()
        for pk, code, name in Community.objects.values_list("id", "code", "name"):
            if pk not in visible_ids:
                self.outside_codes.add(code)
                self.outside_names.add(_lookup_key(name))

        self.categories: dict[str, ProblemCategory] = {}
        categories = list(ProblemCategory.objects.all())
        for c in categories:
            self.categories[c.code.casefold()] = c
        for c in categories:
            self.categories.setdefault(_lookup_key(c.name), c)
        for c in categories:
            if c.name_en:
                self.categories.setdefault(_lookup_key(c.name_en), c)

        self.channels: dict[str, str] = {}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for value, label in Channel.choices:
                    label = str(label)
                    self.channels.setdefault(_channel_key(label), value)
                    bare = _BRACKETS_RE.sub("", unicodedata.normalize("NFKC", label))
                    self.channels.setdefault(_channel_key(bare), value)
        for value in Channel.values:
            self.channels[_channel_key(value)] = value
        for alias, value in _CHANNEL_ALIASES.items():
            self.channels.setdefault(_channel_key(alias), value)
        separator = "; " if is_english() else "；"
        self.channel_choices = separator.join(str(label) for label in Channel.labels)

    def run(self, columns: dict[str, int], records, progress) -> CheckResult:
        total = len(records)
        errors: list[tuple[int, int, RowError]] = []
        checked: dict[int, CheckedRow] = {}
        keyed: list[tuple[int, int, date, str]] = []  # rows whose community, date and title are good
        for done, (number, values) in enumerate(records, start=1):
            row, key = self.check_row(number, values, columns, errors)
            if row is not None:
                checked[number] = row
            if key is not None:
                keyed.append((number, *key))
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, total)
        if progress is not None and (total == 0 or total % PROGRESS_EVERY):
            progress(total, total)

        # Duplicates, checked for every row whose community, date and title are good
        # (a row wrong elsewhere is still the "earlier row" of a later copy).
        whole_row = len(COLUMNS)
        recorded = self.recorded(keyed)
        first_rows: dict[tuple, int] = {}
        for number, community_id, raised_on, title in keyed:
            key = (community_id, raised_on, _lookup_key(title))
            if key in recorded:
                message = _("This need is already recorded: same community, date and title.")
                errors.append((number, whole_row, RowError(number, "", message)))
                checked.pop(number, None)
            earlier = first_rows.setdefault(key, number)
            if earlier != number:
                message = _("Same community, date and title as row %(row)d.") % {"row": earlier}
                errors.append((number, whole_row, RowError(number, "", message)))
                checked.pop(number, None)

        errors.sort(key=lambda e: (e[0], e[1]))
        return CheckResult(rows=list(checked.values()), errors=[e[2] for e in errors])

    def recorded(self, keyed) -> set[tuple]:
        """(community id, date, title key) of the needs already recorded near the file's rows: one query."""
        if not keyed:
            return set()
        community_ids = {community_id for _n, community_id, _d, _t in keyed}
        dates = [raised_on for _n, _c, raised_on, _t in keyed]
        needs = Need.objects.filter(
            community_id__in=community_ids, raised_on__gte=min(dates), raised_on__lte=max(dates)
        ).values_list("community_id", "raised_on", "title")
        return {(community_id, raised_on, _lookup_key(title)) for community_id, raised_on, title in needs}

    def check_row(self, number, values, columns, errors) -> tuple[CheckedRow | None, tuple | None]:
        def cell(key):
            index = columns.get(key)
            if index is None or index >= len(values):
                return None
            return values[index]

        count_before = len(errors)

        def error(key, message):
            errors.append((number, self.position[key], RowError(number, self.labels[key], message)))

        community = self.community(_text(cell("community")), lambda m: error("community", m))

        raised_on = None
        raw_date = cell("date")
        if _is_blank_value(raw_date):
            error("date", _("The date is missing."))
        else:
            try:
                raised_on = _parse_date(raw_date)
            except _BadValue as bad:
                error("date", bad.message)
            else:
                if raised_on > self.today:
                    error(
                        "date", _("The date %(value)s is in the future.") % {"value": raised_on.isoformat()}
                    )
                    raised_on = None
                elif raised_on < self.earliest:
                    error(
                        "date",
                        _("The date %(value)s is too long ago: needs from before %(year)d are not accepted.")
                        % {"value": raised_on.isoformat(), "year": EARLIEST_YEAR},
                    )
                    raised_on = None

        channel_text = _text(cell("channel"))
        channel = self.channels.get(_channel_key(channel_text)) if channel_text else Channel.OTHER
        if channel is None:
            error(
                "channel",
                _("Unknown channel “%(value)s”: use one of %(choices)s.")
                % {"value": _shown(channel_text), "choices": self.channel_choices},
            )

        title = _one_line(_text(cell("title")))
        if not title:
            error("title", _("The title is missing."))
        elif len(title) > _TITLE_MAX:
            error("title", _too_long(len(title), _TITLE_MAX))

        description = _text(cell("description"))

        category = None
        category_text = _text(cell("category"))
        if not category_text:
            error("category", _("The category is missing."))
        else:
            category = self.categories.get(category_text.casefold()) or self.categories.get(
                _lookup_key(category_text)
            )
            if category is None:
                error(
                    "category",
                    _("Unknown category “%(value)s”: use a category code or name from the list.")
                    % {"value": _shown(category_text)},
                )
            elif not category.is_active:
                error(
                    "category",
                    _("The category “%(value)s” is no longer in use: choose a current one.")
                    % {"value": _shown(category_text)},
                )
                category = None

        urgent = False
        raw_urgent = cell("urgent")
        if isinstance(raw_urgent, bool):
            urgent = raw_urgent
        else:
            urgent_text = unicodedata.normalize("NFKC", _text(raw_urgent)).casefold()
            if urgent_text in _YES:
                urgent = True
            elif urgent_text not in _NO:
                error(
                    "urgent",
                    _("“%(value)s” is not a yes/no value: write 是 or 否.")
                    % {"value": _shown(_text(raw_urgent))},
                )

        location = _one_line(_text(cell("location")))
        if len(location) > _LOCATION_MAX:
            error("location", _too_long(len(location), _LOCATION_MAX))

        resident_name = _one_line(_text(cell("resident_name")))
        if len(resident_name) > _RESIDENT_NAME_MAX:
            error("resident_name", _too_long(len(resident_name), _RESIDENT_NAME_MAX))

        mobile = _mobile_text(cell("mobile"))
        if mobile:
            try:
                mobile_validator(mobile)
            except ValidationError:
                error(
                    "mobile",
                    _("“%(value)s” is not a mobile number: enter 11 digits, e.g. 13812345678.")
                    % {"value": _shown(_text(cell("mobile")))},
                )

        key = (
            (community.id, raised_on, title)
            if community is not None and raised_on is not None and title
            else None
        )
        if len(errors) > count_before:
            return None, key
        row = CheckedRow(
            row=number,
            community=community,
            raised_on=raised_on,
            channel=channel,
            title=title,
            description=description,
            category=category,
            urgent=urgent,
            location=location,
            resident_name=resident_name,
            mobile=mobile,
        )
        return row, key

    def community(self, text: str, error) -> Community | None:
        if not text:
            error(_("The community is missing: write its 12-digit code or its name."))
            return None
        found = self.by_code.get(re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)))
        if found is None:
            matches = self.by_name.get(_lookup_key(text), [])
            if len(matches) > 1:
                error(
                    _("More than one community is called “%(value)s”: write its 12-digit code instead.")
                    % {"value": _shown(text)}
                )
                return None
            found = matches[0] if matches else None
        if found is None:
            if (
                re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)) in self.outside_codes
                or _lookup_key(text) in self.outside_names
            ):
                error(_("The community “%(value)s” is outside your area.") % {"value": _shown(text)})
            else:
                error(
                    _("Unknown community “%(value)s”: write its 12-digit code or its exact name.")
                    % {"value": _shown(text)}
                )
            return None
        if found.is_archived:
            error(
                _("The community “%(value)s” is archived: needs cannot be added to it.")
                % {"value": _shown(text)}
            )
            return None
        return found


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

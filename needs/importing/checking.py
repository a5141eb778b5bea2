"""Checking the rows of a needs spreadsheet (需求批量导入) before anything is saved.

``check_file`` reads an uploaded .xlsx or .csv, matches its columns by header
name, checks every row against the user's scope, the category taxonomy and the
needs already recorded, and returns the good rows and every problem found with
its spreadsheet row number and column. It never writes to the database and runs
a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from communities.access import visible_communities
from communities.lookups import COMMUNITY
from communities.models import Community, is_english
from core.inputs import CONTROL_CHARACTERS, TEXT_MAX, first_year
from core.lookups import ResolverIndex

from ..lookups import CATEGORY
from ..models import Channel, Need, ProblemCategory, mobile_validator
from .columns import BRACKETS_RE, COLUMNS, collect, column_label, is_blank_value
from .reading import read_rows

PROGRESS_EVERY = 500
# Needs from before the programme's first year (core.inputs.first_year) are taken
# for a typing mistake: a bare "5" is 1900-01-05.

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
    columns, records = collect(read_rows(file, file_name))
    checker = _Checker(user=user, today=today or timezone.localdate())
    return checker.run(columns, records, progress)


def _recorded(keyed) -> set[tuple]:
    """(community id, date, title key) of the needs already recorded near the
    rows keyed (row, community id, date, title): one query."""
    if not keyed:
        return set()
    community_ids = {community_id for _n, community_id, _d, _t in keyed}
    dates = [raised_on for _n, _c, raised_on, _t in keyed]
    needs = Need.objects.filter(
        community_id__in=community_ids, raised_on__gte=min(dates), raised_on__lte=max(dates)
    ).values_list("community_id", "raised_on", "title")
    return {(community_id, raised_on, _lookup_key(title)) for community_id, raised_on, title in needs}


def already_recorded(rows: list[CheckedRow]) -> list[RowError]:
    """The checked rows recorded since the check (another import, another tab):
    asked again, under a lock, just before writing. One query."""
    recorded = _recorded([(r.row, r.community.pk, r.raised_on, r.title) for r in rows])
    message = _("This need is already recorded: same community, date and title.")
    return [
        RowError(r.row, "", message)
        for r in rows
        if (r.community.pk, r.raised_on, _lookup_key(r.title)) in recorded
    ]


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


def _candidates(index: ResolverIndex, text: str) -> list:
    """What a cell names, as typed, then with full-width forms folded (１２ → 12),
    then without the spaces people leave in names and codes."""
    folded = unicodedata.normalize("NFKC", text).strip()
    for variant in dict.fromkeys((text, folded, re.sub(r"\s+", "", folded))):
        found = index.candidates(variant)
        if found:
            return found
    return []


class _Checker:
    """Checks rows against lookups loaded in a fixed number of queries."""

    def __init__(self, *, user, today: date):
        self.today = today
        self.earliest = date(first_year(), 1, 1)
        self.labels = {key: column_label(key) for key, _c, _e in COLUMNS}
        self.position = {key: i for i, (key, _c, _e) in enumerate(COLUMNS)}

        # The same resolvers as every other way to name a community or a category,
        # over the user's communities only (archived included, to say so): a
        # community outside them answers exactly as one that does not exist.
        self.communities = ResolverIndex(COMMUNITY, visible_communities(user).select_related("town", "type"))
        self.categories = ResolverIndex(CATEGORY, ProblemCategory.objects.all())

        self.channels: dict[str, str] = {}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for value, label in Channel.choices:
                    label = str(label)
                    self.channels.setdefault(_channel_key(label), value)
                    bare = BRACKETS_RE.sub("", unicodedata.normalize("NFKC", label))
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
        recorded = _recorded(keyed)
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

    def check_row(self, number, values, columns, errors) -> tuple[CheckedRow | None, tuple | None]:
        def cell(key):
            index = columns.get(key)
            if index is None or index >= len(values):
                return None
            return values[index]

        count_before = len(errors)

        def error(key, message):
            errors.append((number, self.position[key], RowError(number, self.labels[key], message)))

        # No person types control characters; a spreadsheet cannot hold them back out.
        for key in columns:
            value = cell(key)
            if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
                error(
                    key, str(_("Remove the invisible control characters (often pasted from another system)."))
                )

        community = self.community(_text(cell("community")), lambda m: error("community", m))

        raised_on = None
        raw_date = cell("date")
        if is_blank_value(raw_date):
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
                        % {"value": raised_on.isoformat(), "year": first_year()},
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
        if len(description) > TEXT_MAX:
            error("description", _too_long(len(description), TEXT_MAX))

        category = None
        category_text = _text(cell("category"))
        if not category_text:
            error("category", _("The category is missing."))
        else:
            found = _candidates(self.categories, category_text)
            category = found[0] if len(found) == 1 else None
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
        matches = _candidates(self.communities, text)
        if len(matches) > 1:
            error(
                _("More than one community is called “%(value)s”: write its 12-digit code instead.")
                % {"value": _shown(text)}
            )
            return None
        found = matches[0] if matches else None
        if found is None:
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

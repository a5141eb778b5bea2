"""What input is plausible, in one place: ids, years, dates and text lengths.

A value that cannot be read is treated as "not found" or as a field error with
a reason, never passed to ``int()`` or to the database as it is.
"""

import re
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# ASCII digits only: "²".isdigit() is true and int("²") raises.
_ID = re.compile(r"[0-9]{1,18}")

# Free text: a title is a line, a description or a note a few paragraphs.
TITLE_MAX = 100
TEXT_MAX = 4000
NOTE_MAX = 2000
# A reference (id, code or name) typed into a filter or a field.
REF_MAX = 100


def parse_id(value) -> int | None:
    """A database id from text, or None when the text is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 10**18 else None
    text = str(value).strip() if value is not None else ""
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number or None


_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９，．－　", "0123456789,.- ")


def parse_amount(value) -> Decimal | None:
    """An amount as people type it (1,000,000 · 1，000，000 · １０００ · 2.5), or None
    when the text is not one (1e3, NaN, 10万 and the like are refused, not guessed)."""
    # Full-width digits and separators, as a Chinese input method types them; not
    # other digit-like characters (², ٣), which NFKC would turn into digits.
    text = str(value or "").translate(_FULL_WIDTH).strip()
    text = re.sub(r"[,\s]", "", text)
    if not _AMOUNT.fullmatch(text):
        return None
    return Decimal(text)


# Control characters no person types (tab and line breaks are text); PostgreSQL,
# spreadsheets and screen readers all stumble on them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def validate_no_control_characters(value) -> None:
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _("Remove the invisible control characters (often pasted from another system)."),
            code="control_characters",
        )


def first_year() -> int:
    """The earliest year the programme's records may carry (a city setting)."""
    return settings.GOVERNANCE_FIRST_YEAR


def last_year() -> int:
    """The latest year a plan may reach: a few years ahead of today."""
    return timezone.localdate().year + settings.GOVERNANCE_YEARS_AHEAD


def parse_year(value) -> int | None:
    """A year within the programme's range, or None."""
    text = str(value).strip() if value is not None else ""
    if not re.fullmatch(r"[0-9]{4}", text):
        return None
    year = int(text)
    return year if first_year() <= year <= last_year() else None


def validate_year(value) -> None:
    if value is None:
        return
    if not first_year() <= value <= last_year():
        raise ValidationError(
            _("Give a year from %(first)s to %(last)s."),
            code="year_range",
            params={"first": first_year(), "last": last_year()},
        )


def validate_plan_date(value) -> None:
    """A date that may lie ahead (a plan, a meeting): within the programme's years."""
    if value is None:
        return
    earliest, latest = date(first_year(), 1, 1), date(last_year(), 12, 31)
    if not earliest <= value <= latest:
        raise ValidationError(
            _("Give a date from %(first)s to %(last)s."),
            code="date_range",
            params={"first": _display(earliest), "last": _display(latest)},
        )


def validate_past_date(value) -> None:
    """A date of something that has happened: within the programme, not after today."""
    if value is None:
        return
    earliest, today = date(first_year(), 1, 1), timezone.localdate()
    if value > today:
        raise ValidationError(_("The date cannot be in the future."), code="future_date")
    if value < earliest:
        raise ValidationError(
            _("Give a date from %(first)s on."), code="date_range", params={"first": _display(earliest)}
        )


def _display(d: date) -> str:
    from django.utils.formats import date_format

    return date_format(d, "DATE_FORMAT")


def text_limit(limit: int) -> MaxLengthValidator:
    """A length limit for a TextField (Django enforces max_length only on CharField)."""
    return MaxLengthValidator(limit)

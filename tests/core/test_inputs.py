"""What input is plausible: ids, years and dates, read the same way everywhere."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from core import inputs
from core.formats import amount


@pytest.mark.parametrize(
    "value, expected",
    [
        ("42", 42),
        (" 7 ", 7),
        (42, 42),
        ("²", None),  # "²".isdigit() is true; int("²") raises
        ("٣", None),  # Arabic-Indic digit three
        ("1e3", None),
        ("-1", None),
        ("0", None),
        ("", None),
        (None, None),
        (True, None),
        ("9" * 19, None),  # beyond a 64-bit id
        ("4\x00", None),
    ],
)
def test_parse_id_reads_ascii_digits_only(value, expected):
    assert inputs.parse_id(value) == expected


@time_machine.travel(date(2026, 12, 2))
@pytest.mark.parametrize(
    "value, expected",
    [("2024", 2024), ("2015", 2015), ("2031", 2031), ("2032", None), ("2014", None), ("99999", None),
     ("-1", None), ("10" * 11, None), ("²⁰²⁴", None), ("", None)],
)  # fmt: skip
def test_parse_year_accepts_the_programmes_years_only(value, expected):
    assert inputs.parse_year(value) == expected


@time_machine.travel(date(2026, 12, 2))
def test_plan_dates_may_lie_a_few_years_ahead_but_not_in_year_9999():
    inputs.validate_plan_date(date(2027, 3, 1))
    for absurd in (date(1, 1, 1), date(9999, 12, 31), date(2032, 1, 1)):
        with pytest.raises(ValidationError) as error:
            inputs.validate_plan_date(absurd)
        assert "2015年1月1日" in error.value.messages[0] or "2015" in error.value.messages[0]


@time_machine.travel(date(2026, 12, 2))
def test_past_dates_cannot_be_in_the_future_nor_before_the_programme():
    inputs.validate_past_date(date(2026, 12, 2))
    with pytest.raises(ValidationError):
        inputs.validate_past_date(date(2026, 12, 3))
    with pytest.raises(ValidationError):
        inputs.validate_past_date(date(1, 1, 1))


@pytest.mark.parametrize(
    "value, places, shown",
    [
        ("3.913E+6", None, "3,913,000"),
        ("4E+1", None, "40"),
        ("1234.50", None, "1,234.5"),
        ("1234.5", 2, "1,234.50"),
        ("0.00", None, "0"),
        (None, None, ""),
        ("NaN", None, ""),
        ("abc", None, "abc"),
    ],
)
def test_amounts_are_written_as_people_write_them(value, places, shown):
    assert amount(value, places) == shown


@pytest.mark.parametrize(
    ("typed", "value"),
    [("1,000,000", "1000000"), ("1，000，000", "1000000"), ("１０００", "1000"), (" 2.5 ", "2.5"), ("-5", "-5"),
     ("²", None), ("٣", None), ("1e3", None), ("NaN", None), ("Infinity", None), ("十万", None), ("", None),
     ("1.000.000", None)],
)  # fmt: skip
def test_amounts_are_read_as_people_type_them(typed, value):
    from decimal import Decimal

    assert inputs.parse_amount(typed) == (Decimal(value) if value else None)

"""Template filters for numbers and dates as people read them."""

from django import template

from core import formats

register = template.Library()


@register.filter
def amount(value, places=None):
    """{{ value|amount }} → 3,913,000 ; {{ value|amount:2 }} → 3,913,000.00"""
    return formats.amount(value, None if places in (None, "") else int(places))


@register.filter
def isodate(value):
    """A date as an <input type=date> value: 2026-11-23."""
    return value.isoformat() if hasattr(value, "isoformat") and value else ""

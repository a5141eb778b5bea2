"""Spreadsheet exports (.xlsx and .csv) of needs and needs lists.

Cells that a spreadsheet would run as a formula (starting with = + - @, or a
tab or carriage return) are written as text with a leading apostrophe.
"""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell that cannot run as a formula, without the control characters a
    spreadsheet cannot hold (older records may carry them)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_TRIGGERS):
            return "'" + value
    return value


def to_xlsx(headers: list[str], rows, *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(headers)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def to_csv(headers: list[str], rows) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            ["" if v is None else safe_cell(str(v) if not isinstance(v, str) else v) for v in row]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def need_headers() -> list[str]:
    return [
        _("Community code"),
        _("Community"),
        _("Town / street"),
        _("Community type"),
        _("Date raised"),
        _("Channel"),
        _("Title"),
        _("Description"),
        _("Domain"),
        _("Category"),
        _("Urgent"),
        _("Status"),
        _("Location"),
        _("Resident's name"),
        _("Mobile number"),
    ]


def need_rows(needs, *, mobile_visible):
    yes, no = _("Yes"), _("No")
    for need in needs:
        yield [
            need.community.code,
            need.community.name,
            need.community.town.name,
            need.community.type.label,
            need.raised_on.isoformat(),
            need.get_channel_display(),
            need.title,
            need.description,
            need.category.get_domain_display(),
            need.category.label,
            yes if need.urgent else no,
            need.get_status_display(),
            need.location,
            need.resident_name if mobile_visible(need) else need.masked_name,
            need.mobile if mobile_visible(need) else need.masked_mobile,
        ]


def import_template_download(user):
    """The import template (.xlsx): the Chinese headers and example rows naming
    communities of the user's own scope; the page and the API answer the same file."""
    from core.downloads import XLSX, attachment

    from .importing import template_rows

    headers, examples = template_rows(user)
    return attachment(
        to_xlsx(headers, examples, title=_("Needs")),
        filename=_("Needs import template") + ".xlsx",
        fallback="needs-import-template.xlsx",
        content_type=XLSX,
    )

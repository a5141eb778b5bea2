"""File downloads with names people recognise: 需求清单-老街巷社区-2025.xlsx, with
an ASCII fallback for old clients (RFC 6266 / RFC 5987)."""

import re
import unicodedata
from urllib.parse import quote

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def content_disposition(filename: str, *, fallback: str, inline: bool = False) -> str:
    """``attachment; filename="fallback.xlsx"; filename*=UTF-8''%E9%9C%80…``"""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", unicodedata.normalize("NFC", filename)).strip() or fallback
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", fallback) or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe, safe='')}"


def attachment(body, *, filename: str, fallback: str, content_type: str) -> HttpResponse:
    """A download response whose file name is ``filename`` (Chinese allowed)."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename, fallback=fallback)
    return response

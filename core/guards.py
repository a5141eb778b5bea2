"""Input guards in front of every view: bodies too large for their kind and NUL
characters are refused with a reason before any view reads them."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _content_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _has_nul(querydict) -> bool:
    for key, values in querydict.lists():
        if "\x00" in key or any("\x00" in v for v in values if isinstance(v, str)):
            return True
    return False


def refusal(request, status: int, message: str) -> HttpResponse:
    """A 4xx answer in the caller's language: JSON for the API, a page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    body = render_to_string("400.html", {"message": message, "status": status}, request=request)
    return HttpResponse(body, status=status)


class RequestGuardMiddleware:
    """Refuses, before any view runs:

    - a body larger than its kind allows (JSON and plain forms are small; only
      multipart uploads may carry a spreadsheet or a photo): 413;
    - a NUL character in the path, the query or a form field: 400 (PostgreSQL
      cannot store it, and no person types it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self.check(request)
        if problem is not None:
            return problem
        return self.get_response(request)

    def check(self, request):
        content_type = (request.META.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        length = _content_length(request)
        limit = (
            settings.UPLOAD_MAX_BODY_BYTES
            if content_type == "multipart/form-data"
            else settings.REQUEST_MAX_BODY_BYTES
        )
        if length > limit:
            return refusal(
                request,
                413,
                _("The request is too large (%(size)s KB; at most %(limit)s KB).")
                % {"size": length // 1024, "limit": limit // 1024},
            )
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return refusal(request, 400, _("The address contains a NUL character."))
        if _has_nul(request.GET):
            return refusal(request, 400, _("The address contains a NUL character."))
        if request.method == "POST" and content_type in FORM_TYPES:
            try:
                post = request.POST
            except RequestDataTooBig:
                return refusal(request, 413, _("The form is too large; shorten the text and send it again."))
            except Exception:  # noqa: BLE001 - Django answers any other malformed body itself (400)
                return None
            if _has_nul(post):
                return refusal(request, 400, _("A field contains a NUL character."))
        return None

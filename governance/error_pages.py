"""Error answers people and clients can read: Chinese pages for the site, JSON
``{"detail": …}`` for the API, the same with DEBUG on as off, and refusals
logged as one line.

This module is imported while logging is configured (``RefusalsOnOneLine``), so
it imports no models.
"""

import logging

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(detail, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False})


def page_not_found(request, exception=None):
    if _is_api(request):
        return _json(_("Not found."), 404)
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return _json(_("You do not have permission to perform this action."), 403)
    return defaults.permission_denied(request, exception)


def csrf_failure(request, reason=""):
    """A form sent from a page that is too old (or from another site): Django's
    own answer is an English page with inline styles the policy refuses."""
    if _is_api(request):
        return _json(_("The form expired. Reload the page and try again."), 403)
    message = _("The form expired or was sent twice. Reload the page and try again.")
    return render(request, "403.html", {"message": message}, status=403)


def bad_request(request, exception=None):
    if _is_api(request):
        return _json(_("The request could not be read."), 400)
    return defaults.bad_request(request, exception)


def server_error(request):
    if _is_api(request):
        return _json(_("Server error"), 500)
    # 500.html stands alone: it must render when the database or the request
    # context is what failed.
    return defaults.server_error(request)


class NotFoundPageMiddleware:
    """With DEBUG on (the demo that ``make run`` serves), Django answers an
    unknown address or a missing record with its English technical page. People
    try the demo, so they get the same Chinese 404 page as in production.

    Sits after CommonMiddleware, so ``/needs`` still redirects to ``/needs/``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG:
            try:
                resolve(request.path_info)
            except Resolver404 as exc:
                return page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None


class RefusalsOnOneLine(logging.Filter):
    """A 4xx answer (403 permission denied, 404, 400) is a refusal, not a fault:
    log its one line and drop the traceback Django attaches. 5xx keep theirs."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if record.exc_info and status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True

"""The API's shared plumbing: one mapping of domain errors to HTTP answers, and
a JSON parser that refuses what no client should send."""

import json

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ParseError, PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ConflictError, DomainError
from .inputs import CONTROL_CHARACTERS


class Conflict(APIException):
    """409: the record changed in the meantime (another person, another tab)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The record changed in the meantime; reload it and try again.")
    default_code = "conflict"


def api_error(exc):
    """A service's error as the API answers it: 403 for a forbidden action, 400 with
    the fields' errors, 409 for a conflict, 400 for any other refusal. Anything
    else is returned unchanged (and re-raised by the caller)."""
    if isinstance(exc, DjangoPermissionDenied):
        return PermissionDenied(str(exc) or None)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return ValidationError(
                {
                    ("non_field_errors" if k == NON_FIELD_ERRORS else k): [
                        str(m) for e in v for m in e.messages
                    ]
                    for k, v in exc.error_dict.items()
                }
            )
        return ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, ConflictError):
        return Conflict(str(exc))
    if isinstance(exc, DomainError):
        return ValidationError({"non_field_errors": [str(exc)]})
    return exc


def exception_handler(exc, context):
    """DRF's handler, after turning domain errors into API errors, so that a
    viewset may let a service's refusal propagate."""
    if isinstance(exc, Http404):
        # Django's message ("No Need matches the given query.") is English only and
        # names the model; DRF's "Not found." is translated.
        return drf_exception_handler(NotFound(), context)
    if isinstance(exc, APIException):
        return drf_exception_handler(exc, context)
    return drf_exception_handler(api_error(exc), context)


def _body_problem(value, limit: int):
    """Why a parsed body is refused (too deep, a control character), or None; a
    problem inside a top-level field is reported on that field."""
    stack = [(value, 1, None)]
    while stack:
        item, depth, field = stack.pop()
        if depth > limit:
            return _("The request body is nested too deeply."), None
        if isinstance(item, str):
            if "\x00" in item:
                return _("The request contains a NUL character."), field
            if CONTROL_CHARACTERS.search(item):
                return _("Remove the invisible control characters (often pasted from another system)."), field
        elif isinstance(item, dict):
            for key, child in item.items():
                if CONTROL_CHARACTERS.search(key):
                    return _(
                        "Remove the invisible control characters (often pasted from another system)."
                    ), None
                stack.append((child, depth + 1, key if depth == 1 else field))
        elif isinstance(item, list):
            stack.extend((child, depth + 1, field) for child in item)
    return None


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")


class GuardedJSONParser(JSONParser):
    """JSON bodies: an object at the top, not nested absurdly deep, no NUL characters.
    (The size is limited before parsing, by ``core.guards.RequestGuardMiddleware``.)"""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            raw = stream.read() if stream is not None else b""
            data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(_("The request body is not valid JSON.")) from exc
        except RecursionError as exc:
            raise ParseError(_("The request body is nested too deeply.")) from exc
        if not isinstance(data, dict):
            raise ParseError(_("The request body must be a JSON object."))
        problem = _body_problem(data, settings.API_MAX_JSON_DEPTH)
        if problem:
            message, field = problem
            raise ParseError({field: [message]} if field else message)
        return data

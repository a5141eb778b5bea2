"""Writes of a need's record: logging one, correcting it, and the log of who saw
a resident's number. Status changes are in ``status`` and ``escalations``."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from communities.access import require

from .. import access
from ..models import Channel, MobileView, Need, NeedSurvey, ProblemCategory


def save_checked(obj, *, by, exclude=None):
    """Validate the whole record, then save it with the acting user in its history."""
    obj.full_clean(exclude=exclude)
    obj._history_user = by
    obj.save()


def _check_category(category: ProblemCategory):
    if not category.is_active:
        raise ValidationError({"category": _("This category is no longer in use.")})


@transaction.atomic
def need_create(
    *,
    by,
    community,
    title,
    category,
    raised_on=None,
    survey: NeedSurvey | None = None,
    channel=None,
    description="",
    urgent=False,
    location="",
    resident_name="",
    mobile="",
) -> Need:
    """Log one need. From a survey, the community, date and channel come from it."""
    require(access.can_log_needs(by, community))
    if survey is not None:
        if survey.community_id != community.pk:
            raise ValidationError({"survey": _("The survey belongs to another community.")})
        raised_on = raised_on or survey.date
        channel = channel or survey.channel
    if raised_on is None:
        raise ValidationError({"raised_on": _("Give the date the need was raised.")})
    _check_category(category)
    need = Need(
        community=community,
        survey=survey,
        raised_on=raised_on,
        channel=channel or Channel.OTHER,
        title=(title or "").strip(),
        description=(description or "").strip(),
        category=category,
        urgent=bool(urgent),
        location=(location or "").strip(),
        resident_name=(resident_name or "").strip(),
        mobile=(mobile or "").replace(" ", "").replace("-", ""),
        logged_by=by,
    )
    save_checked(need, by=by)
    return need


EDITABLE_NEED_FIELDS = {
    "title",
    "description",
    "category",
    "urgent",
    "location",
    "resident_name",
    "mobile",
    "raised_on",
    "channel",
}


@transaction.atomic
def need_update(*, need: Need, by, **changes) -> Need:
    """Correct a need's details (not its status: see the functions below)."""
    require(access.can_manage_need(by, need))
    unknown = set(changes) - EDITABLE_NEED_FIELDS
    if unknown:
        raise PermissionDenied(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))}
        )
    locked = Need.objects.select_for_update().get(pk=need.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    if "category" in changes:
        _check_category(locked.category)
    save_checked(locked, by=by)
    return locked


def record_mobile_views(*, user, needs, context: str) -> None:
    """Log that ``user`` saw these needs' full mobile numbers (one query)."""
    MobileView.objects.bulk_create(
        [MobileView(user=user, need=need, context=context) for need in needs if need.mobile]
    )

"""Writes of needs surveys (问需活动)."""

from django.db import transaction

from communities.access import require

from .. import access
from ..models import NeedSurvey
from .needs import save_checked


@transaction.atomic
def survey_create(*, by, community, date, channel, participants=0, notes="") -> NeedSurvey:
    require(access.can_log_needs(by, community))
    survey = NeedSurvey(
        community=community,
        date=date,
        channel=channel,
        participants=participants or 0,
        notes=notes,
        conducted_by=by,
    )
    save_checked(survey, by=by)
    return survey

"""Writes of the needs lists (需求清单): compiling a draft, editing it, publishing it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.access import require
from core.inputs import parse_id, validate_year

from .. import access, queries
from ..errors import ConflictError, NeedsError
from ..models import NeedsList, NeedsListItem


@transaction.atomic
def needs_list_compile(*, community_type, year: int, by) -> NeedsList:
    """Compile a draft list of a type's shared problems for a year (a new version)."""
    require(access.can_manage_needs_lists(by))
    try:
        validate_year(year)
    except ValidationError as exc:
        raise ValidationError({"year": exc.messages}) from exc
    # Lock the type so that two compilations of it get distinct version numbers.
    type(community_type).objects.select_for_update().get(pk=community_type.pk)
    last = NeedsList.objects.filter(community_type=community_type, year=year).order_by("-version").first()
    figures = queries.needs_list_figures(community_type=community_type, year=year)
    needs_list = NeedsList.objects.create(
        community_type=community_type,
        year=year,
        version=(last.version + 1) if last else 1,
        compiled_by=by,
        compiled_at=timezone.now(),
        needs_total=sum(f["need_count"] for f in figures),
        communities_total=community_type.communities.filter(is_archived=False).count(),
    )
    NeedsListItem.objects.bulk_create(
        [
            NeedsListItem(
                needs_list=needs_list,
                category_id=f["category"],
                position=i,
                need_count=f["need_count"],
                community_count=f["community_count"],
                open_count=f["open_count"],
                urgent_count=f["urgent_count"],
            )
            for i, f in enumerate(figures, 1)
        ]
    )
    return needs_list


def _lock_draft(needs_list: NeedsList) -> NeedsList:
    locked = NeedsList.objects.select_for_update().get(pk=needs_list.pk)
    if locked.state != NeedsList.State.DRAFT:
        raise ConflictError(_("This list is published and frozen; compile a new version to change it."))
    return locked


@transaction.atomic
def needs_list_edit(
    *, needs_list: NeedsList, by, note: str | None = None, order=None, item_notes=None
) -> NeedsList:
    """Annotate and reorder a draft. ``order`` lists every item id in the new order."""
    require(access.can_manage_needs_lists(by))
    locked = _lock_draft(needs_list)
    items = {item.pk: item for item in locked.items.all()}
    # Everything is checked before anything is written.
    if order is not None:
        order = [parse_id(pk) for pk in order]
        if sorted(order, key=lambda pk: pk or 0) != sorted(items):
            raise NeedsError(_("The new order must list every item of the list exactly once."))
        for position, pk in enumerate(order, 1):
            items[pk].position = position
    for pk, text in (item_notes or {}).items():
        if parse_id(pk) not in items:
            raise NeedsError(_("An item does not belong to this list."))
        items[parse_id(pk)].note = (text or "").strip()
    for item in items.values():
        item.full_clean(exclude=["needs_list", "category"])
    if note is not None:
        locked.note = note.strip()
    locked.full_clean(exclude=["community_type", "compiled_by", "published_by"])
    # Positions are unique only in meaning, not by constraint, so one bulk update suffices.
    NeedsListItem.objects.bulk_update(items.values(), ["position", "note"])
    locked._history_user = by
    locked.save()
    return locked


@transaction.atomic
def needs_list_publish(*, needs_list: NeedsList, by) -> NeedsList:
    """Publish a draft: from now on it is frozen, whatever is logged later."""
    require(access.can_manage_needs_lists(by))
    locked = _lock_draft(needs_list)
    locked.state = NeedsList.State.PUBLISHED
    locked.published_at, locked.published_by = timezone.now(), by
    locked._history_user = by
    locked.save()
    return locked

"""A need's status: closing, reopening and resolving it, and moving needs with
the project that took them up. The needs app alone writes need status; the
projects app calls ``lock_needs`` and ``move_needs_with_project``."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from communities.access import require

from .. import access
from ..errors import ConflictError, NeedsError
from ..models import Need
from .needs import save_checked


def lock_in_state(need: Need, expected: set[str]) -> Need:
    # Two people acting on one need at once: the row lock queues them and the
    # state check turns the second one's stale action into a clear conflict.
    locked = Need.objects.select_for_update().get(pk=need.pk)
    if locked.status not in expected:
        raise ConflictError(
            _("The need is now “%(status)s”; reload the page to see what changed.")
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def need_close(*, need: Need, by, reason: str) -> Need:
    """Close a need that will not be taken up, with the reason (kept in history)."""
    require(access.can_manage_need(by, need))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for closing the need.")})
    locked = lock_in_state(need, {Need.Status.OPEN, Need.Status.ESCALATED})
    locked.status, locked.close_reason = Need.Status.CLOSED, reason
    save_checked(locked, by=by)
    return locked


@transaction.atomic
def need_reopen(*, need: Need, by) -> Need:
    require(access.can_manage_need(by, need))
    locked = lock_in_state(need, {Need.Status.CLOSED, Need.Status.ESCALATED})
    locked.status, locked.close_reason = Need.Status.OPEN, ""
    save_checked(locked, by=by)
    return locked


@transaction.atomic
def need_resolve(*, need: Need, by) -> Need:
    """Mark an escalated need solved once the department has answered."""
    require(access.can_escalate(by, need))
    locked = lock_in_state(need, {Need.Status.ESCALATED})
    if locked.escalations.filter(responded_on__isnull=True).exists():
        raise NeedsError(_("Record the department's response before marking the need resolved."))
    locked.status = Need.Status.RESOLVED
    save_checked(locked, by=by)
    return locked


def lock_needs(*, need_ids) -> list[Need]:
    """Lock these needs for the rest of the transaction, in id order.

    Every caller locks in the same order, so two transactions taking up
    overlapping needs queue behind each other instead of deadlocking. Only the
    need rows are locked, not their community or category.
    """
    return list(
        Need.objects.select_for_update(of=("self",))
        .select_related("community", "category")
        .filter(pk__in=set(need_ids))
        .order_by("pk")
    )


# Where a project's needs may come from when it moves them to each status.
_MOVES_WITH_PROJECT = {
    Need.Status.PLANNED: {Need.Status.OPEN, Need.Status.ESCALATED},
    Need.Status.RESOLVED: {Need.Status.PLANNED, Need.Status.OPEN, Need.Status.ESCALATED},
    Need.Status.OPEN: {Need.Status.PLANNED},
}


@transaction.atomic
def move_needs_with_project(*, needs, status: str, by) -> None:
    """The needs of a project follow it: planned when it is approved or taken up,
    resolved when it is done, open again when it is dropped.

    A need in any other status (closed meanwhile, already resolved) stays as it
    is. The rows are re-read under a lock, so a status changed by someone else
    since the caller read them is respected.
    """
    if status not in _MOVES_WITH_PROJECT:
        raise ValueError(f"needs do not move with a project to {status!r}")
    sources = _MOVES_WITH_PROJECT[status]
    given = {need.pk: need for need in needs}
    for locked in lock_needs(need_ids=given):
        if locked.status in sources:
            locked.status = status
            locked._history_user = by
            locked.save(update_fields=["status", "updated_at"])
            given[locked.pk].status = status

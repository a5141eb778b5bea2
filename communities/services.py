"""Writes to the community registry: one function per use case, each in one
transaction, each taking the acting user. Views and the API call these."""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError as CoreConflictError
from core.errors import DomainError

from . import access
from .models import Alliance, CoBuildingUnit, Community, CommunityType, Membership, Reclassification


class RegistryError(DomainError):
    """A registry write that cannot be done; the message is shown to the user as is."""


class ConflictError(RegistryError, CoreConflictError):
    """Someone else changed the record first; the user should reload and retry."""


def _save_validated(obj, *, by) -> None:
    """Validate every field and constraint, then save with the acting user in history."""
    obj.full_clean()
    obj._history_user = by
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:  # a concurrent write won the unique constraint
        raise ValidationError(_("This record conflicts with one saved at the same time.")) from exc


@transaction.atomic
def community_create(*, by, **fields) -> Community:
    access.require(access.can_manage_registry(by))
    community = Community(**fields)
    _save_validated(community, by=by)
    return community


@transaction.atomic
def community_update(*, community: Community, by, **changes) -> Community:
    """Change the fields the user may change; anything else is refused whole."""
    allowed = set(access.editable_profile_fields(by, community))
    access.require(bool(allowed))
    forbidden = sorted(set(changes) - allowed)
    if forbidden:
        raise PermissionDenied(
            _("You may not change these fields: %(fields)s.")
            % {"fields": ", ".join(str(Community._meta.get_field(f).verbose_name) for f in forbidden)}
        )
    locked = Community.objects.select_for_update().get(pk=community.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    _save_validated(locked, by=by)
    return locked


@transaction.atomic
def community_set_archived(*, community: Community, archived: bool, by) -> Community:
    """Archive (or restore) a community; records are never deleted."""
    access.require(access.can_manage_registry(by))
    locked = Community.objects.select_for_update().get(pk=community.pk)
    if locked.is_archived == archived:
        return locked
    locked.is_archived = archived
    locked._history_user = by
    locked.save(update_fields=["is_archived", "updated_at"])
    return locked


@transaction.atomic
def community_reclassify(
    *,
    community: Community,
    to_type: CommunityType,
    reason: str,
    by,
    expected_type: CommunityType | None = None,
) -> Reclassification:
    """Move a community to another type, keeping who, when, from, to and why.

    Two admins reclassifying at once: the row lock makes the second one see the
    first one's result, and ``expected_type`` turns that into a clear conflict.
    """
    access.require(access.can_manage_registry(by))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the reclassification.")})
    locked = Community.objects.select_for_update().get(pk=community.pk)
    if expected_type is not None and locked.type_id != expected_type.pk:
        raise ConflictError(
            _("The community was reclassified by someone else in the meantime; reload the page.")
        )
    if locked.type_id == to_type.pk:
        raise ValidationError({"to_type": _("The community already has this type.")})
    record = Reclassification.objects.create(
        community=locked,
        from_type_id=locked.type_id,
        to_type=to_type,
        reason=reason,
        decided_by=by,
        decided_at=timezone.now(),
    )
    locked.type = to_type
    locked._history_user = by
    locked.save(update_fields=["type", "updated_at"])
    return record


@transaction.atomic
def alliance_add(
    *, community: Community, unit: CoBuildingUnit, since: date, agreement_note: str = "", by
) -> Alliance:
    access.require(access.can_manage_alliance(by, community))
    # Lock the community so two people adding the same unit at once queue up and
    # the second one meets the first one's row in the check below.
    Community.objects.select_for_update().filter(pk=community.pk).first()
    if Alliance.objects.filter(community=community, unit=unit, ended_on__isnull=True).exists():
        raise ValidationError({"unit": _("This unit is already in the community's alliance.")})
    alliance = Alliance(community=community, unit=unit, since=since, agreement_note=agreement_note)
    _save_validated(alliance, by=by)
    return alliance


@transaction.atomic
def alliance_end(*, alliance: Alliance, ended_on: date, by) -> Alliance:
    access.require(access.can_manage_alliance(by, alliance.community))
    locked = Alliance.objects.select_for_update().get(pk=alliance.pk)
    if locked.ended_on is not None:
        raise RegistryError(_("This unit has already left the alliance."))
    locked.ended_on = ended_on
    _save_validated(locked, by=by)
    return locked


@transaction.atomic
def user_create(*, by, username: str, password: str, full_name: str = "", email: str = ""):
    access.require(access.can_manage_users(by))
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise RegistryError(_("A user with this username already exists."))
    user = User(username=username, first_name=full_name, email=email)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_set_active(*, user, active: bool, by):
    access.require(access.can_manage_users(by))
    if user.pk == by.pk and not active:
        raise RegistryError(_("You cannot deactivate your own account."))
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def membership_add(*, user, role: str, town=None, community=None, by) -> Membership:
    access.require(access.can_manage_users(by))
    membership = Membership(user=user, role=role, town=town, community=community)
    _save_validated(membership, by=by)
    access.forget_scope(user)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by) -> None:
    access.require(access.can_manage_users(by))
    user = membership.user
    if not access.can_remove_membership(by, membership):
        raise RegistryError(_("You cannot remove your own city administrator role."))
    membership._history_user = by
    membership.delete()
    access.forget_scope(user)

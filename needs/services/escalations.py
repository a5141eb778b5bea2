"""Escalation of a need to a town department (吹哨报到) and the department's answer."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.access import require

from .. import access
from ..errors import ConflictError
from ..models import Escalation, EscalationDepartment, Need
from .needs import save_checked
from .status import lock_in_state


@transaction.atomic
def need_escalate(*, need: Need, by, department: str, due_on: date, note: str = "") -> Escalation:
    """Pass a need the community cannot solve to a town department (吹哨报到)."""
    require(access.can_escalate(by, need))
    department = (department or "").strip()
    if not department:
        raise ValidationError({"department": _("Name the department.")})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": _("The due date cannot be in the past.")})
    locked = lock_in_state(need, {Need.Status.OPEN, Need.Status.ESCALATED})
    escalation = Escalation(need=locked, department=department, due_on=due_on, note=note, escalated_by=by)
    save_checked(escalation, by=by)
    if locked.status != Need.Status.ESCALATED:
        locked.status = Need.Status.ESCALATED
        save_checked(locked, by=by)
    return escalation


@transaction.atomic
def escalation_respond(*, escalation: Escalation, by, response: str, responded_on: date) -> Escalation:
    require(access.can_escalate(by, escalation.need))
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": _("Write down the department's response.")})
    locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if locked.responded_on is not None:
        raise ConflictError(_("The response was already recorded; reload the page."))
    locked.response, locked.responded_on, locked.recorded_by = response, responded_on, by
    save_checked(locked, by=by)
    return locked


# --- the town's list of departments -----------------------------------------------------------


@transaction.atomic
def department_add(*, town, name: str, order: int = 0, by) -> EscalationDepartment:
    """Add a department to a town's list; adding one that was set aside brings it back."""
    require(access.can_manage_departments(by, town))
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Name the department.")})
    existing = EscalationDepartment.objects.select_for_update().filter(town=town, name=name).first()
    if existing is not None:
        if existing.is_active:
            raise ValidationError({"name": _("The town already lists this department.")})
        existing.is_active, existing.order = True, order or existing.order
        save_checked(existing, by=by)
        return existing
    department = EscalationDepartment(town=town, name=name, order=order or 0)
    try:
        with transaction.atomic():
            save_checked(department, by=by)
    except IntegrityError as exc:
        # Someone added the same name a moment ago (the check above found no row to lock).
        raise ValidationError({"name": _("The town already lists this department.")}) from exc
    return department


@transaction.atomic
def department_set_active(*, department: EscalationDepartment, active: bool, by) -> EscalationDepartment:
    """Set a department aside (no longer offered) or offer it again. Past
    escalations keep the name they were sent to."""
    require(access.can_manage_departments(by, department.town))
    locked = EscalationDepartment.objects.select_for_update().get(pk=department.pk)
    if locked.is_active != active:
        locked.is_active = active
        save_checked(locked, by=by)
    return locked

"""A town's list of escalation departments (吹哨报到的部门): offered on the
escalation form, kept by the town's staff and city admins."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import access as community_access
from core.forms import apply_validation_error

from .. import access, services
from ..forms import DepartmentForm
from ..models import EscalationDepartment


def _scoped_town(request, pk):
    return get_object_or_404(community_access.visible_towns(request.user), pk=pk)


@login_required
def department_list(request, pk):
    town = _scoped_town(request, pk)
    can_manage = access.can_manage_departments(request.user, town)
    form = DepartmentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        community_access.require(can_manage)
        if form.is_valid():
            try:
                services.department_add(town=town, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Department added."))
                return redirect("needs:departments", pk=town.pk)
        status = 400
    context = {
        "town": town,
        "departments": EscalationDepartment.objects.filter(town=town).order_by("-is_active", "order", "name"),
        "form": form,
        "can_manage": can_manage,
        "back": request.GET.get("next") if (request.GET.get("next") or "").startswith("/needs/") else "",
    }
    return render(request, "needs/departments.html", context, status=status)


@login_required
@require_POST
def department_active(request, pk):
    department = get_object_or_404(
        EscalationDepartment.objects.select_related("town"),
        pk=pk,
        town__in=community_access.visible_towns(request.user).values("id"),
    )
    community_access.require(access.can_manage_departments(request.user, department.town))
    active = request.POST.get("active") == "true"
    services.department_set_active(department=department, active=active, by=request.user)
    messages.success(request, _("Department offered again.") if active else _("Department set aside."))
    return redirect("needs:departments", pk=department.town_id)

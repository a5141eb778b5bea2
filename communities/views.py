"""Pages of the community registry. Thin: read through queries/access, write
through services."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.forms import apply_validation_error, mark_invalid

from . import access, queries, services
from .filters import CommunityFilterSet
from .forms import (
    AllianceForm,
    CommunityForm,
    MembershipForm,
    ReclassifyForm,
    UserCreateForm,
)
from .models import MIN_CO_BUILDING_UNITS, Alliance, Community, Membership

PAGE_SIZE = 25
PILOT_YEARS = (2022, 2023, 2024)
HISTORY_SHOWN = 50
# (ordering key of CommunityFilterSet or "" for unsortable, column heading)
SORT_COLUMNS = (
    ("code", gettext_lazy("Code")),
    ("name", gettext_lazy("Name")),
    ("town", gettext_lazy("Town / street")),
    ("type", gettext_lazy("Type")),
    ("", gettext_lazy("Goal")),
    ("households", gettext_lazy("Households")),
    ("population", gettext_lazy("Population")),
    ("pilot_year", gettext_lazy("Pilot")),
    ("", gettext_lazy("Model community")),
    ("units", gettext_lazy("Co-building units")),
)


def _scoped_community(request, pk) -> Community:
    """A community the user may read, or 404 (its existence is not revealed)."""
    return get_object_or_404(queries.community_list(request.user).select_related("town", "type"), pk=pk)


@login_required
def community_list(request):
    params = request.GET.copy()
    if "archived" not in params:
        params["archived"] = "false"
    filterset = CommunityFilterSet(params, queryset=queries.community_list(request.user), request=request)
    if not filterset.is_valid():
        rows = Community.objects.none()
    else:
        rows = filterset.qs
        if not request.GET.get("ordering"):
            rows = rows.order_by("town__code", "code")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("ordering", None)
    context = {
        "filterset": filterset,
        "page": page,
        "towns": access.visible_towns(request.user),
        "types": queries.types_with_counts(request.user),
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "sort_columns": SORT_COLUMNS,
        "pilot_years": PILOT_YEARS,
        "ordering": request.GET.get("ordering", ""),
        "min_units": MIN_CO_BUILDING_UNITS,
        "can_create": access.can_manage_registry(request.user),
    }
    template = "communities/_table.html" if request.htmx else "communities/list.html"
    return render(request, template, context)


# A picker offers this many communities at a time: a province-wide role would
# otherwise get 20,000 names written into every filter form.
SUGGESTIONS_SHOWN = 20


@login_required
def community_suggest(request):
    """Communities of the user's scope whose name or code matches what was typed
    (``?community=…``), as <option>s for a picker's <datalist>. An option's value
    is the name, or the code where the name is shared inside the scope (the
    filters resolve either)."""
    term = (request.GET.get("community") or "").strip()[:40]
    visible = access.visible_communities(request.user)
    rows = visible.select_related("town").order_by("name", "code")
    if term:
        rows = rows.filter(Q(name__icontains=term) | Q(code__startswith=term))
    rows = list(rows[:SUGGESTIONS_SHOWN])
    shared = set(
        visible.filter(name__in={c.name for c in rows})
        .values("name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("name", flat=True)
    )
    return render(request, "communities/_community_options.html", {"rows": rows, "shared": shared})


@login_required
def community_detail(request, pk):
    return _detail_page(request, _scoped_community(request, pk))


def _detail_page(request, community, *, reclassify_form=None, alliance_form=None, status=200):
    """The community page; a form sent with mistakes comes back bound, with its
    errors beside the fields and what was typed kept (status 400)."""
    alliances = community.alliances.select_related("unit").order_by("ended_on", "since")
    reclassifications = community.reclassifications.select_related("from_type", "to_type", "decided_by")
    history = community.history.select_related("history_user", "type", "town").order_by(
        "-history_date", "-history_id"
    )[:50]
    changes = _history_changes(list(history))
    user = request.user
    context = {
        "community": community,
        "alliances": alliances,
        "current_units": [a for a in alliances if a.ended_on is None],
        "reclassifications": reclassifications,
        "changes": changes,
        "min_units": MIN_CO_BUILDING_UNITS,
        "can_edit": access.can_edit_profile(user, community),
        "can_manage": access.can_manage_registry(user),
        "can_manage_alliance": access.can_manage_alliance(user, community),
        "reclassify_form": reclassify_form or ReclassifyForm(initial={"expected_type": community.type_id}),
        "alliance_form": alliance_form or AllianceForm(initial={"since": timezone.localdate()}),
        "reclassify_open": reclassify_form is not None,
    }
    return render(request, "communities/detail.html", context, status=status)


def _history_changes(records):
    """Each history record with what changed against the record before it.

    ``records`` is newest first and may hold one record more than is shown, so
    that the oldest shown record still has something to compare with.
    """
    out = []
    shown = records[:HISTORY_SHOWN]
    for i, newer in enumerate(shown):
        older = records[i + 1] if i + 1 < len(records) else None
        if newer.history_type == "+" or older is None:
            out.append({"record": newer, "created": newer.history_type == "+", "fields": []})
            continue
        delta = newer.diff_against(older, excluded_fields=["updated_at", "created_at"])
        fields = []
        for change in delta.changes:
            field = Community._meta.get_field(change.field)
            fields.append({"field": field, "old": change.old, "new": change.new})
        out.append({"record": newer, "created": False, "fields": fields})
    _name_related_values(out)
    return out


def _name_related_values(changes) -> None:
    """Show a changed town or type by its name, not its id (one query per table)."""
    wanted: dict = {}
    for change in changes:
        for f in change["fields"]:
            if f["field"].is_relation:
                wanted.setdefault(f["field"].related_model, set()).update({f["old"], f["new"]})
    names = {model: model.objects.in_bulk([pk for pk in pks if pk]) for model, pks in wanted.items()}
    for change in changes:
        for f in change["fields"]:
            field = f.pop("field")
            f["label"] = field.verbose_name
            if field.is_relation:
                objects = names[field.related_model]
                f["old"], f["new"] = objects.get(f["old"], f["old"]), objects.get(f["new"], f["new"])
            elif field.choices:
                labels = dict(field.flatchoices)
                f["old"], f["new"] = labels.get(f["old"], f["old"]), labels.get(f["new"], f["new"])


@login_required
def community_create(request):
    access.require(access.can_manage_registry(request.user))
    form = CommunityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Community %(name)s created.") % {"name": community.name})
            return redirect("communities:detail", pk=community.pk)
    return render(
        request,
        "communities/form.html",
        {"form": form, "community": None},
        status=400 if form.is_bound else 200,
    )


@login_required
def community_edit(request, pk):
    community = _scoped_community(request, pk)
    access.require(access.can_edit_profile(request.user, community))
    form = CommunityForm(request.POST or None, instance=community, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        # Reload: the form's instance already carries the new values.
        fresh = Community.objects.get(pk=community.pk)
        try:
            services.community_update(community=fresh, by=request.user, **changes)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except services.RegistryError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Changes saved."))
            return redirect("communities:detail", pk=community.pk)
    return render(
        request,
        "communities/form.html",
        {"form": form, "community": community},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def community_archive(request, pk):
    community = _scoped_community(request, pk)
    archived = request.POST.get("archived", "1") == "1"
    services.community_set_archived(community=community, archived=archived, by=request.user)
    messages.success(
        request,
        _("Community archived.") if archived else _("Community restored."),
    )
    return redirect("communities:detail", pk=community.pk)


@login_required
@require_POST
def community_reclassify(request, pk):
    community = _scoped_community(request, pk)
    access.require(access.can_manage_registry(request.user))
    form = ReclassifyForm(request.POST)
    if form.is_valid():
        try:
            services.community_reclassify(
                community=community,
                to_type=form.cleaned_data["to_type"],
                reason=form.cleaned_data["reason"],
                expected_type=form.cleaned_data["expected_type"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except services.RegistryError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Community reclassified."))
            return redirect("communities:detail", pk=community.pk)
    mark_invalid(form)
    return _detail_page(request, community, reclassify_form=form, status=400)


@login_required
@require_POST
def alliance_add(request, pk):
    community = _scoped_community(request, pk)
    access.require(access.can_manage_alliance(request.user, community))
    form = AllianceForm(request.POST)
    if form.is_valid():
        try:
            services.alliance_add(community=community, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except services.RegistryError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Co-building unit added to the alliance."))
            return redirect(reverse("communities:detail", args=[community.pk]) + "#alliance")
    mark_invalid(form)
    return _detail_page(request, community, alliance_form=form, status=400)


@login_required
@require_POST
def alliance_end(request, pk, alliance_pk):
    community = _scoped_community(request, pk)
    alliance = get_object_or_404(Alliance, pk=alliance_pk, community=community)
    access.require(access.can_manage_alliance(request.user, community))
    try:
        services.alliance_end(alliance=alliance, ended_on=timezone.localdate(), by=request.user)
    except (services.RegistryError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("The unit has left the alliance."))
    return redirect(reverse("communities:detail", args=[community.pk]) + "#alliance")


@login_required
def type_list(request):
    return render(request, "communities/types.html", {"types": queries.types_with_counts(request.user)})


# --- users and memberships (city admins) -------------------------------------------------


@login_required
def user_list(request):
    access.require(access.can_manage_users(request.user))
    users = (
        get_user_model()
        .objects.order_by("username")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("town", "community"),
            )
        )
    )
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "communities/users.html", {"page": page})


@login_required
def user_create(request):
    access.require(access.can_manage_users(request.user))
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(by=request.user, **form.cleaned_data)
        except (services.RegistryError, ValidationError) as exc:
            form.add_error(None, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(
                request, _("User %(name)s created; now give them a role.") % {"name": user.username}
            )
            return redirect("communities:user", pk=user.pk)
    return render(request, "communities/user_form.html", {"form": form}, status=400 if form.is_bound else 200)


@login_required
def user_detail(request, pk):
    access.require(access.can_manage_users(request.user))
    account = get_object_or_404(get_user_model(), pk=pk)
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_add(
                user=account,
                role=form.cleaned_data["role"],
                town=form.cleaned_data.get("town"),
                community=form.cleaned_data.get("community"),
                by=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Role added."))
            return redirect("communities:user", pk=account.pk)
    memberships = account.memberships.select_related("town", "community")
    return render(
        request,
        "communities/user_detail.html",
        {
            "account": account,
            "memberships": [(m, access.can_remove_membership(request.user, m)) for m in memberships],
            "form": form,
        },
    )


@login_required
@require_POST
def membership_remove(request, pk, membership_pk):
    access.require(access.can_manage_users(request.user))
    membership = get_object_or_404(Membership, pk=membership_pk, user_id=pk)
    try:
        services.membership_remove(membership=membership, by=request.user)
    except services.RegistryError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Role removed."))
    return redirect("communities:user", pk=pk)


@login_required
@require_POST
def user_set_active(request, pk):
    access.require(access.can_manage_users(request.user))
    account = get_object_or_404(get_user_model(), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(user=account, active=active, by=request.user)
    except services.RegistryError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Account enabled.") if active else _("Account disabled."))
    return redirect("communities:user", pk=pk)

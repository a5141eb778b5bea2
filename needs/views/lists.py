"""The per-type needs lists (需求清单): index, compile, edit a draft, publish, export;
and the community page's panel beside its type's current list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import access as community_access
from core.downloads import XLSX, attachment
from core.forms import mark_invalid
from core.guards import refusal
from core.inputs import NOTE_MAX, first_year, last_year, parse_id, parse_year

from .. import access, exporting, queries, services
from ..forms import CompileForm, NeedsListEditForm
from ..models import Need, NeedsList


@login_required
def needs_list_index(request):
    return _index_page(request)


def _index_page(request, *, compile_form=None, status=200):
    """The lists of the user's scope; a compile form sent with mistakes comes back
    bound, its errors beside the fields (status 400)."""
    lists = (
        access.visible_needs_lists(request.user)
        .select_related("community_type", "compiled_by", "published_by")
        .annotate(item_count=Count("items"))
    )
    year = request.GET.get("year")
    if year:
        if parse_year(year) is None:
            return refusal(
                request,
                400,
                _("Give a year from %(first)s to %(last)s.") % {"first": first_year(), "last": last_year()},
            )
        lists = lists.filter(year=parse_year(year))
    context = {
        "lists": lists.order_by("-year", "community_type__order", "-version"),
        "can_manage": access.can_manage_needs_lists(request.user),
        "compile_form": compile_form or CompileForm(initial={"year": timezone.localdate().year}),
    }
    return render(request, "needs/needs_lists.html", context, status=status)


@login_required
@require_POST
def needs_list_compile(request):
    community_access.require(access.can_manage_needs_lists(request.user))
    form = CompileForm(request.POST)
    if not form.is_valid():
        mark_invalid(form)
        return _index_page(request, compile_form=form, status=400)
    needs_list = services.needs_list_compile(by=request.user, **form.cleaned_data)
    messages.success(request, _("Draft compiled: %(n)s shared problems.") % {"n": needs_list.items.count()})
    return redirect("needs:list_detail", pk=needs_list.pk)


def _scoped_needs_list(request, pk) -> NeedsList:
    return get_object_or_404(
        access.visible_needs_lists(request.user).select_related(
            "community_type", "compiled_by", "published_by"
        ),
        pk=pk,
    )


def _items(needs_list):
    return needs_list.items.select_related("category").order_by("position")


@login_required
def needs_list_detail(request, pk):
    needs_list = _scoped_needs_list(request, pk)
    can_edit = access.can_manage_needs_lists(request.user) and not needs_list.is_published
    items = list(_items(needs_list))
    form = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = NeedsListEditForm(request.POST, needs_list=needs_list, items=items)
        if form.is_valid():
            try:
                services.needs_list_edit(needs_list=needs_list, by=request.user, **form.edits())
            except services.NeedsError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Draft saved."))
            return redirect("needs:list_detail", pk=needs_list.pk)
        # Nothing was written: the page comes back as it was sent, errors beside the notes.
        items = _as_sent(items, request.POST.getlist("order"))
    for item in items:
        item.form_note = request.POST.get(f"note-{item.pk}", item.note) if form else item.note
        item.note_errors = form.errors.get(f"note-{item.pk}", []) if form else []
    context = {
        "needs_list": needs_list,
        "items": items,
        "can_edit": can_edit,
        "form": form,
        "list_note": request.POST.get("list_note", needs_list.note) if form else needs_list.note,
        "note_max": NOTE_MAX,
    }
    template = "needs/needs_list_print.html" if request.GET.get("print") else "needs/needs_list_detail.html"
    return render(request, template, context, status=400 if form else 200)


def _as_sent(items, order) -> list:
    """The items in the order the refused form sent, when it named each exactly once."""
    by_pk = {item.pk: item for item in items}
    wanted = [parse_id(v) for v in order]
    if sorted(p for p in wanted if p) == sorted(by_pk) and len(wanted) == len(by_pk):
        return [by_pk[p] for p in wanted]
    return items


@login_required
@require_POST
def needs_list_publish(request, pk):
    needs_list = _scoped_needs_list(request, pk)
    community_access.require(access.can_manage_needs_lists(request.user))
    try:
        services.needs_list_publish(needs_list=needs_list, by=request.user)
    except services.NeedsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The needs list is published and frozen."))
    return redirect("needs:list_detail", pk=needs_list.pk)


@login_required
def needs_list_export(request, pk):
    needs_list = _scoped_needs_list(request, pk)
    headers = [
        _("Rank"),
        _("Category"),
        _("Domain"),
        _("Communities"),
        _("Needs"),
        _("Open"),
        _("Urgent"),
        _("Note"),
    ]
    rows = [
        [
            i.position,
            i.category.label,
            i.category.get_domain_display(),
            i.community_count,
            i.need_count,
            i.open_count,
            i.urgent_count,
            i.note,
        ]
        for i in _items(needs_list)
    ]
    kind, year, version = needs_list.community_type, needs_list.year, needs_list.version
    body = exporting.to_xlsx(headers, rows, title=f"{kind.label}{year}")
    return attachment(
        body,
        filename="%s-%s-%s-%s.xlsx" % (_("Needs list"), kind.label, year, _("v%(n)s") % {"n": version}),
        fallback=f"needs-list-{kind.code}-{year}-v{version}.xlsx",
        content_type=XLSX,
    )


@login_required
def community_panel(request, pk):
    """The community page's two lists: its type's current needs list with the
    community's own counts beside each item (loaded into the community page)."""
    community = get_object_or_404(
        community_access.visible_communities(request.user).select_related("type"), pk=pk
    )
    needs_list = queries.current_needs_list(community.type)
    own = {}
    items = []
    if needs_list:
        own = queries.community_counts_by_category(community=community, year=needs_list.year)
        items = [(item, own.get(item.category_id, {})) for item in _items(needs_list)]
    recent = queries.need_list(request.user).filter(community=community).order_by("-raised_on", "-id")[:8]
    context = {
        "community": community,
        "needs_list": needs_list,
        "items": items,
        "recent": recent,
        "open_count": community.needs.filter(status__in=[Need.Status.OPEN, Need.Status.ESCALATED]).count(),
        "can_log": access.can_log_needs(request.user, community),
    }
    return render(request, "needs/_community_panel.html", context)

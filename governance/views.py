"""The home page (per role) and the sign-in page."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render

from communities import access, queries
from communities.models import MIN_CO_BUILDING_UNITS, Role
from needs import access as needs_access
from needs import queries as needs_queries
from needs.models import Need


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    user = request.user
    scope = access.scope_for(user)
    types = list(queries.types_with_counts(user))
    chart = {
        "labels": [t.label for t in types],
        "values": [t.community_count for t in types],
    }
    own_communities = []
    if Role.COMMUNITY_WORKER in scope.roles:
        own_communities = list(
            queries.community_list(user).filter(id__in=scope.community_ids).select_related("town", "type")
        )
    context = {
        "summary": queries.scope_summary(user),
        "types": types,
        "chart": chart,
        "attention": list(queries.communities_needing_attention(user)),
        "own_communities": own_communities,
        "towns": list(access.visible_towns(user)) if scope.town_ids else [],
        "min_units": MIN_CO_BUILDING_UNITS,
        "no_scope": scope.is_empty,
        "needs": needs_access.visible_needs(user).aggregate(
            open=Count("id", filter=Q(status__in=[Need.Status.OPEN, Need.Status.ESCALATED])),
            urgent=Count("id", filter=Q(urgent=True, status__in=[Need.Status.OPEN, Need.Status.ESCALATED])),
            escalated=Count("id", filter=Q(status=Need.Status.ESCALATED)),
        ),
        "overdue": list(needs_queries.overdue_escalations(user)[:20]) if not scope.is_empty else [],
    }
    return render(request, "governance/home.html", context)

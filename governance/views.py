"""The home page (per role) and the sign-in page."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from communities import access, queries
from communities.models import MIN_CO_BUILDING_UNITS, Role


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
    }
    return render(request, "governance/home.html", context)

from django.core.cache import cache

from communities import access
from communities.models import Role, Town


def site(request):
    """What the base layout needs: the user's roles and whether this is demo data."""
    demo = cache.get("governance:demo-data")
    if demo is None:
        demo = Town.objects.filter(is_demo=True).exists()
        cache.set("governance:demo-data", demo, 300)
    scope = access.scope_for(getattr(request, "user", None))
    return {
        "demo_data": demo,
        "scope": scope,
        "is_city_admin": scope.is_city_admin,
        "role_labels": [Role(r).label for r in sorted(scope.roles)],
    }

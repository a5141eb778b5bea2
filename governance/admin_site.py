from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from communities.access import scope_for


class CityAdminSite(admin.AdminSite):
    site_header = _("Community governance administration")
    site_title = _("Community governance")
    index_title = _("Reference data and records")

    def has_permission(self, request):
        user = request.user
        return user.is_active and scope_for(user).is_city_admin

    def login(self, request, extra_context=None):
        """Sign in through the product's own login page (with its lockout rules)."""
        from django.contrib.auth.views import redirect_to_login
        from django.core.exceptions import PermissionDenied
        from django.urls import reverse

        if request.user.is_authenticated:
            raise PermissionDenied
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect_to_login(next_url, reverse("login"))

from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    default = True
    name = "governance"
    verbose_name = _("Governance")


class GovernanceAdminConfig(admin_apps.AdminConfig):
    """Django admin, open to city admins (by membership) instead of staff flags."""

    default = False
    default_site = "governance.admin_site.CityAdminSite"


class AxesConfig(AxesAppConfig):
    """django-axes (sign-in lockouts) under a Chinese name in the admin: it has none of its own."""

    default = False
    verbose_name = _("Sign-in lockouts")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The ground floor: shared plumbing that knows no domain."""

    name = "core"
    verbose_name = _("Common")

    def ready(self):
        # Registers the OpenAPI description of the reference fields.
        from . import lookups  # noqa: F401

"""The needs app's domain errors: services raise them with a translated message,
pages show it as is and the API maps them (``core.api``)."""

from django.utils.translation import gettext as _

from core.errors import ConflictError as CoreConflictError
from core.errors import DomainError


class NeedsError(DomainError):
    """A write about needs that cannot be done; the message is shown as is."""


class ConflictError(NeedsError, CoreConflictError):
    """Someone changed the record first; reload and try again."""


class ImportRejected(NeedsError):
    """An import with bad rows: nothing was written. ``errors`` lists them all."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(_("The file has %(n)s bad rows; nothing was imported.") % {"n": len(errors)})

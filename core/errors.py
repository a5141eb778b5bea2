"""Domain errors shared by every app. A service raises them with a translated
message; pages show the message as is, the API maps them in ``core.api``."""


class DomainError(Exception):
    """A write that cannot be done; the message is shown to the user as is."""


class ConflictError(DomainError):
    """Someone else changed the record first; the user should reload and retry."""

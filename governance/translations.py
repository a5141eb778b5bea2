"""Strings of Django and of installed apps that their own Chinese catalogues lack.

Listed here so that ``makemessages`` keeps them in the project's catalogue, which
Django reads before any app's (LOCALE_PATHS), so these pages read in Chinese too.
Nothing imports this module: the strings are only marked, never used from here.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

# Django 5.2 changed this message's placeholder; its zh_Hans catalogue still has
# the old one, so the password forms showed it in English.
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
)

# Django 5.2's admin index: column headings for screen readers, new in 5.1.
ADMIN = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Error:"),
)

# django-axes (sign-in lockouts), which ships no Chinese: its admin pages.
AXES = (
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Account locked: too many login attempts. Please try again later."),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
)

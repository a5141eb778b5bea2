"""The project's path (五事协商) as one explicit table: (action, from states) →
to state, who may take it, and what happens to the project's needs.

Templates ask ``available_actions`` which buttons to show; the services ask
``check_role`` before they touch anything. Both read this table only.
"""

from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from communities.access import scope_for
from needs.models import Need

from .models import Project

S = Project.State

# Who may act: the project's own community worker, the staff of its town, city
# admins, and the decision day's recorded vote (the next step of the product).
WORKER, TOWN_STAFF, CITY_ADMIN, DECISION_DAY = "worker", "town_staff", "city_admin", "decision_day"


@dataclass(frozen=True)
class Transition:
    action: str
    label: object
    sources: tuple
    target: str
    roles: frozenset
    needs_to: str | None = None  # the new status of the project's needs, if any
    # What the page says once the step is taken; %(day)s is the project's decision day.
    done: object = None

    def done_message(self, project) -> str:
        if self.done is None:
            return _("Done: %(a)s.") % {"a": self.label}
        day = project.decision_day
        return self.done % {"day": date_format(day.date, "DATE_FORMAT") if day else ""}


TRANSITIONS = {
    t.action: t
    for t in [
        Transition("submit", _("Submit"), (S.DRAFT,), S.SUBMITTED, frozenset({WORKER})),
        Transition(
            "withdraw",
            _("Withdraw"),
            (S.DRAFT, S.SUBMITTED),
            S.WITHDRAWN,
            frozenset({WORKER}),
            Need.Status.OPEN,
        ),
        Transition("return", _("Return to draft"), (S.SUBMITTED,), S.DRAFT, frozenset({TOWN_STAFF})),
        Transition(
            "schedule",
            _("Put on a decision day"),
            (S.SUBMITTED,),
            S.SCHEDULED,
            frozenset({TOWN_STAFF}),
            done=_("Put on the agenda of the decision day of %(day)s."),
        ),
        Transition(
            "approve",
            _("Approve"),
            (S.SCHEDULED,),
            S.APPROVED,
            frozenset({DECISION_DAY}),
            Need.Status.PLANNED,
        ),
        Transition(
            "reject", _("Reject"), (S.SCHEDULED,), S.REJECTED, frozenset({DECISION_DAY}), Need.Status.OPEN
        ),
        Transition("defer", _("Defer"), (S.SCHEDULED,), S.DEFERRED, frozenset({DECISION_DAY})),
        Transition("resubmit", _("Submit again"), (S.DEFERRED,), S.SUBMITTED, frozenset({WORKER})),
        Transition("start", _("Start"), (S.APPROVED,), S.IN_PROGRESS, frozenset({WORKER})),
        Transition("complete", _("Report completion"), (S.IN_PROGRESS,), S.COMPLETED, frozenset({WORKER})),
        Transition(
            "accept",
            _("Record residents' supervision"),
            (S.COMPLETED,),
            S.ACCEPTED,
            frozenset({TOWN_STAFF, CITY_ADMIN}),
            Need.Status.RESOLVED,
        ),
    ]
}

# States in which the project still holds its needs and its resources.
ACTIVE_STATES = (S.DRAFT, S.SUBMITTED, S.SCHEDULED, S.APPROVED, S.DEFERRED, S.IN_PROGRESS, S.COMPLETED)
# States in which the project's details may still be edited by its worker.
EDITABLE_STATES = (S.DRAFT,)


def roles_on(user, project: Project) -> set[str]:
    """The workflow roles the user holds on this project."""
    scope = scope_for(user)
    roles = set()
    if project.community_id in scope.community_ids:
        roles.add(WORKER)
    if project.community.town_id in scope.town_ids:
        roles.add(TOWN_STAFF)
    if scope.is_city_admin:
        roles.add(CITY_ADMIN)
    return roles


def check_role(user, project: Project, action: str) -> bool:
    return bool(TRANSITIONS[action].roles & roles_on(user, project))


def available_actions(user, project: Project) -> list[Transition]:
    """The transitions the user may take now (for the buttons on the page)."""
    roles = roles_on(user, project)
    return [t for t in TRANSITIONS.values() if project.state in t.sources and t.roles & roles]


def can_edit(user, project: Project) -> bool:
    return project.state in EDITABLE_STATES and WORKER in roles_on(user, project)


def can_report_progress(user, project: Project) -> bool:
    return project.state == S.IN_PROGRESS and bool({WORKER, TOWN_STAFF} & roles_on(user, project))

"""The permission contract (tests/permissions.py) as the needs tests use it.

Needs, surveys and escalations belong to one community, so the community worker's
neighbour in their own town (a2) is as far out of their scope as another town: the
``OneCommunity`` mixin asks that too. Needs lists belong to no community: out of
town staff's and the worker's scope is a draft, which only the city's roles see.
"""

from django.urls import reverse

from tests.permissions import ROLES, PermissionContract


class NeedsContract(PermissionContract):
    """The contract, with what the needs tests always held an anonymous visitor to:
    the login page with the way back (pages), 401 (API)."""

    allowed_on = None  # the object the allowed roles act on, when not ``in_scope``

    def request(self, world, client, key):
        # Kept for a class's own checks of what the user got back.
        self.response = super().request(world, client, key)
        return self.response

    def not_shown(self, world, key) -> list[str]:
        """What an answer about this object must not reveal when it is refused as not found."""
        return []

    def test_anonymous(self, world, client, api_as):
        super().test_anonymous(world, client, api_as)
        if self.api:
            assert self.response.status_code == 401
        else:
            assert self.response.url == f"{reverse('login')}?next={self.path(world, self.in_scope)}"

    def test_out_of_scope_is_not_found(self, world, client_as, api_as, role):
        super().test_out_of_scope_is_not_found(world, client_as, api_as, role)
        content = self.response.content.decode()
        assert [text for text in self.not_shown(world, self.out_of_scope) if text in content] == []

    def test_allowed(self, world, client_as, api_as, role):
        if self.allowed_on:
            self.in_scope = self.allowed_on
        super().test_allowed(world, client_as, api_as, role)


class EveryRoleReads(NeedsContract):
    """An object every role reads in its scope: nobody in scope is refused."""

    allowed = set(ROLES)
    test_in_scope_without_the_role_is_forbidden = None  # no role is left to ask


class OneCommunity:
    """An object of one community: the worker's neighbour (a2) is out of their scope."""

    neighbour = "a2"

    def test_the_workers_neighbour_community_is_not_found(self, world, client_as, api_as):
        client = self.client_for(world, "community_worker", client_as, api_as)
        response = self.request(world, client, self.neighbour)
        assert response.status_code == 404
        assert self.unchanged(world)
        content = response.content.decode()
        assert [text for text in self.not_shown(world, self.neighbour) if text in content] == []

"""One reusable shape for permission tests: every endpoint answers the same four
questions, and a test class says only what the endpoint is and who may use it.

    class TestArchive(PermissionContract):
        method = "post"
        allowed = {"city_admin"}

        def path(self, world, key):
            return reverse("communities:archive", args=[getattr(world, key).pk])

        def unchanged(self, world):            # nothing written by a refused request
            return not Community.objects.get(pk=world.a1.pk).is_archived

pytest collects, for each such class:
- test_anonymous: an anonymous visitor is sent to the login page (API: 401/403);
- test_out_of_scope_is_not_found: town staff and the community worker, asking for
  an object of another town, get 404, exactly as for an id that does not exist;
- test_in_scope_without_the_role_is_forbidden: every role not in ``allowed``,
  asking for an object in its scope, gets 403 and nothing is written;
- test_allowed: every role in ``allowed`` succeeds on an object in its scope.

The world (tests/conftest.py): town A holds a1 (the worker's own) and a2; town B
holds b1 and b2. City admins and viewers see all four; nothing is out of their scope.
"""

from django.urls import reverse

ROLES = ("city_admin", "viewer", "town_staff", "community_worker")
SCOPED_ROLES = ("town_staff", "community_worker")  # roles with an outside


class PermissionContract:
    """Base of a permission test class (see the module's docstring)."""

    method = "get"
    api = False
    allowed: set = set()
    success = (200, 201, 302)
    in_scope = "a1"  # in every role's scope
    out_of_scope = "b1"  # outside town staff's and the worker's scope

    def path(self, world, key) -> str:
        raise NotImplementedError

    def data(self, world) -> dict:
        return {}

    def unchanged(self, world) -> bool:
        """True while nothing has been written (refused requests must keep it True)."""
        return True

    def request(self, world, client, key):
        method = getattr(client, self.method)
        if self.method == "get":
            return method(self.path(world, key), self.data(world))
        kwargs = {"format": "json"} if self.api else {}
        return method(self.path(world, key), self.data(world), **kwargs)

    def client_for(self, world, role, client_as, api_as):
        user = world.users[role]
        return api_as(user) if self.api else client_as(user)

    # --- the four questions -------------------------------------------------------------

    def test_anonymous(self, world, client, api_as):
        anonymous = api_as(None) if self.api else client
        response = self.request(world, anonymous, self.in_scope)
        if self.api:
            assert response.status_code in (401, 403)
        else:
            assert response.status_code == 302
            assert response.url.startswith(reverse("login"))
        assert self.unchanged(world)

    def test_out_of_scope_is_not_found(self, world, client_as, api_as, role):
        response = self.request(world, self.client_for(world, role, client_as, api_as), self.out_of_scope)
        assert response.status_code == 404
        assert self.unchanged(world)

    def test_in_scope_without_the_role_is_forbidden(self, world, client_as, api_as, role):
        response = self.request(world, self.client_for(world, role, client_as, api_as), self.in_scope)
        assert response.status_code == 403
        assert self.unchanged(world)

    def test_allowed(self, world, client_as, api_as, role):
        response = self.request(world, self.client_for(world, role, client_as, api_as), self.in_scope)
        assert response.status_code in self.success


def generate_roles(metafunc) -> None:
    """Parametrize ``role`` for the contract's tests (called from conftest)."""
    cls = metafunc.cls
    if cls is None or not issubclass(cls, PermissionContract) or "role" not in metafunc.fixturenames:
        return
    name = metafunc.function.__name__
    if name == "test_out_of_scope_is_not_found":
        roles = list(SCOPED_ROLES)
    elif name == "test_in_scope_without_the_role_is_forbidden":
        roles = [r for r in ROLES if r not in cls.allowed]
    elif name == "test_allowed":
        roles = [r for r in ROLES if r in cls.allowed]
    else:
        roles = list(ROLES)
    metafunc.parametrize("role", roles)


def drop_unasked(config, items) -> None:
    """Leave out a question no role is left to ask (every role allowed, or none),
    instead of reporting it as a skipped test (called from conftest)."""
    kept, dropped = [], []
    for item in items:
        cls = getattr(item, "cls", None)
        empty = any(
            "got empty parameter set" in str(mark.kwargs.get("reason", ""))
            for mark in item.iter_markers("skip")
        )
        (dropped if cls and issubclass(cls, PermissionContract) and empty else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept

"""Changing one's password is how a person shuts out whoever learned it. The
sessions signed in with the old password end; the API token issued with it
keeps working today, so whoever obtained the token keeps the user's access."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def test_an_api_token_stops_working_when_its_user_changes_the_password(world, client):
    # given a town staff member with an API token
    staff = world.users["town_staff"]
    staff.set_password("old-pass-word-2024")
    staff.save()
    token = Token.objects.create(user=staff)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/needs/").status_code == 200

    # when they change their password on the password page
    client.force_login(staff)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "old-pass-word-2024",
            "new_password1": "Quite-another-pass-77",
            "new_password2": "Quite-another-pass-77",
        },
    )
    assert response.status_code == 302

    # then the old token no longer opens the API
    assert api.get("/api/v1/needs/").status_code == 401

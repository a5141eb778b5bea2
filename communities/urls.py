from django.urls import path

from . import views

app_name = "communities"

urlpatterns = [
    path("communities/", views.community_list, name="list"),
    path("communities/new/", views.community_create, name="create"),
    path("communities/suggest/", views.community_suggest, name="suggest"),
    path("communities/<int:pk>/", views.community_detail, name="detail"),
    path("communities/<int:pk>/edit/", views.community_edit, name="edit"),
    path("communities/<int:pk>/archive/", views.community_archive, name="archive"),
    path("communities/<int:pk>/reclassify/", views.community_reclassify, name="reclassify"),
    path("communities/<int:pk>/alliance/", views.alliance_add, name="alliance_add"),
    path(
        "communities/<int:pk>/alliance/<int:alliance_pk>/end/",
        views.alliance_end,
        name="alliance_end",
    ),
    path("types/", views.type_list, name="types"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_active"),
    path(
        "users/<int:pk>/memberships/<int:membership_pk>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
]

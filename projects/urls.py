from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("projects/", views.project_list, name="list"),
    path("projects/new/", views.project_create, name="create"),
    path("projects/matches/", views.project_matches, name="matches"),
    path("projects/<int:pk>/", views.project_detail, name="detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="edit"),
    path("projects/<int:pk>/updates/", views.progress_add, name="progress_add"),
    path("projects/<int:pk>/<slug:action>/", views.project_transition, name="transition"),
    path("project-updates/<int:pk>/file/", views.update_attachment, name="update_attachment"),
    path("decision-days/", views.decision_day_list, name="decision_days"),
    path("decision-days/new/", views.decision_day_create, name="decision_day_create"),
    path("communities/<int:pk>/projects-panel/", views.community_panel, name="community_panel"),
    path("resources/", views.resource_list, name="resources"),
    path("resources/new/", views.resource_create, name="resource_create"),
    path("resources/<int:pk>/edit/", views.resource_edit, name="resource_edit"),
]

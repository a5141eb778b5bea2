from django.urls import path

from . import views

app_name = "needs"

urlpatterns = [
    path("needs/", views.need_list, name="list"),
    path("needs/export.<str:fmt>", views.need_export, name="export"),
    path("needs/import/", views.import_upload, name="import"),
    path("needs/import/<uuid:pk>/", views.import_job, name="import_job"),
    path("needs/import/<uuid:pk>/confirm/", views.import_job_confirm, name="import_confirm"),
    path("needs/import/template.xlsx", views.import_template, name="import_template"),
    path("needs/<int:pk>/", views.need_detail, name="detail"),
    path("needs/<int:pk>/edit/", views.need_edit, name="edit"),
    path("needs/<int:pk>/close/", views.need_close, name="close"),
    path("needs/<int:pk>/reopen/", views.need_reopen, name="reopen"),
    path("needs/<int:pk>/resolve/", views.need_resolve, name="resolve"),
    path("needs/<int:pk>/escalate/", views.need_escalate, name="escalate"),
    path("escalations/<int:pk>/respond/", views.escalation_respond, name="respond"),
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/new/", views.survey_create, name="survey_create"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey"),
    path("surveys/<int:pk>/needs/", views.survey_add_need, name="survey_add_need"),
    path("needs-lists/", views.needs_list_index, name="lists"),
    path("needs-lists/compile/", views.needs_list_compile, name="list_compile"),
    path("needs-lists/<int:pk>/", views.needs_list_detail, name="list_detail"),
    path("needs-lists/<int:pk>/publish/", views.needs_list_publish, name="list_publish"),
    path("needs-lists/<int:pk>/export.xlsx", views.needs_list_export, name="list_export"),
    path("communities/<int:pk>/needs-panel/", views.community_panel, name="community_panel"),
    path("categories/", views.category_list, name="categories"),
]

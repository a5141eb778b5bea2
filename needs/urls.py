from django.urls import path

from .views import departments, imports, lists, needs, surveys

app_name = "needs"

urlpatterns = [
    path("needs/", needs.need_list, name="list"),
    path("needs/export.<str:fmt>", needs.need_export, name="export"),
    path("needs/import/", imports.import_upload, name="import"),
    path("needs/import/<uuid:pk>/", imports.import_job, name="import_job"),
    path("needs/import/<uuid:pk>/confirm/", imports.import_job_confirm, name="import_confirm"),
    path("needs/import/template.xlsx", imports.import_template, name="import_template"),
    path("needs/<int:pk>/", needs.need_detail, name="detail"),
    path("needs/<int:pk>/edit/", needs.need_edit, name="edit"),
    path("needs/<int:pk>/close/", needs.need_close, name="close"),
    path("needs/<int:pk>/reopen/", needs.need_reopen, name="reopen"),
    path("needs/<int:pk>/resolve/", needs.need_resolve, name="resolve"),
    path("needs/<int:pk>/escalate/", needs.need_escalate, name="escalate"),
    path("escalations/<int:pk>/respond/", needs.escalation_respond, name="respond"),
    path("towns/<int:pk>/escalation-departments/", departments.department_list, name="departments"),
    path("escalation-departments/<int:pk>/active/", departments.department_active, name="department_active"),
    path("surveys/", surveys.survey_list, name="surveys"),
    path("surveys/new/", surveys.survey_create, name="survey_create"),
    path("surveys/<int:pk>/", surveys.survey_detail, name="survey"),
    path("surveys/<int:pk>/needs/", surveys.survey_add_need, name="survey_add_need"),
    path("needs-lists/", lists.needs_list_index, name="lists"),
    path("needs-lists/compile/", lists.needs_list_compile, name="list_compile"),
    path("needs-lists/<int:pk>/", lists.needs_list_detail, name="list_detail"),
    path("needs-lists/<int:pk>/publish/", lists.needs_list_publish, name="list_publish"),
    path("needs-lists/<int:pk>/export.xlsx", lists.needs_list_export, name="list_export"),
    path("communities/<int:pk>/needs-panel/", lists.community_panel, name="community_panel"),
    path("categories/", needs.category_list, name="categories"),
]

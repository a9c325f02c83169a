from django.urls import path

from discharge import views

app_name = "discharge"

urlpatterns = [
    path("", views.worklists, name="worklists"),
    path("nytt/<uuid:patient_id>/", views.open_case, name="open_case"),
    path("<uuid:case_id>/", views.case_detail, name="case"),
    path("<uuid:case_id>/ratta/", views.correct, name="correct"),
    path("<uuid:case_id>/<slug:action>/", views.case_action, name="case_action"),
]

from django.urls import path

from discharge import followup_views, invoice_views, views

app_name = "discharge"

urlpatterns = [
    path("", views.worklists, name="worklists"),
    path("nytt/<uuid:patient_id>/", views.open_case, name="open_case"),
    path("fakturaunderlag/", invoice_views.basis_overview, name="basis"),
    path("fakturaunderlag/spara/", invoice_views.basis_store, name="basis_store"),
    path("fakturaunderlag/<str:month>/<str:code>/", invoice_views.basis_municipality, name="basis_municipality"),
    path("fakturaunderlag/<str:month>/<str:code>/<uuid:case_id>/", invoice_views.basis_case, name="basis_case"),
    path("fakturaunderlag/<str:month>/<str:code>/underlag-<str:fmt>", invoice_views.basis_export, name="basis_export"),
    path("avtal/", invoice_views.agreements, name="agreements"),
    path("avtal/nytt/", invoice_views.agreement_edit, name="agreement_new"),
    path("avtal/<int:pk>/", invoice_views.agreement_detail, name="agreement"),
    path("avtal/<int:pk>/andra/", invoice_views.agreement_edit, name="agreement_edit"),
    path("<uuid:case_id>/", views.case_detail, name="case"),
    path("<uuid:case_id>/ratta/", views.correct, name="correct"),
    path("<uuid:case_id>/kvittera/", views.mark_read, name="mark_read"),
    path("<uuid:case_id>/<slug:action>/", views.case_action, name="case_action"),
    path("uppfoljning/", followup_views.followup_overview, name="followup"),
    path("uppfoljning/<str:code>/", followup_views.followup_municipality, name="followup_municipality"),
]

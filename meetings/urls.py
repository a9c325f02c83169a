from django.urls import path

from meetings import conference_views, followup_views, setup_views, sip_views, views

app_name = "meetings"

urlpatterns = [
    path("kalender/", views.calendar, name="calendar"),
    path("kalender/boka/<uuid:patient_id>/", views.book, name="book"),
    path("kalender/tider/", views.slots, name="slots"),
    path("besok/<uuid:booking_id>/", views.booking_detail, name="booking"),
    path("besok/<uuid:booking_id>/anslut/", views.join, name="join"),
    path("mina-sidor/besok/", views.portal_visits, name="portal_visits"),
    path("mina-sidor/sip/", sip_views.portal_sip, name="portal_sip"),
    path("mina-sidor/sip/<uuid:plan_id>/version-<int:number>.pdf", sip_views.portal_sip_pdf, name="portal_sip_pdf"),
    path("vardmoten/uppfoljning/", followup_views.followup_page, name="followup"),
    path("vardmoten/installningar/", setup_views.overview, name="settings"),
    path("vardmoten/installningar/bokningsregler/", setup_views.booking_rules, name="booking_rules"),
    path("vardmoten/installningar/besokstyper/ny/", setup_views.visit_kind_edit, name="visit_kind_new"),
    path("vardmoten/installningar/besokstyper/<int:kind_id>/", setup_views.visit_kind_edit, name="visit_kind"),
    path("konferenser/", conference_views.conferences, name="conferences"),
    path("konferenser/ny/", conference_views.series_edit, name="conference_series_new"),
    path("konferenser/<int:series_id>/", conference_views.series_edit, name="conference_series"),
    path("konferenser/<int:series_id>/nytt-tillfalle/", conference_views.session_new, name="conference_session_new"),
    path("konferenser/anmal/<uuid:patient_id>/", conference_views.register_case, name="conference_register"),
    path("konferenser/tillfalle/<int:session_id>/", conference_views.session_detail, name="conference_session"),
    path("sip/", sip_views.sip_list, name="sip_list"),
    path("sip/ny/<uuid:patient_id>/", sip_views.sip_new, name="sip_new"),
    path("sip/inbjudan/<int:participant_id>/", sip_views.sip_invitation_answer, name="sip_invitation"),
    path("sip/<uuid:plan_id>/", sip_views.sip_detail, name="sip"),
    path("sip/<uuid:plan_id>/version-<int:number>.pdf", sip_views.sip_version_pdf, name="sip_version_pdf"),
    path("mina-sidor/besok/<uuid:booking_id>/anslut/", views.portal_join, name="portal_join"),
    path("mina-sidor/besok/<uuid:booking_id>/", views.portal_visit, name="portal_visit"),
]

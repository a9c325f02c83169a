from django.urls import path

from contact import views

app_name = "contact"

urlpatterns = [
    path("mina-sidor/kontakt/", views.portal_list, name="portal_list"),
    path("mina-sidor/kontakt/ny/", views.portal_new, name="portal_new"),
    path("mina-sidor/kontakt/aviseringar/", views.portal_notices, name="portal_notices"),
    path("mina-sidor/kontakt/kontroll/", views.portal_check, name="portal_check"),
    path("mina-sidor/kontakt/utkast-bild/<int:picture_id>/", views.portal_draft_picture, name="portal_draft_picture"),
    path("mina-sidor/kontakt/<uuid:matter_id>/", views.portal_matter, name="portal_matter"),
    path("mina-sidor/kontakt/<uuid:matter_id>/chatt/", views.portal_chat, name="portal_chat"),
    path("mina-sidor/kontakt/<uuid:matter_id>/bild/<int:picture_id>/", views.portal_picture, name="portal_picture"),
    path("mina-sidor/kontakt/<uuid:matter_id>/video/", views.portal_video, name="portal_video"),
    path("kontakt/arende/<uuid:matter_id>/video/", views.video, name="video"),
    path("kontakt/", views.queue, name="queue"),
    path("kontakt/patient/<uuid:patient_id>/", views.patient_page, name="patient"),
    path("kontakt/installningar/", views.settings_page, name="settings"),
    path("kontakt/uppfoljning/", views.followup_page, name="followup"),
    path("kontakt/arende/<uuid:matter_id>/", views.matter_page, name="matter"),
    path("kontakt/arende/<uuid:matter_id>/chatt/", views.chat, name="chat"),
    path("kontakt/arende/<uuid:matter_id>/bild/<int:picture_id>/", views.picture, name="picture"),
]

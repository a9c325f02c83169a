from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("kalender/", views.calendar, name="calendar"),
    path("kalender/boka/<uuid:patient_id>/", views.book, name="book"),
    path("kalender/tider/", views.slots, name="slots"),
    path("besok/<uuid:booking_id>/", views.booking_detail, name="booking"),
    path("besok/<uuid:booking_id>/anslut/", views.join, name="join"),
    path("mina-sidor/besok/", views.portal_visits, name="portal_visits"),
    path("mina-sidor/avgifter/", views.portal_fees, name="portal_fees"),
    path("mina-sidor/besok/<uuid:booking_id>/anslut/", views.portal_join, name="portal_join"),
]

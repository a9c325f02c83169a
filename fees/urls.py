from django.urls import path

from fees import views

app_name = "fees"

# The addresses the fee pages had as part of meetings: bookmarks and links keep working.
urlpatterns = [
    path("mina-sidor/avgifter/", views.portal_fees, name="portal_fees"),
    path("vardmoten/installningar/avgifter/ny/", views.fee_schedule_edit, name="fee_schedule_new"),
    path("vardmoten/installningar/avgifter/<int:year>/", views.fee_schedule_edit, name="fee_schedule"),
    path("vardmoten/installningar/prisbasbelopp/", views.prisbasbelopp, name="prisbasbelopp"),
]

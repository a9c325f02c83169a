from django.urls import include, path

from core.admin import site as registers

urlpatterns = [
    path("administration/register/", registers.urls),
    path("api/v1/", include("samverkan.api")),
    path("utskrivning/", include("discharge.urls")),
    path("", include("contact.urls")),
    path("", include("forums.urls")),
    path("", include("meetings.urls")),
    path("", include("fees.urls")),
    path("", include("core.urls")),
]

handler400 = "core.views.errors.bad_request"
handler403 = "core.views.errors.permission_denied"
handler404 = "core.views.errors.page_not_found"
handler500 = "core.views.errors.server_error"

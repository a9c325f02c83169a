from django.urls import path

from core.views import audit, auth, health, home, imports, patients, portal, tokens

app_name = "core"

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says: sent on to the icon in static/.
    path("favicon.ico", health.favicon, name="favicon"),
    path("readyz", health.readyz, name="readyz"),
    path("logga-in/", auth.login_view, name="login"),
    path("logga-in/e-id/<slug:slug>/", auth.eid_start, name="eid_start"),
    path("logga-in/e-id/<slug:slug>/klar/", auth.eid_callback, name="eid_callback"),
    path("logga-ut/", auth.logout_view, name="logout"),
    path("enhet/", auth.choose_unit, name="choose_unit"),
    path("losenord/", auth.change_password, name="change_password"),
    path("patienter/", patients.search, name="patient_search"),
    path("patienter/ny/", patients.register, name="patient_register"),
    path("patienter/enheten/", patients.unit_list, name="unit_patients"),
    path("patienter/<uuid:patient_id>/", patients.detail, name="patient_detail"),
    path("patienter/<uuid:patient_id>/nodatkomst/", patients.emergency_access, name="patient_emergency"),
    path("patienter/<uuid:patient_id>/vardrelation/", patients.add_care_relation, name="patient_add_relation"),
    path("administration/", home.admin_home, name="admin_home"),
    path("administration/loggutdrag/", audit.access_log_lookup, name="access_log_lookup"),
    path("administration/loggutdrag/<uuid:patient_id>/", audit.access_log_extract, name="access_log_extract"),
    path("administration/nodatkomst/", audit.emergency_report, name="emergency_report"),
    path("administration/api-nycklar/", tokens.token_list, name="tokens"),
    path("administration/api-nycklar/<int:token_id>/aterkalla/", tokens.token_revoke, name="token_revoke"),
    path("administration/import/", imports.imports, name="imports"),
    path("mina-sidor/", portal.home, name="portal"),
    path("mina-sidor/logg/", portal.access_log, name="portal_access_log"),
]

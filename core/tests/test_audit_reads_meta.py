"""Every page and API operation that takes the id of a patient, or of something that shows one (a
discharge case, a booked visit, a SIP plan, a conference session), writes a read to the audit log
when it answers 200.

The URLs come from the project's URL resolver and the API's OpenAPI schema, not from a list here,
so a new one is met by this test: every URL parameter must be classified below (a new parameter
name fails), a URL taking a patient's id needs a caller who may read it (`SUBJECTS`) or a reason
to be left out (`EXCLUDED`, checked as well), and a classification nobody uses any more fails too.
"""

import fnmatch
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, path
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from core.admin import site as registers
from samverkan.api import api
from core.models import AuditEvent, Membership, Organisation, Unit, User
from core.tests.factories import (
    login, make_actor, make_api_token, make_care_relation, make_patient, make_resident, make_unit,
)

pytestmark = pytest.mark.django_db


# --- Where an id of patient data is ---------------------------------------------------------------

# URL parameters that name a patient or something that shows one; each has a factory below.
SUBJECT_PARAMS = {"patient_id", "case_id", "booking_id", "plan_id", "session_id", "matter_id"}

# URL parameters that name nothing of a patient, and the URLs (name patterns) where they may.
OTHER_PARAMS = {
    "token_id": ("an API key of the unit", ["core:token_revoke"]),
    "month": ("a month of the invoice basis", ["discharge:basis_*"]),
    "code": ("a municipality's code", ["discharge:basis_*", "discharge:followup_municipality"]),
    "fmt": ("the file format of an export", ["discharge:basis_export"]),
    "action": ("the name of a form on a case page, or of a forum's, meeting's or goal's form",
               ["discharge:case_action", "forums:forum_action", "forums:meeting_action", "forums:goal_action"]),
    # Forums hold no patient data (the minutes form says none belongs there).
    "forum_id": ("a collaboration forum", ["forums:*", "api:get_forum", "api:list_meetings"]),
    "meeting_id": ("a forum's meeting, its agenda and minutes", ["forums:*", "api:get_meeting"]),
    "attachment_id": ("an attachment (bilaga) to a forum's agenda item", ["forums:attachment"]),
    "assignment_id": ("an assignment given in a forum's minutes", ["forums:assignment_status"]),
    "goal_id": ("a goal followed up month by month", ["forums:goal_action"]),
    "pk": ("an agreement between a region and municipalities", ["discharge:agreement", "discharge:agreement_edit"]),
    "number": ("a version number of the SIP plan named beside it", ["meetings:sip_version_pdf", "meetings:portal_sip_pdf"]),
    "kind_id": ("a visit kind of the region", ["meetings:visit_kind"]),
    "year": ("a year of fees", ["fees:fee_schedule"]),
    "series_id": ("a conference series (its settings, no cases)", ["meetings:conference_series",
                                                                     "meetings:conference_session_new"]),
    "organisation_id": ("an organisation", ["api:get_organisation"]),
    "unit_id": ("a care unit", ["api:get_unit"]),
    "rest": ("the API's catch-all 404", ["api:unknown_path"]),
    "picture_id": ("a picture of the contact matter named beside it, or the resident's own draft",
                   ["contact:picture", "contact:portal_picture", "contact:portal_draft_picture"]),
    "slug": ("which e-ID login: personal or invanare", ["core:eid_start", "core:eid_callback"]),
    # POST only (GET goes back to the SIP list); the invitation shows no patient until the unit accepts.
    "participant_id": ("a unit's invitation to a SIP (answered by POST)", ["meetings:sip_invitation"]),
    # The admin registers: organisations, units, staff users, memberships (checked below).
    "object_id": ("a row of the admin registers", ["registers:*"]),
    "id": ("a staff user of the admin registers", ["registers:*"]),
    "content_type_id": ("the admin's view-on-site redirect", ["registers:*"]),
    "app_label": ("an app of the admin registers", ["registers:*"]),
    "url": ("the admin's catch-all", ["registers:*"]),
}
REGISTER_MODELS = {Organisation, Unit, User, Membership}  # no patient data: residents are left out of User

# URLs with a patient's id that do not log a read, and why. Each reason is checked.
POST_ONLY = "post_only"  # GET is sent on to the form's page, reading nothing; a POST runs an action, which reads through a logging query
SHOWS_NOTHING = "shows_nothing"  # 200, but nothing that identifies the patient is on the page
EXCLUDED = {
    "discharge:correct": (POST_ONLY, "corrects an event of the case (discharge.queries.open_case logs)"),
    "discharge:case_action": (POST_ONLY, "runs a form of the case page (discharge.queries.open_case logs)"),
    "discharge:mark_read": (POST_ONLY, "receipts the messages the case page showed (discharge.queries.open_case logs)"),
    "core:patient_emergency": (SHOWS_NOTHING, "asks for the reason; the access it starts is logged"),
}


# --- Walking the URLs -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Endpoint:
    name: str  # "namespace:url_name", or "api:operation_id" for the API
    route: str  # the path with {param}
    params: tuple
    method: str = "GET"

    @property
    def is_api(self):
        return self.name.startswith("api:")


def _route(pattern):
    """`<uuid:patient_id>` and regex groups as `{patient_id}`."""
    text = str(pattern.pattern)
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)
    return text.lstrip("^").rstrip("$")


def url_endpoints(patterns=None, prefix="", namespace=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n)
            yield from url_endpoints(entry.url_patterns, prefix + _route(entry), inner)
        elif isinstance(entry, URLPattern):
            params = tuple(entry.pattern.regex.groupindex)
            yield Endpoint(f"{namespace}:{entry.name}", "/" + prefix + _route(entry), params)


def api_endpoints():
    for route, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            yield Endpoint(f"api:{operation['operationId']}", route, tuple(re.findall(r"{(\w+)}", route)),
                           method.upper())


def pages():
    """The URL patterns outside the API (the API is walked through its schema)."""
    return [e for e in url_endpoints() if not e.is_api]


def all_endpoints():
    return pages() + list(api_endpoints())


def subject_param(endpoint):
    found = [p for p in endpoint.params if p in SUBJECT_PARAMS]
    assert len(found) <= 1, f"{endpoint.name}: more than one id of patient data ({found}); teach this test which one"
    return found[0] if found else None


def reads():
    """The endpoints to visit: those with an id of patient data that are not left out."""
    return [e for e in all_endpoints() if subject_param(e) and e.name not in EXCLUDED]


# --- Callers and data, by the parameter -----------------------------------------------------------

@dataclass
class Visit:
    caller: object  # an Actor, a resident User, or a raw API key (str)
    kwargs: dict
    patient: object


def unknown(endpoint):
    return LookupError(f"{endpoint.name} takes {subject_param(endpoint)}: say in {__name__} who may read it and how "
                       f"to make one, or add it to EXCLUDED with a reason")


def patient_visit(endpoint):
    if endpoint.name == "core:access_log_extract":
        patient = make_patient()
        return Visit(make_actor(roles=["system_admin"]), {"patient_id": patient.pk}, patient)
    from meetings.tests.factories import make_clinic

    nurse = make_clinic()["nurse"]
    patient = make_patient()
    make_care_relation(nurse, patient)
    if endpoint.is_api:
        return Visit(make_api_token(nurse.membership)[1], {"patient_id": patient.pk}, patient)
    known = {"contact:patient", "core:patient_detail", "core:patient_add_relation", "discharge:open_case", "meetings:book",
             "meetings:sip_new", "meetings:conference_register"}
    if endpoint.name not in known:
        raise unknown(endpoint)
    return Visit(nurse, {"patient_id": patient.pk}, patient)


def case_visit(endpoint):
    from discharge.tests.factories import make_case

    if endpoint.name in ("discharge:case", "discharge:correct", "discharge:case_action", "discharge:mark_read"):
        parties, case = make_case()
        kwargs = {"case_id": case.pk} | ({"action": "dialog"} if endpoint.name == "discharge:case_action" else {})
        return Visit(parties["ward"], kwargs, case.patient)
    if endpoint.name == "discharge:basis_case":
        from discharge.tests.factories import make_parties
        from discharge.tests.test_invoicing import average_agreement, discharged_case

        parties = make_parties()
        region = parties["ward"].unit.organisation
        average_agreement(region)
        case = discharged_case(parties, ready="2026-10-05 13:00", discharged="2026-10-12 10:00")
        finance_unit = make_unit(region, name="Regionkansliet", kind=Unit.Kind.ADMINISTRATION)
        finance = make_actor(unit=finance_unit, roles=["finance"])
        return Visit(finance, {"month": "2026-10", "code": parties["municipality"].code, "case_id": case.pk},
                     case.patient)
    raise unknown(endpoint)


def booking_visit(endpoint):
    from meetings import actions
    from meetings.tests.factories import in_care, later, make_clinic

    clinic = make_clinic()
    resident = make_resident()
    booking = actions.book_visit(clinic["nurse"], in_care(clinic, resident.patient), staff=clinic["physician"].user,
                                 visit_kind=clinic["kind"], form="video", starts_at=later(), notify=False)
    callers = {"meetings:booking": clinic["nurse"], "meetings:join": clinic["physician"],
               "meetings:portal_join": resident, "meetings:portal_visit": resident}
    if endpoint.name not in callers:
        raise unknown(endpoint)
    return Visit(callers[endpoint.name], {"booking_id": booking.pk}, resident.patient)


def plan_visit(endpoint):
    from meetings import actions
    from meetings.tests.factories import make_clinic

    nurse = make_clinic()["nurse"]
    resident = make_resident()
    make_care_relation(nurse, resident.patient)
    plan = actions.create_sip(nurse, resident.patient, consent_given=True, person_goals="Bo kvar hemma",
                              follow_up_on=timezone.localdate() + timedelta(days=90))
    actions.add_sip_effort(nurse, plan, unit=nurse.unit, description="Hemsjukvård")
    actions.publish_sip_version(nurse, plan, reason="Första planen")
    callers = {"meetings:sip": nurse, "meetings:sip_version_pdf": nurse, "meetings:portal_sip_pdf": resident}
    if endpoint.name not in callers:
        raise unknown(endpoint)
    kwargs = {"plan_id": plan.pk} | ({"number": 1} if "number" in endpoint.params else {})
    return Visit(callers[endpoint.name], kwargs, resident.patient)


def session_visit(endpoint):
    from meetings import actions
    from meetings.tests.factories_conference import make_conference

    if endpoint.name != "meetings:conference_session":
        raise unknown(endpoint)
    conference = make_conference()
    actions.register_case(conference["referrer"], conference["session"], conference["patient"],
                          question="Operabel?", legal_basis="consent")  # shown with identity: a read
    return Visit(conference["chair"], {"session_id": conference["session"].pk}, conference["patient"])


def matter_visit(endpoint):
    from contact import actions
    from contact.models import Picture
    from contact.tests.factories import make_entry

    setup = make_entry()
    resident = Actor_resident(setup["resident"])
    picture = Picture.objects.create(uploaded_by=setup["resident"], content_type="image/png", data=b"x", width=1,
                                     height=1)
    matter = actions.file_matter(resident, setup["patient"], category="new_symptoms", description="Feber",
                                 picture_ids=[picture.pk])
    actions.send_message(resident, matter, text="Hej")
    if endpoint.is_api:
        from contact.api import router  # noqa: F401 - the router is mounted by core.api

        key = make_api_token(setup["nurse"].membership)[1]
        return Visit(key, {"matter_id": matter.pk}, setup["patient"])
    callers = {"contact:matter": setup["nurse"], "contact:chat": setup["nurse"], "contact:picture": setup["nurse"],
               "contact:portal_matter": setup["resident"], "contact:portal_chat": setup["resident"],
               "contact:portal_picture": setup["resident"], "contact:video": setup["nurse"],
               "contact:portal_video": setup["resident"]}
    if endpoint.name not in callers:
        raise unknown(endpoint)
    kwargs = {"matter_id": matter.pk} | ({"picture_id": picture.pk} if "picture_id" in endpoint.params else {})
    return Visit(callers[endpoint.name], kwargs, setup["patient"])


def Actor_resident(user):
    from core.actor import Actor

    return Actor.resident(user)


FACTORIES = {
    "matter_id": matter_visit,
    "patient_id": patient_visit,
    "case_id": case_visit,
    "booking_id": booking_visit,
    "plan_id": plan_visit,
    "session_id": session_visit,
}


def visit_of(endpoint):
    return FACTORIES[subject_param(endpoint)](endpoint)


def fetch(client, endpoint, visit):
    url = endpoint.route
    for name, value in visit.kwargs.items():
        url = url.replace("{" + name + "}", str(value))
    assert "{" not in url, f"{endpoint.name}: no value for a parameter of {url}"
    if isinstance(visit.caller, str):
        return client.generic(endpoint.method, url, HTTP_AUTHORIZATION=f"Bearer {visit.caller}")
    login(client, visit.caller)
    return client.get(url)


# --- The tests ------------------------------------------------------------------------------------

def unclassified(endpoints):
    problems = []
    for endpoint in endpoints:
        for param in endpoint.params:
            if param in SUBJECT_PARAMS:
                continue
            if param not in OTHER_PARAMS:
                problems.append(f"{endpoint.name} {endpoint.route}: unknown parameter {param!r}")
            elif not any(fnmatch.fnmatchcase(endpoint.name, p) for p in OTHER_PARAMS[param][1]):
                problems.append(f"{endpoint.name} {endpoint.route}: {param!r} is classified for "
                                f"{OTHER_PARAMS[param][1]} only")
    return problems


def test_every_url_parameter_is_known_to_this_test():
    """A new URL with a parameter this test has not classified fails here, rather than going unchecked."""
    assert unclassified(url_endpoints()) == []  # the API's Django patterns too, whatever the schema shows


def test_the_walk_would_catch_a_new_kind_of_id_or_a_known_name_in_a_new_place():
    def view(request, **kwargs):
        pass

    urls = [path("moten/<uuid:meeting_id>/", view, name="meeting"), path("avtal/<int:pk>/", view, name="agreement"),
            path("x/<int:pk>/", view, name="other"), path("p/<uuid:patient_id>/", view, name="new_page")]
    endpoints = list(url_endpoints([URLResolver(RoutePattern("ny/"), urls, app_name="discharge",
                                                namespace="discharge")]))
    assert [e.route for e in endpoints][0] == "/ny/moten/{meeting_id}/"
    assert [p.split(":")[1].split()[0] for p in unclassified(endpoints)] == ["meeting", "other"]
    with pytest.raises(LookupError, match="discharge:new_page takes patient_id"):
        visit_of(endpoints[3])


def test_the_api_operations_with_a_patients_id_are_all_in_the_schema_the_test_walks():
    schema_routes = {e.route for e in api_endpoints()}
    hidden = [e.route for e in url_endpoints() if e.is_api and subject_param(e) and e.route not in schema_routes]
    assert hidden == []


def test_the_admin_registers_hold_no_patient_data():
    assert set(registers._registry) == REGISTER_MODELS, "a new register: classify its object_id in this test"


def test_every_url_with_an_id_of_patient_data_has_a_caller_or_a_reason():
    endpoints = {e.name: e for e in all_endpoints()}
    for endpoint in reads():
        assert subject_param(endpoint) in FACTORIES
        assert endpoint.method == "GET", f"{endpoint.name}: {endpoint.method} with a patient's id: classify it"
    assert sorted(name for name in EXCLUDED if name not in endpoints) == [], "stale entries in EXCLUDED"
    assert len(reads()) >= 18  # the walk finds the URLs (guards against a broken walk)


@pytest.mark.parametrize("endpoint", reads(), ids=lambda e: e.name)
def test_a_read_by_id_is_logged(client, endpoint):
    visit = visit_of(endpoint)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = fetch(client, endpoint, visit)
    assert response.status_code == 200, f"{endpoint.name}: the caller should be able to read it"
    logged = AuditEvent.objects.filter(pk__gt=before, kind=AuditEvent.Kind.READ, patient=visit.patient)
    assert logged.exists(), f"{endpoint.name} showed patient data without logging a read"


@pytest.mark.parametrize("name", sorted(EXCLUDED))
def test_what_is_left_out_does_what_its_reason_says(client, name):
    endpoint = next(e for e in all_endpoints() if e.name == name)
    kind, _reason = EXCLUDED[name]
    if kind == SHOWS_NOTHING:
        # The factory's caller may read the patient; a stranger is who meets this page.
        patient = make_patient(first_name="Okänd", last_name="Främling", birth=date(1951, 2, 3))
        visit = Visit(make_actor(roles=["clinical"]), {subject_param(endpoint): patient.pk}, patient)
    else:
        visit = visit_of(endpoint)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = fetch(client, endpoint, visit)
    if kind == POST_ONLY:
        # Not a bare 405: opened from the address bar, the form's target sends the browser on to
        # the page the form belongs to (which logs its own read), and reads nothing itself.
        assert response.status_code == 302
        assert not AuditEvent.objects.filter(pk__gt=before, patient=visit.patient).exists()
    else:
        assert kind == SHOWS_NOTHING and response.status_code == 200
        body = response.content.decode()
        patient = visit.patient
        shown = [t for t in (patient.first_name, patient.last_name, patient.personal_number,
                             patient.formatted_personal_number, patient.personal_number[2:], "1951-02-03") if t in body]
        assert shown == []
        assert not AuditEvent.objects.filter(pk__gt=before, patient=patient).exists()

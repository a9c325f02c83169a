"""Every page a logged-in person can open answers hostile query parameters (numbers past 64 bits,
slashes, control characters, long unicode, empty values) with something other than a server error,
as the API is fuzzed from its schema in test_api_fuzz.py.

The pages come from the URL resolver itself, so a new page is fuzzed without being listed here. The
parameter names are the ones each page actually reads: a first request records every name the view
asks request.GET for, and those names (with a few common ones) are then given hostile values, one
at a time and at random together through Hypothesis."""

import io
import re
import uuid
from urllib.parse import quote

import pytest
from django.core.handlers import wsgi
from django.core.management import call_command
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contact.models import Matter, Picture
from core.middleware import ACTING_MEMBERSHIP_KEY, active_memberships
from core.models import ApiToken, Patient, User
from discharge.models import Agreement, DischargeCase
from discharge.rules.liability import Month
from fees.tests.factories import load_national_prisbasbelopp
from forums.models import Assignment, Attachment, Forum, Goal
from forums.models import Meeting as ForumMeeting
from meetings.models import Booking, ConferenceSeries, ConferenceSession, SipParticipant, SipPlan, VisitKind

pytestmark = pytest.mark.django_db

HOSTILE = [
    "99999999999999999999", "-1", "0", "a/b", "\x00\x1f", "å" * 3000, "😀", "'\"<>&%", "", "9999-12",
    "9999-12-31", "0001-01-01", "1e400",
]
HOSTILE_PATH = ["9999-12", "0001-01", "99999999999999999999", "å" * 300, "a b", "%00"]
# Names read by several pages, fuzzed on every page besides the names the page itself reads.
COMMON = ["sida", "lista", "kommun", "avdelning", "vardform", "manad", "dag", "sort", "format", "next"]
# The API has its own schema fuzzing; the registers are Django's admin.
SKIPPED_PREFIXES = ("api/", "administration/register/")
USERS = ["sjukskoterska", "analytiker", "kommunekonom", "admin", "invanare"]


class RecordingQueryDict(QueryDict):
    """request.GET that remembers which names the view asked for."""

    asked = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)

    def getlist(self, key, default=None):
        self.asked.add(key)
        return super().getlist(key, default)


def get_patterns(resolver=None, prefix=""):
    """(route, pattern) of every page: the resolver's tree flattened."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            yield from get_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def path_values(today):
    """A real object for each path parameter, so that the views go past their lookups."""
    first = lambda model: model.objects.order_by("pk").values_list("pk", flat=True).first()  # noqa: E731
    case = DischargeCase.objects.order_by("pk").first()
    return {
        "patient_id": case.patient_id if case else first(Patient),
        "case_id": case.pk if case else uuid.uuid4(),
        "booking_id": first(Booking), "plan_id": first(SipPlan), "series_id": first(ConferenceSeries) or 1,
        "session_id": first(ConferenceSession) or 1, "kind_id": first(VisitKind) or 1,
        "pk": first(Agreement) or 1, "token_id": first(ApiToken) or 1, "year": today.year, "number": 1,
        "month": str(Month(today.year, today.month)), "code": case.municipality.code if case else "1280",
        "fmt": "csv", "action": "dialog", "participant_id": first(SipParticipant) or 1, "slug": "personal",
        "matter_id": first(Matter) or uuid.uuid4(), "picture_id": first(Picture) or 1,
        "forum_id": first(Forum) or 1, "meeting_id": first(ForumMeeting) or 1, "attachment_id": first(Attachment) or 1,
        "assignment_id": first(Assignment) or 1, "goal_id": first(Goal) or 1,
    }


def build_path(route, values, hostile=None):
    """The route with real values, or with the hostile {converter: value} in place of those."""
    def substitute(match):
        converter, name = match.group(1), match.group(2)
        if hostile and converter in hostile:
            return quote(hostile[converter], safe="")
        return str(values[name])
    return "/" + PARAMETER.sub(substitute, route.replace("^", "").replace("$", ""))


def login(client, username):
    user = User.objects.get(username=username)
    client.force_login(user)
    membership = active_memberships(user).first()
    if membership:
        session = client.session
        session[ACTING_MEMBERSHIP_KEY] = membership.pk
        session.save()


def answer(client, path, query, failures):
    """Request the page; a server error (a status of 500 or more, or an exception that the test
    client hands on) goes on the list of failures, so one run reports them all."""
    try:
        status = client.get(path, query).status_code
    except Exception as error:  # noqa: BLE001 - any exception is the finding
        status = f"{type(error).__name__}: {str(error)[:120]}"
    if not isinstance(status, int) or status >= 500:
        failures.append((path, {k: v[:40] for k, v in query.items()}, status))


@pytest.fixture
def demo(db, settings):
    # The seeds queue mail in the test's transaction and the walk can outlast TASK_MAX_WAIT_SECONDS on a
    # loaded machine, when /readyz rightly answers 503 (no worker runs here): that is not the finding.
    settings.TASK_MAX_WAIT_SECONDS = 24 * 3600
    # The prisbasbelopp come from a migration; a transactional test run earlier may have emptied them.
    load_national_prisbasbelopp()
    for command in ("seed_demo", "seed_discharge_demo", "seed_meetings_demo", "seed_contact_demo", "seed_forums_demo"):
        call_command(command, stdout=io.StringIO())


@pytest.fixture
def recording(monkeypatch):
    monkeypatch.setattr(wsgi, "QueryDict", RecordingQueryDict)
    return RecordingQueryDict.asked


def test_no_page_answers_hostile_query_parameters_with_a_server_error(demo, recording):
    values = path_values(timezone.localdate())
    pages = [(route, pattern) for route, pattern in get_patterns()]
    assert len(pages) > 30  # the walk found the pages
    failures = []
    for username in USERS:
        client = Client()
        login(client, username)
        for route, _pattern in pages:
            path = build_path(route, values)
            recording.clear()
            answer(client, path, {}, failures)
            names = sorted(recording | set(COMMON))
            for name in sorted(recording):
                for value in HOSTILE:
                    answer(client, path, {name: value}, failures)
            if "<int:" in route:
                answer(client, build_path(route, values, {"int": "99999999999999999999"}), {}, failures)
            if "<str:" in route:
                for value in HOSTILE_PATH:
                    answer(client, build_path(route, values, {"str": value}), {}, failures)

            @settings(max_examples=3, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(st.dictionaries(st.sampled_from(names),
                                   st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30)), min_size=1))
            def fuzz(query):
                answer(client, path, query, failures)  # noqa: B023 (run at once, below)

            fuzz()
    assert not failures, "\n".join(map(repr, dict.fromkeys(map(repr, failures))))

"""Meetings over the API: free times (the fee endpoints: fees/tests/test_api.py)."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Unit, User
from core.tests.factories import make_actor, make_api_token, make_region, make_unit
from meetings import actions, queries
from meetings.models import Slot, VisitForm, VisitKind
from meetings.tests.factories import make_clinic

pytestmark = pytest.mark.django_db


def key(actor):
    return {"HTTP_AUTHORIZATION": f"Bearer {make_api_token(actor.membership)[1]}"}


@pytest.fixture
def clinic():
    return make_clinic()


def test_free_slots_of_a_visit_kind(client, clinic):
    day = (timezone.localtime() + timedelta(days=4)).date()
    actions.create_slots(clinic["nurse"], staff=clinic["physician"].user, visit_kind=clinic["kind"], day=day,
                         start=time(9, 0), end=time(10, 0), minutes=30, forms=["physical", "video"])
    answer = client.get("/api/v1/meetings/free-slots?visit_kind=lakarbesok&form=video", **key(clinic["nurse"]))
    assert answer.status_code == 200, answer.content
    assert [s["forms"] for s in answer.json()] == [["physical", "video"]] * 2
    assert client.get("/api/v1/meetings/free-slots?visit_kind=lakarbesok&form=phone",
                      **key(clinic["nurse"])).json() == []
    assert client.get("/api/v1/meetings/free-slots?visit_kind=okand", **key(clinic["nurse"])).status_code == 404
    assert client.get("/api/v1/meetings/free-slots?visit_kind=lakarbesok&form=fax",
                      **key(clinic["nurse"])).status_code == 422


def reference_search(kind, *, form=None, unit_id=None, since=None, until=None, limit=20):
    """The search as the ORM query it was before it was compiled (issue 14)."""
    slots = Slot.objects.filter(visit_kind=kind, booked=False, starts_at__gte=since or timezone.now())
    if until is not None:
        slots = slots.filter(starts_at__lt=until)
    if form in VisitForm.values:
        slots = slots.filter(**{form: True})
    if unit_id is not None:
        slots = slots.filter(unit_id=unit_id)
    return list(slots.select_related("unit", "staff").order_by("starts_at", "pk")[:limit])


def test_the_compiled_free_time_search_answers_as_the_orm_query_in_every_shape(clinic):
    other_unit = make_unit(clinic["region"], name="Vårdcentralen Söder", kind=Unit.Kind.PRIMARY_CARE)
    other_nurse = make_actor(unit=other_unit, roles=("clinical",))
    other_kind = VisitKind.objects.create(region=clinic["region"], key="sskbesok", name="Sköterskebesök", minutes=30)
    today = timezone.localtime()
    for days, who, kind, forms in [(1, clinic["nurse"], clinic["kind"], ["physical", "video"]),
                                   (2, clinic["nurse"], clinic["kind"], ["phone"]),
                                   (2, other_nurse, clinic["kind"], ["physical", "phone", "video"]),
                                   (3, clinic["nurse"], other_kind, ["physical"])]:
        actions.create_slots(who, staff=who.user, visit_kind=kind, day=(today + timedelta(days=days)).date(),
                             start=time(9, 0), end=time(11, 0), minutes=30, forms=forms)
    Slot.objects.filter(pk=Slot.objects.filter(visit_kind=clinic["kind"]).order_by("starts_at").first().pk
                        ).update(booked=True)
    moments = [None, today + timedelta(days=2), today + timedelta(days=1, hours=-today.hour + 10)]
    found = set()
    for kind in (clinic["kind"], other_kind):
        for form in (None, "physical", "phone", "video", "fax"):
            for unit_id in (None, clinic["unit"].pk, other_unit.pk):
                for since, until in [(None, None), (moments[1], None), (None, moments[1]), (moments[2], moments[1])]:
                    for limit in (3, 20):
                        shape = {"form": form, "unit_id": unit_id, "since": since, "until": until, "limit": limit}
                        expected = reference_search(kind, **shape)
                        with CaptureQueriesContext(connection) as captured:
                            got = queries.free_slots(kind, **shape)
                            seen = [(s.pk, s.unit.name, s.staff.display_name(), s.offers("video")) for s in got]
                        assert seen == [(s.pk, s.unit.name, s.staff.display_name(), s.offers("video"))
                                        for s in expected], shape
                        assert len(captured) == 1
                        found.add(len(got))
                        if until is None:  # the API's listing: the same search as plain values
                            listing = queries.free_slot_listing(kind, form=form, unit_id=unit_id, since=since,
                                                                limit=limit)
                            assert listing == [{
                                "id": s.pk, "unit_id": s.unit_id, "unit_name": s.unit.name,
                                "staff_name": s.staff.display_name(), "starts_at": s.starts_at, "ends_at": s.ends_at,
                                "forms": [f for f in VisitForm.values if s.offers(f)]} for s in expected], shape
    assert {0, 3} <= found and max(found) > 3  # empty, cut by the limit, and longer answers were all met


def test_the_search_by_unit_lists_that_units_times_and_a_kind_of_another_region_is_not_found(client, clinic):
    other_unit = make_unit(clinic["region"], name="Vårdcentralen Söder", kind=Unit.Kind.PRIMARY_CARE)
    other_nurse = make_actor(unit=other_unit, roles=("clinical",))
    day = (timezone.localtime() + timedelta(days=4)).date()
    for who in (clinic["nurse"], other_nurse):
        actions.create_slots(who, staff=who.user, visit_kind=clinic["kind"], day=day,
                             start=time(9, 0), end=time(10, 0), minutes=30, forms=["physical"])
    headers = key(clinic["nurse"])
    answer = client.get(f"/api/v1/meetings/free-slots?visit_kind=lakarbesok&unit_id={other_unit.pk}", **headers)
    assert [(s["unit_name"], s["staff_name"], s["forms"]) for s in answer.json()] == [
        ("Vårdcentralen Söder", other_nurse.user.display_name(), ["physical"])] * 2
    VisitKind.objects.create(region=make_region(code="13", name="Region Halland"), key="hallandsbesok", name="Besök",
                             minutes=30)
    assert client.get("/api/v1/meetings/free-slots?visit_kind=hallandsbesok", **headers).status_code == 404


@pytest.mark.parametrize("first, last", [("Anna", "Berg"), ("Anna", ""), ("", "Berg"), ("", ""), (" ", " ")])
def test_the_listing_s_staff_name_is_the_users_display_name_without_building_the_user(first, last):
    user = User(first_name=first, last_name=last, username="anna.berg")
    assert User.name_from(first, last, "anna.berg") == (user.get_full_name() or user.username) == user.display_name()

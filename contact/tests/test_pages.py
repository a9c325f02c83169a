"""The contact entry's pages: writing with pictures and red-flag advice before sending, following
and chatting, and the staff queue."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from contact import actions
from contact.models import Matter, Picture
from contact.tests.factories import make_entry
from core.actor import Actor
from core.models import AuditEvent
from core.tests.factories import login

pytestmark = pytest.mark.django_db


def photo(name="utslag.jpg", fmt="JPEG"):
    image = Image.new("RGB", (64, 48), (200, 100, 100))
    exif = Image.Exif()
    exif[0x010F] = "Telefonmärke"  # camera make
    exif[0x0132] = "2026:11:29 21:14:00"  # time
    exif[0x8825] = {1: "N", 2: (56.0, 52.0, 30.0), 3: "E", 4: (14.0, 48.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def form(**extra):
    return {"category": "new_symptoms", "description": "Utslag på armen sedan i fredags", "q_chest": "nej",
            "q_fever": "nej", **extra}


def start(client, setup):
    login(client, setup["resident"])
    return {"person": str(setup["patient"].pk)}


def test_a_picture_is_stored_without_gps_camera_or_time_and_a_bad_one_is_refused_keeping_the_rest(client):
    setup = make_entry()
    data = start(client, setup) | form()
    fake = SimpleUploadedFile("bild.jpg", b"inte en bild", content_type="image/jpeg")
    response = client.post("/mina-sidor/kontakt/ny/", data | {"step": "review", "pictures": [photo(), fake]})
    assert response.status_code == 400
    assert "bild.jpg är ingen bild i formatet JPEG, PNG eller HEIC" in response.content.decode()
    assert "Utslag på armen sedan i fredags" in response.content.decode()  # the text is kept
    kept = Picture.objects.get()
    assert 'name="picture_ids" value="%d"' % kept.pk in response.content.decode()
    with Image.open(io.BytesIO(bytes(kept.data))) as stored:
        assert stored.format == "JPEG" and stored.size == (64, 48)
        assert not stored.getexif() and "exif" not in stored.info
    # A single good picture on its own passes too.
    alone = client.post("/mina-sidor/kontakt/ny/", data | {"step": "review", "pictures": photo("andra.jpg")})
    assert alone.status_code == 200 and Picture.objects.count() == 2
    # Review, then send: the kept picture goes with the matter.
    review = client.post("/mina-sidor/kontakt/ny/", data | {"step": "review", "picture_ids": [kept.pk]})
    assert review.status_code == 200 and "Kontrollera och skicka" in review.content.decode()
    sent = client.post("/mina-sidor/kontakt/ny/", data | {"step": "send", "picture_ids": [kept.pk]})
    matter = Matter.objects.get()
    assert sent.status_code == 302 and list(matter.pictures.all()) == [kept]


def test_a_picture_over_10_mb_is_refused_with_a_clear_message(client):
    setup = make_entry()
    big = SimpleUploadedFile("stor.jpg", b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 1), content_type="image/jpeg")
    response = client.post("/mina-sidor/kontakt/ny/", start(client, setup) | form(step="review", pictures=big))
    assert "stor.jpg är större än 10 MB" in response.content.decode()
    assert Picture.objects.count() == 0


def test_the_red_flag_advice_shows_before_anything_is_sent_and_the_matter_may_still_be_sent(client):
    setup = make_entry()
    data = start(client, setup) | form(description="Det trycker över bröstet och strålar ut i armen")
    live = client.post("/mina-sidor/kontakt/kontroll/", {"description": data["description"]})
    assert "Ring 112" in live.content.decode() and "Bröstsmärta" in live.content.decode()
    review = client.post("/mina-sidor/kontakt/ny/", data | {"step": "review"})
    assert "Ring 112" in review.content.decode() and "Skicka ändå" in review.content.decode()
    assert Matter.objects.count() == 0
    client.post("/mina-sidor/kontakt/ny/", data | {"step": "send"})
    assert Matter.objects.get().red_flags == ["chest_pain"]
    calm = client.post("/mina-sidor/kontakt/kontroll/", {"description": "Jag har ont i halsen"})
    assert "112" not in calm.content.decode()


def test_the_chat_poll_answers_204_when_nothing_is_new_and_logs_a_read_only_when_it_shows_something(client):
    setup = make_entry()
    resident = Actor.resident(setup["resident"])
    matter = actions.take(setup["nurse"], actions.file_matter(resident, setup["patient"], category="ongoing",
                                                               description="Ont i ryggen"))
    first = actions.send_message(setup["nurse"], matter, text="Hur länge har det gjort ont?")
    login(client, setup["resident"])
    url = f"/mina-sidor/kontakt/{matter.pk}/chatt/"
    reads = AuditEvent.objects.filter(kind="read", patient=setup["patient"], endpoint="contact:portal_chat")
    assert client.get(url, {"efter": first.pk}).status_code == 204
    assert reads.count() == 0
    actions.send_message(setup["nurse"], matter, text="Har du feber?")
    response = client.get(url, {"efter": first.pk})
    assert "Har du feber?" in response.content.decode() and "Hur länge" not in response.content.decode()
    assert reads.count() == 1


def test_the_queue_shows_flagged_matters_first_and_logs_each_patient_shown(client):
    setup = make_entry()
    resident = Actor.resident(setup["resident"])
    actions.file_matter(resident, setup["patient"], category="ongoing", description="Ont i ryggen")
    actions.file_matter(resident, setup["patient"], category="new_symptoms", description="Jag har svårt att andas")
    login(client, setup["nurse"])
    page = client.get("/kontakt/").content.decode()
    assert page.index("Andningssvårigheter") < page.index("Pågående besvär")
    assert AuditEvent.objects.filter(kind="read", action="contact.queue.read").count() == 2


def test_the_queue_pages_50_rows_in_the_order_a_nurse_works_them_across_the_whole_queue(client):
    setup = make_entry()
    resident = Actor.resident(setup["resident"])
    for n in range(52):
        actions.file_matter(resident, setup["patient"], category="ongoing", description=f"Ont i ryggen {n}")
    flagged = actions.file_matter(resident, setup["patient"], category="new_symptoms",
                                  description="Jag har svårt att andas")
    now = timezone.now()
    # The flagged matter is due after every other one, and an answered one before every other:
    # the order is still flagged first and answered last, whatever the due times.
    Matter.objects.filter(pk=flagged.pk).update(due_at=now + timedelta(days=10))
    answered = Matter.objects.exclude(pk=flagged.pk).first()
    Matter.objects.filter(pk=answered.pk).update(due_at=now - timedelta(days=1), first_response_at=now)
    login(client, setup["nurse"])
    reads = AuditEvent.objects.filter(kind="read", action="contact.queue.read")

    first = client.get("/kontakt/").content.decode()
    rows = first.split('<tr class="')[1:]
    assert len(rows) == 50 and "Andningssvårigheter" in rows[0]
    assert "53 öppna ärenden, visar 1–50" in first and 'href="?sida=2"' in first
    assert f"/kontakt/arende/{answered.pk}/" not in first
    assert reads.count() == 50

    second = client.get("/kontakt/", {"sida": 2}).content.decode()
    rows = second.split('<tr class="')[1:]
    assert len(rows) == 3 and f"/kontakt/arende/{answered.pk}/" in rows[-1] and "Besvarat" in rows[-1]
    assert "visar 51–53" in second and 'href="?sida=1"' in second and "Nästa" not in second
    assert reads.count() == 53
    # A page past the end shows the last page; the filters travel with the page links.
    assert "visar 51–53" in client.get("/kontakt/", {"sida": 99}).content.decode()
    filtered = client.get("/kontakt/", {"yrke": "sjukskoterska"}).content.decode()
    assert 'href="?yrke=sjukskoterska&amp;sida=2"' in filtered


def test_a_nurse_takes_triages_answers_and_the_resident_sees_the_answer(client):
    setup = make_entry()
    matter = actions.file_matter(Actor.resident(setup["resident"]), setup["patient"], category="ongoing",
                                 description="Ont i ryggen")
    login(client, setup["nurse"])
    url = f"/kontakt/arende/{matter.pk}/"
    client.post(url, {"action": "take"})
    client.post(url, {"action": "triage", "priority": "three_days", "care_level": "primary", "reason": "Stabil"})
    client.post(url, {"action": "answer", "text": "Vila och rör på dig försiktigt."})
    matter.refresh_from_db()
    assert (matter.status, matter.priority) == ("answered", "three_days")
    login(client, setup["resident"])
    page = client.get(f"/mina-sidor/kontakt/{matter.pk}/").content.decode()
    assert "Vila och rör på dig försiktigt." in page and "Besvarat" in page
    login(client, setup["night_nurse"])
    assert client.get(url).status_code == 404


def test_staff_start_a_video_call_and_the_resident_reaches_the_room_as_patient(client):
    setup = make_entry()
    matter = actions.take(setup["nurse"], actions.file_matter(Actor.resident(setup["resident"]), setup["patient"],
                                                              category="ongoing", description="Ont i knät"))
    login(client, setup["resident"])
    assert "Inget videosamtal pågår" in client.get(f"/mina-sidor/kontakt/{matter.pk}/video/").content.decode()
    login(client, setup["nurse"])
    client.post(f"/kontakt/arende/{matter.pk}/", {"action": "video"})
    matter.refresh_from_db()
    assert matter.video_room.startswith("samverkan") and matter.events.filter(kind="video").exists()
    login(client, setup["resident"])
    assert "Till videosamtalet" in client.get(f"/mina-sidor/kontakt/{matter.pk}/").content.decode()
    page = client.get(f"/mina-sidor/kontakt/{matter.pk}/video/").content.decode()
    assert matter.video_room in page and "%22Patient%22" in page and "Teknikkontroll" in page


def test_staff_register_an_ombud_and_list_the_patient_and_start_a_matter_for_them(client):
    from core.tests.factories import make_care_relation, make_patient

    setup = make_entry()
    principal = make_patient(first_name="Gösta", last_name="Ombudsson")
    make_care_relation(setup["nurse"], principal)
    login(client, setup["nurse"])
    url = f"/kontakt/patient/{principal.pk}/"
    assert client.get(url).status_code == 200
    client.post(url, {"action": "representation", "representative": setup["patient"].personal_number,
                      "kind": "ombud", "valid_from": "2026-01-01", "valid_until": "2099-01-01"})
    client.post(url, {"action": "listing", "unit": setup["centre"].pk, "fixed_care_contact": setup["nurse"].user.pk})
    principal.refresh_from_db()
    assert principal.listed_unit == setup["centre"] and principal.fixed_care_contact == setup["nurse"].user
    started = client.post(url, {"action": "start", "category": "test_results", "description": "Provsvaren är klara"})
    assert started.status_code == 302 and Matter.objects.get().channel == "staff"
    # The ombud now starts a matter for the principal from Mina sidor.
    login(client, setup["resident"])
    page = client.get("/mina-sidor/kontakt/ny/?kategori=ongoing").content.decode()
    assert "Gösta Ombudsson – ombud" in page
    client.post("/mina-sidor/kontakt/ny/", {"person": str(principal.pk), "category": "ongoing",
                                            "description": "Pappa har ont i ryggen", "step": "send"})
    assert Matter.objects.filter(patient=principal, on_behalf="ombud").count() == 1


def test_the_region_s_admin_changes_targets_and_questions_without_a_deploy_and_a_nurse_may_not(client):
    from core.tests.factories import make_actor

    setup = make_entry()
    admin = make_actor(unit=setup["intake"], roles=("unit_admin",))
    login(client, setup["nurse"])
    assert client.get("/kontakt/installningar/").status_code == 403
    login(client, admin)
    client.post("/kontakt/installningar/", {"action": "question", "category": "new_symptoms",
                                             "text": "Har du blivit biten av en fästing?", "kind": "yes_no",
                                             "flag": ""})
    targets = {"action": "targets", "unassessed": 60, "immediate": 10, "same_day": 300, "three_days": 4320,
               "planned": 20160, "self_care": 1440}
    client.post("/kontakt/installningar/", targets)
    fever = setup["region"].contact_questions.get(key="fever")
    client.post("/kontakt/installningar/", {"action": "retire", "question": fever.pk})
    login(client, setup["resident"])
    page = client.get("/mina-sidor/kontakt/ny/?kategori=new_symptoms").content.decode()
    assert "Har du blivit biten av en fästing?" in page and "Har du feber?" not in page
    matter = actions.file_matter(Actor.resident(setup["resident"]), setup["patient"], category="ongoing",
                                 description="Ont i ryggen")
    assert (matter.due_at - matter.created_at).total_seconds() == 60 * 60


def test_the_resident_s_list_logs_a_read_of_each_matter_about_someone_they_act_for(client):
    from datetime import date, timedelta

    from django.utils import timezone

    from contact.models import Representation
    from core.tests.factories import make_patient

    setup = make_entry()
    today = timezone.localdate()
    child = make_patient(birth=date(today.year - 7, 3, 1), first_name="Lilla")
    child.listed_unit = setup["centre"]
    child.save()
    Representation.objects.create(representative=setup["patient"], principal=child, kind="guardian",
                                  valid_from=today - timedelta(days=10), registered_by=setup["nurse"].user)
    resident = Actor.resident(setup["resident"])
    actions.file_matter(resident, setup["patient"], category="ongoing", description="Ont i ryggen")
    for_child = actions.file_matter(resident, child, category="new_symptoms", description="Feber sedan i går")
    login(client, setup["resident"])
    page = client.get("/mina-sidor/kontakt/").content.decode()
    assert "för Lilla" in page
    reads = AuditEvent.objects.filter(kind="read", endpoint="contact:portal_list")
    assert [(r.patient_id, r.object_id) for r in reads] == [(child.pk, str(for_child.pk))]


def test_the_region_s_admin_sets_a_care_centre_s_opening_hours_and_matters_follow_them(client):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from contact.rules import routing
    from core.tests.factories import make_actor

    setup = make_entry()
    centre = setup["centre"]
    admin = make_actor(unit=setup["intake"], roles=("unit_admin",))
    login(client, admin)
    page = client.get("/kontakt/installningar/").content.decode()
    hours_section = page[page.index('data-testid="opening-hours"'):]
    assert "Vårdcentralen Teleborg" in hours_section and "Nattens team" not in hours_section
    week = {f"u{centre.pk}-day{d}_{edge}": value for d in range(5)
            for edge, value in (("opens", "08:00"), ("closes", "16:30"))}
    response = client.post("/kontakt/installningar/", {"action": "hours", "unit": centre.pk, **week})
    assert response.status_code == 302
    hours = actions.hours_of(centre.pk)
    assert hours[0] == [(time(8, 0), time(16, 30))] and 5 not in hours and 6 not in hours
    event = AuditEvent.objects.filter(action="contact.settings", object_id=str(centre.pk)).latest("at")
    assert event.changes["opening_hours"][1].startswith("måndag 08:00–16:30")
    # The routing rule reads the same rows: open on a Monday morning, closed on Saturday.
    stockholm = ZoneInfo("Europe/Stockholm")
    assert routing.is_open(hours, datetime(2026, 11, 30, 9, 0, tzinfo=stockholm))
    assert not routing.is_open(hours, datetime(2026, 12, 5, 10, 0, tzinfo=stockholm))

    # Half a day and a week closed every day are refused, with the reason on the page; nothing changes.
    bad = client.post("/kontakt/installningar/", {"action": "hours", "unit": centre.pk,
                                                   f"u{centre.pk}-day0_opens": "08:00"})
    assert bad.status_code == 400 and "Ange både när mottagningen öppnar och stänger" in bad.content.decode()
    closed = client.post("/kontakt/installningar/", {"action": "hours", "unit": centre.pk})
    assert closed.status_code == 400 and "minst en dag" in closed.content.decode()
    assert actions.hours_of(centre.pk) == hours


def test_a_nurse_may_not_change_opening_hours():
    from datetime import time

    from core.errors import NotPermitted

    setup = make_entry()
    with pytest.raises(NotPermitted):
        actions.save_opening_hours(setup["nurse"], setup["centre"], {0: (time(8), time(9))})


def test_the_region_s_admin_chooses_the_intake_and_night_team_and_new_matters_are_routed_to_them(client):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from contact.models import ContactEntry, OpeningHours
    from core.tests.factories import make_actor, make_patient, make_resident, make_unit

    setup = make_entry()
    region = setup["region"]
    new_intake = make_unit(region, name="Sjukvårdsrådgivningen")
    for weekday in range(7):
        OpeningHours.objects.create(unit=new_intake, weekday=weekday, opens=time(7, 0), closes=time(22, 0))
    new_night = make_unit(region, name="Jourteamet")
    admin = make_actor(unit=setup["intake"], roles=("unit_admin",))
    login(client, admin)
    page = client.get("/kontakt/installningar/").content.decode()
    assert 'data-testid="entry-units"' in page and "Jourteamet" in page

    # Refused, with the reason beside the field, and nothing changes: the night team with opening
    # hours, an intake without any, the same unit twice, a unit of another region.
    def choose(intake, night):
        return client.post("/kontakt/installningar/", {"action": "units", "intake_unit": intake.pk,
                                                       "night_unit": night.pk})

    refused = choose(setup["intake"], new_intake)
    assert refused.status_code == 400 and "Nattens team tar emot ärenden dygnet runt" in refused.content.decode()
    refused = choose(new_night, setup["night"])
    assert refused.status_code == 400 and "Jourteamet har inga öppettider" in refused.content.decode()
    assert choose(new_intake, new_intake).status_code == 400
    elsewhere = make_unit(make_region_elsewhere(), name="Annan region")
    assert choose(new_intake, elsewhere).status_code == 400
    entry = ContactEntry.objects.get(region=region)
    assert (entry.intake_unit, entry.night_unit) == (setup["intake"], setup["night"])

    # Chosen: audited, and the admin of the old intake no longer manages the settings.
    chosen = choose(new_intake, new_night)
    assert chosen.status_code == 302 and chosen["Location"] == "/kontakt/"
    entry.refresh_from_db()
    assert (entry.intake_unit, entry.night_unit) == (new_intake, new_night)
    event = AuditEvent.objects.filter(action="contact.settings", object_id=str(entry.pk)).latest("at")
    assert event.changes["intake_unit"][1].startswith("Sjukvårdsrådgivningen")
    assert event.changes["night_unit"] == [f"Nattens team ({setup['night'].hsa_id})",
                                           f"Jourteamet ({new_night.hsa_id})"]
    assert client.get("/kontakt/installningar/").status_code == 403

    # The routing rule follows: an unlisted resident on a Monday evening reaches the new intake
    # (open 07-22); at three in the night, the new night team.
    stockholm = ZoneInfo("Europe/Stockholm")
    unlisted = make_resident(make_patient())
    resident = Actor.resident(unlisted)
    evening = actions.file_matter(resident, unlisted.patient, category="ongoing", description="Ont i ryggen",
                                  region=region, now=datetime(2026, 11, 30, 20, 0, tzinfo=stockholm))
    night = actions.file_matter(resident, unlisted.patient, category="ongoing", description="Ont i ryggen",
                                region=region, now=datetime(2026, 12, 1, 3, 0, tzinfo=stockholm))
    assert (evening.unit, night.unit) == (new_intake, new_night)


def make_region_elsewhere():
    from core.tests.factories import make_region

    return make_region(code="12", name="Region Skåne")


def test_a_nurse_may_not_choose_the_entry_units():
    from core.errors import NotPermitted

    setup = make_entry()
    with pytest.raises(NotPermitted):
        actions.choose_entry_units(setup["nurse"], setup["region"], intake_unit=setup["centre"],
                                   night_unit=setup["night"])


def test_the_queue_page_takes_the_same_number_of_statements_for_3_rows_as_for_40(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.tests.factories import make_actor

    setup = make_entry()
    resident = Actor.resident(setup["resident"])
    login(client, setup["nurse"])

    def statements():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/kontakt/").status_code == 200
        return len(captured.captured_queries)

    for n in range(3):
        actions.take(setup["nurse"], actions.file_matter(resident, setup["patient"], category="ongoing",
                                                         description=f"Ont i ryggen {n}"))
    few = statements()
    for n in range(37):
        matter = actions.file_matter(resident, setup["patient"], category="new_symptoms",
                                     description="Jag har svårt att andas" if n % 5 == 0 else f"Hosta {n}")
        if n % 3 == 0:  # taken by several other nurses: their names are on the rows too
            actions.take(make_actor(unit=setup["centre"]), matter)
    assert statements() == few


def test_the_queue_hides_a_protected_patient_s_name_as_the_matter_page_does(client):
    # Skyddad identitet: only a role that needs it sees the name (core.queries.patient_card).
    setup = make_entry()
    patient = setup["patient"]
    patient.protected_identity = True
    patient.save(update_fields=["protected_identity"])
    actions.file_matter(Actor.resident(setup["resident"]), patient, category="ongoing", description="Ont i ryggen")
    assert not setup["nurse"].sees_protected_identity
    login(client, setup["nurse"])
    page = client.get("/kontakt/").content.decode()
    assert "Skyddad identitet" in page
    assert patient.last_name not in page

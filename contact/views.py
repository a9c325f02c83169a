"""Pages of the contact entry: Mina sidor (start a matter, follow it and chat) and the staff's
queue and matter page. The chat polls with htmx every few seconds (docs/contact.md says why not
server-sent events)."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from contact import actions, forms, permissions, queries
from contact.models import CategoryQuestion, ContactEntry, Matter, NoticeSettings, Picture
from contact.rules import red_flags
from core import params
from core import queries as core_queries
from core.errors import ActionError, NotPermitted
from core.forms import run_action
from core.models import Patient, Profession, Unit
from core.views.decorators import resident_required, staff_required
from core.collation import swedish
from meetings import queries as meetings_queries
from meetings.models import Slot, VisitKind

POLL_SECONDS = 3


def _region_for_resident(actor, patient):
    unit = patient.listed_unit or actor.user.patient.listed_unit
    return actions.region_of(unit) if unit is not None else None


# --- Mina sidor -------------------------------------------------------------------------------------

@resident_required
def portal_list(request):
    return render(request, "contact/portal_list.html", {"matters": queries.own_matters(request.actor)})


@resident_required
def portal_notices(request):
    """Mina sidor: how the resident hears that something happened in a matter (e-mail, and SMS to a
    mobile number they give here)."""
    actor = request.actor
    current = NoticeSettings.objects.filter(user=actor.user).values_list("mobile_number", flat=True).first() or ""
    form = forms.NoticeSettingsForm(request.POST or None, initial={"mobile_number": national_number(current)})
    if request.method == "POST" and form.is_valid() and run_action(
            form, actions.save_notice_settings, actor, mobile_number=form.cleaned_data["mobile_number"]):
        messages.success(request, "Sparat.")
        return redirect("contact:portal_notices")
    return render(request, "contact/portal_notices.html", {"form": form, "email": actor.user.email},
                  status=400 if form.errors else 200)


def national_number(e164):
    """+46701234567 as a Swede writes it: 070-123 45 67."""
    import phonenumbers

    if not e164:
        return ""
    return phonenumbers.format_number(phonenumbers.parse(e164, "SE"), phonenumbers.PhoneNumberFormat.NATIONAL)


def _people(actor):
    return permissions.persons_for(actor.user)


def _picture_ids(request):
    ids = []
    for value in request.POST.getlist("picture_ids"):
        if value.isdigit() and len(value) < 18:
            ids.append(int(value))
    return ids[:5]


@resident_required
def portal_new(request):
    """Write the matter, then see it (and any red-flag advice) before sending it."""
    actor = request.actor
    people = _people(actor)
    source = request.POST if request.method == "POST" else None
    person_id = (source or {}).get("person") or str(people[0][0].pk)
    person = next((p for p, _k in people if str(p.pk) == person_id), people[0][0])
    region = _region_for_resident(actor, person)
    if region is None:
        return render(request, "contact/portal_no_entry.html", status=200)
    entry = actions.entry_for(region)
    category = (source or {}).get("category") or params.choice(request, "kategori", dict(forms.Category.choices)) or ""
    questions = actions.questions_for(region, category) if category else []
    form = forms.MatterForm(source, request.FILES or None, people=people, questions=questions,
                            max_text=entry.max_text, has_fixed_contact=bool(person.fixed_care_contact_id),
                            initial={"person": person_id, "category": category})
    kept = queries.draft_pictures(actor, _picture_ids(request)) if source else []
    picture_errors = []
    if source is not None:
        for upload in request.FILES.getlist("pictures"):
            if len(kept) >= 5:
                picture_errors.append(f"{upload.name}: högst fem bilder.")
                continue
            try:
                kept.append(actions.store_picture(actor, upload))
            except ActionError as error:
                picture_errors.extend(m for ms in error.errors.values() for m in ms)
    step = "write"
    flags = []
    editing = source is not None and request.POST.get("step") == "edit"
    if source is not None and not editing and form.is_valid() and not picture_errors:
        try:
            flags = actions.check_flags(region, category=category, description=form.cleaned_data["description"],
                                        answers=form.answers())
        except ActionError as error:
            form.add_error(None, " ".join(m for ms in error.errors.values() for m in ms))
        if not form.errors:
            if request.POST.get("step") == "send":
                matter = run_action(form, actions.file_matter, actor, person, category=category,
                                    description=form.cleaned_data["description"], answers=form.answers(),
                                    picture_ids=[p.pk for p in kept], region=region,
                                    to_fixed_contact=form.cleaned_data.get("to_fixed_contact", False))
                if matter:
                    messages.success(request, "Ditt ärende är skickat. Du får ett meddelande när något händer.")
                    return redirect("contact:portal_matter", matter_id=matter.pk)
            step = "review"
    if source is not None and step == "write" and not flags:
        # Shown again on the page the resident corrects, as the live check showed it.
        flags = red_flags.flags_in_text(request.POST.get("description", "")[:5000])
    return render(request, "contact/portal_new.html", {
        "form": form, "step": step, "flags": red_flags.advice(flags), "pictures": kept,
        "picture_errors": picture_errors, "category": category, "categories": forms.Category.choices,
        "category_label": dict(forms.Category.choices).get(category, ""), "people": people, "person": person,
    }, status=400 if (source is not None and step == "write" and not editing) else 200)


@resident_required
@require_POST
def portal_check(request):
    """Live red-flag advice while the resident writes (htmx); the review step shows it again."""
    text = request.POST.get("description", "")[:5000]
    answers = {k[2:]: v for k, v in request.POST.items() if k.startswith("q_") and isinstance(v, str)}
    flags = red_flags.flags_in_text(text + "\n" + "\n".join(v for v in answers.values() if v not in ("ja", "nej")))
    return render(request, "contact/_advice.html", {"flags": red_flags.advice(flags)})


@resident_required
def portal_draft_picture(request, picture_id):
    picture = Picture.objects.filter(pk=picture_id, uploaded_by=request.user, matter__isnull=True).first()
    if picture is None:
        raise Http404
    return HttpResponse(bytes(picture.data), content_type=picture.content_type)


def _status_text(matter):
    if not matter.is_open:
        return "Ärendet är avslutat."
    when = timezone.localtime(matter.due_at)
    if matter.first_response_at:
        return "Vi har svarat dig. Skriv i chatten om du har frågor."
    return f"Du kan räkna med svar senast {when:%Y-%m-%d} kl. {when:%H:%M}."


@resident_required
def portal_matter(request, matter_id):
    actor = request.actor
    matter = queries.own_matter(actor, matter_id, endpoint="contact:portal_matter")
    form = forms.MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_action(form, actions.send_message, actor, matter, text=form.cleaned_data["text"]):
            return redirect("contact:portal_matter", matter_id=matter.pk)
    chat = queries.messages_after(matter)
    return render(request, "contact/portal_matter.html", {
        "matter": matter, "form": form, "chat": chat, "last_id": chat[-1].pk if chat else 0,
        "status_text": _status_text(matter), "pictures": list(matter.pictures.only("pk", "width", "height")),
        "poll_url": reverse("contact:portal_chat", kwargs={"matter_id": matter.pk}), "poll_seconds": POLL_SECONDS,
        "steps": ["received", "assessing", "answered", "booked", "closed"],
        "booking": matter.booking, "video_open": queries.video_open(matter),
        # Staff wrote last in the chat (a question, most often): what the reminder also says.
        "awaiting_reply": bool(matter.is_open and chat and chat[-1].from_staff and not chat[-1].is_answer),
    }, status=400 if form.errors else 200)


def _chat_partial(request, matter, *, resident):
    after = params.integer(request, "efter", 0, minimum=0)
    chat = queries.messages_after(matter, after)
    if after and not chat:
        return HttpResponse(status=204)  # nothing new: htmx keeps the page as it is and polls again
    return render(request, "contact/_chat_poll.html", {
        "chat": chat, "last_id": chat[-1].pk if chat else after, "resident": resident,
        "poll_url": request.path, "poll_seconds": POLL_SECONDS,
    })


@resident_required
def portal_chat(request, matter_id):
    """New chat lines since `efter`. Patient data shown only when there are some: then the read is logged."""
    matter = queries.own_matter(request.actor, matter_id, endpoint="contact:portal_chat", log=False)
    response = _chat_partial(request, matter, resident=True)
    if response.status_code == 200:
        queries.own_matter(request.actor, matter_id, endpoint="contact:portal_chat")
    return response


@resident_required
def portal_picture(request, matter_id, picture_id):
    matter = queries.own_matter(request.actor, matter_id, endpoint="contact:portal_picture")
    picture = queries.picture_of(matter, picture_id)
    return HttpResponse(bytes(picture.data), content_type=picture.content_type)


# --- Staff ------------------------------------------------------------------------------------------

@staff_required
def queue(request):
    actor = request.actor
    profession = params.choice(request, "yrke", dict(Profession.choices))
    mine = params.choice(request, "visa", {"mina": "Mina"}) == "mina"
    page = params.integer(request, "sida", 1, maximum=100_000)
    found = queries.queue(actor, profession=profession, mine=mine, page=page)
    kept = {"yrke": profession or "", "visa": "mina" if mine else ""}
    return render(request, "contact/queue.html", {
        "queue": found, "rows": found.rows, "profession": profession, "mine": mine,
        "professions": Profession.choices,
        "previous_url": _page_url(kept, found.page - 1) if found.page > 1 else "",
        "next_url": _page_url(kept, found.page + 1) if found.page < found.pages else "",
        "may_work": permissions.may_work_queue(actor),
        "may_configure": permissions.may_configure(actor, actions.region_of(actor.unit)),
    })


def _page_url(kept, page):
    return "?" + urlencode({**{k: v for k, v in kept.items() if v}, "sida": page})


def _slots_for(actor, matter):
    kinds = VisitKind.objects.filter(region=matter.region, is_sip=False)
    free = []
    for kind in kinds[:6]:
        free.extend(meetings_queries.free_slots(kind, unit_id=actor.unit_id, limit=6))
    return sorted(free, key=lambda s: s.starts_at)[:10]


STAFF_ACTIONS = ("take", "release", "transfer", "triage", "answer", "message", "book", "close", "video")


def _run(request, matter, action):
    actor = request.actor
    region = matter.region
    if action == "take":
        return None, actions.take(actor, matter), "Du har tagit ärendet."
    if action == "release":
        return None, actions.release(actor, matter), "Ärendet ligger i kön igen."
    if action == "video":
        return None, actions.start_video(actor, matter), "Videosamtalet är startat. Personen har fått besked."
    if action == "triage":
        form = forms.TriageForm(request.POST)
        return form, form.is_valid() and run_action(form, actions.triage, actor, matter, **form.cleaned_data), \
            "Bedömningen är sparad."
    if action == "transfer":
        form = forms.TransferForm(request.POST, region=region)
        return form, form.is_valid() and run_action(form, actions.transfer, actor, matter, **form.cleaned_data), \
            "Ärendet är flyttat."
    if action in ("answer", "message"):
        form = (forms.AnswerForm if action == "answer" else forms.MessageForm)(request.POST)
        run = actions.answer if action == "answer" else actions.send_message
        return form, form.is_valid() and run_action(form, run, actor, matter, text=form.cleaned_data["text"]), \
            "Svaret är skickat." if action == "answer" else "Skickat."
    if action == "book":
        form = forms.BookForm(request.POST)
        if not form.is_valid():
            return form, None, ""
        slot = Slot.objects.select_related("staff", "visit_kind").filter(pk=form.cleaned_data["slot"],
                                                                        unit_id=actor.unit_id).first()
        if slot is None:
            form.add_error(None, "Tiden finns inte längre. Välj en annan.")
            return form, None, ""
        return form, run_action(form, actions.book, actor, matter, slot=slot, form=form.cleaned_data["form"]), \
            "Besöket är bokat och personen får en kallelse."
    form = forms.CloseForm(request.POST, region=region)
    return form, form.is_valid() and run_action(form, actions.close, actor, matter, **form.cleaned_data), \
        "Ärendet är avslutat."


@staff_required
def matter_page(request, matter_id):
    actor = request.actor
    matter = queries.staff_matter(actor, matter_id, endpoint="contact:matter")
    bound = {}
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in STAFF_ACTIONS:
            raise Http404
        try:
            form, done, text = _run(request, matter, action)
        except NotPermitted as error:
            raise PermissionDenied(str(error)) from None
        except ActionError as error:
            messages.error(request, " ".join(m for ms in error.errors.values() for m in ms))
            return redirect("contact:matter", matter_id=matter.pk)
        if done:
            messages.success(request, text)
            if action in ("transfer", "close") and not Matter.objects.visible_to(actor).filter(
                    pk=matter.pk, status__in=Matter.OPEN).exists():
                return redirect("contact:queue")
            return redirect("contact:matter", matter_id=matter.pk)
        bound[action] = form
    chat = queries.messages_after(matter)
    holder = matter.taken_by_id == actor.user.pk and matter.is_open
    texts = dict(CategoryQuestion.objects.filter(region=matter.region, category=matter.category)
                 .values_list("key", "text"))
    return render(request, "contact/matter.html", {
        "answer_rows": [(texts.get(key, key), value) for key, value in matter.answers.items()],
        "matter": matter, "card": core_queries.patient_card(matter.patient, actor),
        "events": list(matter.events.select_related("author", "author_unit")), "chat": chat,
        "last_id": chat[-1].pk if chat else 0, "holder": holder,
        "may_take": permissions.may_handle(actor, matter) and matter.is_open and matter.taken_by_id is None,
        "triage_form": bound.get("triage") or forms.TriageForm(initial={
            "priority": matter.priority, "care_level": matter.care_level, "reason": matter.triage_reason}),
        "transfer_form": bound.get("transfer") or forms.TransferForm(region=matter.region),
        "answer_form": bound.get("answer") or forms.AnswerForm(),
        "message_form": bound.get("message") or forms.MessageForm(),
        "close_form": bound.get("close") or forms.CloseForm(region=matter.region),
        "book_form": bound.get("book"),
        "slots": _slots_for(actor, matter) if holder and not matter.booking_id else [],
        "pictures": list(matter.pictures.only("pk", "width", "height")),
        "fixed_contact": matter.patient.fixed_care_contact,
        "flags": red_flags.advice(matter.red_flags), "video_open": queries.video_open(matter),
        "poll_url": reverse("contact:chat", kwargs={"matter_id": matter.pk}), "poll_seconds": POLL_SECONDS,
        "due_text": queries.minutes_text((matter.due_at - timezone.now()).total_seconds() // 60),
        "overdue": matter.is_open and matter.first_response_at is None and timezone.now() > matter.due_at,
    }, status=400 if bound else 200)


@staff_required
def chat(request, matter_id):
    matter = queries.staff_matter(request.actor, matter_id, endpoint="contact:chat", log=False)
    response = _chat_partial(request, matter, resident=False)
    if response.status_code == 200:
        queries.staff_matter(request.actor, matter_id, endpoint="contact:chat")
    return response


@staff_required
def picture(request, matter_id, picture_id):
    matter = queries.staff_matter(request.actor, matter_id, endpoint="contact:picture")
    found = queries.picture_of(matter, picture_id)
    return HttpResponse(bytes(found.data), content_type=found.content_type)



def _video_page(request, matter, *, display_name, moderator, back_url):
    from meetings.video import provider

    is_open = queries.video_open(matter)
    url = ""
    if is_open:
        url = provider().join_url(matter.video_room, display_name=display_name, moderator=moderator,
                                  valid_until=matter.video_started_at + timedelta(hours=queries.VIDEO_OPEN_HOURS))
    return render(request, "contact/video.html", {"matter": matter, "is_open": is_open, "room_url": url,
                                                  "back_url": back_url})


@staff_required
def video(request, matter_id):
    matter = queries.staff_matter(request.actor, matter_id, endpoint="contact:video")
    return _video_page(request, matter, display_name=request.actor.user.display_name(), moderator=True,
                       back_url=reverse("contact:matter", kwargs={"matter_id": matter.pk}))


@resident_required
def portal_video(request, matter_id):
    matter = queries.own_matter(request.actor, matter_id, endpoint="contact:portal_video")
    # The resident's name stays out of the video service.
    return _video_page(request, matter, display_name="Patient", moderator=False,
                       back_url=reverse("contact:portal_matter", kwargs={"matter_id": matter.pk}))


# --- Follow-up --------------------------------------------------------------------------------------

def _minutes_cell(value):
    return "–" if value is None else queries.minutes_text(value)


@staff_required
def followup_page(request):
    from contact import followup
    from contact.models import Channel, Priority
    from contact.rules.followup import WEEKDAYS_SV
    from core.charts import Bar, bar_chart

    actor = request.actor
    region_wide = params.choice(request, "omfang", {"region": "Regionen"}) == "region" and followup.may_see_region(actor)
    found = followup.unit_figures(actor, region_wide=region_wide)
    hours = bar_chart([Bar(label=f"{h:02d}" if h % 3 == 0 else "", value=n, text=str(n) if n else "")
                       for h, n in enumerate(found.per_hour)], chart_id="contact-hours",
                      title="Ärenden per timme", description="Antal inkomna ärenden per timme på dygnet.")
    weekdays = bar_chart([Bar(label=WEEKDAYS_SV[d], value=n, text=str(n)) for d, n in enumerate(found.per_weekday)],
                         chart_id="contact-weekdays", title="Ärenden per veckodag",
                         description="Antal inkomna ärenden per veckodag.")
    labels = {"": "Ej bedömd", **dict(Priority.choices)}
    times = [{"label": labels[key], "first": found.first_response[key], "resolution": found.resolution[key],
              "first_median": _minutes_cell(found.first_response[key].median),
              "first_p90": _minutes_cell(found.first_response[key].p90),
              "res_median": _minutes_cell(found.resolution[key].median),
              "res_p90": _minutes_cell(found.resolution[key].p90)} for key in followup.PRIORITY_KEYS]
    channels = [(dict(Channel.choices).get(k, k), n) for k, n in sorted(found.per_channel.items())]
    return render(request, "contact/followup.html", {
        "found": found, "hours_chart": hours, "weekdays_chart": weekdays, "times": times, "channels": channels,
        "region_wide": region_wide, "may_see_region": followup.may_see_region(actor), "days": followup.DAYS,
        "hours": list(enumerate(found.per_hour)), "weekdays": list(zip(WEEKDAYS_SV, found.per_weekday, strict=True)),
    })


# --- Staff: a patient's contact-entry settings, and starting a matter for them ------------------------

@staff_required
def patient_page(request, patient_id):
    """Start a matter for the unit's own patient; record listing and fixed care contact; register a
    guardian or an ombud's power of attorney with its period."""
    from contact.models import Representation

    actor = request.actor
    patient, _basis = core_queries.open_patient(actor, patient_id, endpoint="contact:patient")
    region = actions.region_of(actor.unit)
    bound = {}
    if request.method == "POST":
        which = request.POST.get("action")
        if which == "start":
            form = forms.StaffMatterForm(request.POST)
            matter = form.is_valid() and run_action(form, actions.file_matter, actor, patient, channel="staff",
                                                    region=region, **form.cleaned_data)
            if matter:
                messages.success(request, "Ärendet är startat i din enhets kö.")
                return redirect("contact:matter", matter_id=matter.pk)
        elif which == "listing":
            form = forms.ListingForm(request.POST, region=region)
            if form.is_valid() and run_action(form, actions.set_listing, actor, patient, unit=form.cleaned_data["unit"],
                                              fixed_care_contact=form.cleaned_data["fixed_care_contact"]):
                messages.success(request, "Listningen är sparad.")
                return redirect("contact:patient", patient_id=patient.pk)
        elif which == "representation":
            form = forms.RepresentationForm(request.POST)
            if form.is_valid():
                representative = Patient.objects.filter(personal_number=form.cleaned_data["representative"]).first()
                if representative is None:
                    form.add_error("representative", "Personen finns inte i Samverkan.")
                elif run_action(form, actions.register_representation, actor, representative, patient,
                                kind=form.cleaned_data["kind"], valid_from=form.cleaned_data["valid_from"],
                                valid_until=form.cleaned_data["valid_until"]):
                    messages.success(request, "Registrerat.")
                    return redirect("contact:patient", patient_id=patient.pk)
        else:
            raise Http404
        bound[which] = form
    return render(request, "contact/patient.html", {
        "patient": patient, "card": core_queries.patient_card(patient, actor),
        "start_form": bound.get("start") or forms.StaffMatterForm(),
        "listing_form": bound.get("listing") or forms.ListingForm(region=region, initial={
            "unit": patient.listed_unit_id, "fixed_care_contact": patient.fixed_care_contact_id}),
        "representation_form": bound.get("representation") or forms.RepresentationForm(
            initial={"valid_from": timezone.localdate()}),
        "representations": Representation.objects.filter(principal=patient).select_related("representative")
                                                  .order_by("-valid_from"),
        "may_work": permissions.may_work_queue(actor),
    }, status=400 if bound else 200)


# --- The region's settings ------------------------------------------------------------------------

@staff_required
def settings_page(request):
    from contact.models import CategoryQuestion, SelfCareText

    actor = request.actor
    region = actions.region_of(actor.unit)
    if region is None or not permissions.may_configure(actor, region):
        raise PermissionDenied("Bara regionens administratörer för kontaktingången ändrar inställningarna.")
    targets = actions.targets_of(region)
    entry = ContactEntry.objects.filter(region=region).first()
    bound = {}
    if request.method == "POST":
        which = request.POST.get("action")
        if which == "targets":
            form = forms.TargetsForm(request.POST, targets=targets)
            done = form.is_valid() and run_action(form, actions.save_targets, actor, region, form.cleaned_data)
        elif which == "question":
            form = forms.QuestionForm(request.POST)
            done = form.is_valid() and run_action(form, actions.add_question, actor, region, **form.cleaned_data)
        elif which == "advice":
            form = forms.SelfCareForm(request.POST)
            done = form.is_valid() and run_action(form, actions.add_self_care_text, actor, region,
                                                  **form.cleaned_data)
        elif which == "units":
            form = forms.EntryUnitsForm(request.POST, units=actions.entry_units(region))
            done = form.is_valid() and run_action(form, actions.choose_entry_units, actor, region,
                                                  **form.cleaned_data)
        elif which == "hours":
            unit = centres_of(region).filter(pk=params.posted_id(request, "unit")).first()
            if unit is None:
                raise Http404
            form = forms.OpeningHoursForm(request.POST, prefix=f"u{unit.pk}")
            done = form.is_valid() and run_action(form, actions.save_opening_hours, actor, unit, form.cleaned_data["week"])
            which = f"hours-{unit.pk}"
        elif which == "retire":
            form = None
            question = CategoryQuestion.objects.filter(region=region, pk=params.posted_id(request, "question")).first()
            if question is None:
                raise Http404
            done = actions.retire_question(actor, question)
        else:
            raise Http404
        if done:
            messages.success(request, "Sparat. Det gäller från och med nu.")
            # A unit administrator who moved the intake away from their own unit no longer manages it.
            return redirect("contact:settings" if permissions.may_configure(actor, region) else "contact:queue")
        bound[which] = form
    return render(request, "contact/settings.html", {
        "region": region,
        "targets_form": bound.get("targets") or forms.TargetsForm(targets=targets),
        "units_form": bound.get("units") or forms.EntryUnitsForm(units=actions.entry_units(region), initial={
            "intake_unit": entry.intake_unit_id, "night_unit": entry.night_unit_id} if entry else None),
        "question_form": bound.get("question") or forms.QuestionForm(),
        "advice_form": bound.get("advice") or forms.SelfCareForm(),
        "questions": CategoryQuestion.objects.filter(region=region, active=True),
        "centres": [(unit, actions.hours_text(actions.hours_of(unit.pk)),
                     bound.get(f"hours-{unit.pk}") or forms.OpeningHoursForm(prefix=f"u{unit.pk}",
                                                                              hours=actions.hours_of(unit.pk)))
                    for unit in centres_of(region)],
        "advice": SelfCareText.objects.filter(region=region),
    }, status=400 if bound else 200)


def centres_of(region):
    """The care centres (vårdcentraler) in the region's county and the contact entry's intake, whose
    opening hours steer the routing; not the night team, which is there around the clock."""
    night = ContactEntry.objects.filter(region=region).values("night_unit_id")
    return (Unit.objects.filter(kind=Unit.Kind.PRIMARY_CARE, active=True, organisation__county_code=region.county_code)
            .exclude(pk__in=night).order_by(swedish("name")))

from django import forms
from django.utils import formats, timezone

from core.forms import when_field
from core.models import Organisation, Profession, Unit, User
from core.collation import swedish
from meetings.queries import region_of
from meetings.models import Booking, ConferenceCase, SipParticipant, Slot, VisitForm, VisitKind


def offer_unit_staff(field, unit):
    """A staff choice: the unit's active members, by name."""
    field.queryset = User.objects.filter(
        memberships__unit=unit, memberships__active=True, is_active=True).order_by(swedish("first_name"), swedish("last_name"))
    field.label_from_instance = lambda user: user.display_name()


class BookingForm(forms.Form):
    """A visit in one of the unit's free times (`slot`), or at a time given by hand."""

    slot = forms.ModelChoiceField(queryset=Slot.objects.none(), required=False, widget=forms.HiddenInput)
    staff = forms.ModelChoiceField(label="Hos", queryset=User.objects.none(), empty_label="– välj –", required=False)
    visit_kind = forms.ModelChoiceField(label="Besökstyp", queryset=VisitKind.objects.none(), empty_label="– välj –")
    form = forms.ChoiceField(label="Besöksform", choices=VisitForm.choices, widget=forms.RadioSelect,
                             initial=VisitForm.PHYSICAL)
    starts_at = when_field("Tid", required=False, help_text="Datum och klockslag för besökets början.")
    note = forms.CharField(label="Meddelande till patienten", required=False, max_length=500,
                           help_text="Syns i kallelsen. Skriv inte diagnoser eller känsliga uppgifter.")

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        offer_unit_staff(self.fields["staff"], unit)
        self.fields["visit_kind"].queryset = VisitKind.objects.filter(region=region_of(unit), is_sip=False)
        self.fields["slot"].queryset = Slot.objects.filter(unit=unit)

    def clean(self):
        data = super().clean()
        slot = data.get("slot")
        if slot is not None:
            data["staff"], data["starts_at"], data["visit_kind"] = slot.staff, slot.starts_at, slot.visit_kind
        else:
            for name, message in (("staff", "Välj vem besöket är hos."), ("starts_at", "Ange en tid.")):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return data


class RebookForm(forms.Form):
    starts_at = when_field("Ny tid", required=True, help_text="Datum och klockslag för besökets början.")


class CancelForm(forms.Form):
    reason = forms.CharField(label="Orsak", max_length=300)
    by_patient = forms.TypedChoiceField(
        label="Vem avbokar?", coerce=lambda v: v == "yes", widget=forms.RadioSelect, initial="yes",
        choices=[("yes", "Patienten (sen avbokning om det är nära besöket)"), ("no", "Mottagningen")])


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="Utfall", widget=forms.RadioSelect, choices=[
        (Booking.Status.ATTENDED, "Genomfört"), (Booking.Status.NO_SHOW, "Patienten uteblev")])
    form = forms.ChoiceField(label="Besöket blev", choices=VisitForm.choices)


class SlotsForm(forms.Form):
    staff = forms.ModelChoiceField(label="Vem", queryset=User.objects.none(), empty_label="– välj –")
    visit_kind = forms.ModelChoiceField(label="Besökstyp", queryset=VisitKind.objects.none(), empty_label="– välj –")
    day = forms.DateField(label="Dag", widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label="Från", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label="Till", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    minutes = forms.IntegerField(label="Längd per tid (minuter)", min_value=5, max_value=240, initial=30)
    forms = forms.MultipleChoiceField(label="Öppen för", choices=VisitForm.choices, widget=forms.CheckboxSelectMultiple,
                                      initial=[VisitForm.PHYSICAL, VisitForm.PHONE])

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        offer_unit_staff(self.fields["staff"], unit)
        self.fields["visit_kind"].queryset = VisitKind.objects.filter(region=region_of(unit), is_sip=False)


# --- SIP ---------------------------------------------------------------------------------------------

class SipCreateForm(forms.Form):
    consent_given = forms.BooleanField(label="Personen samtycker till en samordnad individuell plan och till att "
                                             "de som deltar får ta del av uppgifterna", required=False)
    consent_organisations = forms.ModelMultipleChoiceField(
        label="Samtycket omfattar också dessa organisationer", required=False,
        queryset=Organisation.objects.filter(active=True, kind__in=[Organisation.Kind.REGION,
                                                                    Organisation.Kind.MUNICIPALITY]),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Din egen organisation ingår alltid. Fler organisationer kan läggas till senare, "
                  "med personens samtycke, när deras enheter bjuds in.")
    consent_note = forms.CharField(label="Om samtycket", required=False, max_length=500,
                                   help_text="T.ex. muntligt samtycke vid besök, eller via god man.")
    person_goals = forms.CharField(label="Personens egna mål", required=False, max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_on = forms.DateField(label="Uppföljning senast", widget=forms.DateInput(attrs={"type": "date"}))


def _unit_choices(plan):
    """The units that take part in the plan (accepted, with consent): not those only invited."""
    return Unit.objects.filter(pk__in=SipParticipant.objects.units_taking_part().filter(plan=plan)
                               .values("unit_id")).order_by(swedish("name"))


class SipUpdateForm(forms.Form):
    person_goals = forms.CharField(label="Personens egna mål", required=False, max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    overall_responsible = forms.ModelChoiceField(label="Huvudansvar", queryset=Unit.objects.none())
    follow_up_on = forms.DateField(label="Uppföljning senast", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["overall_responsible"].queryset = _unit_choices(plan)


class SipParticipantForm(forms.Form):
    name = forms.CharField(label="Namn", max_length=120)
    role = forms.CharField(label="Roll", max_length=120, help_text="T.ex. biståndshandläggare, dotter, god man.")
    unit = forms.ModelChoiceField(label="Enhet (för personal)", required=False, empty_label="– närstående eller annan –",
                                  queryset=Unit.objects.filter(active=True).select_related("organisation")
                                  .order_by(swedish("organisation__name"), swedish("name")))
    is_relative = forms.BooleanField(label="Närstående", required=False)
    consent_given = forms.BooleanField(
        label="Personen samtycker till att enhetens organisation deltar och tar del av uppgifterna", required=False,
        help_text="Behövs när personens samtycke inte redan omfattar organisationen. Enheten får öppna planen först "
                  "när den tackat ja till inbjudan.")
    consent_note = forms.CharField(label="Om samtycket", required=False, max_length=500)


class SipConsentForm(forms.Form):
    """The person's consent to one more organisation: those of the plan's invited or taking-part
    units that the consent does not name yet."""

    organisation = forms.ModelChoiceField(label="Organisation", queryset=Organisation.objects.none(),
                                          empty_label="– välj –")
    consent_given = forms.BooleanField(label="Personen samtycker till att organisationen deltar och tar del av "
                                             "uppgifterna", required=False)
    note = forms.CharField(label="Om samtycket", required=False, max_length=500)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        wanted = (plan.participants.filter(unit__isnull=False).exclude(status=SipParticipant.Status.DECLINED)
                  .values("unit__organisation_id"))
        self.fields["organisation"].queryset = (Organisation.objects.filter(pk__in=wanted)
                                                .exclude(pk__in=plan.consents.values("organisation_id")).order_by(swedish("name")))


class SipInvitationAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", "Tacka ja"), ("decline", "Tacka nej")])


class SipEffortForm(forms.Form):
    unit = forms.ModelChoiceField(label="Utförs av", queryset=Unit.objects.none(), empty_label="– välj enhet –")
    description = forms.CharField(label="Insats", max_length=500)
    goal = forms.CharField(label="Mål för insatsen", required=False, max_length=300)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _unit_choices(plan)


class SipPublishForm(forms.Form):
    reason = forms.CharField(label="Anledning", max_length=300, help_text="T.ex. ”Första planen” eller ”Uppföljning”.")


class SipMeetingForm(forms.Form):
    staff = forms.ModelChoiceField(label="Mötesansvarig", queryset=User.objects.none(), empty_label="– välj –")
    form = forms.ChoiceField(label="Mötesform", choices=VisitForm.choices, widget=forms.RadioSelect,
                             initial=VisitForm.VIDEO)
    starts_at = when_field("Tid", required=True, help_text="Datum och klockslag.")

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        offer_unit_staff(self.fields["staff"], unit)


class SipMinutesForm(forms.Form):
    meeting = forms.IntegerField(widget=forms.HiddenInput)
    minutes = forms.CharField(label="Minnesanteckningar", max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))
    person_took_part = forms.BooleanField(label="Personen deltog", required=False)


# --- Conferences -------------------------------------------------------------------------------------

class ConferenceCaseForm(forms.Form):
    session = forms.ModelChoiceField(label="Konferenstillfälle", queryset=None, empty_label="– välj –")
    question = forms.CharField(label="Frågeställning", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    history = forms.CharField(label="Relevant sjukhistoria", required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    image_links = forms.CharField(label="Länkar till bilder", required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text="En länk per rad, till bildarkivet (PACS).")
    pathology_links = forms.CharField(label="Länkar till PAD/patologi", required=False, max_length=2000,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.ChoiceField(label="Rättslig grund för att dela uppgifterna", widget=forms.RadioSelect,
                                    choices=ConferenceCase.LegalBasis.choices,
                                    help_text="Utan samtycke visas fallet för de andra enheterna utan namn och "
                                              "personnummer.")

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = lambda s: (
            f"{s.series.name}, {timezone.localtime(s.starts_at):%Y-%m-%d %H:%M} "
            f"(anmälan senast {timezone.localtime(s.registration_closes_at):%Y-%m-%d %H:%M})")


class RecommendationForm(forms.Form):
    case = forms.UUIDField(widget=forms.HiddenInput)
    recommendation = forms.CharField(label="Rekommendation för utredning och behandling", max_length=5000,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    informs_patient = forms.CharField(label="Informerar patienten", max_length=150,
                                      help_text="T.ex. remitterande läkare eller kontaktsjuksköterskan.")
    inform_by = forms.DateField(label="Senast", required=False, widget=forms.DateInput(attrs={"type": "date"}))


# --- Settings ----------------------------------------------------------------------------------------

class BookingRulesForm(forms.Form):
    late_cancel_hours = forms.IntegerField(
        label="Sen avbokning: kortare tid före besöket än (timmar)", min_value=0, max_value=168,
        help_text="Avbokar patienten senare än så tas avgiften för uteblivet besök ut. 0 = aldrig sen avbokning.")
    join_opens_minutes = forms.IntegerField(label="Videorummet öppnar (minuter före start)", min_value=0, max_value=60)


class VisitKindForm(forms.Form):
    key = forms.SlugField(label="Nyckel i avgiftstabellen", max_length=40,
                          help_text="Små bokstäver utan å, ä, ö, siffror och bindestreck, t.ex. lakarbesok. Kan inte ändras senare.")
    name = forms.CharField(label="Namn", max_length=80)
    minutes = forms.IntegerField(label="Längd i minuter", min_value=5, max_value=480, initial=30)
    is_sip = forms.BooleanField(label="SIP-möte (alltid avgiftsfritt)", required=False)
    suits_video = forms.BooleanField(label="Passar för video", required=False)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["key"].disabled = True


class ConferenceSeriesForm(forms.Form):
    name = forms.CharField(label="Namn", max_length=150)
    specialty = forms.CharField(label="Specialitet", max_length=100)
    chair = forms.ModelChoiceField(label="Ordförande", queryset=User.objects.none(), empty_label="– välj –")
    schedule = forms.CharField(label="Schema", max_length=200, help_text="T.ex. tisdagar 14.00, varannan vecka.")
    required_professions = forms.MultipleChoiceField(label="Yrken som ska delta", choices=Profession.choices,
                                                     widget=forms.CheckboxSelectMultiple)
    participating_units = forms.ModelMultipleChoiceField(
        label="Deltagande enheter", queryset=Unit.objects.filter(active=True, organisation__kind=Organisation.Kind.REGION)
        .select_related("organisation").order_by(swedish("organisation__name"), swedish("name")),
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text="Håll ned Ctrl (Cmd på Mac) för att välja flera. Enheter från alla regioner kan delta.")
    registration_deadline_hours = forms.IntegerField(label="Anmälan senast (timmar före tillfället)", min_value=1,
                                                     max_value=336, initial=48)

    def __init__(self, *args, owner_unit, **kwargs):
        super().__init__(*args, **kwargs)
        offer_unit_staff(self.fields["chair"], owner_unit)
        self.fields["participating_units"].label_from_instance = lambda unit: f"{unit.organisation.name} – {unit.name}"


class ConferenceSessionForm(forms.Form):
    starts_at = when_field("Börjar", required=True, help_text="Datum och klockslag.")
    minutes = forms.IntegerField(label="Längd (minuter)", min_value=15, max_value=480, initial=90)


class OwnVisitCancelForm(forms.Form):
    reason = forms.CharField(label="Vill du berätta varför? (frivilligt)", required=False, max_length=300)


class OwnVisitRebookForm(forms.Form):
    slot = forms.ModelChoiceField(label="Ny tid", queryset=Slot.objects.none(), widget=forms.RadioSelect,
                                  empty_label=None)

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = Slot.objects.filter(pk__in=[s.pk for s in slots]).select_related("staff")
        self.fields["slot"].label_from_instance = lambda s: (
            f"{formats.date_format(timezone.localtime(s.starts_at), 'l j F')} kl. "
            f"{timezone.localtime(s.starts_at):%H:%M}, {s.staff.display_name()}")

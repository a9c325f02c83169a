from django import forms

from contact.models import CareLevel, Category, Matter, Priority, SelfCareText
from core.forms import PersonalNumberField
from core.models import Profession, Unit
from core.collation import swedish
from meetings.models import VisitForm


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PicturesField(forms.FileField):
    """Several files; each is checked and re-encoded by the view (contact.pictures), one by one, so a
    bad picture is refused on its own."""

    def clean(self, data, initial=None):
        return []


class MatterForm(forms.Form):
    """The resident's matter. The questions of the chosen category are added per region."""

    person = forms.ChoiceField(label="Vem gäller det?")
    category = forms.ChoiceField(label="Vad gäller det?", choices=Category.choices, widget=forms.RadioSelect)
    description = forms.CharField(label="Beskriv ditt ärende", widget=forms.Textarea(attrs={"rows": 6}))
    pictures = PicturesField(label="Bilder (valfritt)", required=False,
                               widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/heic,.heic"}),
                               help_text="Högst 5 bilder, JPEG, PNG eller HEIC, högst 10 MB styck. Platsuppgifter "
                                         "och annan information i bilden tas bort.")
    to_fixed_contact = forms.BooleanField(label="Jag vill helst ha svar av min fasta vårdkontakt", required=False)

    def __init__(self, *args, people, questions, max_text, has_fixed_contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(str(p.pk), f"{p.first_name} {p.last_name}" + (" (jag)" if not kind else
                                          " – vårdnadshavare" if kind == "guardian" else " – ombud"))
                                         for p, kind in people]
        self.fields["description"].max_length = max_text
        self.fields["description"].help_text = f"Högst {max_text} tecken. Skriv vad som hänt, sedan när och hur du mår nu."
        self.fields["description"].widget.attrs["maxlength"] = max_text
        if not has_fixed_contact:
            del self.fields["to_fixed_contact"]
        self.question_keys = []
        for question in questions:
            name = f"q_{question.key}"
            self.question_keys.append((name, question.key))
            if question.kind == "yes_no":
                self.fields[name] = forms.ChoiceField(label=question.text, choices=[("ja", "Ja"), ("nej", "Nej")],
                                                      widget=forms.RadioSelect, required=True)
            else:
                self.fields[name] = forms.CharField(label=question.text, max_length=500, required=False)

    def answers(self):
        return {key: self.cleaned_data.get(name) or "" for name, key in self.question_keys}


class MessageForm(forms.Form):
    text = forms.CharField(label="Meddelande", max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class AnswerForm(forms.Form):
    text = forms.CharField(label="Svar till personen", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "answer_%s")
        super().__init__(*args, **kwargs)


class TriageForm(forms.Form):
    priority = forms.ChoiceField(label="Prioritet", choices=Priority.choices)
    care_level = forms.ChoiceField(label="Vårdnivå", choices=CareLevel.choices)
    reason = forms.CharField(label="Motivering", max_length=500)


class TransferForm(forms.Form):
    unit = forms.ModelChoiceField(label="Till enhet", queryset=Unit.objects.none())
    profession = forms.ChoiceField(label="Yrke", choices=[("", "Alla yrken")] + list(Profession.choices), required=False)
    note = forms.CharField(label="Överlämning", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(organisation=region, active=True).order_by(swedish("name"))


class CloseForm(forms.Form):
    closing = forms.ChoiceField(label="Avsluta med", choices=Matter.Closing.choices)
    self_care_text = forms.ModelChoiceField(label="Egenvårdsråd", queryset=SelfCareText.objects.none(),
                                            required=False)
    note = forms.CharField(label="Kommentar", max_length=500, required=False)

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["self_care_text"].queryset = SelfCareText.objects.filter(region=region)


class BookForm(forms.Form):
    slot = forms.IntegerField(widget=forms.HiddenInput)
    form = forms.ChoiceField(label="Besöksform", choices=VisitForm.choices)


class StaffMatterForm(forms.Form):
    category = forms.ChoiceField(label="Vad gäller det?", choices=Category.choices)
    description = forms.CharField(label="Ärendet", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class ListingForm(forms.Form):
    unit = forms.ModelChoiceField(label="Listad vid", queryset=Unit.objects.none(), required=False,
                                  empty_label="– inte listad –")
    fixed_care_contact = forms.ModelChoiceField(label="Fast vårdkontakt", queryset=None, required=False,
                                                empty_label="– ingen –")

    def __init__(self, *args, region, **kwargs):
        from core.models import User

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(organisation=region, kind=Unit.Kind.PRIMARY_CARE,
                                                           active=True).order_by(swedish("name"))
        self.fields["fixed_care_contact"].queryset = User.objects.filter(
            memberships__unit__organisation=region, memberships__unit__kind=Unit.Kind.PRIMARY_CARE,
            memberships__active=True, patient__isnull=True).distinct().order_by(swedish("last_name"), swedish("first_name"))
        self.fields["fixed_care_contact"].label_from_instance = lambda u: u.get_full_name() or u.username


class RepresentationForm(forms.Form):
    representative = PersonalNumberField(label="Vårdnadshavarens eller ombudets personnummer")
    kind = forms.ChoiceField(label="Typ", choices=[("guardian", "Vårdnadshavare (barn under 18)"),
                                                   ("ombud", "Ombud med fullmakt")])
    valid_from = forms.DateField(label="Gäller från", widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label="Gäller till (valfritt)", required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))


class TargetsForm(forms.Form):
    def __init__(self, *args, targets, **kwargs):
        from contact.rules.routing import DEFAULT_TARGET_MINUTES

        super().__init__(*args, **kwargs)
        labels = {"unassessed": "Första bedömning (ej bedömt)", **dict(Priority.choices)}
        for key, default in DEFAULT_TARGET_MINUTES.items():
            self.fields[key] = forms.IntegerField(label=f"{labels[key]} (minuter)", min_value=1,
                                                  max_value=60 * 24 * 60, initial=targets.get(key, default))


class QuestionForm(forms.Form):
    category = forms.ChoiceField(label="Kategori", choices=Category.choices)
    text = forms.CharField(label="Fråga", max_length=200)
    kind = forms.ChoiceField(label="Svar", choices=[("yes_no", "Ja/nej"), ("text", "Fritext")])
    flag = forms.ChoiceField(label="Ett ja flaggar för", required=False)

    def __init__(self, *args, **kwargs):
        from contact.rules.red_flags import FLAGS

        super().__init__(*args, **kwargs)
        self.fields["flag"].choices = [("", "– ingen flagga –")] + [(f.key, f.label) for f in FLAGS]


class SelfCareForm(forms.Form):
    title = forms.CharField(label="Rubrik", max_length=120)
    body = forms.CharField(label="Råd", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class NoticeSettingsForm(forms.Form):
    mobile_number = forms.CharField(
        label="Mobilnummer för sms", required=False, max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text="Ett svenskt mobilnummer, till exempel 070-123 45 67. Lämna tomt om du inte vill ha sms.")


class EntryUnitsForm(forms.Form):
    """The region's intake unit and night team, chosen among its units (contact.actions.entry_units)."""

    intake_unit = forms.ModelChoiceField(
        label="Kontaktingång", queryset=Unit.objects.none(),
        help_text="Tar ärenden från invånare som inte är listade på en vårdcentral här, när den har öppet.")
    night_unit = forms.ModelChoiceField(
        label="Nattens team", queryset=Unit.objects.none(),
        help_text="Tar allt som kommer när vårdcentralerna och kontaktingången har stängt, dygnet runt och "
                  "röda dagar. En enhet utan öppettider.")

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("intake_unit", "night_unit"):
            self.fields[name].queryset = units
            self.fields[name].label_from_instance = lambda unit: f"{unit.name} ({unit.organisation.name})"


class OpeningHoursForm(forms.Form):
    """A care centre's week: for each day the time it opens and closes, both empty when closed."""

    DAYS = ["Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag", "Lördag", "Söndag"]

    def __init__(self, *args, hours=None, **kwargs):
        super().__init__(*args, **kwargs)
        for day, name in enumerate(self.DAYS):
            span = (hours or {}).get(day, [(None, None)])[0]
            self.fields[f"day{day}_opens"] = forms.TimeField(label=f"{name} öppnar", required=False, initial=span[0],
                                                             widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
            self.fields[f"day{day}_closes"] = forms.TimeField(label=f"{name} stänger", required=False, initial=span[1],
                                                              widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def clean(self):
        data = super().clean()
        week = {}
        for day, name in enumerate(self.DAYS):
            opens, closes = data.get(f"day{day}_opens"), data.get(f"day{day}_closes")
            if (opens is None) != (closes is None):
                self.add_error(f"day{day}_closes", f"Ange både när mottagningen öppnar och stänger på {name.lower()}, "
                                                   "eller ingetdera om den är stängd.")
            week[day] = (opens, closes) if opens and closes else None
        data["week"] = week
        return data

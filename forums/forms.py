from django import forms

from core.forms import DATETIME
from core.models import Organisation, User
from forums.models import Assignment, Attendance, ForumRole, Goal, ItemKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NO_PATIENT_DATA = "Skriv aldrig något om en enskild patient eller brukare i protokollet."


def staff_users():
    return User.objects.filter(is_active=True, patient__isnull=True, memberships__active=True).distinct().order_by(
        "last_name", "first_name")


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name()


class ForumForm(forms.Form):
    name = forms.CharField(label="Namn", max_length=160)
    short_name = forms.CharField(label="Kortnamn i beslut", max_length=40,
                                 help_text="Står först i besluten, t.ex. \"RSL beslutar att …\".")
    description = forms.CharField(label="Beskrivning", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    public = forms.BooleanField(label="Offentligt forum: publicerade protokoll kan läsas av alla", required=False)


class MemberForm(forms.Form):
    user = PersonChoice(label="Person", queryset=User.objects.none())
    organisation = forms.ModelChoiceField(label="Företräder", queryset=Organisation.objects.filter(active=True))
    role = forms.ChoiceField(label="Roll", choices=ForumRole.choices, initial=ForumRole.MEMBER)
    title = forms.CharField(label="Titel", max_length=120, required=False)
    valid_from = forms.DateField(label="Från och med", widget=DATE)
    valid_until = forms.DateField(label="Till och med (valfritt)", widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_users()


class StandingItemForm(forms.Form):
    title = forms.CharField(label="Stående punkt", max_length=200)
    kind = forms.ChoiceField(label="Typ", choices=ItemKind.choices)
    presenter = forms.CharField(label="Föredragande", max_length=120, required=False)


class MeetingForm(forms.Form):
    starts_at = forms.DateTimeField(label="Börjar", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    ends_at = forms.DateTimeField(label="Slutar", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    place = forms.CharField(label="Plats", max_length=200, required=False)
    digital_link = forms.URLField(label="Länk till digitalt möte", required=False, assume_scheme="https")
    video = forms.BooleanField(label="Skapa ett videorum i Samverkan", required=False)
    count = forms.IntegerField(label="Antal möten", min_value=1, max_value=24, initial=1,
                               help_text="Fler än ett: en mötesserie med samma tid och plats.")
    every_weeks = forms.IntegerField(label="Veckor mellan mötena", min_value=1, max_value=52, initial=4, required=False)

    def clean_every_weeks(self):
        return self.cleaned_data.get("every_weeks") or 4


class ItemForm(forms.Form):
    title = forms.CharField(label="Rubrik", max_length=200)
    kind = forms.ChoiceField(label="Typ", choices=ItemKind.choices)
    presenter = forms.CharField(label="Föredragande", max_length=120, required=False)
    description = forms.CharField(label="Underlag", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=NO_PATIENT_DATA)
    answer_by = forms.DateField(label="Remissvar senast", required=False, widget=DATE,
                                help_text="Bara för remisser. Påminnelse går ut en vecka före.")


class ItemEditForm(ItemForm):
    item = forms.IntegerField(widget=forms.HiddenInput)


class AttachmentForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField(label="Bilaga", help_text="PDF, Word, Excel, PowerPoint, PNG eller JPEG, högst 20 MB.")


class NotesForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    notes = forms.CharField(label="Anteckningar", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=NO_PATIENT_DATA)


class DecisionForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(label="Beslut", widget=forms.Textarea(attrs={"rows": 2}), help_text=NO_PATIENT_DATA)


class AssignmentForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    what = forms.CharField(label="Uppdrag", widget=forms.Textarea(attrs={"rows": 2}), help_text=NO_PATIENT_DATA)
    assignee_user = PersonChoice(label="Till person", queryset=User.objects.none(), required=False)
    assignee_organisation = forms.ModelChoiceField(label="eller till organisation", required=False,
                                                   queryset=Organisation.objects.filter(active=True))
    due = forms.DateField(label="Klart senast", required=False, widget=DATE)

    def __init__(self, *args, forum=None, **kwargs):
        super().__init__(*args, **kwargs)
        if forum is not None:
            self.fields["assignee_user"].queryset = User.objects.filter(forum_seats__forum=forum).distinct()


class CarryForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    to_meeting = forms.ModelChoiceField(label="Tas upp vid", queryset=None)

    def __init__(self, *args, later=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_meeting"].queryset = later


class AttendanceForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label="Närvaro", choices=Attendance.Status.choices)
    substitute_name = forms.CharField(label="Ersätts av", max_length=120, required=False)


class ApproversForm(forms.Form):
    approvers = forms.ModelMultipleChoiceField(label="Justerare", queryset=User.objects.none(),
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, forum=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approvers"].queryset = User.objects.filter(forum_seats__forum=forum).distinct()
        self.fields["approvers"].label_from_instance = lambda u: u.display_name()


class TextForm(forms.Form):
    text = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 3}), help_text=NO_PATIENT_DATA)


class AnswerForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(label="Vårt svar", widget=forms.Textarea(attrs={"rows": 3}))


class NominationForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    nominee = forms.CharField(label="Nominerad", max_length=160)
    body = forms.CharField(label="Till (organ)", max_length=200)
    decision_text = forms.CharField(label="Beslut (valfritt)", required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=Assignment.Status.choices)


class GoalValueForm(forms.Form):
    month = forms.DateField(label="Månad", widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
                            input_formats=["%Y-%m", "%Y-%m-%d"])
    value = forms.DecimalField(label="Värde", max_digits=10, decimal_places=2)
    source = forms.CharField(label="Källa", max_length=200, help_text="Var värdet kommer ifrån, t.ex. \"Stratsys\".")


class GoalForm(forms.Form):
    name = forms.CharField(label="Mål", max_length=200)
    owner_name = forms.CharField(label="Ansvarig", max_length=120, required=False)
    target = forms.DecimalField(label="Målvärde", max_digits=10, decimal_places=2)
    direction = forms.ChoiceField(label="Riktning", choices=Goal.Direction.choices)
    unit = forms.ChoiceField(label="Enhet", choices=Goal.Unit.choices)
    period_start = forms.DateField(label="Period från", widget=DATE)
    period_end = forms.DateField(label="Period till", widget=DATE)
    source = forms.ChoiceField(label="Värden", choices=Goal.Source.choices,
                               help_text="Från plattformen räknas värdena som på uppföljningssidorna, per månad.")
    forum = forms.ModelChoiceField(label="Följs upp i forum (valfritt)", queryset=None, required=False,
                                   help_text="Målet blir en stående punkt på forumets dagordning.")

    def __init__(self, *args, forums=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forum"].queryset = forums

    def clean(self):
        data = super().clean()
        if data.get("period_start") and data.get("period_end") and data["period_end"] < data["period_start"]:
            self.add_error("period_end", "Perioden kan inte sluta innan den börjar.")
        return data

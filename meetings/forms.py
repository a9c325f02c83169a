from django import forms

from core.forms import when_field
from core.models import User
from meetings.actions import region_of
from meetings.models import Booking, Slot, VisitForm, VisitKind


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
        self.fields["staff"].queryset = User.objects.filter(
            memberships__unit=unit, memberships__active=True, is_active=True).order_by("first_name", "last_name")
        self.fields["staff"].label_from_instance = lambda user: user.display_name()
        self.fields["visit_kind"].queryset = VisitKind.objects.filter(region=region_of(unit))
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
        self.fields["staff"].queryset = User.objects.filter(
            memberships__unit=unit, memberships__active=True, is_active=True).order_by("first_name", "last_name")
        self.fields["staff"].label_from_instance = lambda user: user.display_name()
        self.fields["visit_kind"].queryset = VisitKind.objects.filter(region=region_of(unit))

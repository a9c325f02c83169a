from django import forms

from core.forms import when_field
from core.models import User
from meetings.actions import region_of
from meetings.models import Booking, VisitForm, VisitKind


class BookingForm(forms.Form):
    staff = forms.ModelChoiceField(label="Hos", queryset=User.objects.none(), empty_label="– välj –")
    visit_kind = forms.ModelChoiceField(label="Besökstyp", queryset=VisitKind.objects.none(), empty_label="– välj –")
    form = forms.ChoiceField(label="Besöksform", choices=VisitForm.choices, widget=forms.RadioSelect,
                             initial=VisitForm.PHYSICAL)
    starts_at = when_field("Tid", required=True, help_text="Datum och klockslag för besökets början.")
    note = forms.CharField(label="Meddelande till patienten", required=False, max_length=500,
                           help_text="Syns i kallelsen. Skriv inte diagnoser eller känsliga uppgifter.")

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = User.objects.filter(
            memberships__unit=unit, memberships__active=True, is_active=True).order_by("first_name", "last_name")
        self.fields["staff"].label_from_instance = lambda user: user.display_name()
        self.fields["visit_kind"].queryset = VisitKind.objects.filter(region=region_of(unit))


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

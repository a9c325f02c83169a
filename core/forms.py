from django import forms
from django.utils import timezone

from core.errors import ActionError, NotPermitted
from core.models import Organisation
from core.rules.identity import InvalidPersonalNumber, parse_personal_number


class PersonalNumberField(forms.CharField):
    """Accepts the common written forms; cleans to the twelve-digit canonical form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Personnummer eller samordningsnummer")
        kwargs.setdefault("max_length", 13)
        kwargs.setdefault("help_text", "ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN")
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return parse_personal_number(value).canonical
        except InvalidPersonalNumber as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class PatientSearchForm(forms.Form):
    personal_number = PersonalNumberField(
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "placeholder": "ÅÅÅÅMMDD-NNNN", "autofocus": True})
    )


class PatientNameForm(forms.Form):
    name = forms.CharField(label="Namn", max_length=100, required=False,
                           help_text="Början av för- eller efternamnet, t.ex. ”ann lar” för Anna Larsson.",
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))


class RegisterPatientForm(forms.Form):
    personal_number = PersonalNumberField()
    first_name = forms.CharField(label="Förnamn", max_length=100)
    last_name = forms.CharField(label="Efternamn", max_length=100)
    street_address = forms.CharField(label="Gatuadress", max_length=200, required=False)
    postal_code = forms.RegexField(label="Postnummer", regex=r"^\d{3} ?\d{2}$", max_length=6, required=False,
                                   error_messages={"invalid": "Postnumret ska vara fem siffror, till exempel 222 21."})
    city = forms.CharField(label="Ort", max_length=100, required=False)
    home_municipality = forms.ModelChoiceField(
        label="Hemkommun", queryset=Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY, active=True),
        required=False, empty_label="– välj kommun –",
    )
    protected_identity = forms.BooleanField(label="Skyddad identitet", required=False)


class EmergencyAccessForm(forms.Form):
    reason = forms.CharField(
        label="Skäl till nödåtkomst", min_length=10, max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Beskriv varför du behöver öppna journalen utan vårdrelation. Skälet loggas och granskas.",
        error_messages={"min_length": "Beskriv skälet med minst 10 tecken."},
    )


class CareRelationForm(forms.Form):
    reason = forms.CharField(label="Anledning", max_length=200)
    valid_until = forms.DateTimeField(label="Gäller till (valfritt)", required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class PeriodForm(forms.Form):
    date_from = forms.DateField(label="Från och med", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Till och med", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                raise forms.ValidationError("Slutdatum kan inte ligga före startdatum.")
            if (end - start).days > 3 * 366:
                raise forms.ValidationError("Välj en period på högst tre år.")
        return data


class AccessLogLookupForm(PeriodForm):
    personal_number = PersonalNumberField()


def apply_action_error(form, error):
    """Put an ActionError's messages on the form's fields (unknown fields go to the form)."""
    for field, messages_ in error.errors.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


def run_action(form, action, /, *args, **kwargs):
    """Run an action for a valid form: its result (actions return what they wrote, never None), or
    None with the refusal put on the form. A refusal for want of permission (NotPermitted) passes
    on and is a 403 page (core.middleware.NotPermittedMiddleware)."""
    try:
        return action(*args, **kwargs)
    except NotPermitted:
        raise
    except ActionError as error:
        apply_action_error(form, error)
        return None


DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def when_field(label="Tidpunkt", required=False, help_text="Lämna tomt för just nu."):
    return forms.DateTimeField(label=label, required=required, widget=DATETIME, help_text=help_text,
                               input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


def local_now_value():
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")

from django import forms

from core.forms import when_field
from core.models import Organisation, Unit
from discharge.actions import CANCEL_REASONS, NEEDS_FIELDS
from discharge.models import CareType

class OpenCaseForm(forms.Form):
    admitted_at = when_field("Inskriven", required=True, help_text="Datum och tid för inskrivningen.")
    care_type = forms.ChoiceField(label="Vårdform", choices=CareType.choices)
    municipality = forms.ModelChoiceField(label="Kommun", queryset=Organisation.objects.filter(
        kind=Organisation.Kind.MUNICIPALITY, active=True), empty_label="– välj kommun –")
    primary_care = forms.ModelChoiceField(label="Vårdcentral", required=False, queryset=Unit.objects.filter(
        kind=Unit.Kind.PRIMARY_CARE, active=True).select_related("organisation"), empty_label="– okänd just nu –")
    expected_discharge_on = forms.DateField(label="Preliminärt utskrivningsdatum", required=False,
                                            widget=forms.DateInput(attrs={"type": "date"}))


class AdmissionNoticeForm(forms.Form):
    at = when_field()
    preliminary_discharge_on = forms.DateField(label="Preliminärt utskrivningsdatum", required=False,
                                               widget=forms.DateInput(attrs={"type": "date"}))
    known_needs = forms.CharField(label="Kända behov", required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class NeedsAssessmentForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in NEEDS_FIELDS.items():
            self.fields[key] = forms.CharField(label=label, required=False, max_length=2000,
                                               widget=forms.Textarea(attrs={"rows": 2}))

    def answers(self):
        return {key: self.cleaned_data.get(key, "") for key in NEEDS_FIELDS}


class CommitmentForm(forms.Form):
    provides = forms.TypedChoiceField(label="Ställningstagande", coerce=lambda v: v == "yes",
                                      choices=[("yes", "Vi kommer att ge insatser"), ("no", "Vi ger inga insatser")],
                                      widget=forms.RadioSelect)
    description = forms.CharField(label="Insatser", required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class CareContactForm(forms.Form):
    name = forms.CharField(label="Fast vårdkontakt (namn och yrke)", max_length=200)
    phone = forms.CharField(label="Telefon", required=False, max_length=40)


class PlanningInvitationForm(forms.Form):
    meeting_at = when_field("Mötestid", required=True, help_text="")
    form = forms.ChoiceField(label="Mötesform", choices=[("digital", "Digitalt"), ("phone", "Telefon"),
                                                         ("physical", "Fysiskt")])
    note = forms.CharField(label="Meddelande", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReadyNoticeForm(forms.Form):
    judged_by = forms.CharField(label="Bedömd av läkare", max_length=200)
    at = when_field()


class WithdrawReadyForm(forms.Form):
    reason = forms.CharField(label="Varför återkallas bedömningen?", max_length=500)
    at = when_field()


class DischargeNoticeForm(forms.Form):
    at = when_field("Utskriven")
    medication_list = forms.CharField(label="Läkemedelslista", required=False, max_length=5000,
                                      widget=forms.Textarea(attrs={"rows": 3}))
    summary = forms.CharField(label="Sammanfattning", required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    transport = forms.CharField(label="Transport hem", required=False, max_length=500)


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label="Orsak", choices=list(CANCEL_REASONS.items()))
    note = forms.CharField(label="Kommentar", required=False, max_length=2000)


class ConsentForm(forms.Form):
    objected = forms.TypedChoiceField(label="Patientens inställning", coerce=lambda v: v == "yes", widget=forms.RadioSelect,
                                      choices=[("no", "Samtycker till informationsöverföring och planering"),
                                               ("yes", "Motsätter sig")])
    note = forms.CharField(label="Kommentar", required=False, max_length=2000)


class MessageForm(forms.Form):
    text = forms.CharField(label="Meddelande till de andra parterna", max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class CorrectionForm(forms.Form):
    event = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Varför rättas meddelandet?", max_length=500)
    at = when_field("Rätt tidpunkt", help_text="Lämna tomt om tiden var rätt.")
    void = forms.BooleanField(label="Meddelandet skulle inte ha skickats (makulera)", required=False)

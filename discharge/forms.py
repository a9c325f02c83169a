from django import forms
from django.db.models import Case, Value, When
from django.utils import timezone

from core.forms import when_field
from core.models import Organisation, Unit
from core.collation import swedish
from discharge.actions import CANCEL_REASONS, NEEDS_FIELDS
from discharge.invoicing import PRESETS
from discharge.models import Agreement, CareType

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


# --- Invoice basis: disputes ------------------------------------------------------------------

class DisputeForm(forms.Form):
    reason = forms.CharField(label="Varför bestrids raden?", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(label="Beslut", choices=[("accept", "Godta – kreditera beloppet"),
                                                          ("reject", "Avslå")], widget=forms.RadioSelect)
    answer = forms.CharField(label="Svar till kommunen", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             required=False)


# --- Agreements on payment liability --------------------------------------------------------

class AgreementForm(forms.Form):
    name = forms.CharField(label="Namn", max_length=200)
    is_example = forms.BooleanField(label="Exempel (inte ett gällande avtal)", required=False)
    model = forms.ChoiceField(label="Modell", choices=Agreement.Model.choices)
    day_break = forms.TimeField(label="Dygnsbryt (TT:MM)", help_text="Meddelanden vid eller efter den tiden räknas "
                                "från nästa dag. 00:00 betyder att meddelandets eget datum är dag 0.")
    count_discharge_day = forms.BooleanField(label="Räkna utskrivningsdagen som betaldag", required=False)
    admission_notice_max_hours = forms.IntegerField(label="Inskrivningsmeddelande senast (timmar efter inskrivning)",
                                                    required=False, min_value=1, max_value=240)
    planning_invitation_days = forms.IntegerField(label="Kallelse till planering senast (dagar)", required=False,
                                                  min_value=1, max_value=60)
    valid_from = forms.DateField(label="Gäller från (ÅÅÅÅ-MM-DD)")
    valid_until = forms.DateField(label="Gäller till (ÅÅÅÅ-MM-DD, tomt = tills vidare)", required=False)
    municipalities = forms.ModelMultipleChoiceField(
        label="Kommuner (inga valda = alla kommuner i länet)", required=False,
        help_text="Regionen fakturerar också kommuner i andra län vars invånare vårdas här: välj dem i listan "
                  "under länets egna, annars gäller lagens utfallsregel för dem.",
        queryset=Organisation.objects.none(), widget=forms.SelectMultiple(attrs={"size": 8}))
    somatic_free_days = forms.IntegerField(label="Somatisk vård: fria dagar", min_value=0, max_value=365)
    somatic_average_limit_days = forms.DecimalField(label="Somatisk vård: gräns i genomsnitt (dagar)", required=False,
                                                    min_value=0, max_digits=5, decimal_places=2)
    somatic_long_stay_days = forms.IntegerField(label="Somatisk vård: långliggare efter (dagar)", required=False,
                                                min_value=1, max_value=365)
    psychiatric_free_days = forms.IntegerField(label="Psykiatrisk vård: fria dagar", min_value=0, max_value=365)
    psychiatric_average_limit_days = forms.DecimalField(label="Psykiatrisk vård: gräns i genomsnitt (dagar)",
                                                        required=False, min_value=0, max_digits=5, decimal_places=2)
    psychiatric_long_stay_days = forms.IntegerField(label="Psykiatrisk vård: långliggare efter (dagar)",
                                                    required=False, min_value=1, max_value=365)
    daily_amounts = forms.CharField(
        label="Belopp per dygn", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Ett år per rad: år och belopp i hela kronor, till exempel “2026 9300”.")

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        # The county's own municipalities first, then the rest of the country.
        self.fields["municipalities"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.MUNICIPALITY).annotate(
            other_county=Case(When(county_code=region.county_code, then=Value(0)), default=Value(1))
        ).order_by("other_county", swedish("name"))

    def clean_daily_amounts(self):
        amounts, errors = {}, []
        for number, line in enumerate(self.cleaned_data["daily_amounts"].splitlines(), start=1):
            parts = line.replace(":", " ").replace("=", " ").split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[0].isdigit() or len(parts[0]) != 4 or not parts[1].isdigit():
                errors.append(f"Rad {number}: skriv år och belopp i hela kronor, till exempel “2026 9300”.")
            elif int(parts[0]) in amounts:
                errors.append(f"Rad {number}: året {parts[0]} finns redan.")
            else:
                amounts[int(parts[0])] = int(parts[1])
        if errors:
            raise forms.ValidationError(errors)
        return amounts

    def action_arguments(self):
        data = self.cleaned_data
        values = {name: data[name] for name in ("name", "is_example", "model", "day_break", "count_discharge_day",
                                                "admission_notice_max_hours", "planning_invitation_days",
                                                "valid_from", "valid_until")}
        care_types = {care_type: {"free_days": data[f"{care_type}_free_days"],
                                  "average_limit_days": data[f"{care_type}_average_limit_days"],
                                  "long_stay_days": data[f"{care_type}_long_stay_days"]} for care_type in CareType.values}
        return {"values": values, "municipalities": list(data["municipalities"]), "care_types": care_types,
                "amounts": data["daily_amounts"]}


def agreement_initial(agreement=None, preset=None):
    if agreement is not None:
        rules = {r.care_type: r for r in agreement.care_type_rules.all()}
        initial = {name: getattr(agreement, name) for name in (
            "name", "is_example", "model", "day_break", "count_discharge_day", "admission_notice_max_hours",
            "planning_invitation_days", "valid_from", "valid_until")}
        initial["municipalities"] = list(agreement.municipalities.all())
        amounts = {a.year: a.amount_sek for a in agreement.daily_amounts.all()}
        for care_type, rule in rules.items():
            for key in ("free_days", "average_limit_days", "long_stay_days"):
                initial[f"{care_type}_{key}"] = getattr(rule, key)
    else:
        preset = PRESETS[preset]
        initial = {**preset["values"], "valid_from": timezone.localdate().replace(month=1, day=1)}
        amounts = preset["amounts"]
        for care_type, rule in preset["care_types"].items():
            for key, value in rule.items():
                initial[f"{care_type}_{key}"] = value
    initial["daily_amounts"] = "\n".join(f"{year} {amount}" for year, amount in sorted(amounts.items()))
    return initial

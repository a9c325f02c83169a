from django import forms

from meetings.models import VisitForm


class FeeScheduleForm(forms.Form):
    """The schedule's rules and one fee field per visit kind and form (`fee_<key>_<form>`)."""

    year = forms.IntegerField(label="År", min_value=2000, max_value=2100)
    child_free_until_age = forms.IntegerField(label="Avgiftsfritt för den som är yngre än (år)", min_value=0,
                                              max_value=120)
    free_from_age = forms.IntegerField(label="Avgiftsfritt från och med ålder (år)", min_value=0, max_value=150)
    no_show_fee_sek = forms.IntegerField(label="Avgift för uteblivet besök eller sen avbokning (kr)", min_value=0,
                                         max_value=10_000)
    ceiling_share = forms.DecimalField(label="Högkostnadsskydd, andel av prisbasbeloppet", min_value=0,
                                       max_digits=5, decimal_places=4, localize=True,
                                       help_text="T.ex. 0,025 (2,5 procent, 1 450 kr med 2025 års prisbasbelopp).")

    def __init__(self, *args, kinds, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = list(kinds)
        if editing:
            self.fields["year"].disabled = True
        for kind in self.kinds:
            for form, label in VisitForm.choices:
                self.fields[self.fee_field(kind.key, form)] = forms.IntegerField(
                    label=f"{kind.name}, {label.lower()}", min_value=0, max_value=10_000)

    @staticmethod
    def fee_field(key, form):
        return f"fee_{key}_{form}"

    def rows(self):
        """The fee fields as a table: one row per visit kind, one bound field per form."""
        return [(kind, [self[self.fee_field(kind.key, form)] for form in VisitForm.values]) for kind in self.kinds]

    def action_arguments(self):
        data = self.cleaned_data
        values = {name: data[name] for name in
                  ["year", "child_free_until_age", "free_from_age", "no_show_fee_sek", "ceiling_share"]}
        fees = {kind.key: {form: data[self.fee_field(kind.key, form)] for form in VisitForm.values}
                for kind in self.kinds}
        return {"values": values, "fees": fees}


class PrisbasbeloppForm(forms.Form):
    year = forms.IntegerField(label="År", min_value=2000, max_value=2100)
    amount_sek = forms.IntegerField(label="Prisbasbelopp (kr)", min_value=10_000, max_value=500_000)
    source = forms.CharField(label="Källa", max_length=100, required=False, help_text="T.ex. förordningens SFS-nummer.")

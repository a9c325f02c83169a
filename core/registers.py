"""The national registers that every deployment needs: the 21 regions with their healthcare
regions, and the 290 municipalities with SCB's codes.

The files in `core/data/` are the project's own copy of public facts (SCB's codes, the healthcare
regions of SFS 2017:1234). They are the authority for these organisations: loading them again
after SCB changes a name or a code updates the rows, and each change is an audit event. Loading
twice changes nothing the second time.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from core.audit import diff, record_write, snapshot
from core.files import FileErrors, read_table
from core.models import HealthcareRegion, Organisation

DATA = Path(__file__).resolve().parent / "data"
# The active flag is left alone: deactivating an organisation is the deployment's own decision.
FIELDS = ["kind", "name", "county_code", "healthcare_region"]


def municipality_name(short_name):
    """'Lund' -> 'Lunds kommun', 'Hörby' -> 'Hörby kommun', 'Höganäs' -> 'Höganäs kommun': the
    genitive s after a consonant other than s, x or z, as the municipalities' own names have it."""
    last = short_name[-1].lower()
    genitive = "s" if last.isalpha() and last not in "aeiouyåäösxz" else ""
    return f"{short_name}{genitive} kommun"


def town_name(municipality_name_):
    """'Lunds kommun' -> 'Lund', 'Höganäs kommun' -> 'Höganäs': the place, without the genitive s
    that `municipality_name` added (and only that one)."""
    base = municipality_name_.removesuffix(" kommun")
    if base.endswith("s") and municipality_name(base[:-1]) == municipality_name_:
        return base[:-1]
    return base


@dataclass
class RegisterRow:
    code: str
    kind: str
    name: str
    county_code: str
    healthcare_region: str


@dataclass
class LoadReport:
    created: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    unchanged: int = 0

    def summary(self):
        return (f"{len(self.created)} nya, {len(self.changed)} ändrade, {self.unchanged} oförändrade "
                f"organisationer.")


def read_registers(directory=DATA):
    """The regions and municipalities in the register files, regions first. A bad file is refused
    whole, with every problem and its line."""
    regions_text = (directory / "regions.csv").read_text(encoding="utf-8")
    rows, problems = read_table(regions_text, ["county_code", "region", "healthcare_region"], "regions.csv")
    regions = {}
    for line, row in rows:
        if not (row["county_code"].isdigit() and len(row["county_code"]) == 2):
            problems.append((line, f"Länskoden ska vara två siffror: {row['county_code']!r}."))
        elif row["healthcare_region"] not in HealthcareRegion.values:
            problems.append((line, f"Okänd sjukvårdsregion: {row['healthcare_region']!r}."))
        else:
            regions[row["county_code"]] = RegisterRow(row["county_code"], Organisation.Kind.REGION, row["region"],
                                                      row["county_code"], row["healthcare_region"])
    if problems:
        raise FileErrors("regions.csv", problems)

    municipalities_text = (directory / "municipalities.csv").read_text(encoding="utf-8")
    columns = ["municipality_code", "municipality", "county_code"]
    rows, problems = read_table(municipalities_text, columns, "municipalities.csv")
    municipalities = []
    for line, row in rows:
        code, county = row["municipality_code"], row["county_code"]
        if not (code.isdigit() and len(code) == 4) or code[:2] != county:
            problems.append((line, f"Kommunkoden ska vara fyra siffror som börjar med länskoden: {code!r}."))
        elif county not in regions:
            problems.append((line, f"Länskoden {county} finns inte i regions.csv."))
        elif not row["municipality"]:
            problems.append((line, "Kommunens namn saknas."))
        else:
            name = municipality_name(row["municipality"])
            municipalities.append(RegisterRow(code, Organisation.Kind.MUNICIPALITY, name, county,
                                              regions[county].healthcare_region))
    if problems:
        raise FileErrors("municipalities.csv", problems)
    return list(regions.values()) + municipalities


def load_registers(rows=None, *, dry_run=False):
    """Create or update the register organisations by code. Returns what changed; with
    `dry_run` nothing is written."""
    rows = read_registers() if rows is None else rows
    report = LoadReport()
    with transaction.atomic():
        stored = {o.code: o for o in Organisation.objects.filter(code__in=[r.code for r in rows])}
        for row in rows:
            organisation = stored.get(row.code)
            creating = organisation is None
            if creating:
                organisation = Organisation(code=row.code)
            before = {} if creating else snapshot(organisation, FIELDS)
            organisation.kind, organisation.name = row.kind, row.name
            organisation.county_code, organisation.healthcare_region = row.county_code, row.healthcare_region
            changes = diff(before, snapshot(organisation, FIELDS))
            if not changes:
                report.unchanged += 1
                continue
            (report.created if creating else report.changed).append((row.code, row.name, changes))
            if dry_run:
                continue
            organisation.save()
            # No person acts: the register file does. The event says so by its name.
            record_write(None, "organisation.register_create" if creating else "organisation.register_update",
                         organisation, changes=changes)
    return report

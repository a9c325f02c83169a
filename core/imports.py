"""Imports for day one: care units from an HSA catalogue extract, and staff with their memberships.

The file formats are written down in docs/imports.md. Both imports work the same way:

- **Read**: the CSV is parsed (`parse_units`, `parse_staff`) into rows and the problems of each line.
- **Run**: in one transaction every row is compared with what is stored and, where it differs,
  written through `core.actions.save_admin_object` as the acting administrator, so the same
  permission checks (`core.permissions`) and the same audit events as on the register pages apply.
  A row the actor may not write, or whose references do not resolve, becomes a problem on its line.
- **All or nothing**: if any line has a problem the transaction is rolled back and `FileErrors`
  names every bad line. A dry run is the same run rolled back at the end, so what it reports is
  exactly what the real run would do (against the data as it is at that moment).

A rerun of the same file changes nothing: rows equal to what is stored are reported as unchanged
and not written. Units and accounts are matched by HSA-id, memberships by person and unit; the
import never deletes, deactivates or moves an account's home unit, and memberships that the file
does not mention are left alone.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.db import transaction

from core import permissions
from core.actions import save_admin_object
from core.audit import record_write
from core.errors import ActionError
from core.files import FileErrors, read_table
from core.models import Membership, Organisation, Profession, Role, Unit, User
from core.rules.identity import HSA_ID_PATTERN

UNIT_COLUMNS = ["hsa_id", "name", "organisation", "parent_hsa_id", "kind"]
STAFF_COLUMNS = ["person_hsa_id", "first_name", "last_name", "email", "unit_hsa_id", "profession", "roles"]

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
OUTCOME_LABELS = {CREATE: "Ny", UPDATE: "Ändring", UNCHANGED: "Oförändrad"}


@dataclass
class Change:
    label: str
    before: str | None  # None: the object is new
    after: str


@dataclass
class RowResult:
    line: int
    subject: str
    outcome: str
    changes: list = field(default_factory=list)

    @property
    def outcome_label(self):
        return OUTCOME_LABELS[self.outcome]


@dataclass
class ImportReport:
    kind: str  # "units" or "staff"
    filename: str
    dry_run: bool
    rows: list = field(default_factory=list)

    def _count(self, outcome):
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def created(self):
        return self._count(CREATE)

    @property
    def updated(self):
        return self._count(UPDATE)

    @property
    def unchanged(self):
        return self._count(UNCHANGED)

    def summary(self):
        def count(n, one, many):
            return f"{n} {one if n == 1 else many}"

        return (f"Rader: {count(self.created, 'ny', 'nya')}, {count(self.updated, 'ändrad', 'ändrade')}, "
                f"{count(self.unchanged, 'oförändrad', 'oförändrade')}.")


class _DryRun(Exception):
    """Raised at the end of a dry run so that its transaction rolls back."""


class _RowError(Exception):
    """A row that cannot be imported; the message names why."""


# --- Reading ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitRow:
    line: int
    hsa_id: str
    name: str
    organisation: str
    parent_hsa_id: str
    kind: str


@dataclass(frozen=True)
class StaffRow:
    line: int
    person_hsa_id: str
    first_name: str
    last_name: str
    email: str
    unit_hsa_id: str
    profession: str
    roles: tuple


def _choice(choices, text):
    """A TextChoices value given as its code or as its Swedish label (any letter case)."""
    if text in choices.values:
        return text
    return {str(label).casefold(): value for value, label in choices.choices}.get(text.casefold())


def _bad_hsa_id(column, value):
    return f"{column} {value!r} är inget HSA-id (SE, tio siffror, bindestreck och en lokal del)." if value \
        else f"{column} saknas."


def _roles(cell):
    """The role codes in a cell ('clinical, coordinator' or 'clinical coordinator'), in the order of
    `Role`, and the words that are no role."""
    words = [word for word in re.split(r"[\s,;]+", cell) if word]
    unknown = sorted({word for word in words if word not in Role.values})
    return tuple(role for role in Role.values if role in words), unknown


def parse_units(text, filename):
    """The rows of a units file and the problems of its lines (no database reads)."""
    table, problems = read_table(text, UNIT_COLUMNS, filename)
    first_line = {}
    for line, values in table:
        first_line.setdefault(values["hsa_id"], line)
    rows = []
    for line, values in table:
        errors = []
        hsa_id, parent = values["hsa_id"], values["parent_hsa_id"]
        if not HSA_ID_PATTERN.fullmatch(hsa_id):
            errors.append(_bad_hsa_id("hsa_id", hsa_id))
        elif first_line[hsa_id] != line:
            errors.append(f"HSA-id {hsa_id} står redan på rad {first_line[hsa_id]}.")
        if not values["name"]:
            errors.append("Namn saknas.")
        if not values["organisation"]:
            errors.append("Organisationens kod saknas.")
        kind = _choice(Unit.Kind, values["kind"])
        if kind is None:
            errors.append(f"Okänd typ {values['kind']!r}; ange en av {', '.join(Unit.Kind.values)}.")
        if parent:
            if not HSA_ID_PATTERN.fullmatch(parent):
                errors.append(_bad_hsa_id("parent_hsa_id", parent))
            elif parent == hsa_id:
                errors.append("En enhet kan inte ligga under sig själv.")
            elif first_line.get(parent, 0) > line:
                errors.append(f"Den överordnade enheten {parent} står först på rad {first_line[parent]}: "
                              "en enhet ska stå efter sin överordnade enhet.")
        if errors:
            problems.append((line, " ".join(errors)))
        else:
            rows.append(UnitRow(line, hsa_id, values["name"], values["organisation"], parent, kind))
    return rows, problems


def parse_staff(text, filename):
    """The rows of a staff file and the problems of its lines (no database reads)."""
    table, problems = read_table(text, STAFF_COLUMNS, filename)
    first_of_person, memberships, rows = {}, {}, []
    for line, values in table:
        errors = []
        person, unit, email = values["person_hsa_id"], values["unit_hsa_id"], values["email"]
        if not HSA_ID_PATTERN.fullmatch(person):
            errors.append(_bad_hsa_id("person_hsa_id", person))
        if not (values["first_name"] and values["last_name"]):
            errors.append("Förnamn och efternamn behövs.")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(f"Ogiltig e-postadress {email!r}.")
        if not HSA_ID_PATTERN.fullmatch(unit):
            errors.append(_bad_hsa_id("unit_hsa_id", unit))
        profession = _choice(Profession, values["profession"])
        if profession is None:
            errors.append(f"Okänt yrke {values['profession']!r}; ange en av {', '.join(Profession.values)}.")
        roles, unknown = _roles(values["roles"])
        if unknown:
            errors.append(f"Okänd roll: {', '.join(unknown)}; ange bland {', '.join(Role.values)}.")
        if not errors:
            details = (values["first_name"], values["last_name"], email)
            earlier = first_of_person.setdefault(person, (line, details))
            if earlier[1] != details:
                errors.append(f"Namn eller e-post skiljer sig från rad {earlier[0]}, där personen står första gången.")
            if (person, unit) in memberships:
                errors.append(f"Personen står redan vid enheten {unit} på rad {memberships[person, unit]}.")
            else:
                memberships[person, unit] = line
        if errors:
            problems.append((line, " ".join(errors)))
        else:
            rows.append(StaffRow(line, person, values["first_name"], values["last_name"], email, unit, profession,
                                 roles))
    return rows, problems


# --- Running ------------------------------------------------------------------------------------

def import_units(actor, text, *, filename, dry_run=False):
    """Create or update care units from a units file, as `actor` (a system administrator).
    Returns an ImportReport; raises FileErrors naming every bad line, having written nothing."""
    if not permissions.may_manage_registers(actor):
        raise FileErrors(filename, [(None, "Bara systemadministratörer importerar vårdenheter.")])
    rows, problems = parse_units(text, filename)
    return _run(actor, "units", filename, dry_run, problems, lambda report: _apply_units(actor, rows, report, problems))


def import_staff(actor, text, *, filename, dry_run=False):
    """Create or update staff accounts and their memberships from a staff file, as `actor` (a system
    or unit administrator). Returns an ImportReport; raises FileErrors naming every bad line,
    having written nothing."""
    if not actor.is_admin or actor.unit_id is None:
        raise FileErrors(filename, [(None, "Bara administratörer importerar personal.")])
    rows, problems = parse_staff(text, filename)
    return _run(actor, "staff", filename, dry_run, problems, lambda report: _apply_staff(actor, rows, report, problems))


def _run(actor, kind, filename, dry_run, problems, apply):
    report = ImportReport(kind, filename, dry_run)
    try:
        with transaction.atomic():
            apply(report)
            if problems:
                raise FileErrors(filename, sorted(problems, key=lambda problem: problem[0] or 0))
            if dry_run:
                raise _DryRun
            # Who imported which file; each object's own event is recorded by save_admin_object.
            record_write(actor, f"import.{kind}", None, changes={
                "file": [None, filename], "created": [None, report.created], "updated": [None, report.updated],
                "unchanged": [None, report.unchanged]})
    except _DryRun:
        pass
    report.rows.sort(key=lambda row: row.line)
    return report


def _changes(before, after):
    if before is None:
        return [Change(label, None, value) for label, value in after.items()]
    return [Change(label, before[label], value) for label, value in after.items() if before[label] != value]


def _error_text(error, model):
    """An action's refusal as one line of text, naming the field where there is one."""
    parts = []
    for name, messages in error.errors.items():
        try:
            label = str(model._meta.get_field(name).verbose_name).capitalize() if name else ""
        except FieldDoesNotExist:
            label = ""
        text = " ".join(messages)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


def _unit_values(unit):
    return {
        "Namn": unit.name,
        "Organisation": f"{unit.organisation.name} ({unit.organisation.code})",
        "Överordnad enhet": unit.parent.hsa_id if unit.parent_id else "–",
        "Typ": str(Unit.Kind(unit.kind).label),
    }


def _apply_units(actor, rows, report, problems):
    organisations = {o.code: o for o in Organisation.objects.filter(code__in={row.organisation for row in rows})}
    wanted = {row.hsa_id for row in rows} | {row.parent_hsa_id for row in rows if row.parent_hsa_id}
    units = {u.hsa_id: u for u in Unit.objects.select_related("organisation", "parent").filter(hsa_id__in=wanted)}
    failed = {}  # HSA-id -> the line of a unit that could not be imported
    for row in rows:
        try:
            organisation = organisations.get(row.organisation)
            if organisation is None:
                raise _RowError(f"Ingen organisation har koden {row.organisation!r} (regioner: länskod, kommuner: "
                                "kommunkod, privata vårdgivare: organisationsnummer).")
            parent = None
            if row.parent_hsa_id in failed:
                raise _RowError(f"Den överordnade enheten {row.parent_hsa_id} på rad {failed[row.parent_hsa_id]} "
                                "kan inte importeras.")
            if row.parent_hsa_id:
                parent = units.get(row.parent_hsa_id)
                if parent is None:
                    raise _RowError(f"Ingen enhet har HSA-id {row.parent_hsa_id} (parent_hsa_id), varken i "
                                    "registret eller tidigare i filen.")
            unit = units.get(row.hsa_id)
            creating = unit is None
            before = None if creating else _unit_values(unit)
            if creating:
                unit = Unit(hsa_id=row.hsa_id)
            unit.name, unit.organisation, unit.parent, unit.kind = row.name, organisation, parent, row.kind
            changes = _changes(before, _unit_values(unit))
            if changes:
                try:
                    save_admin_object(actor, unit, action="unit.import_create" if creating else "unit.import_update")
                except ActionError as error:
                    raise _RowError(_error_text(error, Unit)) from None
        except _RowError as error:
            problems.append((row.line, str(error)))
            failed[row.hsa_id] = row.line
            continue
        units[row.hsa_id] = unit
        outcome = CREATE if creating else UPDATE if changes else UNCHANGED
        report.rows.append(RowResult(row.line, f"{row.hsa_id} {row.name}", outcome, changes))


def _account_values(user, *, new):
    values = {"Användarnamn": user.username, "HSA-id": user.hsa_id} if new else {}
    values.update({"Förnamn": user.first_name, "Efternamn": user.last_name, "E-post": user.email or "–"})
    if new:
        values["Hemenhet"] = user.home_unit.name if user.home_unit_id else "–"
    return values


def _membership_values(membership, *, new):
    values = {
        "Yrke": str(Profession(membership.profession).label),
        "Roller": ", ".join(str(Role(role).label) for role in Role.values if role in (membership.roles or [])) or "–",
    }
    if not new:
        values["Aktiv"] = "ja" if membership.active else "nej"
    return values


def _import_account(actor, row, unit, accounts, taken):
    """The person's account, created or updated from their first row: (user, changes, created)."""
    matches = accounts.get(row.person_hsa_id, [])
    if len(matches) > 1:
        raise _RowError(f"Flera konton har HSA-id {row.person_hsa_id} ({', '.join(u.username for u in matches)}); "
                        "rätta det i registret Användare först.")
    creating = not matches
    if creating:
        if row.person_hsa_id in taken:
            raise _RowError(f"Användarnamnet {row.person_hsa_id} används redan av ett konto utan det HSA-id:t. Ge "
                            "kontot HSA-id:t i registret Användare, så uppdaterar importen det.")
        # The username is the HSA-id: unique, stable, and e-ID login finds the account by User.hsa_id.
        user = User(username=row.person_hsa_id, hsa_id=row.person_hsa_id, home_unit=unit)
        user.set_unusable_password()  # e-ID login; where passwords are used, an administrator sets one
        before = None
    else:
        user = matches[0]
        if user.is_resident:
            raise _RowError(f"HSA-id {row.person_hsa_id} hör till ett invånarkonto.")
        before = _account_values(user, new=False)
    user.first_name, user.last_name, user.email = row.first_name, row.last_name, row.email
    changes = _changes(before, _account_values(user, new=creating))
    if changes:
        try:
            save_admin_object(actor, user, action="user.import_create" if creating else "user.import_update")
        except ActionError as error:
            raise _RowError(_error_text(error, User)) from None
    return user, changes, creating


def _apply_staff(actor, rows, report, problems):
    people = {row.person_hsa_id for row in rows}
    units = {u.hsa_id: u for u in Unit.objects.select_related("organisation").filter(
        hsa_id__in={row.unit_hsa_id for row in rows})}
    accounts = {}
    for user in User.objects.filter(hsa_id__in=people).order_by("pk"):
        accounts.setdefault(user.hsa_id, []).append(user)
    taken = set(User.objects.filter(username__in=people).values_list("username", flat=True))
    memberships = {(m.user_id, m.unit_id): m for m in Membership.objects.filter(
        user__hsa_id__in=people, unit__hsa_id__in=units)}
    done = {}  # person HSA-id -> their account, or None when it could not be imported
    for row in rows:
        if row.person_hsa_id in done and done[row.person_hsa_id] is None:
            continue  # the person's account is refused on an earlier line
        try:
            unit = units.get(row.unit_hsa_id)
            if unit is None:
                raise _RowError(f"Ingen enhet har HSA-id {row.unit_hsa_id}; importera enheterna först.")
            # A unit administrator imports into their own unit only (the file's other lines are not
            # theirs to read or write, even where nothing would change).
            if not permissions.may_manage_unit(actor, unit.pk):
                raise _RowError(f"Du administrerar {actor.unit.name} och kan inte importera personal till "
                                f"{unit.name} ({unit.hsa_id}).")
            account_changes, account_created = [], False
            user = done.get(row.person_hsa_id)
            if user is None:
                try:
                    user, account_changes, account_created = _import_account(actor, row, unit, accounts, taken)
                except _RowError:
                    done[row.person_hsa_id] = None
                    raise
                done[row.person_hsa_id] = user
            membership = memberships.get((user.pk, unit.pk))
            creating = membership is None
            before = None if creating else _membership_values(membership, new=False)
            if creating:
                membership = Membership(user=user, unit=unit)
            membership.profession = row.profession
            if set(membership.roles or []) != set(row.roles):
                membership.roles = list(row.roles)  # the file's roles replace the membership's
            membership.active = True
            changes = _changes(before, _membership_values(membership, new=creating))
            if changes:
                try:
                    save_admin_object(actor, membership,
                                      action="membership.import_create" if creating else "membership.import_update")
                except ActionError as error:
                    raise _RowError(_error_text(error, Membership)) from None
        except _RowError as error:
            problems.append((row.line, str(error)))
            continue
        outcome = CREATE if creating or account_created else UPDATE if changes or account_changes else UNCHANGED
        subject = f"{row.first_name} {row.last_name} ({row.person_hsa_id}) vid {unit.name}"
        report.rows.append(RowResult(row.line, subject, outcome, account_changes + changes))


# --- Commands -----------------------------------------------------------------------------------

def command_actor(username, *, unit_hsa_id="", roles=(Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)):
    """Whom `manage.py import_*` acts as: the active account `username` through its active
    membership that holds one of `roles`. With several such memberships, `unit_hsa_id` says which.
    Raises ActionError saying what is missing."""
    from core.actor import Actor
    from core.middleware import active_memberships

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ActionError(f"Inget aktivt konto har användarnamnet {username!r}.")
    candidates = [m for m in active_memberships(user) if set(m.roles or []) & set(roles)]
    if unit_hsa_id:
        candidates = [m for m in candidates if m.unit.hsa_id == unit_hsa_id]
    wanted = " eller ".join(str(Role(role).label).lower() for role in roles)
    if not candidates:
        where = f" vid {unit_hsa_id}" if unit_hsa_id else ""
        raise ActionError(f"{username} är inte {wanted}{where} (i ett aktivt medlemskap).")
    if len(candidates) > 1:
        units = ", ".join(f"{m.unit.hsa_id} ({m.unit.name})" for m in candidates)
        raise ActionError(f"{username} är {wanted} på flera enheter: ange vilken med --unit ({units}).")
    return Actor.for_membership(candidates[0])


def report_lines(report):
    """The report as text lines for the commands."""
    lines = []
    for row in report.rows:
        lines.append(f"{report.filename}:{row.line}: {row.outcome_label}: {row.subject}")
        for change in row.changes:
            lines.append(f"    {change.label}: {change.after}" if change.before is None
                         else f"    {change.label}: {change.before} → {change.after}")
    prefix = "Provkörning, inget är sparat. " if report.dry_run else "Importerat. "
    lines.append(prefix + report.summary())
    return lines

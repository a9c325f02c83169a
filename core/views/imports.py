"""Importing units and staff from CSV files (core.imports): a preview first, then the import.

The previewed file's text is kept in the session (on the server) under a one-time token, so the
import applies exactly the file that was previewed, as the same acting membership, and the file
need not be chosen twice. Nothing is written before "Genomför importen"; the import then runs
again against the data as it is at that moment, all or nothing.
"""

import secrets

from django import forms
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare

from core import permissions
from core.errors import ActionError
from core.files import FileErrors, upload_text
from core.forms import apply_action_error
from core.imports import STAFF_COLUMNS, UNIT_COLUMNS, import_staff, import_units
from core.models import Role
from core.views.decorators import admin_required

SESSION_KEY = "import_preview"
# The previewed text waits in the session: larger files go through `manage.py import_*`.
MAX_IMPORT_BYTES = 5 * 1024 * 1024

KINDS = {
    "units": {"title": "Vårdenheter", "importer": import_units, "columns": UNIT_COLUMNS,
              "lead": "Ett utdrag ur HSA-katalogen: enheter med HSA-id, organisation, överordnad enhet och typ."},
    "staff": {"title": "Personal", "importer": import_staff, "columns": STAFF_COLUMNS,
              "lead": "Personer med HSA-id, namn och e-post, och deras medlemskap: enhet, yrke och roller."},
}


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV-fil (UTF-8)")


def allowed_kinds(actor):
    """Units are imported by system administrators only (core.permissions); staff by any admin."""
    return [kind for kind in KINDS if kind == "staff" or permissions.may_manage_registers(actor)]


def _forget_preview(request):
    request.session.pop(SESSION_KEY, None)


@admin_required
def imports(request):
    actor = request.actor
    kinds = allowed_kinds(actor)
    forms_by_kind = {kind: ImportForm(prefix=kind) for kind in kinds}
    grantable = permissions.grantable_roles(actor)
    context = {"report": None, "errors": None, "token": "",
               "grantable": [label for code, label in Role.choices if code in grantable]}
    if request.method == "POST":
        kind, step = request.POST.get("kind", ""), request.POST.get("step", "")
        if kind not in KINDS or step not in {"preview", "apply", "cancel"}:
            raise BadRequest("Okänd import.")
        if kind not in kinds:
            raise PermissionDenied
        context["kind"] = kind
        if step == "cancel":
            _forget_preview(request)
            messages.info(request, "Importen är avbruten; inget är sparat.")
            return redirect("core:imports")
        if step == "preview":
            form = forms_by_kind[kind] = ImportForm(request.POST, request.FILES, prefix=kind)
            _forget_preview(request)
            if form.is_valid():
                _preview(request, form, kind, context)
        else:
            _apply(request, kind, context)
            if context.get("expired"):
                return redirect("core:imports")
    context["sections"] = [{"kind": kind, "form": forms_by_kind[kind], **KINDS[kind]} for kind in kinds]
    return render(request, "core/imports.html", context)


def _preview(request, form, kind, context):
    upload = form.cleaned_data["file"]
    try:
        text = upload_text(upload, "file", (".csv",))
        if len(text.encode()) > MAX_IMPORT_BYTES:
            raise ActionError(f"Filen är större än {MAX_IMPORT_BYTES // 1024 // 1024} MB. Dela upp den, eller "
                              "importera den med manage.py.", field="file")
        report = KINDS[kind]["importer"](request.actor, text, filename=upload.name, dry_run=True)
    except ActionError as error:
        apply_action_error(form, error)
        return
    except FileErrors as error:
        context["errors"] = error
        return
    token = secrets.token_urlsafe(24)
    request.session[SESSION_KEY] = {"token": token, "kind": kind, "filename": upload.name, "text": text,
                                    "membership": request.actor.membership.pk}
    context.update(report=report, token=token)


def _apply(request, kind, context):
    pending = request.session.get(SESSION_KEY) or {}
    if not (pending and constant_time_compare(pending["token"], request.POST.get("token", ""))
            and pending["kind"] == kind and pending["membership"] == request.actor.membership.pk):
        messages.error(request, "Förhandsgranskningen finns inte längre. Välj filen och förhandsgranska igen.")
        context["expired"] = True
        return
    _forget_preview(request)
    try:
        context["report"] = KINDS[kind]["importer"](request.actor, pending["text"], filename=pending["filename"])
    except FileErrors as error:
        context["errors"] = error

"""API keys for systems. The raw key is shown once; only its digest is stored."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from core import actions
from core.errors import ActionError
from core.forms import apply_action_error
from core.models import ApiToken, Membership
from core.views.decorators import admin_required, post_only


def manageable_memberships(actor):
    memberships = Membership.objects.filter(active=True).select_related("user", "unit")
    return memberships if actor.is_system_admin else memberships.filter(unit_id=actor.unit_id)


class TokenForm(forms.Form):
    name = forms.CharField(label="Namn på nyckeln (systemets namn)", max_length=100)
    membership = forms.ModelChoiceField(label="Agerar som", queryset=Membership.objects.none(),
                                        help_text="Nyckeln får medlemskapets roller som de är nu; senare roller når inte nyckeln.")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = manageable_memberships(actor)


@admin_required
def token_list(request):
    # Only system administrators make keys (core.permissions); unit admins list and revoke.
    may_create = request.actor.is_system_admin
    form = TokenForm(request.POST or None, actor=request.actor) if may_create else None
    if request.method == "POST" and not may_create:
        raise PermissionDenied
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = actions.create_api_token(request.actor, form.cleaned_data["membership"],
                                                       name=form.cleaned_data["name"])
        except ActionError as error:
            apply_action_error(form, error)
        else:
            form = TokenForm(actor=request.actor)
    tokens = ApiToken.objects.filter(membership__in=manageable_memberships(request.actor)).select_related(
        "membership__user", "membership__unit", "created_by")
    return render(request, "core/tokens.html", {"form": form, "tokens": tokens, "new_key": new_key})


@admin_required
@post_only("core:tokens")
def token_revoke(request, token_id):
    token = get_object_or_404(ApiToken.objects.filter(membership__in=manageable_memberships(request.actor)), pk=token_id)
    actions.revoke_api_token(request.actor, token)
    messages.success(request, f"Nyckeln ”{token.name}” är återkallad.")
    return redirect("core:tokens")

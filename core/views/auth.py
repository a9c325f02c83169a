"""Login, logout and choosing the unit one acts for.

Username and password for now; a region's e-ID, SAML or OIDC login would add another
authentication backend and a button on the login page, and end in the same `login()` call.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from core import actions, params
from core.errors import ActionError
from core.forms import apply_action_error
from core.middleware import ACTING_MEMBERSHIP_KEY, active_memberships


class LoginForm(forms.Form):
    username = forms.CharField(label="Användarnamn", max_length=150)
    password = forms.CharField(label="Lösenord", widget=forms.PasswordInput, max_length=200, strip=False)


def client_ip(request):
    """The address a login attempt came from, for the lockout (axes). REMOTE_ADDR, unless
    settings.TRUSTED_PROXY_COUNT proxies stand in front and each appends the address it saw to
    X-Forwarded-For: then the entry the outermost of them appended. Entries further left were sent
    by the client and prove nothing, so a header alone can never change the address."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= count and forwarded[-count]:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


def locked_out(request, credentials=None, *args, **kwargs):
    """Axes calls this when a username has too many failed attempts from this address."""
    return render(request, "core/login.html", {"form": LoginForm(), "locked_out": True}, status=429)


def _safe_next(request):
    target = request.POST.get("next") or params.text(request, "next", max_length=2000)
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


@sensitive_post_parameters("password")
def login_view(request):
    if request.user.is_authenticated:
        return redirect("core:home")
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if user is None or not user.is_active:
            error = "Fel användarnamn eller lösenord."
        else:
            login(request, user)
            return redirect(_safe_next(request) or "core:home")
    return render(request, "core/login.html", {"form": form, "error": error, "next": _safe_next(request)})


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "Du är utloggad.")
    return redirect("core:login")


def choose_unit(request):
    if not request.user.is_authenticated:
        return redirect("core:login")
    if request.actor.is_resident:
        return redirect("core:portal")
    memberships = list(active_memberships(request.user))
    if request.method == "POST":
        chosen = next((m for m in memberships if str(m.pk) == request.POST.get("membership")), None)
        if chosen is None:
            messages.error(request, "Välj en av dina enheter.")
        else:
            request.session[ACTING_MEMBERSHIP_KEY] = chosen.pk
            messages.success(request, f"Du arbetar nu för {chosen.unit.name}.")
            return redirect(_safe_next(request) or "core:home")
    return render(request, "core/choose_unit.html", {"memberships": memberships, "next": _safe_next(request)})


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="Nuvarande lösenord", widget=forms.PasswordInput, strip=False, max_length=200)
    new_password1 = forms.CharField(label="Nytt lösenord", widget=forms.PasswordInput, strip=False, max_length=200,
                                    help_text="Minst 10 tecken, inte bara siffror och inte ett vanligt lösenord.")
    new_password2 = forms.CharField(label="Nytt lösenord igen", widget=forms.PasswordInput, strip=False, max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", "Lösenorden är inte likadana.")
        return data


@login_required
@sensitive_post_parameters()
def change_password(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_own_password(request.user, old_password=form.cleaned_data["old_password"],
                                        new_password=form.cleaned_data["new_password1"], actor=request.actor)
        except ActionError as error:
            apply_action_error(form, error)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "Ditt lösenord är ändrat.")
            return redirect("core:home")
    return render(request, "core/change_password.html", {"form": form})

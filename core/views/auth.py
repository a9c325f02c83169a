"""Login, logout and choosing the unit one acts for.

Username and password (for the demo; PASSWORD_LOGIN_ENABLED turns it off per deployment), and
e-ID through OpenID Connect (core.eid): staff through the region's identity provider, residents
through an e-ID broker. Both end in the same `login()` call, with the method kept in the session.
"""

import logging

import requests
from authlib.integrations.base_client import OAuthError
from joserfc.errors import JoseError

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from core import actions, eid, params
from core.errors import ActionError
from core.forms import apply_action_error
from core.middleware import ACTING_MEMBERSHIP_KEY, active_memberships

logger = logging.getLogger(__name__)
PASSWORD_LOGIN_OFF = "Inloggning med lösenord är avstängd här. Logga in med e-legitimation."


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


def _login_page(request, context, status=200):
    context = {"password_login": settings.PASSWORD_LOGIN_ENABLED, "eid_kinds": eid.enabled_kinds(),
               "eid_slugs": eid.SLUGS, **context}
    return render(request, "core/login.html", context, status=status)


def locked_out(request, credentials=None, *args, **kwargs):
    """Axes calls this when a username has too many failed attempts from this address."""
    return _login_page(request, {"form": LoginForm(), "locked_out": True}, status=429)


def _safe_next(request):
    target = request.POST.get("next") or params.text(request, "next", max_length=2000)
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


@sensitive_post_parameters("password")
def login_view(request):
    if request.user.is_authenticated:
        return redirect("core:home")
    if not settings.PASSWORD_LOGIN_ENABLED:
        # The page shows the e-ID buttons only; a password sent anyway is never checked.
        if request.method == "POST":
            return _login_page(request, {"error": PASSWORD_LOGIN_OFF, "next": _safe_next(request)}, status=403)
        return _login_page(request, {"next": _safe_next(request)})
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
            request.session[eid.LOGIN_METHOD_KEY] = "password"
            return redirect(_safe_next(request) or "core:home")
    return _login_page(request, {"form": form, "error": error, "next": _safe_next(request)})


def _eid_kind(slug):
    kind = next((kind for kind, known in eid.SLUGS.items() if known == slug), None)
    if kind is None or kind not in eid.enabled_kinds():
        raise Http404
    return kind


def _eid_refused(request, message, status):
    # 403: the provider vouched for the person, but they have no access here; otherwise the login
    # itself did not go through.
    return render(request, "core/eid_refused.html", {"message": message, "verified": status == 403}, status=status)


EID_NEXT_KEY = "eid_next"


def eid_start(request, slug):
    """Send the browser to the identity provider (a GET navigation: the CSP's form-action allows
    no form to post there). Authlib keeps state, nonce and the PKCE verifier in the session."""
    kind = _eid_kind(slug)
    if request.user.is_authenticated:
        return redirect("core:home")
    try:
        eid.check_metadata(kind)
        redirect_uri = request.build_absolute_uri(reverse("core:eid_callback", args=[slug]))
        request.session[EID_NEXT_KEY] = _safe_next(request)
        return eid.client(kind).authorize_redirect(request, redirect_uri)
    except eid.Refused as refusal:
        return _eid_refused(request, refusal.message, 503)
    except (requests.RequestException, ValueError) as error:
        logger.warning("e-ID login (%s): the identity provider did not answer: %s", kind, type(error).__name__)
        return _eid_refused(request, "Inloggningstjänsten svarar inte just nu. Försök igen om en stund.", 503)


def eid_callback(request, slug):
    """The provider sends the browser back here with a code: Authlib checks the state against the
    session, trades the code (with the PKCE verifier) for tokens and verifies the ID token's
    signature, issuer, audience, expiry and nonce. Then the verified claims name the person."""
    kind = _eid_kind(slug)
    conf = eid.config(kind)
    try:
        eid.check_metadata(kind)
        token = eid.client(kind).authorize_access_token(
            request, claims_options={"iss": {"essential": True, "values": [conf["issuer"]]}})
        claims = token.get("userinfo")
        if not claims:
            raise eid.Refused("Inloggningstjänsten skickade ingen ID-token.")
        match = eid.match(kind, claims, issuer=conf["issuer"])
    except eid.Refused as refusal:
        logger.info("e-ID login (%s) refused", kind)
        return _eid_refused(request, refusal.message, 403)
    except (OAuthError, JoseError) as error:
        # Cancelled at the provider, a stale or forged state, a token that does not verify.
        logger.warning("e-ID login (%s) failed: %s", kind, type(error).__name__)
        return _eid_refused(request, "Inloggningen avbröts eller kunde inte bekräftas. Försök igen.", 400)
    except (requests.RequestException, ValueError) as error:
        logger.warning("e-ID login (%s): the identity provider did not answer: %s", kind, type(error).__name__)
        return _eid_refused(request, "Inloggningstjänsten svarar inte just nu. Försök igen om en stund.", 503)
    next_url = request.session.pop(EID_NEXT_KEY, "")
    # The log row first: a login that could not be logged does not happen.
    actions.record_eid_login(match.actor, method=eid.METHODS[kind], issuer=conf["issuer"])
    login(request, match.user, backend="core.backends.ModelBackend")
    request.session[eid.LOGIN_METHOD_KEY] = eid.METHODS[kind]
    if match.actor.membership is not None:
        request.session[ACTING_MEMBERSHIP_KEY] = match.actor.membership.pk
    if match.created_record:
        messages.success(request, "Välkommen! Vi har skapat din journal i Samverkan från din e-legitimation.")
    if kind == "resident":
        return redirect("core:portal")
    return redirect(next_url or "core:home")


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

"""Login with e-ID through OpenID Connect (issue 15).

The protocol is Authlib's (authlib.integrations.django_client): authorization code flow with PKCE
(S256), `state` kept in the session and checked on return, a `nonce` checked in the ID token, the ID
token's signature verified against the provider's published keys (jwks_uri) and its issuer,
audience and expiry checked. This module adds what Authlib cannot know: which person a verified
ID token is.

- staff (`kind="staff"`): the region's identity provider (SITHS card via the national IdP). The
  HSA-id claim names an existing, active staff account with at least one active membership;
  nothing is ever created for staff.
- residents (`kind="resident"`): an e-ID broker (BankID, Freja). The personal identity number
  claim names a patient; their resident account is made if missing, and a person with no record
  gets one from the verified number and names (core.actions.register_resident_from_eid).

A staff login never reaches a resident account, nor a resident login a staff account.
"""

from dataclasses import dataclass

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.utils import timezone

from core import actions
from core.actor import Actor
from core.errors import ActionError
from core.middleware import active_memberships
from core.models import Patient, User
from core.rules.identity import InvalidPersonalNumber, parse_personal_number

KINDS = ("staff", "resident")
# The path segment of each kind and the login method recorded in the session and audit log.
SLUGS = {"staff": "personal", "resident": "invanare"}
METHODS = {"staff": "eid-staff", "resident": "eid-resident"}
LOGIN_METHOD_KEY = "login_method"


class Refused(Exception):
    """The provider vouched for a person who may not log in here; `message` is shown to them."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Match:
    user: User
    actor: Actor
    created_record: bool = False


def enabled_kinds():
    return [kind for kind in KINDS if kind in settings.OIDC_PROVIDERS]


def config(kind):
    return settings.OIDC_PROVIDERS.get(kind)


_clients = {}


def client(kind):
    """Authlib's client for `kind`, made once per configuration (it keeps the discovery document and
    the provider's keys; an unknown key id makes it fetch the keys again)."""
    conf = config(kind)
    if conf is None:
        return None
    key = (kind, conf["issuer"], conf["client_id"], conf["client_secret"], conf["scopes"])
    if key not in _clients:
        registry = OAuth()
        _clients[key] = registry.register(
            name=f"samverkan_{kind}",
            client_id=conf["client_id"],
            client_secret=conf["client_secret"],
            server_metadata_url=f"{conf['issuer'].rstrip('/')}/.well-known/openid-configuration",
            client_kwargs={"scope": conf["scopes"], "code_challenge_method": "S256", "default_timeout": 10},
        )
    return _clients[key]


def check_metadata(kind):
    """OpenID Connect Discovery: the document's issuer must be exactly the configured one."""
    metadata = client(kind).load_server_metadata()
    if metadata.get("issuer", "") != config(kind)["issuer"]:
        raise Refused("Inloggningstjänsten svarade med fel utfärdare. Kontakta supporten.")
    return metadata


def claim_text(claims, name):
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def match_staff(claims, *, issuer):
    """The staff account a verified ID token names by its HSA-id claim, or Refused."""
    hsa_id = claim_text(claims, config("staff")["claim"]).upper()
    if not hsa_id:
        raise Refused("Inloggningen gav inget HSA-id. Kontakta din administratör.")
    candidates = list(User.objects.filter(hsa_id__iexact=hsa_id, patient__isnull=True)[:2])
    if len(candidates) != 1:
        # None, or two accounts claiming one HSA-id: either way nobody is logged in.
        raise Refused("Ditt HSA-id är inte kopplat till något konto i Samverkan. "
                      "Kontakta din enhets administratör för att få behörighet.")
    user = candidates[0]
    memberships = list(active_memberships(user)[:2])
    if not user.is_active or not memberships:
        raise Refused("Ditt konto i Samverkan är inte aktivt eller saknar aktivt medlemskap i någon enhet. "
                      "Kontakta din enhets administratör.")
    actor = Actor.for_membership(memberships[0]) if len(memberships) == 1 else Actor(user=user)
    return Match(user=user, actor=actor)


def match_resident(claims, *, issuer):
    """The resident account a verified ID token names by its personal identity number claim: made
    for an existing patient if missing, and with a new record for a person who has none."""
    raw = claim_text(claims, config("resident")["claim"])
    try:
        number = parse_personal_number(raw, today=timezone.localdate())
    except InvalidPersonalNumber:
        raise Refused("Inloggningen gav inget giltigt personnummer. Försök igen eller kontakta supporten.") from None
    patient = Patient.objects.filter(personal_number=number.canonical).first()
    created = False
    if patient is None:
        try:
            user = actions.register_resident_from_eid(
                personal_number=number.canonical, given_name=claim_text(claims, "given_name"),
                family_name=claim_text(claims, "family_name"), issuer=issuer)
            created = True
        except ActionError:
            # Registered by a parallel login in between, or the token carried no names.
            patient = Patient.objects.filter(personal_number=number.canonical).first()
            if patient is None:
                raise Refused("Vi kunde inte skapa din journal från e-legitimationen (namn saknas). "
                              "Kontakta supporten.") from None
    if not created:
        user = User.objects.filter(patient=patient).first() or actions.open_resident_account_from_eid(
            patient, issuer=issuer)
    if not user.is_active or user.memberships.exists():
        # A deactivated resident, or an account that is also staff: never logged in as a resident.
        raise Refused("Ditt konto kan inte logga in som invånare. Kontakta supporten.")
    return Match(user=user, actor=Actor.resident(user), created_record=created)


def match(kind, claims, *, issuer):
    return match_staff(claims, issuer=issuer) if kind == "staff" else match_resident(claims, issuer=issuer)

"""The administration area's authorization matrix: every admin role × every register action ×
own/foreign target, with the expected answer written out for each cell.

The rules are those of `core.permissions` (docs/decisions.md, "Who may grant which role"). The
matrix runs against the actions, which every way in (register pages, token page, shell) goes
through; the page tests at the end show that the register pages obey the same answers.
"""

import pytest
from django.urls import reverse

from core import actions
from core.actor import Actor
from core.errors import NotPermitted
from core.models import ApiToken, AuditEvent, Membership, Organisation, Role, Unit, User
from core.tests.factories import PASSWORD, login, make_actor, make_resident, make_staff, make_unit, make_user

pytestmark = pytest.mark.django_db

OK, NO = "ok", "refused"
ACTORS = ["system_admin", "unit_admin", "coordinator"]


class World:
    """Unit A is the unit admin's own unit, B a foreign one, S the system admin's."""

    def __init__(self):
        self.unit_a, self.unit_b, self.unit_s, self.unit_s2 = (make_unit(name=n) for n in "ABST")
        self.actors = {
            "system_admin": make_actor(unit=self.unit_s, roles=["system_admin"]),
            "unit_admin": make_actor(unit=self.unit_a, roles=["unit_admin"]),
            "coordinator": make_actor(unit=self.unit_a, roles=["coordinator"]),
        }
        self.memberships = {
            "own": make_staff(unit=self.unit_a, roles=["clinical"]),
            "own_finance": make_staff(unit=self.unit_a, roles=["finance"]),
            "foreign": make_staff(unit=self.unit_b, roles=["clinical"]),
            "other_system_admin": make_staff(unit=self.unit_s2, roles=["system_admin"]),
        }
        dual = make_staff(unit=self.unit_b, roles=["clinical"])
        make_staff(user=dual.user, unit=self.unit_a, roles=["clinical"])
        self.users = {name: m.user for name, m in self.memberships.items()}
        self.users["dual"] = dual.user
        # Works only in A, but the account was made elsewhere (by a system admin, with no home unit).
        self.users["unhomed_in_a"] = make_staff(unit=self.unit_a, roles=["clinical"]).user
        self.users["no_membership"] = make_user()
        self.users["resident"] = make_resident()
        homes = {"own": self.unit_a, "own_finance": self.unit_a, "foreign": self.unit_b, "dual": self.unit_b,
                 "other_system_admin": self.unit_s2}
        for name, unit in homes.items():
            User.objects.filter(pk=self.users[name].pk).update(home_unit=unit)
        for actor in self.actors.values():
            User.objects.filter(pk=actor.user.pk).update(home_unit=actor.unit)
        self.units = {"own": self.unit_a, "foreign": self.unit_b}

    def user(self, target, actor):
        return actor.user if target == "self" else self.users[target]

    def membership(self, target, actor):
        return actor.membership if target == "self" else self.memberships[target]


@pytest.fixture
def world(settings):
    # A fast hasher for the many accounts of the matrix; the login tests keep the real one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return World()


def outcome(call):
    try:
        call()
    except NotPermitted:
        return NO
    return OK


def fresh(model, pk):
    return model.objects.get(pk=pk)


# --- Memberships: adding ----------------------------------------------------------------------

# (unit, role) -> answers for (system_admin, unit_admin, coordinator), for a person new to the unit.
ADD_MEMBERSHIP = {
    ("own", Role.CLINICAL): (OK, OK, NO),
    ("own", Role.COORDINATOR): (OK, OK, NO),
    ("own", Role.FORUM_SECRETARY): (OK, OK, NO),
    ("own", Role.FINANCE): (OK, NO, NO),
    ("own", Role.UNIT_ADMIN): (OK, NO, NO),
    ("own", Role.SYSTEM_ADMIN): (OK, NO, NO),
    ("own", Role.PROTECTED_IDENTITY): (OK, NO, NO),
    ("foreign", Role.CLINICAL): (OK, NO, NO),
    ("foreign", Role.SYSTEM_ADMIN): (OK, NO, NO),
}


@pytest.mark.parametrize("actor_kind", ACTORS)
@pytest.mark.parametrize(("unit", "role"), list(ADD_MEMBERSHIP))
def test_adding_a_membership_with_a_role(world, actor_kind, unit, role):
    actor = world.actors[actor_kind]
    person = make_user()
    membership = Membership(user=person, unit=world.units[unit], profession="sjukskoterska", roles=[role])
    expected = ADD_MEMBERSHIP[(unit, role)][ACTORS.index(actor_kind)]
    assert outcome(lambda: actions.save_admin_object(actor, membership)) == expected
    assert Membership.objects.filter(user=person).exists() == (expected == OK)


# Who the new everyday membership in unit A is for -> (system_admin, unit_admin, coordinator).
ADD_MEMBERSHIP_FOR = {
    "self": (NO, NO, NO),  # nobody gives themselves a membership
    "foreign": (OK, OK, NO),  # a person who also works in another unit: everyday roles only
    "other_system_admin": (OK, OK, NO),  # gains only an everyday role in A; their account stays out of reach
    "resident": (OK, NO, NO),  # a resident's account becomes staff only by a system admin
}


@pytest.mark.parametrize("actor_kind", ACTORS)
@pytest.mark.parametrize("target", list(ADD_MEMBERSHIP_FOR))
def test_adding_an_everyday_membership_in_unit_a_for(world, actor_kind, target):
    actor = world.actors[actor_kind]
    person = world.user(target, actor)
    membership = Membership(user=person, unit=world.unit_a, profession="sjukskoterska", roles=[Role.CLINICAL])
    expected = ADD_MEMBERSHIP_FOR[target][ACTORS.index(actor_kind)]
    assert outcome(lambda: actions.save_admin_object(actor, membership)) == expected


# --- Memberships: changing roles and deactivating ---------------------------------------------

# (whose membership, change) -> (system_admin, unit_admin, coordinator)
CHANGE_MEMBERSHIP = {
    ("own", "add_everyday_role"): (OK, OK, NO),
    ("own", "add_system_admin"): (OK, NO, NO),
    ("own", "add_protected_identity"): (OK, NO, NO),
    ("own", "add_finance"): (OK, NO, NO),
    ("own", "move_to_foreign_unit"): (NO, NO, NO),  # person and unit are fixed: end it, make a new one
    ("own", "give_to_another_person"): (NO, NO, NO),
    ("own", "deactivate"): (OK, OK, NO),
    ("own_finance", "add_everyday_role"): (OK, NO, NO),  # holds a role the unit admin could not grant
    ("own_finance", "deactivate"): (OK, NO, NO),
    ("foreign", "add_everyday_role"): (OK, NO, NO),
    ("foreign", "deactivate"): (OK, NO, NO),
    ("other_system_admin", "deactivate"): (OK, NO, NO),
    ("self", "add_everyday_role"): (NO, NO, NO),  # nobody changes their own roles
    ("self", "add_system_admin"): (NO, NO, NO),
    ("self", "deactivate"): (NO, NO, NO),
}


def _change(world, membership, change):
    if change == "add_everyday_role":
        membership.roles = [*membership.roles, Role.COORDINATOR]
    elif change.startswith("add_"):
        membership.roles = [*membership.roles, change.removeprefix("add_")]
    elif change == "move_to_foreign_unit":
        membership.unit = world.unit_b
    elif change == "give_to_another_person":
        membership.user = world.actors["system_admin"].user
    elif change == "deactivate":
        membership.active = False


@pytest.mark.parametrize("actor_kind", ACTORS)
@pytest.mark.parametrize(("target", "change"), list(CHANGE_MEMBERSHIP))
def test_changing_a_membership(world, actor_kind, target, change):
    actor = world.actors[actor_kind]
    membership = fresh(Membership, world.membership(target, actor).pk)
    stored_roles = list(membership.roles)
    _change(world, membership, change)
    expected = CHANGE_MEMBERSHIP[(target, change)][ACTORS.index(actor_kind)]
    assert outcome(lambda: actions.save_admin_object(actor, membership)) == expected
    if expected == NO:
        assert fresh(Membership, membership.pk).roles == stored_roles


# --- Accounts: details, active flag, password -------------------------------------------------

# whose account -> (system_admin, unit_admin, coordinator)
GOVERN_ACCOUNT = {
    "own": (OK, OK, NO),
    "own_finance": (OK, NO, NO),
    "foreign": (OK, NO, NO),
    "dual": (OK, NO, NO),  # also works in unit B: B's admin (or a system admin) governs the account
    "unhomed_in_a": (OK, NO, NO),  # a membership in A does not make the account A's to govern
    "no_membership": (OK, NO, NO),  # e.g. made by a system admin a step before its membership
    "other_system_admin": (OK, NO, NO),
    "resident": (OK, NO, NO),
    "self": (NO, NO, NO),  # one's own password through "Byt lösenord"; one's own account by another admin
}


@pytest.mark.parametrize("actor_kind", ACTORS)
@pytest.mark.parametrize("target", list(GOVERN_ACCOUNT))
def test_changing_an_accounts_email(world, actor_kind, target):
    actor = world.actors[actor_kind]
    user = fresh(User, world.user(target, actor).pk)
    user.email = "ny.adress@example.se"
    expected = GOVERN_ACCOUNT[target][ACTORS.index(actor_kind)]
    assert outcome(lambda: actions.save_admin_object(actor, user)) == expected
    assert (fresh(User, user.pk).email == "ny.adress@example.se") == (expected == OK)


@pytest.mark.parametrize("actor_kind", ACTORS)
@pytest.mark.parametrize("target", list(GOVERN_ACCOUNT))
def test_deactivating_an_account(world, actor_kind, target):
    actor = world.actors[actor_kind]
    user = fresh(User, world.user(target, actor).pk)
    user.is_active = False
    expected = GOVERN_ACCOUNT[target][ACTORS.index(actor_kind)]
    assert outcome(lambda: actions.save_admin_object(actor, user)) == expected
    assert fresh(User, user.pk).is_active == (expected == NO)


@pytest.mark.parametrize("actor_kind", ACTORS)
@pytest.mark.parametrize("target", list(GOVERN_ACCOUNT))
def test_setting_a_password(world, actor_kind, target):
    actor = world.actors[actor_kind]
    user = fresh(User, world.user(target, actor).pk)
    expected = GOVERN_ACCOUNT[target][ACTORS.index(actor_kind)]
    assert outcome(lambda: actions.set_user_password(actor, user, "Nytt-langt-losen-77")) == expected
    assert fresh(User, user.pk).check_password("Nytt-langt-losen-77") == (expected == OK)


@pytest.mark.parametrize(("actor_kind", "expected"), [("system_admin", OK), ("unit_admin", OK), ("coordinator", NO)])
def test_creating_a_new_account(world, actor_kind, expected):
    actor = world.actors[actor_kind]
    assert outcome(lambda: actions.save_admin_object(actor, User(username="nyanstalld"))) == expected


@pytest.mark.parametrize(("actor_kind", "expected"), [("system_admin", OK), ("unit_admin", NO), ("coordinator", NO)])
def test_making_an_account_a_django_superuser(world, actor_kind, expected):
    actor = world.actors[actor_kind]
    user = fresh(User, world.users["own"].pk)
    user.is_superuser = True
    assert outcome(lambda: actions.save_admin_object(actor, user)) == expected


# --- API keys ---------------------------------------------------------------------------------

# the membership the key acts as -> answers for creating one / revoking one
API_KEY_CREATE = {  # a key acts under a person's name with their roles: system administrators only
    "own": (OK, NO, NO),
    "own_finance": (OK, NO, NO),
    "foreign": (OK, NO, NO),
    "other_system_admin": (OK, NO, NO),
    "self": (OK, NO, NO),
}
API_KEY_REVOKE = {
    "own": (OK, OK, NO),
    "own_finance": (OK, OK, NO),  # revoking takes power away: any admin of the key's unit
    "foreign": (OK, NO, NO),
    "other_system_admin": (OK, NO, NO),
    "self": (OK, OK, NO),
}


@pytest.mark.parametrize("actor_kind", ACTORS)
@pytest.mark.parametrize("target", list(API_KEY_CREATE))
def test_creating_an_api_key(world, actor_kind, target):
    actor = world.actors[actor_kind]
    membership = world.membership(target, actor)
    expected = API_KEY_CREATE[target][ACTORS.index(actor_kind)]
    assert outcome(lambda: actions.create_api_token(actor, membership, name="Journalsystemet")) == expected
    assert ApiToken.objects.filter(membership=membership).exists() == (expected == OK)


@pytest.mark.parametrize("actor_kind", ACTORS)
@pytest.mark.parametrize("target", list(API_KEY_REVOKE))
def test_revoking_an_api_key(world, actor_kind, target):
    actor = world.actors[actor_kind]
    system_admin = world.actors["system_admin"]
    token, _raw = actions.create_api_token(system_admin, world.membership(target, actor), name="Journalsystemet")
    expected = API_KEY_REVOKE[target][ACTORS.index(actor_kind)]
    assert outcome(lambda: actions.revoke_api_token(actor, token)) == expected
    assert (fresh(ApiToken, token.pk).revoked_at is not None) == (expected == OK)


def test_an_api_key_for_another_persons_membership_is_logged_with_whom_it_acts_as(world):
    system_admin = world.actors["system_admin"]
    membership = world.memberships["own"]
    token, _raw = actions.create_api_token(system_admin, membership, name="Journalsystemet")
    event = AuditEvent.objects.get(action="api_token.create", object_id=str(token.pk))
    assert event.changes["acts_as"] == [None, f"{membership.user.username} vid {membership.unit.name}"]
    assert event.username == system_admin.user.username


# --- Organisations and units ------------------------------------------------------------------

@pytest.mark.parametrize(("actor_kind", "expected"), [("system_admin", OK), ("unit_admin", NO), ("coordinator", NO)])
def test_creating_a_unit(world, actor_kind, expected):
    actor = world.actors[actor_kind]
    unit = Unit(organisation=world.unit_a.organisation, name="Ny avdelning", kind=Unit.Kind.WARD,
                hsa_id="SE2321000032-NY01")
    assert outcome(lambda: actions.save_admin_object(actor, unit)) == expected


@pytest.mark.parametrize("target", ["own", "foreign"])
@pytest.mark.parametrize(("actor_kind", "expected"), [("system_admin", OK), ("unit_admin", NO), ("coordinator", NO)])
def test_renaming_a_unit_or_its_organisation(world, actor_kind, expected, target):
    actor = world.actors[actor_kind]
    unit = fresh(Unit, world.units[target].pk)
    unit.name = "Nytt namn"
    assert outcome(lambda: actions.save_admin_object(actor, unit)) == expected
    organisation = fresh(Organisation, unit.organisation_id)
    organisation.name = "Ny region"
    assert outcome(lambda: actions.save_admin_object(actor, organisation)) == expected


# --- The register pages obey the same answers -------------------------------------------------

def test_the_reported_attack_fails_a_unit_admin_cannot_become_system_admin_through_the_registers(client, world):
    """Seen in the attack: a unit admin gave themselves system administration, attached the
    system administrator to their unit and set that account's password."""
    unit_admin = world.actors["unit_admin"]
    target = world.actors["system_admin"].user
    login(client, unit_admin)

    own = unit_admin.membership
    response = client.post(f"/administration/register/core/membership/{own.pk}/change/", {
        "user": own.user_id, "unit": own.unit_id, "profession": own.profession,
        "roles": ["unit_admin", "system_admin"], "active": "on",
    })
    assert response.status_code in (200, 403)
    assert fresh(Membership, own.pk).roles == ["unit_admin"]

    response = client.post("/administration/register/core/membership/add/", {
        "user": target.pk, "unit": unit_admin.unit_id, "profession": "sjukskoterska", "roles": ["system_admin"],
        "active": "on",
    })
    assert response.status_code in (200, 403)
    assert not Membership.objects.filter(user=target, unit=unit_admin.unit).exists()

    # Even attached with an everyday role, the system administrator's account stays out of reach.
    actions.save_admin_object(unit_admin, Membership(user=target, unit=unit_admin.unit, profession="koordinator",
                                                     roles=["clinical"]))
    response = client.post(f"/administration/register/core/user/{target.pk}/password/", {
        "password1": "Kapad-av-enhetschef-1", "password2": "Kapad-av-enhetschef-1",
    })
    assert response.status_code == 403
    assert not fresh(User, target.pk).check_password("Kapad-av-enhetschef-1")
    assert fresh(User, target.pk).check_password(PASSWORD)


def test_the_membership_form_offers_a_unit_admin_only_the_roles_they_may_grant(client, world):
    login(client, world.actors["unit_admin"])
    page = client.get("/administration/register/core/membership/add/").content.decode()
    assert 'value="clinical"' in page and 'value="coordinator"' in page
    for role in ("system_admin", "unit_admin", "finance", "protected_identity"):
        assert f'value="{role}"' not in page


def test_a_unit_admin_gives_an_everyday_role_on_the_register_page(client, world):
    login(client, world.actors["unit_admin"])
    person = make_user()
    response = client.post("/administration/register/core/membership/add/", {
        "user": person.pk, "unit": world.unit_a.pk, "profession": "sjukskoterska", "roles": ["clinical"],
        "active": "on",
    })
    assert response.status_code == 302
    assert Membership.objects.get(user=person).roles == ["clinical"]


@pytest.mark.parametrize(("target", "expected_status"), [("own", 200), ("own_finance", 403), ("dual", 403),
                                                         ("unhomed_in_a", 403)])
def test_the_password_page_opens_only_for_accounts_the_unit_admin_governs(client, world, target, expected_status):
    login(client, world.actors["unit_admin"])
    user = world.users[target]
    assert client.get(f"/administration/register/core/user/{user.pk}/password/").status_code == expected_status


def test_a_unit_admin_cannot_make_an_api_key_on_the_token_page(client, world):
    login(client, world.actors["unit_admin"])
    assert "Skapa nyckel" not in client.get(reverse("core:tokens")).content.decode()
    membership = world.memberships["own"]
    response = client.post(reverse("core:tokens"), {"name": "Journalsystemet", "membership": membership.pk})
    assert response.status_code == 403
    assert not ApiToken.objects.filter(membership=membership).exists()


def test_a_key_keeps_the_roles_it_was_given_when_its_membership_gains_more(world):
    membership = world.memberships["own"]
    token, _raw = actions.create_api_token(world.actors["system_admin"], membership, name="Journalsystemet")
    Membership.objects.filter(pk=membership.pk).update(roles=["clinical", "protected_identity", "finance"])
    token = ApiToken.objects.select_related("membership").get(pk=token.pk)
    assert Actor.for_api_token(token).roles == {"clinical"}
    Membership.objects.filter(pk=membership.pk).update(roles=[])
    token = ApiToken.objects.select_related("membership").get(pk=token.pk)
    assert Actor.for_api_token(token).roles == set()


def test_a_unit_admin_cannot_capture_an_account_by_attaching_it_to_their_unit(client, world):
    """Seen in review: a membership-less account (made by a system admin a step before its
    membership) was attached, quietly, to a unit admin's unit, its password set, and then promoted."""
    unit_admin = world.actors["unit_admin"]
    account = world.users["no_membership"]
    login(client, unit_admin)
    client.post("/administration/register/core/membership/add/", {
        "user": account.pk, "unit": unit_admin.unit_id, "profession": "sjukskoterska", "roles": []})
    assert Membership.objects.filter(user=account).exists()  # an everyday (empty) membership is allowed
    response = client.post(f"/administration/register/core/user/{account.pk}/password/", {
        "password1": "Kapad-av-enhetschef-1", "password2": "Kapad-av-enhetschef-1"})
    assert response.status_code == 403
    assert not fresh(User, account.pk).check_password("Kapad-av-enhetschef-1")


def test_a_new_account_made_by_a_unit_admin_is_homed_in_their_unit(world):
    unit_admin = world.actors["unit_admin"]
    account = actions.save_admin_object(unit_admin, User(username="nyanstalld2", home_unit=world.unit_b))
    assert fresh(User, account.pk).home_unit_id == world.unit_a.pk


def test_the_password_page_needs_both_passwords_alike(client, world):
    login(client, world.actors["unit_admin"])
    user = world.users["own"]
    client.post(f"/administration/register/core/user/{user.pk}/password/", {
        "password1": "Nytt-langt-losen-77", "password2": "nagot-annat"})
    assert not fresh(User, user.pk).check_password("Nytt-langt-losen-77")


def test_a_refused_grant_is_not_audited_as_a_change(world):
    unit_admin = world.actors["unit_admin"]
    before = AuditEvent.objects.count()
    membership = Membership(user=make_user(), unit=world.unit_a, profession="sjukskoterska", roles=["system_admin"])
    with pytest.raises(NotPermitted):
        actions.save_admin_object(unit_admin, membership)
    assert AuditEvent.objects.count() == before


def test_the_system_admin_governs_through_their_acting_membership_only(world):
    """Roles hold at the membership's unit: a system admin acting for an everyday membership has no
    administration powers there."""
    system_admin = world.actors["system_admin"]
    everyday = make_staff(user=system_admin.user, unit=world.unit_b, roles=["clinical"])
    actor = Actor.for_membership(everyday)
    person = make_user()
    membership = Membership(user=person, unit=world.unit_b, profession="sjukskoterska", roles=["clinical"])
    assert outcome(lambda: actions.save_admin_object(actor, membership)) == NO


def test_a_unit_admin_sets_an_hsa_id_on_a_new_account_but_does_not_move_one(world):
    """Moving an HSA-id would move a person's e-ID login to another account (found in review)."""
    unit_admin = world.actors["unit_admin"]
    new = actions.save_admin_object(unit_admin, User(username="ny.sjukskoterska", hsa_id="SE2321000032-P777"))
    assert fresh(User, new.pk).hsa_id == "SE2321000032-P777"
    user = fresh(User, world.users["own"].pk)
    user.hsa_id = "SE2321000032-P888"
    assert outcome(lambda: actions.save_admin_object(unit_admin, user)) == NO
    assert outcome(lambda: actions.save_admin_object(world.actors["system_admin"], user)) == OK


def test_an_hsa_id_already_on_another_account_is_refused_with_a_message(world):
    from core.errors import ActionError

    system_admin = world.actors["system_admin"]
    User.objects.filter(pk=world.users["foreign"].pk).update(hsa_id="SE2321000032-P999")
    user = fresh(User, world.users["own"].pk)
    user.hsa_id = "SE2321000032-p999"  # the same id, whatever the case
    with pytest.raises(ActionError, match="redan det HSA-id"):
        actions.save_admin_object(system_admin, user)

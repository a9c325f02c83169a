"""Who is acting: the user and the unit they act for (their acting membership)."""

from dataclasses import dataclass, field

from core.models import Membership, Role, User


@dataclass(frozen=True)
class Actor:
    user: User
    membership: Membership | None = None
    # Set when a system acts through an API token.
    token_name: str = ""
    roles: frozenset = field(default_factory=frozenset)

    @classmethod
    def for_membership(cls, membership, *, token_name=""):
        return cls(
            user=membership.user,
            membership=membership,
            token_name=token_name,
            roles=frozenset(membership.roles or []),
        )

    @classmethod
    def for_api_token(cls, token):
        """A system acting through a key: the key's roles, as far as its membership still holds them."""
        membership = token.membership
        return cls(user=membership.user, membership=membership, token_name=token.name,
                   roles=frozenset(token.roles or []) & frozenset(membership.roles or []))

    @classmethod
    def resident(cls, user):
        return cls(user=user)

    @property
    def unit(self):
        return self.membership.unit if self.membership else None

    @property
    def unit_id(self):
        return self.membership.unit_id if self.membership else None

    @property
    def is_resident(self):
        return self.user.patient_id is not None and self.membership is None

    def has_role(self, *roles):
        return any(role in self.roles for role in roles)

    @property
    def is_system_admin(self):
        return self.has_role(Role.SYSTEM_ADMIN)

    @property
    def is_admin(self):
        return self.has_role(Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)

    @property
    def sees_protected_identity(self):
        return self.has_role(Role.PROTECTED_IDENTITY)

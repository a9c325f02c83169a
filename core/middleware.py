"""Attach the acting person (`request.actor`) to every request."""

from core.actor import Actor
from core.models import Membership

ACTING_MEMBERSHIP_KEY = "acting_membership_id"


def active_memberships(user):
    return (
        Membership.objects.filter(user=user, active=True, unit__active=True, unit__organisation__active=True)
        .select_related("unit", "unit__organisation", "user")
        .order_by("unit__organisation__name", "unit__name")
    )


def resolve_actor(request):
    user = request.user
    if not user.is_authenticated:
        return None
    if user.is_resident:
        return Actor.resident(user)
    memberships = active_memberships(user)
    membership_id = request.session.get(ACTING_MEMBERSHIP_KEY)
    membership = memberships.filter(pk=membership_id).first() if membership_id else None
    if membership is None:
        # One unit only: act for it without asking.
        candidates = list(memberships[:2])
        if len(candidates) == 1:
            membership = candidates[0]
            request.session[ACTING_MEMBERSHIP_KEY] = membership.pk
    return Actor.for_membership(membership) if membership else Actor(user=user)


class ActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = resolve_actor(request)
        return self.get_response(request)

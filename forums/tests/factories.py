"""Test data for forums: a forum of Region Kronoberg with a secretary, a chair and members from a
municipality, built through the actions."""

from datetime import timedelta

from django.utils import timezone

from core.actor import Actor
from core.tests.factories import make_municipality, make_region, make_staff, make_unit, make_user
from forums import actions
from forums.models import ForumRole


class World:
    def __init__(self, public=True):
        self.region = make_region("07", "Region Kronoberg")
        self.municipality = make_municipality("0780", "Växjö kommun")
        self.region_unit = make_unit(self.region, "Regionkansliet")
        self.municipality_unit = make_unit(self.municipality, "Socialförvaltningen")
        self.secretary = self.staff("therese", "Therese", "Hildingsson", self.region_unit, roles=("forum_secretary",))
        self.forum = actions.create_forum(self.secretary, name="Styrgrupp Nära vård", short_name="Styrgrupp nära vård",
                                          owner=self.region, public=public)
        self.chair = self.staff("martin", "Martin", "Myrskog", self.region_unit)
        self.member = self.staff("roger", "Roger", "Nilsson", self.region_unit)
        self.municipal = self.staff("anna", "Anna", "Berg", self.municipality_unit)
        self.outsider = self.staff("olle", "Olle", "Utanför", make_unit(self.region, "Annan enhet"))
        self.seats = {
            "chair": actions.add_member(self.secretary, self.forum, user=self.chair.user, organisation=self.region,
                                        role=ForumRole.CHAIR),
            "secretary": actions.add_member(self.secretary, self.forum, user=self.secretary.user,
                                            organisation=self.region, role=ForumRole.SECRETARY),
            "member": actions.add_member(self.secretary, self.forum, user=self.member.user, organisation=self.region,
                                         role=ForumRole.MEMBER),
            "municipal": actions.add_member(self.secretary, self.forum, user=self.municipal.user,
                                            organisation=self.municipality, role=ForumRole.MEMBER),
        }

    def staff(self, username, first, last, unit, roles=("clinical",)):
        user = make_user(username=username, first_name=first, last_name=last, email=f"{username}@example.se")
        return Actor.for_membership(make_staff(user=user, unit=unit, roles=roles))

    def meeting(self, days=7, **kwargs):
        start = timezone.now().replace(microsecond=0) + timedelta(days=days)
        kwargs.setdefault("place", "Lokal Flåren")
        return actions.schedule_meeting(self.secretary, self.forum, starts_at=start, ends_at=start + timedelta(hours=2),
                                        **kwargs)

    def approved(self, meeting):
        """The meeting held, with the chair and a member as approvers, both approved: locked."""
        actions.hold_meeting(self.secretary, meeting)
        actions.set_approvers(self.secretary, meeting, [self.chair.user, self.member.user])
        actions.approve_minutes(self.chair, meeting)
        return actions.approve_minutes(self.member, meeting)

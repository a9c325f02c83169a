"""Demo data for collaboration forums, after the three seed documents (the steering group of Region
Kronoberg, the regional leadership group of Sydöstra sjukvårdsregionen, Vårdsamverkan Skåne's
forums): members from several organisations, a held meeting with approved and published minutes
(decisions, assignments, a nomination, an item carried on), a meeting ahead with a carried item,
standing items and a consultation with a deadline, and three goals with values (the platform's
own where it has them). Everything is written through `forums.actions`, so the audit log and the
numbering are as in real use. People are invented. Idempotent."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.actor import Actor
from core.management.commands.seed_demo import DEMO_PASSWORD
from core.models import Membership, Organisation, Profession, Unit, User
from forums import actions, rules
from forums.models import Forum, ForumRole, Goal, ItemKind

# username, first, last, title, region code of their organisation, roles in Samverkan
PEOPLE = [
    ("ordforande", "Helena", "Ström", "Chef hälso- och sjukvård, Region Skåne", "12", ["coordinator"]),
    ("kronoberg-sekreterare", "Tove", "Ahl", "Chefssekreterare", "07", ["forum_secretary"]),
    ("kronoberg-rd", "Jonas", "Wiklund", "Regiondirektör", "07", ["coordinator"]),
    ("kronoberg-hsd", "Petra", "Lund", "Hälso- och sjukvårdsdirektör", "07", ["coordinator"]),
    ("kronoberg-program", "Mikael", "Berg", "Programchef Nära vård", "07", ["coordinator"]),
    ("rsl-sekreterare", "Lisa", "Falk", "Samordnare, Sydöstra sjukvårdsregionen", "05", ["forum_secretary"]),
    ("rsl-ordforande", "Anders", "Hed", "Hälso- och sjukvårdsdirektör, Region Kalmar län", "08", ["coordinator"]),
    ("rsl-ledamot-jkpg", "Karin", "Moberg", "Hälso- och sjukvårdsdirektör, Region Jönköpings län", "06", ["coordinator"]),
    ("rsl-ledamot-og", "Fredrik", "Ros", "Hälso- och sjukvårdsdirektör, Region Östergötland", "05", ["coordinator"]),
]
ADMIN_UNITS = {
    "05": ("SE2321000040-9001", "Regionledningskontoret Östergötland"),
    "06": ("SE2321000057-9001", "Regionledningskontoret Jönköping"),
    "07": ("SE2321000065-9001", "Regionkansliet Kronoberg"),
    "08": ("SE2321000073-9001", "Regionstaben Kalmar"),
}
SKANE_OFFICE = "SE2321000032-9001"


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class Command(BaseCommand):
    help = "Load demo collaboration forums, minutes and goals (idempotent)."

    def handle(self, *args, **options):
        office = Unit.objects.filter(hsa_id=SKANE_OFFICE).first()
        secretary = User.objects.filter(username="sekreterare").first()
        if office is None or secretary is None:
            self.stderr.write("Run `manage.py seed_demo` first.")
            return
        if Forum.objects.filter(name="RSL Sydöstra sjukvårdsregionen").exists():
            self.stdout.write("Demo forums already loaded.")
            return
        with transaction.atomic():
            self.load(office, secretary)
        self.stdout.write(self.style.SUCCESS(f"Demo forums: {Forum.objects.count()}."))

    def actor(self, username):
        user = User.objects.get(username=username)
        return Actor.for_membership(Membership.objects.select_related("unit__organisation").filter(user=user).first())

    def load(self, office, secretary):
        regions = {code: Organisation.objects.get(kind=Organisation.Kind.REGION, code=code)
                   for code in ("05", "06", "07", "08", "12")}
        units = {"12": office}
        for code, (hsa_id, name) in ADMIN_UNITS.items():
            units[code] = Unit.objects.get_or_create(hsa_id=hsa_id, defaults={
                "organisation": regions[code], "name": name, "kind": Unit.Kind.ADMINISTRATION})[0]
        self.titles = {}
        for username, first, last, title, code, roles in PEOPLE:
            user, created = User.objects.get_or_create(username=username, defaults={
                "first_name": first, "last_name": last, "home_unit": units[code],
                "email": f"{username}@demo.samverkan.invalid"})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            Membership.objects.get_or_create(user=user, unit=units[code],
                                             defaults={"profession": Profession.COORDINATOR, "roles": roles})
            self.titles[username] = title
        self.today = timezone.localdate()
        self.regions = regions
        self.skane_forums(regions["12"])
        self.rsl(regions)
        self.kronoberg(regions["07"])

    def seat(self, secretary, forum, username, organisation, role, since):
        actions.add_member(secretary, forum, user=User.objects.get(username=username), organisation=organisation,
                           role=role, title=self.titles.get(username, ""), valid_from=since)

    def approve(self, meeting, usernames):
        users = [User.objects.get(username=u) for u in usernames]
        secretary = self.secretary_of(meeting.forum)
        actions.set_approvers(secretary, meeting, users)
        for username in usernames:
            meeting = actions.approve_minutes(self.actor(username), meeting)
        return actions.publish_minutes(secretary, meeting)

    def secretary_of(self, forum):
        return self._secretaries[forum.pk]

    # --- Sydöstra sjukvårdsregionen's regional leadership group (seed 003) -------------------------------

    def rsl(self, regions):
        secretary = self.actor("rsl-sekreterare")
        forum = actions.create_forum(
            secretary, name="RSL Sydöstra sjukvårdsregionen", short_name="RSL", owner=regions["05"], public=True,
            description="Regional samverkansgrupp för ledning: hälso- och sjukvårdsdirektörerna i Region "
                        "Jönköpings län, Region Kalmar län och Region Östergötland.")
        self._secretaries = getattr(self, "_secretaries", {})
        self._secretaries[forum.pk] = secretary
        since = self.today - timedelta(days=400)
        self.seat(secretary, forum, "rsl-ordforande", regions["08"], ForumRole.CHAIR, since)
        self.seat(secretary, forum, "rsl-ledamot-jkpg", regions["06"], ForumRole.VICE_CHAIR, since)
        self.seat(secretary, forum, "rsl-ledamot-og", regions["05"], ForumRole.MEMBER, since)
        self.seat(secretary, forum, "rsl-sekreterare", regions["05"], ForumRole.SECRETARY, since)
        self.seat(secretary, forum, "ordforande", regions["12"], ForumRole.CO_OPTED, since)
        held_day = self.today - timedelta(days=35)
        next_day = self.today + timedelta(days=14)
        held = actions.schedule_meeting(secretary, forum, starts_at=at(held_day, 9), ends_at=at(held_day, 16),
                                        place="Gränsö slott, Västervik")
        item = lambda title, kind=ItemKind.INFORMATION, presenter="": actions.add_item(  # noqa: E731
            secretary, held, title=title, kind=kind, presenter=presenter)
        intro = item("Inledning", presenter="Anders Hed")
        current = item("Aktuellt från au", ItemKind.DECISION)
        nominations = item("Nya ledamöter", ItemKind.NOMINATION)
        design = item("Designstudio stöd och behandling", ItemKind.DECISION)
        addresses = item("Funktionsadresser e-post", ItemKind.DECISION)
        screening = item("Screening OPT m.fl.", ItemKind.DECISION, "Karin Moberg")
        cooperation = item("Stärkt samarbete", ItemKind.DECISION, "Lisa Falk")
        transports = item("Transporter", ItemKind.DECISION, "Fredrik Ros")
        actions.hold_meeting(secretary, held)
        for seat in forum.members.all():
            actions.set_attendance(secretary, held, seat, "absent" if seat.role == ForumRole.CO_OPTED else "present")
        actions.write_notes(secretary, intro, "Ordföranden hälsar välkommen. Två övriga punkter anmäls: transporter "
                                              "och barnhälsovårdsregistret.")
        actions.write_notes(secretary, current, "Arbete pågår med formalisering och struktur för RSG Data analys.")
        actions.record_decision(secretary, current, "RSL beslutar att Data analys och läkemedelsstrategin tas med som "
                                                    "stående punkter på RSL-agendan framöver.")
        actions.add_standing_item(secretary, forum, title="Data analys", presenter="RSG Data analys")
        actions.add_standing_item(secretary, forum, title="Läkemedelsstrategi")
        # The next meeting, with the standing items on its agenda from the start.
        ahead = actions.schedule_meeting(secretary, forum, starts_at=at(next_day, 9), ends_at=at(next_day, 15),
                                         place="Linköping", video=True)
        actions.add_nomination(secretary, nominations, nominee="Per Sandell, verksamhetschef ÖNH-kliniken",
                               body="NPO Öron-, näs- och halssjukdomar",
                               decision_text="RSL beslutar utse Per Sandell till SÖSR:s ledamot i NPO Öron-, näs- "
                                             "och halssjukdomar.")
        actions.write_notes(secretary, design, "Förslag till uppdragsbeskrivning har diskuterats i respektive region. "
                                               "Mer tid för förankring och kommunikation behövs.")
        actions.carry_item(secretary, design, ahead)
        actions.write_notes(secretary, addresses, "Frågan har behandlats i RSG juridik och hos IT-direktörerna.")
        actions.record_decision(secretary, addresses, "RSL beslutar att inte fortsätta utreda gemensam "
                                                      "funktionsadress utan använda regionernas egna adresser.")
        actions.record_decision(secretary, screening, "RSL beslutar att skapa en gemensam kanslifunktion i Region "
                                                      "Jönköpings län för OPT-processen i Sydöstra sjukvårdsregionen.")
        actions.add_assignment(secretary, screening, what="Bereda frågan om att utvidga kanslifunktionen till "
                                                          "screeningprogram och hälsovårdstjänster.",
                               assignee_organisation=regions["06"], due=self.today + timedelta(days=45))
        actions.record_decision(secretary, cooperation, "RSL beslutar fastställa justerat förslag till målformulering "
                                                        "och framgångsfaktorer och lämna det till SVN.")
        actions.add_assignment(secretary, cooperation, what="Föreslå ansvarig funktion för respektive "
                                                            "samarbetsområde.",
                               assignee_user=User.objects.get(username="rsl-ledamot-og"),
                               due=self.today - timedelta(days=5))
        actions.record_decision(secretary, transports, "RSL beslutar remittera förslaget till RPO akut vård och RPO "
                                                       "perioperativ vård, intensivvård och transplantation.")
        self.approve(held, ["rsl-ordforande", "rsl-ledamot-jkpg"])
        actions.add_item(secretary, ahead, title="Överenskommelse 2024", kind=ItemKind.DECISION)
        consultation = actions.add_item(
            secretary, ahead, title="Remiss: samverkansmodell för intensivvårdstransporter",
            kind=ItemKind.CONSULTATION, answer_by=self.today + timedelta(days=10),
            description="Förslag till allmän struktur för samverkansmodell. Varje region svarar senast sista dag.")
        actions.answer_consultation(self.actor("rsl-ledamot-jkpg"), consultation,
                                    "Region Jönköpings län tillstyrker förslaget.")

    # --- Vårdsamverkan Skåne (seed 004) -----------------------------------------------------------------------

    def skane_forums(self, skane):
        secretary = self.actor("sekreterare")
        self._secretaries = getattr(self, "_secretaries", {})
        malmo = Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY, code="1280").first()
        since = self.today - timedelta(days=500)
        central = actions.create_forum(secretary, name="Central tjänstemannaberedning, Vårdsamverkan Skåne",
                                       short_name="Central tjänstemannaberedning", owner=skane, public=True)
        network = actions.create_forum(
            secretary, name="Nätverk för samverkan vid utskrivning i Sydväst", short_name="Nätverket Sydväst",
            owner=skane, public=True,
            description="En gång i månaden, kommun och region, med fokus på samverkan vid utskrivning (SVU).")
        for forum in (central, network):
            self._secretaries[forum.pk] = secretary
            self.seat(secretary, forum, "ordforande", skane, ForumRole.CHAIR, since)
            self.seat(secretary, forum, "sekreterare", skane, ForumRole.SECRETARY, since)
            self.seat(secretary, forum, "koordinator", skane, ForumRole.MEMBER, since)
            if malmo:
                self.seat(secretary, forum, "bistand", malmo, ForumRole.MEMBER, since)
        ready = actions.create_goal(secretary, name="Medel utskrivningsklara dagar", owner=skane,
                                    owner_name="Helena Ström", forum=network, target=Decimal("2.8"),
                                    direction=Goal.Direction.LOWER, unit=Goal.Unit.DAYS,
                                    period_start=date(self.today.year, 1, 1), period_end=date(self.today.year, 12, 31),
                                    source=Goal.Source.READY_DAYS)
        video = actions.create_goal(secretary, name="Andel besök via video", owner=skane, owner_name="Helena Ström",
                                    forum=central, target=Decimal("10"), direction=Goal.Direction.HIGHER,
                                    unit=Goal.Unit.PERCENT, period_start=date(self.today.year, 1, 1),
                                    period_end=date(self.today.year + 1, 12, 31), source=Goal.Source.VIDEO_SHARE)
        for goal in (ready, video):
            actions.refresh_goal_values(secretary, goal)
        # The network's meeting last month, held and published, and next month's.
        held_day = self.today - timedelta(days=28)
        held = actions.schedule_meeting(secretary, network, starts_at=at(held_day, 13), ends_at=at(held_day, 15),
                                        place="Trelleborgs lasarett, konferensrum Sydväst")
        ahead_day = self.today + timedelta(days=3)
        ahead = actions.schedule_meeting(secretary, network, starts_at=at(ahead_day, 13), ends_at=at(ahead_day, 15),
                                         video=True)
        lage = actions.add_item(secretary, held, title="Aktuell lägesbild utskrivningsprocessen",
                                kind=ItemKind.DISCUSSION, presenter="Hugo Persson")
        sip = actions.add_item(secretary, held, title="Ny manual för SIP", kind=ItemKind.DECISION)
        actions.hold_meeting(secretary, held)
        for seat in network.members.all():
            actions.set_attendance(secretary, held, seat, "present")
        actions.write_notes(secretary, lage, "Utskrivningsklara dagar har minskat under hösten. Inskrivning i Mina "
                                             "planer sker ibland sent; fler inskrivningsmeddelanden inom ett dygn "
                                             "behövs.")
        actions.record_decision(secretary, lage, "Nätverket beslutar att följa utskrivningsklara dagar mot målet "
                                                 "2,8 dagar varje månad.")
        actions.add_assignment(secretary, lage, what="Ta fram statistik på antal inläggningar som kan undvikas.",
                               assignee_user=User.objects.get(username="koordinator"),
                               due=self.today + timedelta(days=20))
        actions.add_assignment(secretary, lage, what="Sprida minnesanteckningarna till samtliga primärvårdsenheter "
                                                     "i Sydväst.", assignee_organisation=skane,
                               due=self.today - timedelta(days=7))
        actions.write_notes(secretary, sip, "Förvaltningsgruppen för SVU tar fram en ny SIP-manual. Behov av "
                                            "utbildning i SIP.")
        actions.carry_item(secretary, sip, ahead)
        self.approve(held, ["ordforande", "koordinator"])

    # --- Region Kronoberg's steering group for Nära vård (seed 002) --------------------------------------------

    def kronoberg(self, region):
        secretary = self.actor("kronoberg-sekreterare")
        forum = actions.create_forum(secretary, name="Styrgrupp Nära vård", short_name="Styrgrupp nära vård",
                                     owner=region, public=False)
        self._secretaries[forum.pk] = secretary
        since = self.today - timedelta(days=300)
        self.seat(secretary, forum, "kronoberg-rd", region, ForumRole.CHAIR, since)
        self.seat(secretary, forum, "kronoberg-sekreterare", region, ForumRole.SECRETARY, since)
        self.seat(secretary, forum, "kronoberg-hsd", region, ForumRole.MEMBER, since)
        self.seat(secretary, forum, "kronoberg-program", region, ForumRole.MEMBER, since)
        goal = actions.create_goal(secretary, name="Andel diktat med taligenkänning", owner=region,
                                   owner_name="Petra Lund", forum=forum, target=Decimal("80"),
                                   direction=Goal.Direction.HIGHER, unit=Goal.Unit.PERCENT,
                                   period_start=date(self.today.year, 1, 1), period_end=date(self.today.year + 1, 12, 31))
        first = self.today.replace(day=1)
        values = [38, 41, 43, 47, 50, 52, 55, 57, 60, 62, 64, 67]
        for back, value in zip(range(len(values) - 1, -1, -1), values, strict=True):
            month = rules.add_months(first, -back)
            actions.enter_goal_value(secretary, goal, month=month, value=Decimal(value), source="Stratsys")
            # Per area of operations (verksamhetsområde), so the chair sees what changed where.
            for area, offset in (("VO Medicin", -6), ("VO Kirurgi", 4), ("VO Primärvård", 2 + (back == 0) * 5)):
                actions.enter_goal_value(secretary, goal, month=month, value=Decimal(value + offset - back % 2),
                                         source="Stratsys", area=area)
        held_day = self.today - timedelta(days=21)
        held = actions.schedule_meeting(secretary, forum, starts_at=at(held_day, 9), ends_at=at(held_day, 12),
                                        place="Lokal Flåren")
        effects = actions.add_item(secretary, held, title="Effekter", kind=ItemKind.DISCUSSION, presenter="Mikael Berg")
        contact = actions.add_item(secretary, held, title="Central kontaktingång", kind=ItemKind.DECISION,
                                   presenter="Mikael Berg")
        actions.hold_meeting(secretary, held)
        for seat in forum.members.all():
            actions.set_attendance(secretary, held, seat, "present")
        actions.write_notes(secretary, effects, "Dialog om effekterna utifrån vårdvalet. En rekommendation lämnas "
                                                "till politiken.")
        actions.add_assignment(secretary, effects, what="Ta fram underlag med text till tabellen: volym, tid och "
                                                        "pengar, endast för vårdvalet.",
                               assignee_user=User.objects.get(username="kronoberg-program"),
                               due=self.today + timedelta(days=30))
        actions.record_decision(secretary, contact, "Styrgrupp nära vård beslutar att breddinföra 1177 direkt för "
                                                    "hela primärvården från och med vecka 45.")
        self.approve(held, ["kronoberg-rd", "kronoberg-hsd"])
        ahead_day = self.today + timedelta(days=28)
        actions.schedule_meeting(secretary, forum, starts_at=at(ahead_day, 9), ends_at=at(ahead_day, 12),
                                 place="Lokal Flåren")


LOGINS = [
    ("sekreterare", "Forumsekreterare: Vårdsamverkan Skåne (nätverket Sydväst, central tjänstemannaberedning)"),
    ("ordforande", "Ordförande: nätverket Sydväst och central tjänstemannaberedning; målsidan"),
    ("rsl-sekreterare", "Forumsekreterare: RSL Sydöstra sjukvårdsregionen"),
    ("rsl-ordforande", "Ordförande: RSL Sydöstra sjukvårdsregionen (justerare)"),
    ("kronoberg-sekreterare", "Forumsekreterare: Styrgrupp Nära vård, Region Kronoberg"),
]

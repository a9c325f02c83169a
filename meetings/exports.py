"""A SIP version as PDF, for those who want the plan on paper."""

from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from core import writers


def sip_pdf(version, *, card):
    styles = writers.pdf_styles()
    content = version.content

    def para(value, style="Normal"):
        return writers.text(value, styles[style])

    def bullets(items):
        return writers.bullets(items or ["–"], styles["Normal"])

    story = [
        para("Samordnad individuell plan (SIP)", "Title"),
        para(f"{card.name}, {card.personal_number}"),
        para(f"Version {version.number} ({version.reason}), fastställd "
             f"{timezone.localtime(version.published_at):%Y-%m-%d}."),
        Spacer(1, 5 * mm),
        para("Mina mål", "Heading2"), para(content["person_goals"] or "–"),
        para("Insatser", "Heading2"),
        bullets([f"{e['unit']}: {e['description']}" + (f" (mål: {e['goal']})" if e["goal"] else "")
                 for e in content["efforts"]]),
        para("Huvudansvar", "Heading2"), para(content["overall_responsible"]),
        para("Deltagare", "Heading2"),
        bullets([f"{p['name']}, {p['role']}" + (f", {p['unit']}" if p["unit"] else "") for p in content["participants"]]),
        para("Uppföljning", "Heading2"), para(f"Planen följs upp senast {content['follow_up_on']}."),
    ]
    return writers.pdf_bytes(story, title="Samordnad individuell plan", margin=18 * mm)

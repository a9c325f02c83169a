"""A SIP version as PDF, for those who want the plan on paper."""

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable, Paragraph, SimpleDocTemplate, Spacer


def sip_pdf(version, *, card):
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title="Samordnad individuell plan", author="Samverkan")
    styles = getSampleStyleSheet()
    content = version.content

    def para(text, style="Normal"):
        return Paragraph(escape(text), styles[style])

    def bullets(items):
        return ListFlowable([para(item) for item in items] or [para("–")], bulletType="bullet")

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
    doc.build(story)
    return buffer.getvalue()

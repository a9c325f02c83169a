"""The follow-up page of digital care meetings: video share against the goal, SIP, conferences."""

from decimal import Decimal

from django.shortcuts import render

from core.charts import Bar, bar_chart
from core.views.decorators import staff_required
from meetings import followup

MONTHS_SV = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


def _label(first, index):
    return MONTHS_SV[first.month - 1], str(first.year) if index == 0 or first.month == 1 else ""


@staff_required
def followup_page(request):
    organisation = followup.scope(request.actor)
    firsts, total, units, goal = followup.video_share(organisation)
    bars = []
    for index, first in enumerate(firsts):
        share = total.share(first)
        label, sub = _label(first, index)
        bars.append(Bar(label=label, sublabel=sub, value=None if share is None else Decimal(str(share)),
                        text="" if share is None else f"{share:g}\u202f%".replace(".", ","), limit=Decimal(goal)))
    video_chart = bar_chart(bars, chart_id="video-share", title="Andel besök via video per månad",
                            description=f"Andel genomförda besök som hölls via video, per månad, mot målet {goal} %.",
                            y_max=max([goal * 2] + [b.value or 0 for b in bars]), limit_label=f"Mål {goal} %")
    sip = followup.sip_numbers(organisation)
    sip_chart = bar_chart([Bar(label=_label(r["month"], i)[0], sublabel=_label(r["month"], i)[1], value=r["meetings"],
                               text=str(r["meetings"])) for i, r in enumerate(sip)],
                          chart_id="sip-meetings", title="Hållna SIP-möten per månad",
                          description="Antal genomförda SIP-möten per månad.")
    conferences = followup.conference_throughput(organisation)
    return render(request, "meetings/followup.html", {
        "organisation": organisation, "firsts": firsts, "recent": firsts[-3:], "total": total, "units": units,
        "goal": goal, "video_chart": video_chart, "sip": sip, "sip_chart": sip_chart, "conferences": conferences,
    })

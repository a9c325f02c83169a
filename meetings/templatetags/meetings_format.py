from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def share_cell(row, first, goal):
    """'8,3 % (12/145)', marked when under the goal; '–' for a month without held visits."""
    video, held = row.by_month.get(first, (0, 0))
    if not held:
        return "–"
    share = round(100 * video / held, 1)
    text = f"{share:g}\u202f%".replace(".", ",")
    if share < goal:
        return format_html('<span class="under-goal">{}</span> <span class="muted">({}/{})</span>', text, video, held)
    return format_html("{} <span class=\"muted\">({}/{})</span>", text, video, held)

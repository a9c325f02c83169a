"""`{% mainnav %}`: the main menu of every page (templates/_mainnav.html), rendered once per process
for each combination of what decides it, then kept.

    {% load menu %}
    {% mainnav %}

The menu is the same for everyone with the same answers to a few questions: resident or staff,
which page is open (its URL name and application), whether it is under /administration/, and the
actor's permissions that add entries. It shows no name, no unit and no patient: those stand beside
it in _topbar.html, rendered for each request. Its ~40 conditions and look-ups cost a staff page
~0.2 ms of CPU on every request (issue 14, seventh round); kept, a page pays for working out the key.
The permissions are asked of the apps' permission modules, as the `may` filter asks them.
"""

from types import SimpleNamespace

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf

from core.templatetags.may import may

register = template.Library()
_kept = {}
KEEP_AT_MOST = 2000  # combinations: a few per page name in practice; a bound in case


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting in ("ROOT_URLCONF", "TEMPLATES"):  # tests that change what the menu is made from
        _kept.clear()


@register.simple_tag(takes_context=True)
def mainnav(context):
    values = menu_values(context.get("actor"), context.request)
    key = (*values.values(), _current_app(context.request), get_script_prefix(), get_urlconf())
    html = _kept.get(key)
    if html is None:
        here = SimpleNamespace(url_name=values["url_name"], app_name=values["app_name"]) if values["matched"] else None
        html = context.template.engine.get_template("_mainnav.html").render(context.new(values | {"here": here}))
        if len(_kept) >= KEEP_AT_MOST:
            _kept.clear()
        _kept[key] = html
    return html


def menu_values(actor, request):
    """Everything _mainnav.html reads but `here`, the request's resolver match with only the two
    names the menu compares (None where no URL matched, as on an error page): plain values, the key
    of the kept menus. A resident's menu asks no staff permission."""
    match = getattr(request, "resolver_match", None)
    resident = bool(actor is not None and actor.is_resident)
    unit = actor.unit if actor is not None and not resident else None
    staff = unit is not None
    return {
        "resident": resident,
        "staff": staff,
        "matched": match is not None,
        "url_name": match.url_name if match is not None else None,
        "app_name": match.app_name if match is not None else None,
        "in_administration": request.path.startswith("/administration/"),
        "may_read_basis": staff and may(actor, "discharge.read_basis"),
        "may_read_discharge_followup": staff and may(actor, "discharge.read_followup"),
        "may_read_meetings_followup": staff and may(actor, "meetings.read_followup"),
        "organisation_kind": unit.organisation.kind if staff else None,
        "is_admin": staff and bool(actor.is_admin),
    }


def _current_app(request):
    """The application namespace `{% path %}` reverses in (as `{% url %}` takes it)."""
    try:
        return request.current_app
    except AttributeError:
        match = getattr(request, "resolver_match", None)
        return match.namespace if match is not None else None

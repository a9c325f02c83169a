"""`actor|may:"app.check"`: a page asks an app's permissions module what the actor may do.

    {% load may %}
    {% if actor|may:"discharge.read_basis" %}…{% endif %}

calls `discharge.permissions.may_read_basis(actor)`: the same check the action enforces, so a page
offers only what the action would accept, and no template spells out role names. Resolved by name
when a page first renders it (then kept for the process), so core's templates name an app's checks
without core importing the app.
"""

import functools


from django import template
from django.apps import apps
from django.utils.module_loading import import_string

register = template.Library()


@register.filter
def may(actor, check):
    permission = _permission(check)
    if actor is None:
        return False
    return bool(permission(actor))


@functools.cache
def _permission(check):
    app, _, name = check.partition(".")
    if not name or not apps.is_installed(app):
        raise template.TemplateSyntaxError(f'may takes "app.check" of an installed app, not {check!r}')
    return import_string(f"{app}.permissions.may_{name}")

"""`{% path "app:name" %}`: Django's `{% url "app:name" %}` for a URL that takes no arguments,
reversed once per process instead of on every page.

    {% load paths %}
    <a href="{% path 'core:home' %}">Start</a>

The menu of every page names ~14 such URLs; reversing each costs Django a dozen calls (the resolver's
dictionaries per language, the script prefix, quoting), a tenth of a light page's CPU (issue 14). The
result is what `{% url %}` writes, escaped as it escapes, and depends only on what is in the key: the
name, the request's application namespace (`current_app`, as `{% url %}` passes it), the script prefix
and the URL configuration, the last two of which Django keeps per thread. A name that does not reverse
raises NoReverseMatch, as `{% url %}` does. A changed ROOT_URLCONF (tests) forgets what was kept."""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()
_kept = {}


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _kept.clear()


class PathNode(template.Node):
    child_nodelists = ()

    def __init__(self, name):
        self.name = name

    def render(self, context):
        try:  # as {% url %} finds it
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        key = (self.name, current_app, get_script_prefix(), get_urlconf(), context.autoescape)
        path = _kept.get(key)
        if path is None:
            path = reverse(self.name, current_app=current_app)
            _kept[key] = path = conditional_escape(path) if context.autoescape else path
        return path


@register.tag
def path(parser, token):
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "'\"" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one quoted URL name without arguments, as 'core:home'")
    return PathNode(bits[1][1:-1])

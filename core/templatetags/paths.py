"""`{% path "app:name" %}`: Django's `{% url "app:name" %}` for a URL that takes no arguments,
reversed once per process instead of on every page; `{% asset "css/x.css" %}`: Django's `{% static %}`
of a file named in the template, found once per process.

    {% load paths %}
    <a href="{% path 'core:home' %}">Start</a>
    <link rel="stylesheet" href="{% asset 'css/samverkan.css' %}">

The menu of every page names ~14 such URLs; reversing each costs Django a dozen calls (the resolver's
dictionaries per language, the script prefix, quoting), a tenth of a light page's CPU (issue 14). The
result is what `{% url %}` writes, escaped as it escapes, and depends only on what is in the key: the
name, the request's application namespace (`current_app`, as `{% url %}` passes it), the script prefix
and the URL configuration, the last two of which Django keeps per thread. A name that does not reverse
raises NoReverseMatch, as `{% url %}` does. A static file's address is the static files storage's (in
production the hashed name from its manifest, read once when the process starts). A changed
ROOT_URLCONF, STORAGES or STATIC_URL (tests) forgets what was kept."""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.templatetags.static import StaticNode
from django.utils.html import conditional_escape

register = template.Library()
_kept = {}


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting in ("ROOT_URLCONF", "STORAGES", "STATIC_URL", "STATIC_ROOT"):
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


def _quoted(token):
    bits = token.split_contents()
    if len(bits) != 2 or len(bits[1]) < 2 or bits[1][0] not in "'\"" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one quoted name, as {bits[0]} 'core:home'")
    return bits[1][1:-1]


@register.tag
def path(parser, token):
    return PathNode(_quoted(token))


class AssetNode(template.Node):
    child_nodelists = ()

    def __init__(self, name):
        self.name = name

    def render(self, context):
        key = ("static", self.name, context.autoescape)
        url = _kept.get(key)
        if url is None:
            url = StaticNode.handle_simple(self.name)
            _kept[key] = url = conditional_escape(url) if context.autoescape else url
        return url


@register.tag
def asset(parser, token):
    return AssetNode(_quoted(token))

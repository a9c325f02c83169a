"""The rows of a long list rendered by Jinja2; the page around them stays a Django template.

Why two engines: on the busiest pages (the worklist, the invoice basis, the calendar) the rows are
most of the template's cost, and Django's engine spends ~25 µs on a row of ten cells where Jinja2
spends ~4 (50 worklist rows: 1.35 ms against 0.21 ms, measured 2026-11-30). Only rows go here:
a row template gets values already formatted for display (a row dataclass from the app's queries)
and no tags, forms or URLs of its own, so it reads like the Django template it replaces.

A row template lives in `<app>/jinja2/<app>/<name>.html`, escapes every printed value (`escape_as_django`), and
refuses a name it does not know (StrictUndefined), so a misspelt field fails the page's tests
instead of rendering blank.
"""

import html

import jinja2
from django.template import engines
from django.utils.safestring import SafeString, mark_safe


def environment(**options):
    options["undefined"] = jinja2.StrictUndefined
    # Every printed value escaped, by Django's rule, so a row's bytes are the Django template's:
    # markupsafe writes ' and " as &#39; and &#34;, Django as &#x27; and &quot;. The escaping is
    # `finalize`'s, which Jinja2 applies to every `{{ }}`; its own autoescape is off because on top of
    # `finalize` it only wrapped each value in Markup twice (~700 calls on a worklist page).
    options["autoescape"] = False
    options["finalize"] = escape_as_django
    return jinja2.Environment(**options)


def escape_as_django(value):
    """Django's `conditional_escape` as text, in two calls instead of ~nine (its lazy-string wrappers
    and SafeString): ~400 values on a worklist page (issue 14, sixth round). A value marked safe
    (Django's SafeString, markupsafe's Markup) passes as it is; Django's `escape` of any other is
    `html.escape(str(value))`."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def rows_html(template_name: str, rows, **context) -> SafeString:
    """The rows' HTML, for `{{ rows_html }}` in the page's Django template."""
    template = engines["rows"].get_template(template_name).template
    return mark_safe(template.render(rows=rows, **context))

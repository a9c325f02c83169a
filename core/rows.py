"""The rows of a long list rendered by Jinja2; the page around them stays a Django template.

Why two engines: on the busiest pages (the worklist, the invoice basis, the calendar) the rows are
most of the template's cost, and Django's engine spends ~25 µs on a row of ten cells where Jinja2
spends ~4 (50 worklist rows: 1.35 ms against 0.21 ms, measured 2026-11-30). Only rows go here:
a row template gets values already formatted for display (a row dataclass from the app's queries)
and no tags, forms or URLs of its own, so it reads like the Django template it replaces.

A row template lives in `<app>/jinja2/<app>/<name>.html`, escapes everything it prints
(`escaped_as_django`), and refuses a name it does not know (StrictUndefined), so a misspelt field
fails the page's tests instead of rendering blank.
"""

import html

import jinja2
from django.template import engines
from django.utils.safestring import SafeString, mark_safe


def environment(**options):
    options["undefined"] = jinja2.StrictUndefined
    # Every printed value is escaped by `escaped_as_django`, Jinja2's `finalize`, which sees each
    # `{{ … }}`'s value before it is written: Jinja2's own autoescape would escape it a second time
    # (markupsafe's escape and a Markup per value, a quarter of the basis rows' cost).
    options["autoescape"] = False
    options["finalize"] = escaped_as_django
    return jinja2.Environment(**options)


def escaped_as_django(value):
    """A printed value escaped by Django's rule (`django.utils.html.escape` is `html.escape` of the
    value's text), so a row's bytes are the Django template's: markupsafe writes ' and " as &#39;
    and &#34;, Django as &#x27; and &quot;. A value already marked safe (Django's SafeString,
    markupsafe's Markup) passes as it is."""
    if value.__class__ is not str:
        if hasattr(value, "__html__"):
            return value.__html__()
        value = str(value)
    return html.escape(value)


def rows_html(template_name: str, rows, **context) -> SafeString:
    """The rows' HTML, for `{{ rows_html }}` in the page's Django template."""
    template = engines["rows"].get_template(template_name).template
    return mark_safe(template.render(rows=rows, **context))

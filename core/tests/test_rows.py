"""The row engine (core/rows.py) escapes what users wrote and refuses names it does not know."""

import jinja2
import pytest
from django.template import engines


def test_a_row_escapes_text_a_user_wrote():
    template = engines["rows"].from_string("<td>{{ row.name }}</td>")
    html = template.template.render(row={"name": '<script>alert("x")</script> & Co O\'Brien'})
    # Django's escaping, byte for byte (markupsafe's own would write &#34; and &#39;).
    assert html == "<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co O&#x27;Brien</td>"


def test_a_misspelt_field_fails_instead_of_rendering_blank():
    template = engines["rows"].from_string("<td>{{ row.nmae }}</td>")
    with pytest.raises(jinja2.UndefinedError):
        template.template.render(row={"name": "Anna"})



def test_a_value_marked_safe_by_django_is_printed_as_it_is():
    from django.utils.safestring import mark_safe

    template = engines["rows"].from_string("<td>{{ row.lines }}</td>")
    assert template.template.render(row={"lines": mark_safe("a<br>b")}) == "<td>a<br>b</td>"


def test_every_kind_of_value_is_printed_as_djangos_conditional_escape_prints_it():
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy
    from markupsafe import Markup

    from core.rows import escape_as_django

    values = ["", "Anna", "<b>&'\"</b>", "Åsa – Öst", 0, 7, 2.5, None, True, False,
              gettext_lazy("Saknas <&>"), mark_safe("a<br>b"), Markup("<i>x</i>"), ["<x>"]]
    for value in values:
        assert escape_as_django(value) == conditional_escape(value), value
        template = engines["rows"].from_string("{{ v }}")
        assert template.template.render(v=value) == str(conditional_escape(value)), value


def test_row_templates_print_only_through_the_engines_escaping():
    # The engine escapes in `finalize` with Jinja2's autoescape off, so a row template must not mark
    # text safe or build HTML in a macro (a macro's output would be escaped twice, or `|safe` not at all).
    from pathlib import Path

    from django.conf import settings

    found = [path for path in Path(settings.BASE_DIR).glob("*/jinja2/**/*.html")
             if any(word in path.read_text() for word in ("|safe", "| safe", "{% macro", "{% autoescape", "markup"))]
    assert found == []
    assert len(list(Path(settings.BASE_DIR).glob("*/jinja2/**/*.html"))) >= 6


def test_a_value_in_an_attribute_and_a_condition_is_escaped_too():
    template = engines["rows"].from_string('<span title="{{ row.reason if row.show else "" }}">{{ row.n + 1 }}</span>')
    html = template.template.render(row={"reason": 'a "b" <c>', "show": True, "n": 1})
    assert html == '<span title="a &quot;b&quot; &lt;c&gt;">2</span>'

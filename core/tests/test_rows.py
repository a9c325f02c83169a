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


@pytest.mark.parametrize("value", [
    "Anna", "O'Brien", 'Seán "Bob" O\'Brien & <Co>', "&#39; &#34; &amp; written out", "&#3", "", 0, 1_013, 2.5,
    None, True, "–", "ärende\nrad två",
])
def test_every_value_is_escaped_to_the_bytes_of_djangos_conditional_escape(value):
    from django.utils.html import conditional_escape

    template = engines["rows"].from_string("{{ value }}")
    assert template.template.render(value=value) == str(conditional_escape(value))


def test_a_value_in_an_attribute_and_a_condition_is_escaped_too():
    template = engines["rows"].from_string('<span title="{{ row.reason if row.show else "" }}">{{ row.n + 1 }}</span>')
    html = template.template.render(row={"reason": 'a "b" <c>', "show": True, "n": 1})
    assert html == '<span title="a &quot;b&quot; &lt;c&gt;">2</span>'

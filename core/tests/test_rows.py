"""The row engine (core/rows.py) escapes what users wrote and refuses names it does not know."""

import jinja2
import pytest
from django.template import engines


def test_a_row_escapes_text_a_user_wrote():
    template = engines["rows"].from_string("<td>{{ row.name }}</td>")
    html = template.template.render(row={"name": '<script>alert("x")</script> & Co'})
    assert html == "<td>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co</td>"


def test_a_misspelt_field_fails_instead_of_rendering_blank():
    template = engines["rows"].from_string("<td>{{ row.nmae }}</td>")
    with pytest.raises(jinja2.UndefinedError):
        template.template.render(row={"name": "Anna"})


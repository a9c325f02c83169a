"""The shared list markup: a table when there are rows, the empty state otherwise."""

from django.template import Context, Template

TEMPLATE = Template(
    "{% load listing %}{% listtable rows testid='things' empty_testid='no-things' %}"
    "<tbody>{% for r in rows %}<tr><td>{{ r }}</td></tr>{% empty %}never{% endfor %}</tbody>"
    "{% empty %}Inga saker för {{ who }}.{% endlisttable %}"
)


def test_a_list_with_rows_is_a_scrollable_table_without_the_empty_text():
    html = TEMPLATE.render(Context({"rows": ["<b>ett</b>"], "who": "dig"}))
    assert '<div class="table-wrap">' in html
    assert '<table class="list" data-testid="things">' in html
    assert "<td>&lt;b&gt;ett&lt;/b&gt;</td>" in html
    assert "Inga saker" not in html


def test_an_empty_list_shows_only_the_empty_text():
    html = TEMPLATE.render(Context({"rows": [], "who": "<dig>"}))
    assert '<div class="empty" data-testid="no-things">Inga saker för &lt;dig&gt;.</div>' in html
    assert "<table" not in html


def test_a_table_can_carry_classes_of_its_own():
    html = Template("{% load listing %}{% listtable rows classes='cards' %}<tbody></tbody>{% endlisttable %}").render(
        Context({"rows": [1]}))
    assert '<table class="list cards">' in html

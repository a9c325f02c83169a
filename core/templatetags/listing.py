"""`{% listtable %}`: a list as a table, or its empty state, in the markup of `core/_listtable.html`.

    {% load listing %}
    {% listtable rows testid="tokens" empty_testid="tokens-empty" %}
      <thead>…</thead><tbody>{% for row in rows %}…{% endfor %}</tbody>
    {% empty %}Inga nycklar ännu.
    {% endlisttable %}

The body (thead and tbody) is rendered only when `rows` has items; otherwise the text after
`{% empty %}` is shown. `classes` adds classes to the table's own `list` (for example a layout
that stacks the rows as cards on a phone). The wrapper that lets a wide table scroll on a phone,
the table's class and the empty state's look live in the one include, so a change to them is
made once.
"""

from django import template
from django.template.loader import render_to_string

register = template.Library()

_OPTIONS = {"testid", "empty_testid", "classes"}


class ListTableNode(template.Node):
    def __init__(self, items, options, nodelist, nodelist_empty):
        self.items = items
        self.options = options
        self.nodelist = nodelist
        self.nodelist_empty = nodelist_empty

    def render(self, context):
        items = self.items.resolve(context)
        options = {name: value.resolve(context) for name, value in self.options.items()}
        if items:
            content = {"has_items": True, "body": self.nodelist.render(context)}
        else:
            content = {"has_items": False, "empty": self.nodelist_empty.render(context).strip()}
        return render_to_string("core/_listtable.html", {**content, **options})


@register.tag
def listtable(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("listtable needs the list: {% listtable rows %}")
    items = parser.compile_filter(bits[1])
    options = {}
    for bit in bits[2:]:
        name, sep, value = bit.partition("=")
        if not sep or name not in _OPTIONS:
            raise template.TemplateSyntaxError(f"listtable takes {', '.join(sorted(_OPTIONS))}, not {bit!r}")
        options[name] = parser.compile_filter(value)
    nodelist = parser.parse(("empty", "endlisttable"))
    nodelist_empty = template.NodeList()
    if parser.next_token().contents == "empty":
        nodelist_empty = parser.parse(("endlisttable",))
        parser.delete_first_token()
    return ListTableNode(items, options, nodelist, nodelist_empty)

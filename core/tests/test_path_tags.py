"""`{% path %}` and `{% asset %}` (core/templatetags/paths.py) keep what they find for the process; they
must write exactly what Django's `{% url %}` and `{% static %}` write, under any script prefix, and
refuse what they do not take."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import NoReverseMatch, get_script_prefix, set_script_prefix

NAMES = ["core:home", "core:portal", "core:portal_access_log", "contact:portal_list", "meetings:calendar",
         "discharge:worklists", "discharge:basis", "forums:index", "core:logout"]


def both(tags):
    return Template("{% load paths static %}" + tags).render(Context())


@pytest.mark.parametrize("name", NAMES)
def test_path_writes_what_url_writes(name):
    assert both(f"{{% path '{name}' %}}|{{% path '{name}' %}}|{{% url '{name}' %}}").split("|") == [
        both(f"{{% url '{name}' %}}")] * 3


def test_path_follows_the_script_prefix():
    before = get_script_prefix()
    try:
        assert both("{% path 'core:home' %}") == "/"
        set_script_prefix("/samverkan/")
        assert both("{% path 'core:home' %}|{% url 'core:home' %}") == "/samverkan/|/samverkan/"
    finally:
        set_script_prefix(before)
    assert both("{% path 'core:home' %}") == "/"


def test_path_refuses_what_url_would_not_reverse():
    with pytest.raises(NoReverseMatch):
        both("{% path 'core:no_such_page' %}")
    with pytest.raises(NoReverseMatch):  # a URL that needs arguments
        both("{% path 'core:patient_detail' %}")
    for tag in ("{% path core:home %}", "{% path 'core:home' 1 %}", "{% path %}"):
        with pytest.raises(TemplateSyntaxError):
            both(tag)


@pytest.mark.parametrize("name", ["favicon.svg", "css/samverkan.css", "vendor/htmx-2.0.11.min.js", "a b&c.css"])
def test_asset_writes_what_static_writes(name):
    assert both(f"{{% asset '{name}' %}}|{{% asset '{name}' %}}") == "|".join([both(f"{{% static '{name}' %}}")] * 2)
    assert both(f"{{% autoescape off %}}{{% asset '{name}' %}}{{% endautoescape %}}") == Template(
        f"{{% load static %}}{{% autoescape off %}}{{% static '{name}' %}}{{% endautoescape %}}").render(Context())

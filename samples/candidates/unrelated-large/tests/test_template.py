import pytest

from quarry.template import Environment, TemplateError, TemplateSyntaxError


@pytest.fixture
def env():
    return Environment()


def render(env, source, **ctx):
    return env.from_string(source).render(**ctx)


def test_autoescape_and_safe(env):
    assert render(env, "{{ x }}|{{ x | safe }}", x="<b>") == "&lt;b&gt;|<b>"


def test_operator_precedence(env):
    assert render(env, "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }}") == "7 9 3"


def test_boolean_logic_and_membership(env):
    source = "{{ 'y' if a and not b or 'x' in items else 'n' }}"
    assert render(env, source, a=True, b=True, items=["x"]) == "y"
    assert render(env, source, a=True, b=True, items=[]) == "n"


def test_for_loop_with_else_and_loop_helper(env):
    source = "{% for n in items %}{{ loop.index }}{{ n }}{% if not loop.last %},{% endif %}{% else %}none{% endfor %}"
    assert render(env, source, items=["a", "b"]) == "1a,2b"
    assert render(env, source, items=[]) == "none"


def test_dict_iteration_unpacks(env):
    assert render(env, "{% for k, v in d %}{{ k }}={{ v }};{% endfor %}", d={"a": 1}) == "a=1;"


def test_undefined_is_lenient_by_default(env):
    assert render(env, "[{{ page.missing.deeper }}]", page={}) == "[]"


def test_strict_mode_raises_on_undefined():
    strict = Environment(strict=True)
    with pytest.raises(TemplateError, match="undefined"):
        strict.from_string("{{ nope }}").render()


def test_private_attributes_are_hidden(env):
    class Thing:
        _secret = "s"

    assert render(env, "{{ t._secret }}", t=Thing()) == ""


def test_inheritance_and_include(env):
    env.add_source("base.html", "<h1>{% block title %}Default{% endblock %}</h1>{% include 'f.html' %}")
    env.add_source("f.html", "<footer>{{ year }}</footer>")
    child = "{% extends 'base.html' %}{% block title %}{{ name | upper }}{% endblock %}"
    assert render(env, child, name="hi", year=2024) == "<h1>HI</h1><footer>2024</footer>"


def test_whitespace_trimming(env):
    assert render(env, "a  {%- if true -%}  b  {%- endif -%}  c") == "abc"


@pytest.mark.parametrize("source", ["{% if x %}", "{{ 1 + }}", "{% frob %}", "{% for in x %}{% endfor %}"])
def test_syntax_errors(env, source):
    with pytest.raises(TemplateSyntaxError):
        env.from_string(source)


def test_unknown_filter(env):
    with pytest.raises(TemplateError, match="unknown filter"):
        render(env, "{{ 1 | nosuch }}")

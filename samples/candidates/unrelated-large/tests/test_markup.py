from quarry.markup import render, slugify


def test_headings_get_unique_anchors():
    result = render("# Intro\n\n## Setup\n\n## Setup\n")
    assert [h.anchor for h in result.headings] == ["intro", "setup", "setup-1"]
    assert result.title == "Intro"
    assert '<h2 id="setup-1">Setup</h2>' in result.html


def test_inline_code_is_not_formatted():
    html = render("Use `*args` and **kwargs**").html
    assert "<code>*args</code>" in html
    assert "<strong>kwargs</strong>" in html


def test_html_in_text_is_escaped():
    assert "&lt;script&gt;" in render("<script>alert(1)</script>").html


def test_fenced_code_keeps_language_and_escapes():
    html = render("```js\nif (a < b) {}\n```").html
    assert html == '<pre><code class="language-js">if (a &lt; b) {}</code></pre>'


def test_nested_list():
    html = render("- a\n  - b\n- c\n").html
    assert html.count("<ul>") == 2
    assert "<li>a\n<ul>\n<li>b</li>\n</ul></li>" in html


def test_ordered_list_start():
    assert '<ol start="3">' in render("3. three\n4. four").html


def test_table_alignment():
    html = render("| x | y |\n|:-:|--:|\n| 1 | 2 |").html
    assert '<th style="text-align:center">x</th>' in html
    assert '<td style="text-align:right">2</td>' in html


def test_link_resolver_rewrites_targets():
    html = render("[docs](guide.md)", link_resolver=lambda u: "/guide/").html
    assert '<a href="/guide/">docs</a>' in html


def test_blockquote_lazy_continuation():
    html = render("> first\nsecond\n\npara").html
    assert html.startswith("<blockquote>\n<p>first\nsecond</p>\n</blockquote>")


def test_slugify():
    assert slugify("Hello, World!") == "hello-world"
    assert slugify("<code>x</code> &amp; y") == "x-y"
    assert slugify("???") == "section"

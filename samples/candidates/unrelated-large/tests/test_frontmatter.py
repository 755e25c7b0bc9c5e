import datetime as dt

import pytest

from quarry.frontmatter import FrontMatterError, split_front_matter


def test_no_front_matter():
    meta, body, line = split_front_matter("# Title\n")
    assert meta == {} and body == "# Title\n" and line == 1


def test_scalars_lists_and_dotted_keys():
    text = (
        "---\n"
        "title: \"Hello: world\"\n"
        "date: 2024-02-29\n"
        "draft: no\n"
        "weight: 10\n"
        "tags: [a, \"b, c\"]\n"
        "og.image: /cover.png\n"
        "aliases:\n"
        "  - /old/\n"
        "  - /older/\n"
        "---\n"
        "body\n"
    )
    meta, body, line = split_front_matter(text)
    assert meta["title"] == "Hello: world"
    assert meta["date"] == dt.date(2024, 2, 29)
    assert meta["draft"] is False
    assert meta["weight"] == 10
    assert meta["tags"] == ["a", "b, c"]
    assert meta["og"] == {"image": "/cover.png"}
    assert meta["aliases"] == ["/old/", "/older/"]
    assert body == "body\n" and line == 12


def test_unterminated_block():
    with pytest.raises(FrontMatterError, match="unterminated"):
        split_front_matter("---\ntitle: x\n")


def test_garbage_line_reports_line_number():
    with pytest.raises(FrontMatterError) as info:
        split_front_matter("---\ntitle: x\nnot valid\n---\n")
    assert info.value.line == 3

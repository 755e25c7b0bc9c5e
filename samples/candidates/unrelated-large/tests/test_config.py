import pytest

from quarry.config import ConfigError, load_config


def test_defaults_without_file(tmp_path):
    config = load_config(tmp_path, environ={})
    assert config.site.title == "Untitled site"
    assert config.output_path == (tmp_path / "public").resolve()


def test_environment_overrides_file(tmp_path):
    (tmp_path / "quarry.toml").write_text("[serve]\nport = 9000\n")
    config = load_config(tmp_path, environ={"QUARRY_SERVE_PORT": "9100",
                                            "QUARRY_BUILD_DRAFTS": "yes"})
    assert config.serve.port == 9100
    assert config.build.drafts is True


def test_unknown_key_suggests_spelling(tmp_path):
    (tmp_path / "quarry.toml").write_text("[site]\nbaseurl = '/x'\n")
    with pytest.raises(ConfigError, match="did you mean 'base_url'"):
        load_config(tmp_path, environ={})


def test_base_url_gets_trailing_slash(tmp_path):
    (tmp_path / "quarry.json").write_text('{"site": {"base_url": "https://example.org/docs"}}')
    assert load_config(tmp_path, environ={}).site.base_url == "https://example.org/docs/"


def test_invalid_port(tmp_path):
    with pytest.raises(ConfigError, match="port"):
        load_config(tmp_path, environ={"QUARRY_SERVE_PORT": "70000"})


def test_config_found_in_parent(tmp_path):
    (tmp_path / "quarry.toml").write_text('[site]\ntitle = "Parent"\n')
    nested = tmp_path / "content" / "blog"
    nested.mkdir(parents=True)
    config = load_config(nested, environ={})
    assert config.site.title == "Parent" and config.root == tmp_path

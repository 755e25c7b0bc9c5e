"""Site configuration.

Configuration is read from ``quarry.toml`` in the project root (``quarry.json``
is accepted for environments without :mod:`tomllib`). Every setting has a
default, so an empty file is a valid configuration. Individual values can be
overridden from the environment with ``QUARRY_<SECTION>_<KEY>`` variables,
which is convenient in CI (``QUARRY_SITE_BASE_URL=https://preview.example``).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - exercised on 3.9/3.10 only
    tomllib = None  # type: ignore[assignment]

__all__ = ["BuildConfig", "ConfigError", "ServeConfig", "SiteConfig", "Config", "load_config"]

CONFIG_FILENAMES = ("quarry.toml", "quarry.json")


class ConfigError(Exception):
    """Raised for unreadable or invalid configuration."""


@dataclass
class SiteConfig:
    title: str = "Untitled site"
    base_url: str = "/"
    language: str = "en"
    author: str = ""
    description: str = ""


@dataclass
class BuildConfig:
    content_dir: str = "content"
    template_dir: str = "templates"
    static_dir: str = "static"
    output_dir: str = "public"
    default_template: str = "page.html"
    pretty_urls: bool = True
    drafts: bool = False
    search_index: bool = True
    ignore: list[str] = field(default_factory=lambda: [".*", "_*", "*~"])


@dataclass
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    live_reload: bool = True
    poll_interval: float = 0.5


@dataclass
class Config:
    root: Path
    site: SiteConfig = field(default_factory=SiteConfig)
    build: BuildConfig = field(default_factory=BuildConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    extra: dict[str, Any] = field(default_factory=dict)
    source_file: Path | None = None

    def path(self, name: str) -> Path:
        """Resolve one of the ``build`` directories against the project root."""
        return (self.root / getattr(self.build, name)).resolve()

    @property
    def content_path(self) -> Path:
        return self.path("content_dir")

    @property
    def template_path(self) -> Path:
        return self.path("template_dir")

    @property
    def static_path(self) -> Path:
        return self.path("static_dir")

    @property
    def output_path(self) -> Path:
        return self.path("output_dir")

    def fingerprint(self) -> str:
        """A stable string describing everything that affects rendered output.

        The build cache invalidates all pages when this changes. Serve settings
        are excluded because they never change the generated files.
        """
        data = {"site": asdict(self.site), "build": asdict(self.build), "extra": self.extra}
        return json.dumps(data, sort_keys=True, default=str)


_SECTIONS = {"site": SiteConfig, "build": BuildConfig, "serve": ServeConfig}


def _coerce(value: Any, target_type: Any, where: str) -> Any:
    """Convert ``value`` to the declared field type, with helpful errors."""
    type_name = target_type if isinstance(target_type, str) else getattr(target_type, "__name__", "")
    try:
        if type_name == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on"):
                return True
            if isinstance(value, str) and value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"not a boolean: {value!r}")
        if type_name == "int":
            return int(value)
        if type_name == "float":
            return float(value)
        if type_name.startswith("list"):
            if isinstance(value, str):
                return [part.strip() for part in value.split(",") if part.strip()]
            return list(value)
        if type_name == "str":
            return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return value


def _build_section(name: str, data: Mapping[str, Any]) -> Any:
    cls = _SECTIONS[name]
    known = {f.name: f for f in fields(cls)}
    kwargs = {}
    for key, value in data.items():
        if key not in known:
            suggestion = next((k for k in known if k.replace("_", "") == key.replace("_", "")), None)
            hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
            raise ConfigError(f"unknown setting [{name}].{key}{hint}")
        kwargs[key] = _coerce(value, known[key].type, f"[{name}].{key}")
    return cls(**kwargs)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    if path.suffix == ".toml":
        if tomllib is None:
            raise ConfigError("quarry.toml needs Python 3.11+; use quarry.json instead")
        try:
            return tomllib.loads(raw.decode("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path.name}: {exc}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path.name}: line {exc.lineno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: top level must be an object")
    return data


def _apply_env(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    for key, value in environ.items():
        if not key.startswith("QUARRY_"):
            continue
        rest = key[len("QUARRY_"):].lower()
        section, _, setting = rest.partition("_")
        if section in _SECTIONS and setting:
            data.setdefault(section, {})[setting] = value


def find_config(start: Path) -> Path | None:
    """Look for a config file in ``start`` and its parents."""
    for directory in (start, *start.parents):
        for name in CONFIG_FILENAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


def load_config(root: str | Path | None = None, *, environ: Mapping[str, str] | None = None,
                overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Config:
    """Load configuration for the project at ``root`` (default: cwd).

    Precedence, lowest to highest: defaults, config file, environment,
    ``overrides`` (used by CLI flags such as ``--port``).
    """
    start = Path(root or os.getcwd()).resolve()
    source = find_config(start)
    data: dict[str, Any] = _read_file(source) if source else {}
    project_root = source.parent if source else start

    _apply_env(data, os.environ if environ is None else environ)
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update({k: v for k, v in values.items() if v is not None})

    unknown = set(data) - set(_SECTIONS) - {"extra"}
    if unknown:
        raise ConfigError(f"unknown section(s): {', '.join(sorted(unknown))}")
    extra = data.get("extra", {})
    if not isinstance(extra, dict):
        raise ConfigError("[extra] must be a table")

    config = Config(
        root=project_root,
        site=_build_section("site", data.get("site", {})),
        build=_build_section("build", data.get("build", {})),
        serve=_build_section("serve", data.get("serve", {})),
        extra=extra,
        source_file=source,
    )
    if not config.site.base_url.endswith("/"):
        config.site.base_url += "/"
    if not 0 < config.serve.port < 65536:
        raise ConfigError(f"[serve].port out of range: {config.serve.port}")
    if config.output_path == config.content_path:
        raise ConfigError("output_dir and content_dir must differ")
    return config

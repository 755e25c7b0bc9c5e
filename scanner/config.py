"""Settings from a config file: ``leaktrace.toml``, or ``[tool.leaktrace]`` in pyproject.toml.

    # leaktrace.toml                      # pyproject.toml
    [thresholds]                          [tool.leaktrace.thresholds]
    derivative_tokens = 300               derivative_tokens = 300
    [limits]                              [tool.leaktrace.limits]
    max_read_bytes = 536870912            max_depth = 4
    [guard]                               [tool.leaktrace.guard]
    embedded_sources = "warn"             private_paths = "fail"

Without ``--config``, the current folder's ``leaktrace.toml`` is read, else its pyproject.toml's
``[tool.leaktrace]`` table, else nothing. Values are translated into ``Thresholds`` here and
nowhere else; each remembers the file it came from.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import ConfigError
from scanner.sources.base import Limits

if TYPE_CHECKING:  # thresholds: imported where used (9 million instructions of start-up)
    from scanner.guard import GuardPolicy
    from scanner.thresholds import Thresholds

CONFIG_NAME = "leaktrace.toml"
_SECTIONS = {"thresholds", "limits", "guard"}


def find_config(folder: Path) -> Path | None:
    """The config file that applies in ``folder``, if any."""
    own = folder / CONFIG_NAME
    if own.is_file():
        return own
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file() and "leaktrace" in _read(pyproject).get("tool", {}):
        return pyproject
    return None


def _read(path: Path) -> dict[str, Any]:
    import tomllib  # here: 11 million instructions (3 to 4 ms) before a command's first file,
    # for a configuration file there mostly is not

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"not valid TOML ({exc})") from exc


def _section(path: Path) -> dict[str, Any]:
    data = _read(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("leaktrace", {})
    for key in data:
        if key not in _SECTIONS:
            raise ConfigError(f"{path}: {_table_name(path, key)}",
                              f"unknown section (known: {', '.join(_SECTIONS)})")  # fmt: skip
    return data


def _table_name(path: Path, name: str) -> str:
    """A table as its file names it: ``tool.leaktrace.guard`` in pyproject.toml."""
    return f"tool.leaktrace.{name}" if path.name == "pyproject.toml" else name


def load_thresholds(config: Path | None = None, folder: Path | None = None) -> Thresholds:
    """Defaults, overridden by the config file (given, or found in ``folder``)."""
    from scanner.thresholds import Thresholds

    path, values = _table("thresholds", config, folder)
    if path is None:
        return Thresholds()
    try:
        return Thresholds().with_overrides(values, str(path))
    except ConfigError as exc:  # it names the key alone
        said = str(exc).removeprefix(f"{exc.key}: ")
        raise ConfigError(f"{path}: {_table_name(path, 'thresholds')}.{exc.key}", said) from None


def _table(name: str, config: Path | None, folder: Path | None) -> tuple[Path | None, dict]:
    """The config file that applies (given, or found in ``folder``) and its ``[name]`` table:
    (None, {}) without a file; a given file that does not exist is an error."""
    path = config or find_config(folder or Path.cwd())
    if path is None:
        return None, {}
    if not path.is_file():
        raise ConfigError(str(path), "no such config file")
    values = _section(path).get(name, {})
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: {_table_name(path, name)}", "must be a table")
    return path, values


def load_limits(config: Path | None = None, folder: Path | None = None,
                overrides: dict[str, int | None] | None = None) -> Limits:  # fmt: skip
    """Defaults < the config file's ``[limits]`` < command-line values (None: not given)."""
    path, values = _table("limits", config, folder)
    values = {**values, **{k: v for k, v in (overrides or {}).items() if v is not None}}
    known = {f.name for f in fields(Limits)}
    for key, value in values.items():
        where = f"{path}: {_table_name(path, 'limits')}.{key}" if path else key
        if key not in known:
            raise ConfigError(where, f"unknown limit (known: {', '.join(sorted(known))})")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(where, "must be a positive integer")
    return Limits(**values)


def load_guard_policy(config: Path | None = None, folder: Path | None = None) -> GuardPolicy:
    """What each ``guard`` finding class does: defaults, overridden by the ``[guard]`` table."""
    from scanner.guard import GuardPolicy

    path, values = _table("guard", config, folder)
    if path is None:
        return GuardPolicy()
    return GuardPolicy().with_overrides(values, str(path), _table_name(path, "guard"))


def save_thresholds(path: Path, values: dict[str, int]) -> None:
    """Write ``values`` into the ``[thresholds]`` table of a leaktrace.toml, keeping the others."""
    from scanner.thresholds import Thresholds

    current: dict[str, Any] = _read(path) if path.is_file() else {}
    merged = {**current.get("thresholds", {}), **values}
    Thresholds().with_overrides(merged, str(path))  # validate before writing
    lines = ["# Written by leaktrace calibrate; see the README for what each threshold means.",
             "[thresholds]"]  # fmt: skip
    lines += [f"{key} = {int(value)}" for key, value in sorted(merged.items())]
    partial = path.with_name(path.name + ".part")
    partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    partial.replace(path)

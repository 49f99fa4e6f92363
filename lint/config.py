"""Settings of a run: ``[tool.trainlint]`` in pyproject.toml or a ``trainlint.toml``, then the CLI.

The config file is found upward from the working directory (like ruff); command-line flags
override it; an unknown key, rule or option is an error that names it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, fields, replace
from typing import Any
from collections.abc import Mapping

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    fail_on: str = "warning"
    text: tuple[str, ...] | None = None
    label: str | None = None
    split_column: str | None = None
    #: evaluation files or index files the training data is compared with (eval-contamination)
    against: tuple[str, ...] = ()
    format: str | None = None  # record format: openai, alpaca, sharegpt, preference, text
    input_format: str | None = None  # file format: csv, tsv, jsonl, json, parquet
    encoding: str = "utf-8"
    delimiter: str | None = None
    header: bool | None = None
    jobs: int = 1
    engine: str = "local"
    scheduler: str | None = None  # a Dask scheduler address (--engine dask)
    unsafe_fixes: bool = False
    #: rules (codes, prefixes, names, groups) whose fix rewrites the text (masks a private value,
    #: repairs an encoding) instead of dropping the row; the rewrite is an unsafe fix
    mask: tuple[str, ...] = ()
    #: snippets of the data in the reports (``--no-show-text`` for data that must not be printed)
    show_text: bool = True
    #: the trainer's view (issue 18): a local tokenizer, a chat template (family name or file), a length
    tokenizer: str | None = None
    chat_template: str | None = None
    max_length: int | None = None
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # [tool.trainlint.gx]: suite paths (or suite objects from the API) and the aggregate row bound
    gx_suites: tuple[Any, ...] = ()
    gx_max_rows: int = 1_000_000
    # living with findings (README, "Configuration"): paths relative to the config file's folder
    baseline: str | None = None
    suppressions: str | None = None  # a sidecar file of [[suppress]] entries
    suppress: tuple[Mapping[str, Any], ...] = ()  # [[tool.trainlint.suppress]] entries
    exclude: tuple[str, ...] | None = None  # None: DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool = False
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    extend_per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: the files of the dataset (files, folders, globs): what `trainlint check` lints without paths,
    #: and the siblings a pre-commit run reads beside a staged file
    paths: tuple[str, ...] = ()
    #: keep every file's rule states in ``cache_dir`` (default ``.trainlint_cache`` in the root)
    #: and lint only changed files (``lint/statecache.py``).  None: the caller's default (the CLI:
    #: on, unless ``TRAINLINT_NO_CACHE`` is set; ``lint()``: off)
    cache: bool | None = None
    cache_dir: str | None = None
    # where the settings came from, for messages
    config_path: str | None = None

    @property
    def root(self) -> str:
        """The project root: the config file's folder, else the working directory (as ruff)."""
        return os.path.dirname(os.path.abspath(self.config_path)) if self.config_path else os.getcwd()


#: folders and files a directory walk never enters (``exclude`` replaces it, ``extend-exclude`` adds)
DEFAULT_EXCLUDE = (".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
                   "site-packages", ".ipynb_checkpoints", ".trainlint_cache", ".mypy_cache", ".ruff_cache")

_TOP_KEYS = {f.name.replace("_", "-") for f in fields(Settings)} - {"config-path", "rules", "gx-suites",
                                                                   "gx-max-rows", "suppress",
                                                                   "per-file-ignores", "extend-per-file-ignores"}
_ALLOWED_SECTIONS = {"rules", "gx", "dask", "suppress", "per-file-ignores", "extend-per-file-ignores"}
_LISTS = ("select", "ignore", "extend_select", "mask", "text", "exclude", "extend_exclude", "paths", "against")
_BOOLS = ("unsafe_fixes", "header", "force_exclude", "show_text", "cache")


def find_config(start: str | None = None) -> str | None:
    """The nearest trainlint.toml, or pyproject.toml with a [tool.trainlint] table, upward."""
    d = os.path.abspath(start or os.getcwd())
    while True:
        for name in ("trainlint.toml", ".trainlint.toml"):
            p = os.path.join(d, name)
            if os.path.isfile(p):
                return p
        p = os.path.join(d, "pyproject.toml")
        if os.path.isfile(p):
            try:
                with open(p, "rb") as f:
                    raw = f.read()
                if "trainlint" in tomllib.loads(raw.decode("utf-8")).get("tool", {}):
                    return p
            except OSError:
                pass
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                # broken, but ours: say so (load_config names the file) rather than silently
                # running without the user's settings
                if b"tool.trainlint" in raw:
                    return p
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def load_config(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: invalid TOML ({e})") from None
    if os.path.basename(path) == "pyproject.toml":
        data = data.get("tool", {}).get("trainlint", {})
    elif "tool" in data and "trainlint" in data.get("tool", {}):
        data = data["tool"]["trainlint"]
    return data


def settings_from_config(data: Mapping[str, Any], path: str | None) -> Settings:
    kw: dict[str, Any] = {}
    where = path or "config"
    for key, value in data.items():
        if key in _ALLOWED_SECTIONS:
            continue
        if key not in _TOP_KEYS:
            raise ConfigError(f"{where}: unknown key '{key}' in [tool.trainlint]; "
                              f"known keys: {', '.join(sorted(_TOP_KEYS | _ALLOWED_SECTIONS))}")
        name = key.replace("-", "_")
        if name in _LISTS:
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: '{key}' must be a list of strings")
            value = tuple(value)
        elif name == "max_length" and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ConfigError(f"{where}: '{key}' must be a whole number of at least 1")
        elif name in ("jobs",) and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ConfigError(f"{where}: '{key}' must be a whole number of at least 1")
        elif name == "fail_on" and value not in ("info", "warning", "error"):
            raise ConfigError(f"{where}: '{key}' must be one of info, warning, error; got {value!r}")
        elif name in _BOOLS and not isinstance(value, bool):
            raise ConfigError(f"{where}: '{key}' must be true or false")
        elif name not in ("jobs", "max_length") + _BOOLS + _LISTS and not isinstance(value, str):
            raise ConfigError(f"{where}: '{key}' must be a string")
        if name in ("baseline", "suppressions", "tokenizer") and path:
            value = os.path.join(os.path.dirname(os.path.abspath(path)), value)
        if name == "against" and path:
            value = tuple(os.path.join(os.path.dirname(os.path.abspath(path)), v) for v in value)
        kw[name] = value
    rules = data.get("rules", {})
    if not isinstance(rules, Mapping) or not all(isinstance(v, Mapping) for v in rules.values()):
        raise ConfigError(f"{where}: [tool.trainlint.rules] must hold one table per rule, "
                          f"e.g. [tool.trainlint.rules.missing-value]")
    kw["rules"] = {k: dict(v) for k, v in rules.items()}
    kw.update(_gx_section(data.get("gx", {}), path))
    for key in ("per-file-ignores", "extend-per-file-ignores"):
        if key in data:
            kw[key.replace("-", "_")] = _per_file_ignores(data[key], f"{where}: [tool.trainlint.{key}]")
    if "suppress" in data:
        from .suppressions import check_entries

        kw["suppress"] = tuple(check_entries(data["suppress"], where))
    return Settings(config_path=path, **kw)


def _per_file_ignores(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    """``{"pattern" = ["CODE", ...]}``: rule codes, prefixes or names, as ruff's per-file-ignores."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table of file pattern = [rule codes]")
    out = {}
    for pattern, codes in value.items():
        if isinstance(codes, str):
            codes = [c.strip() for c in codes.split(",") if c.strip()]
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(f"{where}: '{pattern}' must be a list of rule codes, prefixes or names")
        out[str(pattern)] = tuple(codes)
    return out


def _gx_section(gx: Any, path: str | None) -> dict[str, Any]:
    """``[tool.trainlint.gx] suites = [...]`` (relative to the config file) and ``max-rows``."""
    where = path or "config"
    if not isinstance(gx, Mapping):
        raise ConfigError(f"{where}: [tool.trainlint.gx] must be a table")
    out: dict[str, Any] = {}
    for key, value in gx.items():
        if key == "suites":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: [tool.trainlint.gx] suites must be a list of paths")
            base = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
            out["gx_suites"] = tuple(os.path.join(base, v) for v in value)
        elif key == "max-rows":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{where}: [tool.trainlint.gx] max-rows must be a positive whole number")
            out["gx_max_rows"] = value
        else:
            raise ConfigError(f"{where}: unknown key '{key}' in [tool.trainlint.gx]; known keys: max-rows, suites")
    return out


def resolve_settings(config: str | None = None, overrides: Mapping[str, Any] | None = None,
                     *, isolated: bool = False) -> Settings:
    """Settings from the config file (given, or found upward) with non-None overrides on top."""
    path = config if config else (None if isolated else find_config())
    base = settings_from_config(load_config(path), path) if path else Settings()
    if overrides:
        clean = {k: v for k, v in overrides.items() if v is not None}
        if "rules" in clean:
            merged = {k: dict(v) for k, v in base.rules.items()}
            for name, opts in clean["rules"].items():
                merged.setdefault(name, {}).update(opts)
            clean["rules"] = merged
        base = replace(base, **clean)
    return base


def raw_sections(config_path: str | None) -> dict[str, Any]:
    """Extra tables such as [tool.trainlint.gx], for the features that read them."""
    return load_config(config_path) if config_path else {}

"""trainlint: a linter for machine-learning training data.

    >>> import trainlint
    >>> report = trainlint.lint("data/train.jsonl")      # or a DataFrame, or several paths
    >>> report.to_pandas()                               # one tidy row per finding

Importing this package is cheap: pandas, pyarrow and the rules load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from .finding import Finding, Fix, Related, Severity
    from .report import Report
    from .rule import Rule

__all__ = ["__version__", "lint", "Rule", "Finding", "Related", "Severity", "Fix", "Report", "TrainlintError", "split"]

_LAZY = {
    "Rule": ("rule", "Rule"),
    "Finding": ("finding", "Finding"),
    "Related": ("finding", "Related"),
    "Severity": ("finding", "Severity"),
    "Fix": ("finding", "Fix"),
    "Report": ("report", "Report"),
    "TrainlintError": ("errors", "TrainlintError"),
    "split": ("splitting", "split"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        value = getattr(importlib.import_module(f".{mod}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'trainlint' has no attribute {name!r}")


def lint(
    data: Any,
    *,
    select: list[str] | str | None = None,
    ignore: list[str] | str | None = None,
    text: list[str] | str | None = None,
    label: str | None = None,
    split_column: str | None = None,
    against: Any = None,
    format: str | None = None,
    fail_on: str | None = None,
    jobs: int | None = None,
    engine: str | None = None,
    scheduler: str | None = None,
    config: str | None = None,
    rules: dict[str, dict[str, Any]] | None = None,
    language: str | None = None,
    expectations: Any = None,
    baseline: str | None = None,
    suppressions: str | None = None,
    write_baseline: str | None = None,
    mask: list[str] | str | None = None,
    **read_options: Any,
) -> Report:
    """Lint a file, several files, a directory, a glob, a DataFrame or an Arrow table.

    Keyword arguments mirror the CLI flags; ``rules={"missing-value": {"disguised": [...]}}``
    sets rule options as ``[tool.trainlint.rules.*]`` does.  ``expectations`` is a GX 1.x
    ExpectationSuite, a suite JSON path, or a list of them (needs ``trainlint[gx]``).
    ``data`` may also be anything exporting ``__arrow_c_stream__`` (polars, DuckDB), a Hugging Face
    ``Dataset`` or ``DatasetDict``, a ``{split: frame}`` mapping or a list of dicts.  ``baseline``
    and ``suppressions`` name files that hide accepted findings (``stats["accepted"]`` counts them).
    ``mask``: rules whose fix rewrites the text instead of dropping the row (``--mask``), for
    ``Report.cleaned(unsafe=True)``.  ``tokenizer``, ``chat_template`` and ``max_length`` are the
    trainer's view (``--tokenizer``, ``--chat-template``, ``--max-length``).
    No config file is read unless ``config`` names one.  Raises ``TrainlintError`` for inputs
    that cannot be used at all.
    """
    from .config import resolve_settings
    from .runner import run

    def _list(v):
        if v is None:
            return None
        return tuple(x.strip() for x in v.split(",")) if isinstance(v, str) else tuple(v)

    overrides = {
        "select": _list(select), "ignore": _list(ignore), "text": _list(text), "label": label,
        "split_column": split_column, "format": format,
        "against": (tuple([against] if isinstance(against, str) else against) if against else None), "fail_on": fail_on, "jobs": jobs,
        "engine": engine, "scheduler": scheduler, "rules": rules,
        "baseline": baseline, "suppressions": suppressions, "mask": _list(mask),
    }
    if language:
        rules = {**(rules or {}), "unexpected-language": {**(rules or {}).get("unexpected-language", {}),
                                                          "language": language}}
        overrides["rules"] = rules
    for key in ("encoding", "input_format", "delimiter", "header", "tokenizer", "chat_template", "max_length"):
        if key in read_options:
            overrides[key] = read_options.pop(key)
    if expectations is not None:
        overrides["gx_suites"] = tuple(expectations) if isinstance(expectations, (list, tuple)) else (expectations,)
    if read_options:
        raise TypeError(f"lint() got unexpected arguments: {', '.join(read_options)}")
    settings = resolve_settings(config, overrides, isolated=config is None)
    if write_baseline is None:
        return run(data, settings)
    from dataclasses import replace

    from . import baseline as _baseline

    def record(report: Report) -> Any:  # before anything is hidden; the new file is then applied
        _baseline.record(write_baseline, report)
        return _baseline.load(write_baseline)

    return run(data, replace(settings, baseline=None), keys=True, before_accept=record)

"""One run: settings -> rules and sources -> engine -> Report.  The CLI and ``lint()`` both use it."""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

from .config import Settings
from .errors import ConfigError
from .report import Report
from .rule import Rule


def build_rules(settings: Settings) -> list[Rule]:
    from .registry import find_rule, select_rules

    chosen = select_rules(settings.select, settings.ignore, settings.extend_select)
    options: dict[str, dict[str, Any]] = {}
    for key, opts in settings.rules.items():
        try:
            rule = find_rule(key)
        except Exception:
            raise ConfigError(f"{settings.config_path or 'config'}: [tool.trainlint.rules.{key}] names "
                              f"no rule; `trainlint rules` lists them") from None
        # checked even when the rule is not selected: a misspelled option must never pass silently
        options[rule.code] = rule.make_options(dict(opts))
    rules = [cls(options.get(cls.code) or cls.make_options({})) for cls in chosen]
    if settings.gx_suites:  # GX expectations are rules of this run only, never registered
        from .gx import expectation_rules

        rules += expectation_rules(settings.gx_suites, settings.select, settings.ignore,
                                   settings.extend_select, settings.gx_max_rows)
    return rules


def run(inputs: Any, settings: Settings, progress: Callable[[int], None] | None = None,
        on_sources: Callable[[list], None] | None = None) -> Report:
    from .engines import get_engine
    from .sources import ReadOptions, open_sources

    rules = build_rules(settings)
    read = ReadOptions(encoding=settings.encoding, input_format=settings.input_format,
                       delimiter=settings.delimiter, header=settings.header)
    specs = open_sources(inputs, read, text=settings.text, label=settings.label,
                         split_column=settings.split_column, record_format=settings.format)
    if on_sources:
        on_sources(specs)
    engine = get_engine(settings.engine, settings.jobs, scheduler=settings.scheduler)
    result = engine.run(specs, rules, progress)
    sources = [s.info.to_dict(result.rows_by_source.get(s.info.index, 0)) for s in specs]
    return Report(result.findings, sources, result.stats, settings.fail_on, specs, rules)

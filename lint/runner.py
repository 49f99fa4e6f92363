"""One run: settings -> rules and sources -> engine -> Report.  The CLI and ``lint()`` both use it."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Inputs:
    """What a run reads and how: the data as given (paths, a DataFrame, an Arrow table, or a list
    of them) and the settings that decide how it is read.  ``open()`` opens the sources; a report
    keeps this (``Report.inputs``) instead of the open readers, so ``Report.cleaned()`` can read
    the rows again."""

    data: Any
    settings: Settings

    def open(self) -> list:
        from .sources import ReadOptions, open_sources

        s = self.settings
        read = ReadOptions(encoding=s.encoding, input_format=s.input_format, delimiter=s.delimiter,
                           header=s.header)
        return open_sources(self.data, read, text=s.text, label=s.label, split_column=s.split_column,
                            record_format=s.format)


def run(inputs: Any, settings: Settings, progress: Callable[[int], None] | None = None,
        on_sources: Callable[[list], None] | None = None, output_dir: str | None = None,
        on_outputs: Callable[[Any], None] | None = None) -> Report:
    """Lint ``inputs``; with ``output_dir``, also write the cleaned copy and rejects there (by the
    engine's tasks when it has them: the Dask engine writes on its workers, one input each) and
    pass the ``CleanSummary`` to ``on_outputs``.  ``on_sources`` gets the opened sources."""
    import contextlib

    from .engines import get_engine

    rules = build_rules(settings)
    given = Inputs(inputs, settings)
    specs = given.open()
    if on_sources:
        on_sources(specs)
    engine = get_engine(settings.engine, settings.jobs, scheduler=settings.scheduler)
    # writing: one engine session (a Dask cluster) for the run and the writing
    with engine if output_dir is not None else contextlib.nullcontext():
        result = engine.run(specs, rules, progress)
        sources = [s.info.to_dict(result.rows_by_source.get(s.info.index, 0)) for s in specs]
        report = Report(result.findings, sources, result.stats, settings.fail_on, rules, given)
        if output_dir is not None:
            from .clean import write_outputs

            summary = write_outputs(report, specs, output_dir, bool(settings.unsafe_fixes), tasks=engine.tasks)
            if on_outputs:
                on_outputs(summary)
    return report

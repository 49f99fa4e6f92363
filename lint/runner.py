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
    from .rule import bind_rules

    chosen = select_rules(settings.select, settings.ignore, settings.extend_select)
    options: dict[str, dict[str, Any]] = {}
    for key, opts in settings.rules.items():
        try:
            rule = find_rule(key)
        except Exception:
            raise ConfigError(f"{settings.config_path or 'config'}: [tool.trainlint.rules.{key}] names "
                              f"no rule; `trainlint rules` lists them") from None
        # checked even when the rule is not selected: a misspelled option must never pass silently
        options[rule.code] = rule.make_options({**_view_options(rule, settings), **dict(opts)})
    if settings.against:  # --against / `against`: the eval files of eval-contamination
        rule = find_rule("eval-contamination")
        opts = dict(settings.rules.get(rule.name) or settings.rules.get(rule.code) or {})
        opts["against"] = list(settings.against) + list(opts.get("against") or ())
        options[rule.code] = rule.make_options(opts)
    rules = [cls(options.get(cls.code) or cls.make_options(_view_options(cls, settings))) for cls in chosen]
    if settings.gx_suites:  # GX expectations are rules of this run only, never registered
        from .gx import expectation_rules

        rules += expectation_rules(settings.gx_suites, settings.select, settings.ignore,
                                   settings.extend_select, settings.gx_max_rows)
    return bind_rules(rules)


def _view_options(cls, settings: Settings) -> dict[str, Any]:
    """The run-wide trainer's-view settings (``--tokenizer``, ``--chat-template``, ``--max-length``)
    as options of a rule that declares them."""
    from dataclasses import fields, is_dataclass

    opts = getattr(cls, "Options", None)
    names = {f.name for f in fields(opts)} if is_dataclass(opts) else set()
    out = {}
    for key in ("tokenizer", "chat_template", "max_length"):
        if key in names and getattr(settings, key, None) is not None:
            out[key.replace("_", "-")] = getattr(settings, key)
    # a token budget is the trainer's max length when one is given: TK001 flagging an example the
    # run's own --max-length fits would contradict CH007 (a rule's own `budget` option still wins)
    if "budget" in names and "max_length" not in names and settings.max_length is not None:
        out["budget"] = settings.max_length
    return out


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

    def content_keys(self, store: Any) -> Any:
        """The content keys (``lint/keys.py``) of the findings in ``store``, made by reading the
        data again with the content-keys rule alone (``Report.write_baseline`` of a run without them)."""
        from .engines import get_engine
        from .keys import ContentKeys, finding_keys

        specs = self.open()
        content = ContentKeys()
        get_engine("local").run(specs, [content])
        return finding_keys(store, content.table, [s.info for s in specs])


def run(inputs: Any, settings: Settings, progress: Callable[[int], None] | None = None,
        on_sources: Callable[[list], None] | None = None, output_dir: str | None = None,
        on_outputs: Callable[[Any], None] | None = None, keys: bool = False,
        on_walk: Callable[[Any], None] | None = None, report_on: Any = None,
        before_accept: Callable[[Report], Any] | None = None) -> Report:
    """Lint ``inputs``; with ``output_dir``, also write the cleaned copy and rejects there (by the
    engine's tasks when it has them: the Dask engine writes on its workers, one input each) and
    pass the ``CleanSummary`` to ``on_outputs``.  ``on_sources`` gets the opened sources.

    Accepted findings (per-file-ignores, suppressions, the baseline: ``lint/accept.py``) are
    taken out before anything is written.  ``keys``: compute the findings' content keys
    (``Report.keys``) even when nothing needs them (SARIF fingerprints, --write-baseline);
    ``before_accept`` sees the report with every finding, before that; ``on_walk`` the files a
    folder walk took and skipped (``sources.walk.Walk``).  ``report_on``: paths; findings on
    other sources are dropped (they were read as context: ``with_siblings``)."""
    import contextlib

    from . import suppressions
    from .accept import accept, needs_keys
    from .engines import get_engine

    rules = build_rules(settings)
    if settings.mask:  # an unknown selector is a usage error, as for --select
        from .registry import select_rules

        select_rules(select=settings.mask)
    entries = suppressions.load(settings)
    base = None
    if settings.baseline:
        from . import baseline

        base = baseline.load(settings.baseline)
    content = None
    if keys or needs_keys(settings, entries):
        from .keys import ContentKeys

        content = ContentKeys(tuple(e.pattern for e in entries))
    given = Inputs(resolve_paths(inputs, settings, on_walk), settings)
    specs = given.open()
    if on_sources:
        on_sources(specs)
    engine = get_engine(settings.engine, settings.jobs, scheduler=settings.scheduler)
    run_rules = rules + [content] if content else rules
    if settings.cache:
        engine = _use_cache(engine, run_rules, settings, output_dir)
    # writing: one engine session (a Dask cluster) for the run and the writing
    with engine if output_dir is not None else contextlib.nullcontext():
        result = engine.run(specs, run_rules, progress)
        sources = [s.info.to_dict(result.rows_by_source.get(s.info.index, 0)) for s in specs]
        from .redact import redact_findings

        # no private value in any output (a finished run the cache kept was redacted when kept)
        findings = result.findings if result.redacted else redact_findings(result.findings, rules)
        report = Report(findings, sources, result.stats, settings.fail_on, rules, given)
        report.mask = tuple(settings.mask)
        cache = getattr(engine, "cache", None)
        if cache is not None:  # the texts reports show, kept between runs (``textmemo``)
            from .textmemo import TextMemo

            report.text_memo = TextMemo(cache, [s.info for s in specs])
        infos = [s.info for s in specs]
        if content is not None:
            from .keys import finding_keys

            report.keys = finding_keys(report.findings, content.table, infos)
        if before_accept:  # it may hand back a baseline it wrote, to apply now
            base = before_accept(report) or base
        done = accept(report.findings, settings, keys=report.keys, entries=entries,
                      text_hits=content.hits if content else None, sources=infos, selected=rules, baseline=base)
        if done.stats:
            report.every_finding = report.findings
            report.findings = done.store
            report.stats["accepted"] = done.stats
        if report_on is not None:
            from .accept import only_sources

            report.findings = only_sources(report.findings, report_on)
        if result.entry is not None and report.findings is findings and report.keys is None:
            from .rendermemo import RenderMemo  # the report of the run as it finished: kept whole

            report.render_memo = RenderMemo(cache, result.entry, report)
        if output_dir is not None:
            from .clean import write_outputs

            summary = write_outputs(report, specs, output_dir, bool(settings.unsafe_fixes), tasks=engine.tasks)
            if on_outputs:
                on_outputs(summary)
    return report


def _use_cache(engine, rules, settings: Settings, output_dir: str | None):
    """The engine with the state cache: the local engine keeps every file's states; another
    engine only its finished runs (``engines.cached``).  Bypassed (the run is exact either way):
    ``--fix`` (the cleaned copy needs every row read), rules marked ``cacheable = False``."""
    from .engines.cached import WholeRunCache
    from .engines.local import LocalEngine
    from .statecache import StateCache, default_dir, uncacheable

    if output_dir is not None or uncacheable(rules):
        return engine
    from .keys import ContentKeys

    # the content keys' rule keeps what its ``finish`` found on itself: a kept finished run lacks it
    whole = not any(isinstance(r, ContentKeys) for r in rules)
    cache = StateCache(default_dir(settings), rules, settings, whole_runs=whole)
    if type(engine) is LocalEngine:
        engine.cache = cache
        return engine
    return WholeRunCache(engine, cache)


def with_siblings(files: list[str], settings: Settings) -> list[str]:
    """``files`` and the other files of their datasets: the configured ``paths`` when a file is
    one of them, else the data files of the file's own folder.  Context for checks across files
    (leakage between splits, duplicates across files) when only some files are named (pre-commit)."""
    import os

    from .sources import walk_files

    exclude = _exclude(settings)
    configured: list[str] = []
    if settings.paths:
        configured = walk_files([os.path.join(settings.root, p) for p in settings.paths], exclude,
                                settings.root).files
    in_config = {os.path.realpath(p) for p in configured}
    out: dict[str, str] = {}
    for f in files:
        if os.path.realpath(f) in in_config:
            group = configured
        else:
            folder = os.path.dirname(f) or "."
            group = walk_files([folder], exclude, settings.root, recursive=False).files
        for g in group:
            out.setdefault(os.path.realpath(g), os.path.normpath(g))  # "./a.csv" as "a.csv"
        out.setdefault(os.path.realpath(f), f)
    named = {os.path.realpath(f) for f in files}
    # the named files keep the names they were given
    return [next(f for f in files if os.path.realpath(f) == k) if k in named else v for k, v in out.items()]


def _exclude(settings: Settings) -> tuple[str, ...]:
    from .config import DEFAULT_EXCLUDE

    return tuple(settings.exclude if settings.exclude is not None else DEFAULT_EXCLUDE) + tuple(settings.extend_exclude)


def resolve_paths(inputs: Any, settings: Settings, on_walk: Callable[[Any], None] | None = None) -> Any:
    """Paths (files, folders, globs) as the files to lint, with ``exclude`` applied and files that
    are not datasets skipped; ``settings.paths`` when no input is given.  Anything else as it is."""
    import os

    from .frames import is_frame
    from .sources import walk_files

    if isinstance(inputs, (str, os.PathLike)):
        inputs = [os.fspath(inputs)]
    if isinstance(inputs, (list, tuple)) and not inputs and settings.paths:
        inputs = [os.path.join(settings.root, p) for p in settings.paths]
    if is_frame(inputs) or not isinstance(inputs, (list, tuple)) or not inputs:
        return inputs
    if any(not isinstance(x, (str, os.PathLike)) for x in inputs):
        return inputs  # paths mixed with frames: discovered as before
    walked = walk_files([os.fspath(x) for x in inputs], _exclude(settings), settings.root, settings.force_exclude)
    if on_walk:
        on_walk(walked)
    if not walked.files:
        from .errors import UsageError

        raise UsageError("every file named is excluded: " + "; ".join(f"{p} ({why})" for p, why in walked.skipped))
    return walked.files

"""The rule contract: small streaming classes with bounded, picklable, mergeable state.

    state = rule.start()
    for batch in batches:            # any batching, any partitioning, any engine
        findings += rule.update(batch, state)
    state = rule.merge(state_a, state_b)   # associative, a before b in row order
    findings += rule.finish(state, run)

Optionally, a rule whose state is mostly bulk needed only for a few rows (near-duplicate
verification) declares ``distributed_finish = KEYED_SHUFFLE`` and implements ``detach``: an engine
may then keep that bulk where each block ran, and its ``finish`` reaches it only through keyed
shuffles of pure functions, which the engine runs (``lint/shuffle.py``).

A rule never reads files, prints, or knows which engine runs it.  The engine fills in the
physical line of every finding (and of its related rows) from the reader's line index, so a
rule only names source and row.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import textwrap
import typing
from typing import Any, ClassVar
from collections.abc import Iterable, Mapping, Sequence

from .errors import ConfigError
from .finding import NO_EXTRA, ROWS_SAMPLE_CAP, Edit, Finding, Fix, Related, Severity

CODE_RE = re.compile(r"^[A-Z]{2,3}[0-9]{3}$")
NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DOC_SECTIONS = ("What it checks", "Why it matters", "Example", "Fix", "Options")


class Rule:
    """Base class.  Subclasses set the metadata below and override what they need."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.WARNING
    groups: ClassVar[tuple[str, ...]] = ()
    #: what dropping a flagged row counts as; None when the rule has no fix.
    fix: ClassVar[Fix | None] = None
    #: roles the rule needs on a source ("text", "label"); a source without them is skipped by it.
    requires: ClassVar[tuple[str, ...]] = ()
    #: in the default selection (``--select`` not given).
    default: ClassVar[bool] = True
    #: whether the state may be kept between runs (``--cache``); False for a state too large to keep,
    #: and the cache is then bypassed for the run.
    cacheable: ClassVar[bool] = True
    #: what ``finish`` needs from the engine besides the merged state: ``KEYED_SHUFFLE`` for a rule
    #: whose bulky per-block state (``detach``) ``finish`` reaches through ``shuffle.keyed_shuffle``
    #: (lint/shuffle.py); None for the usual rule.
    distributed_finish: ClassVar[str | None] = None
    #: ``finish`` needs much memory (near-duplicate candidates and verification): while it runs,
    #: the engine keeps the later rules' states in a temporary file, not in memory
    #: (``engines.base.finish_run``)
    heavy_finish: ClassVar[bool] = False

    @dataclasses.dataclass(frozen=True)
    class Options:
        pass

    def __init__(self, options: Rule.Options | Mapping[str, Any] | None = None) -> None:
        if options is None or isinstance(options, Mapping):
            options = self.make_options(options or {})
        self.options = options

    # -- options ---------------------------------------------------------------------------------
    @classmethod
    def make_options(cls, values: Mapping[str, Any]) -> Rule.Options:
        """Build Options from config values, naming the rule and key on any error."""
        fields = {f.name: f for f in dataclasses.fields(cls.Options)}
        hints = typing.get_type_hints(cls.Options)
        clean: dict[str, Any] = {}
        for key, value in values.items():
            k = key.replace("-", "_")
            if k not in fields:
                known = ", ".join(sorted(f.replace("_", "-") for f in fields)) or "none"
                raise ConfigError(f"unknown option '{key}' for rule {cls.name} ({cls.code}); "
                                  f"its options are: {known}")
            clean[k] = _coerce(value, hints.get(k), f"{cls.name}.{key}")
        return cls.Options(**clean)

    # -- the streaming contract ------------------------------------------------------------------
    def start(self) -> Any:
        return None

    def update(self, batch: BatchContext, state: Any) -> Iterable[Finding]:  # noqa: F821
        return ()

    def merge(self, a: Any, b: Any) -> Any:
        return a

    def finish(self, state: Any, run: RunContext) -> Iterable[Finding]:  # noqa: F821
        return ()

    # -- optional: detached state (lint/shuffle.py) ---------------------------------------------------
    def detach(self, state: Any) -> Any:
        """A rule with ``distributed_finish``: the bulky part of one block's state, taken out of
        ``state`` (which stays mergeable), for the engine to keep where the block ran; None when
        there is none.  Engines may ignore it (then ``finish`` gets the whole merged state)."""
        return None

    def bind(self, rules: Sequence[Rule]) -> None:
        """Called once before a run with every rule of the run (this one too): a rule that leaves
        some rows to another rule of the run when that rule is selected (near-duplicate leaves
        rows of short fields to near-duplicate-record) looks for it here.  Default: nothing."""

    def stats(self, state: Any, run: RunContext) -> Mapping[str, Any] | None:  # noqa: F821
        """Statistics for the JSON report's ``stats`` block (label distribution, languages...)."""
        return None

    def redact(self, text: str) -> str:
        """``text`` with what this rule treats as private masked.  A report shows text read back
        from the data (snippets) only after every rule of the run has redacted it, so a rule that
        finds private values (e-mail addresses, keys) keeps them out of every output format."""
        return text

    def applies_to(self, source: SourceInfo) -> bool:  # noqa: F821
        if "text" in self.requires and not source.text_columns and source.record_format == "text":
            return False
        if "label" in self.requires and source.label_column is None:
            return False
        return True

    # -- helpers for subclasses ------------------------------------------------------------------
    def finding(
        self,
        message: str,
        *,
        source: str | None,
        row: int | None = None,
        column: str | None = None,
        n_rows: int | None = None,
        rows_sample: Sequence[int] = (),
        group: str | int | None = None,
        related: Sequence[Related] = (),
        severity: Severity | None = None,
        fix: Fix | None | bool = True,
        pointer: str | None = None,
        extra: Mapping[str, Any] | None = None,
        edits: Sequence[Edit] = (),
    ) -> Finding:
        """A finding with this rule's code, name and severity.  ``fix=True`` means the rule's own.
        ``edits``: how ``--mask`` rewrites the text instead of dropping the row."""
        if fix is True:
            fix = self.fix if row is not None else None
        elif fix is False:
            fix = None
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            message=message,
            source=source,
            row=row,
            column=column,
            n_rows=(1 if row is not None else 0) if n_rows is None else n_rows,
            rows_sample=tuple(int(r) for r in list(rows_sample)[:ROWS_SAMPLE_CAP]) if len(rows_sample) else (),
            group=group,
            related=related if type(related) is tuple else tuple(related),
            fix=fix,
            pointer=pointer,
            extra=dict(extra) if extra else NO_EXTRA,
            edits=tuple(edits) if fix else (),
        )

    def row_findings(
        self,
        message: str | tuple[Sequence[str], Any],
        *,
        source: str | tuple[Sequence[str], Any],
        rows: Any,
        column: str | None | tuple[Sequence[str | None], Any] = None,
        group: Any = None,
        related: tuple[Any, Any] | None = None,
        severity: Severity | None = None,
        extra: Mapping[str, Any] | None = None,
        object_keys: bool = False,
    ) -> RowFindings:  # noqa: F821
        """Findings of this rule on many rows at once, kept as arrays (``RowFindings``), each with
        this rule's fix.  ``message``, ``source`` and ``column`` are one value for every row or a
        pair (table, index array); ``related`` is (source, rows): one related row per finding;
        ``extra``: key -> a number per row (an array) or a (table, index array) pair.
        ``object_keys``: content keys as this rule's ``Finding`` objects had (``RowFindings``)."""
        from .findings.rows import RowFindings

        return RowFindings(code=self.code, name=self.name, severity=severity or self.severity, fix=self.fix,
                           source=source, rows=rows, message=message, column=column, group=group,
                           related=related, extra=dict(extra) if extra else None,
                           object_keys=object_keys)

    # -- documentation ---------------------------------------------------------------------------
    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.doc().splitlines()[0] if cls.doc() else ""

    @classmethod
    def options_table(cls) -> list[tuple[str, str, Any]]:
        hints = typing.get_type_hints(cls.Options)
        out = []
        for f in dataclasses.fields(cls.Options):
            default = f.default if f.default is not dataclasses.MISSING else (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
            out.append((f.name.replace("_", "-"), _type_name(hints.get(f.name)), default))
        return out

    @classmethod
    def render_doc(cls) -> str:
        head = f"{cls.name} ({cls.code})"
        meta = (f"Severity: {cls.severity.value}.  Fix: {cls.fix.value if cls.fix else 'none'}.  "
                f"Default: {'on' if cls.default else 'off (select it)'}.  "
                f"Needs: {', '.join(cls.requires) or 'nothing'}.")
        body = cls.doc()
        opts = cls.options_table()
        if opts:
            lines = [f"  {n} ({t}, default {d!r})" for n, t, d in opts]
            body += ("\n\nConfigured under [tool.trainlint.rules." + cls.name + "]:\n" + "\n".join(lines))
        return f"{head}\n{'=' * len(head)}\n{textwrap.fill(meta, 100)}\n\n{body}\n"


def bind_rules(rules: Sequence[Rule]) -> list[Rule]:
    """``rule.bind(rules)`` for every rule of a run; the rules, as a list."""
    rules = list(rules)
    for r in rules:
        r.bind(rules)
    return rules


def _type_name(t: Any) -> str:
    if t is None:
        return "any"
    return getattr(t, "__name__", None) or str(t).replace("typing.", "")


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Check a config value against the option's annotation; lists become tuples (frozen)."""
    if hint is None:
        return value
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Union or (origin is not None and str(origin) == "<class 'types.UnionType'>"):
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(value, a, where)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(f"option {where}: {value!r} is not {_type_name(hint)}")
    if origin in (tuple, list, Sequence, typing.Sequence) or hint in (tuple, list):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"option {where}: expected a list, got {value!r}")
        inner = args[0] if args else None
        return tuple(_coerce(v, inner, where) for v in value)
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"option {where}: expected true or false, got {value!r}")
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"option {where}: expected a number, got {value!r}")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"option {where}: expected a whole number, got {value!r}")
    if hint is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"option {where}: expected a string, got {value!r}")
    if inspect.isclass(hint) and issubclass(hint, Severity):
        try:
            return Severity.parse(value)
        except ValueError as e:
            raise ConfigError(f"option {where}: {e}") from None
    return value

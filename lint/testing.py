"""Helpers to test rules, shipped with the library (as click ships CliRunner) so plugins can use them.

    findings = lint_records(MyRule, [{"text": "a", "label": "x"}, ...], options={...})

Every helper can run the same records three ways: streamed in one batch, streamed in one-row
batches, and as one-row partitions merged in order.  A correct rule gives the same findings.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Iterable, Mapping, Sequence

import pyarrow as pa

from .context import SourceInfo
from .finding import Finding
from .rule import Rule, bind_rules
from .sources import ReadOptions, SourceSpec
from .sources.columnar import TableReader, to_arrow
from .sources.roles import infer_roles

#: how a case runs: streamed; in one-row batches; in one-row partitions merged in order; and
#: as those partitions with the rules' bulky state detached and finished through a 3-partition
#: in-process shuffle (lint/engines/shards.py), as on Dask
MODES = ("stream", "one-row-batches", "merged-partitions", "detached-shards")


def _engine(mode: str):
    from .engines.local import LocalEngine
    from .engines.partitioned import PartitionedEngine

    if mode == "merged-partitions":
        return PartitionedEngine()
    if mode == "detached-shards":
        return PartitionedEngine(shuffle=3, min_piece=1)  # several verification tasks too
    return LocalEngine()


def make_specs(sources: Sequence[Mapping[str, Any]], batch_rows: int,
               roles: Mapping[str, Any] | None = None) -> list[SourceSpec]:
    """Sources from dicts ``{"path", "split", "records" | "table", "format"}``; roles inferred unless given."""
    from . import formats

    roles = dict(roles or {})
    specs = []
    for i, src in enumerate(sources):
        table = src.get("table")
        if table is None:
            recs = list(src.get("records") or [])
            table = pa.Table.from_pylist(recs) if recs else pa.table({"text": pa.array([], pa.string())})
        table = to_arrow(table)
        text = roles.get("text")
        if isinstance(text, str):
            text = (text,)
        rec_format = formats.detect(table.column_names, table, roles.get("format"))
        t, lab, split_col = infer_roles(table, text=tuple(text) if text is not None else (
            None if rec_format == "text" else ()), label=roles.get("label"),
            split_column=roles.get("split_column"))
        path = src.get("path") or f"source{i}.jsonl"
        info = SourceInfo(index=i, path=path, format=src.get("format", "dataframe"), columns=tuple(table.column_names),
                          split=src.get("split"), text_columns=t, label_column=lab, split_column=split_col,
                          record_format=rec_format)
        reader = TableReader(info, path, ReadOptions(batch_rows=batch_rows), table)
        reader.open()
        specs.append(SourceSpec(info, reader))
    return specs


def run_rules_on(rules: Sequence[Rule], sources: Sequence[Mapping[str, Any]], mode: str = "stream",
                 roles: Mapping[str, Any] | None = None):
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    batch_rows = 1 if mode != "stream" else 1 << 20
    specs = make_specs(sources, batch_rows, roles)
    return _engine(mode).run(specs, bind_rules(rules))


def lint_records(rule: type[Rule] | Rule, records: Iterable[Mapping[str, Any]] | None = None, *,
                 sources: Sequence[Mapping[str, Any]] | None = None, options: Mapping[str, Any] | None = None,
                 mode: str = "stream", roles: Mapping[str, Any] | None = None) -> list[Finding]:
    """Findings of one rule on records (one source) or on several sources."""
    inst = rule if isinstance(rule, Rule) else rule(rule.make_options(options or {}))
    if sources is None:
        sources = [{"path": "data.jsonl", "records": list(records or [])}]
    return run_rules_on([inst], sources, mode, roles).findings


def comparable(findings: Iterable[Finding]) -> list[tuple]:
    """What must not change between modes: everything but the message wording of groups.
    ``findings`` may hold ``RowFindings`` (what a rule's ``finish`` returns): their findings."""
    from .findings import RowFindings

    flat = (g for f in findings for g in (f if isinstance(f, RowFindings) else (f,)))
    return [(f.code, f.source, f.row, f.column, f.group, f.n_rows, f.pointer, f.severity.value,
             tuple((r.source, r.row) for r in f.related), f.message) for f in flat]


def run_rules_on_files(rules: Sequence[Rule], paths: Sequence[str], mode: str = "stream",
                       roles: Mapping[str, Any] | None = None, **read: Any):
    """Rules on real files through the real readers; small blocks make many partitions."""
    from .sources import open_sources

    roles = dict(roles or {})
    if mode == "stream":
        opts = ReadOptions(**read)
    else:  # one record per batch, and blocks of a few bytes: each block a partition
        opts = ReadOptions(batch_rows=1, block_bytes=16, **read)
    text = roles.get("text")
    specs = open_sources(list(paths), opts, text=(text,) if isinstance(text, str) else text,
                         label=roles.get("label"), split_column=roles.get("split_column"),
                         record_format=roles.get("format"))
    return _engine(mode).run(specs, bind_rules(rules))


def tekken_path() -> str:
    """A real byte-level BPE tokenizer file, offline: Mistral's tekken JSON inside the mistral-common
    wheel (a test dependency), for testing the trainer's-view rules (``--tokenizer``)."""
    return _mistral_data("tekken_240911.json")


def sentencepiece_path() -> str:
    """A real SentencePiece model, offline: Mistral's v3 tokenizer inside the mistral-common wheel
    (the one of Mistral 7B v0.3, with ``[INST]`` and the tool tokens as control pieces)."""
    return _mistral_data("mistral_instruct_tokenizer_240323.model.v3")


def case_options(options: dict | None, tests: str) -> dict:
    """A YAML rule case's options with its placeholders resolved: ``$TEKKEN`` (a real byte-level BPE
    tokenizer file), ``$SENTENCEPIECE`` (a real SentencePiece model), ``$TESTS`` (the tests folder)."""
    files = {"$TEKKEN": tekken_path, "$SENTENCEPIECE": sentencepiece_path}
    return {k: files[v]() if isinstance(v, str) and v in files else v.replace("$TESTS", tests)
            if isinstance(v, str) else v for k, v in (options or {}).items()}


def _mistral_data(name: str) -> str:
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("mistral_common")
    if spec is None or spec.origin is None:
        raise ImportError("the trainer's-view tests need mistral-common (pip install mistral-common)")
    return str(Path(spec.origin).parent / "data" / name)

"""A leakage-free train/test(/valid) split: rows with the same normalised text (NFKC, case folding,
collapsed spaces: exact copies included) and rows with the same ``group`` value form one cluster
(union-find), and a cluster never crosses a split; clusters are dealt to the splits per label
stratum in a seeded order, so the same seed gives byte-identical files.  Each split is written in
the input's own format by the reader that parsed it (``write_cleaned``: the rows kept as they
were), atomically, never over an input.  Several inputs (shards of one dataset) are read once,
as one table: clusters and near-duplicate pairs span them, and each input gets its own file per
split.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import Any

import numpy as np

#: label proportions per split are within this of the input's (plus one cluster's weight)
TOLERANCE = 0.02


@dataclass
class SplitResult:
    """Row numbers (0-based, in the input) per split, the files written, and the checks."""

    rows: dict[str, np.ndarray]
    labels: dict[str, Counter] = field(default_factory=dict)
    paths: dict[str, list[str]] = field(default_factory=dict)  # per split, one file per input
    clusters: int = 0
    leakage: int | None = None  # LK001 findings on the written files
    frames: dict[str, Any] = field(default_factory=dict)

    def label_totals(self) -> Counter:
        total: Counter = Counter()
        for c in self.labels.values():
            total.update(c)
        return total

    def max_label_gap(self) -> float:
        """The largest difference between a label's share in a split and in the whole input."""
        total = self.label_totals()
        n = max(sum(total.values()), 1)
        gaps = [abs(c[k] / max(sum(c.values()), 1) - total[k] / n) for c in self.labels.values() for k in total]
        return max(gaps, default=0.0)

    def summary(self) -> str:
        total = sum(r.size for r in self.rows.values())
        out = [f"{total} rows, {self.clusters} clusters (rows with the same normalised text, near-duplicates and rows of one group kept together)"]
        for name, r in self.rows.items():
            files = self.paths.get(name, [])
            where = f" -> {files[0]}" if len(files) == 1 else f" -> {len(files)} files" if files else ""
            out.append(f"  {name:<5} {r.size:>8} rows ({r.size / max(total, 1):.1%}){where}")
            if self.labels and any(self.labels.values()):
                out.append("        " + _distribution(self.labels[name], self.label_totals()))
        if self.leakage is not None:
            out.append(f"leakage check of the written files (LK001): {self.leakage} findings")
        return "\n".join(out)


def _distribution(dist: Counter, total: Counter, show: int = 8) -> str:
    """Label shares of one split; beyond ``show`` labels, the most common and the largest gap."""
    n = max(sum(dist.values()), 1)
    nt = max(sum(total.values()), 1)
    if len(total) <= show:
        return ", ".join(f"{_shown(k)}: {dist[k] / n:.1%}" for k in sorted(total, key=str))
    gap = max(total, key=lambda k: abs(dist[k] / n - total[k] / nt))
    top = ", ".join(f"{_shown(k)}: {v / n:.1%}" for k, v in dist.most_common(3))
    return (f"{len(dist)} labels; {top}, ...; largest gap {_shown(gap)}: {dist[gap] / n:.1%} "
            f"(input {total[gap] / nt:.1%})")


def _shown(label: str) -> str:
    """A label as printed: escaped (it comes from the data), an empty one visible."""
    from . import escape

    return escape.text(label) if label else '""'


def clusters(keys: list[np.ndarray], pairs: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Cluster id (its smallest row) of each row: rows equal under any key array, and the rows of
    each pair, are joined (connected components, by propagating the smallest row number until
    nothing changes)."""
    n = keys[0].size if keys else 0
    label = np.arange(n, dtype=np.int64)
    inverses = [np.unique(k, return_inverse=True)[1].reshape(-1) for k in keys]
    changed = True
    while changed:
        changed = False
        for inv in inverses:
            least = np.full(int(inv.max()) + 1 if n else 0, n, np.int64)
            np.minimum.at(least, inv, label)
            new = np.minimum(label, least[inv])
            new = new[new]  # jump: a row's label takes its label's label
            if not np.array_equal(new, label):
                label, changed = new, True
        if pairs is not None and pairs[0].size:
            a, b = pairs
            least = np.minimum(label[a], label[b])
            new = label.copy()
            np.minimum.at(new, a, least)
            np.minimum.at(new, b, least)
            new = new[new]
            if not np.array_equal(new, label):
                label, changed = new, True
    return label


def _deal(cluster: np.ndarray, strata: np.ndarray, sizes: dict[str, float], seed: int) -> dict[str, np.ndarray]:
    """Clusters to splits: per stratum, in a seeded order, each cluster to the split furthest below
    its target share of the stratum's rows."""
    rng = np.random.default_rng(seed)
    ids, inverse, counts = np.unique(cluster, return_inverse=True, return_counts=True)
    # a cluster's stratum: its first row's
    first = np.full(ids.size, -1, np.int64)
    order = np.arange(cluster.size)[::-1]
    first[inverse[order]] = order
    c_stratum = strata[first]
    names = list(sizes)
    assign = np.zeros(ids.size, np.int64)
    for s in np.unique(c_stratum):
        members = np.flatnonzero(c_stratum == s)
        members = members[rng.permutation(members.size)]
        total = counts[members].sum()
        target = np.array([sizes[n] * total for n in names])
        have = np.zeros(len(names))
        for c in members.tolist():
            k = int(np.argmax(target - have))
            assign[c] = k
            have[k] += counts[c]
    row_split = assign[inverse]
    return {n: np.flatnonzero(row_split == k) for k, n in enumerate(names)}


def split(data: str | os.PathLike | Sequence[str | os.PathLike], *, test_size: float = 0.2,
          valid_size: float = 0.0, stratify: str | None = None, group: str | None = None, seed: int = 0,
          output_dir: str | None = None, text: tuple[str, ...] | None = None, near: bool = True,
          check: bool = True) -> SplitResult:
    """Split ``data`` (a file, or several files, globs or directories: shards of one dataset, read
    as one) into train/test(/valid) with no cluster across splits.  With ``output_dir``, write the
    splits there in each input's format (``train.csv``; with several inputs one file per input and
    split, ``train-00001-of-00003.jsonl``) and run LK001 on them when ``check``; else
    ``result.frames`` holds one pandas DataFrame per split.  ``near``: also keep near-duplicates
    together (the pairs ``near-duplicate`` reports)."""
    from .errors import UsageError
    from .sources import ReadOptions, discover, open_sources

    if not (0 < test_size < 1) or not (0 <= valid_size < 1) or test_size + valid_size >= 1:
        raise UsageError("--test-size and --valid-size are shares of the rows: each between 0 and 1, "
                         "their sum below 1")
    inputs = discover([os.fspath(data)] if isinstance(data, (str, os.PathLike)) else [os.fspath(d) for d in data])
    if not inputs:
        raise UsageError("split: no data files found")
    specs = open_sources(inputs, ReadOptions(), text=text, label=stratify)
    table, norm, counts, text_cols, columns = _read_all(specs)
    keys = [norm]
    for role, col in (("--group", group), ("--stratify", stratify)):
        lacking = [spec.info.path for spec, cols in zip(specs, columns) if col and col not in cols]
        if lacking:
            raise UsageError(f"{role} {col}: no such column in {lacking[0]}")
    if group:
        import pyarrow.compute as pc

        from .hashing import hash_strings

        column = table.column(group)
        # a row without a group value is in no group
        keys.append(_apart(hash_strings(column) ^ np.uint64(0x5BD1E995), np.asarray(pc.is_null(column)), 2))
    cluster = clusters(keys, _near_pairs(table, text_cols) if near and table.num_rows else None)
    labels = None
    strata = np.zeros(cluster.size, np.int64)
    if stratify:
        labels = np.array(["(missing)" if v is None else str(v) for v in table.column(stratify).to_pylist()],
                          dtype=object)
        _u, strata = np.unique(labels, return_inverse=True)
    sizes = {"train": 1 - test_size - valid_size, "test": test_size}
    if valid_size:
        sizes["valid"] = valid_size
    parts = _deal(cluster, strata, sizes, seed)
    result = SplitResult(rows=parts, clusters=int(np.unique(cluster).size))
    if labels is not None:
        result.labels = {n: Counter(labels[r].tolist()) for n, r in parts.items()}
    if output_dir is None:
        import pyarrow as pa

        result.frames = {n: table.take(pa.array(r)).to_pandas() for n, r in parts.items()}
        return result
    result.paths = _write(specs, counts, parts, output_dir, inputs)
    if check:
        from . import lint

        report = lint([p for ps in result.paths.values() for p in ps], select=["LK001"], text=list(text_cols))
        result.leakage = len(report.findings)
    return result


def _read_all(specs) -> tuple[Any, np.ndarray, list[int], tuple[str, ...], list[set[str]]]:
    """Every input read once: (the rows of all as one Arrow table, their normalised-text hashes,
    rows per input, the text columns, the columns of each input)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .context import BatchContext
    from .errors import UsageError

    tables, norm, counts, columns = [], [], [], []
    text_cols = specs[0].info.text_columns
    for spec in specs:
        if spec.info.text_columns != text_cols:
            raise UsageError(f"{spec.info.path}: text columns {list(spec.info.text_columns)}, "
                             f"{specs[0].info.path} has {list(text_cols)}; name them with --text")
        n = 0
        columns.append(set(spec.info.columns))
        for b in spec.reader.batches():
            if b.invalid:
                raise UsageError(f"{spec.info.path}:{b.invalid[0].line}: a record could not be parsed; "
                                 f"`trainlint check` shows it: fix it before splitting")
            ctx = BatchContext(spec.info, b.table, b.rows, b.invalid, b.lines)
            if ctx.text_normalized_hash is None:
                raise UsageError(f"{spec.info.path}: no text column found; name it with --text")
            if not np.array_equal(np.asarray(b.rows, np.int64), np.arange(n, n + len(b.rows))):
                raise UsageError(f"{spec.info.path}: rows out of order; cannot split this file")
            tables.append(b.table)
            columns[-1].update(b.table.column_names)
            # rows without text are not copies of each other
            empty = pc.fill_null(pc.equal(ctx.text_normalized, ""), True)
            norm.append(_apart(ctx.text_normalized_hash, np.asarray(empty, bool), 1, sum(counts) + n))
            n += len(b.rows)
        counts.append(n)
    try:
        table = pa.concat_tables(tables, promote_options="permissive") if tables else \
            pa.table({c: pa.array([], pa.string()) for c in sorted(set().union(*columns))})
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise UsageError(f"the inputs' columns do not fit together as one dataset: {e}") from None
    return table, np.concatenate(norm) if norm else np.empty(0, np.uint64), counts, text_cols, columns


def _apart(keys: np.ndarray, mask: np.ndarray, salt: int, first: int = 0) -> np.ndarray:
    """``keys`` with a value of its own for each row where ``mask`` is set (row numbers from
    ``first`` times an odd constant: distinct, and as unlikely as any hash to meet another)."""
    if not mask.any():
        return keys
    keys = keys.copy()
    rows = (np.flatnonzero(mask) + first).astype(np.uint64)
    with np.errstate(over="ignore"):
        keys[mask] = (rows * np.uint64(0x9E3779B97F4A7C15)) ^ np.uint64(salt << 56)
    return keys


def _near_pairs(table, text_cols: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(row, related row) of every near-duplicate finding on the rows already read (one Arrow
    table, one source: pairs across input files are found too): the rule's own pairs."""
    from . import lint

    report = lint(table, select=["near-duplicate"], text=list(text_cols))
    a, b = [], []
    for f in report.findings:
        for r in f.related:
            if f.row is not None and r.row is not None and r.row < table.num_rows:
                a.append(f.row)
                b.append(r.row)
    return np.array(a, np.int64), np.array(b, np.int64)


def _output_names(inputs: list[str], names) -> list[dict[str, str]]:
    """Per input, the file name of each split: ``train.csv``, or with several inputs
    ``train-00000-of-00003.csv`` (the split first, so ``split_from_name`` reads it back)."""
    out = []
    for i, path in enumerate(inputs):
        base = os.path.basename(path)
        ext = base[base.index("."):] if "." in base else ""
        for z in (".gz", ".bz2", ".xz", ".zst"):  # the rows are written uncompressed: say so in the name
            ext = ext[:-len(z)] if ext.endswith(z) else ext
        shard = f"-{i:05d}-of-{len(inputs):05d}" if len(inputs) > 1 else ""
        out.append({n: f"{n}{shard}{ext}" for n in names})
    return out


def _write(specs, counts: list[int], parts: dict[str, np.ndarray], output_dir: str,
           inputs: list[str]) -> dict[str, list[str]]:
    """Each input's rows of each split copied by its own reader, to temporary files renamed into
    place only when all are complete."""
    import tempfile

    from .errors import TrainlintError
    from .paths import ensure_not_an_input

    names = _output_names(inputs, parts)
    paths = {n: [os.path.join(output_dir, nm[n]) for nm in names] for n in parts}
    for ps in paths.values():
        for p in ps:
            ensure_not_an_input(p, inputs, "the split file")
    os.makedirs(output_dir, exist_ok=True)
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    done: list[tuple[str, str]] = []
    umask = os.umask(0)
    os.umask(umask)
    try:
        for i, spec in enumerate(specs):
            every = np.arange(counts[i], dtype=np.int64)
            for n, rows in parts.items():
                mine = rows[(rows >= starts[i]) & (rows < starts[i + 1])] - starts[i]
                fd, tmp = tempfile.mkstemp(prefix=".trainlint-", dir=output_dir)
                done.append((tmp, paths[n][i]))
                os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a split is an ordinary file
                with os.fdopen(fd, "wb") as out:
                    kept, _dropped = spec.reader.write_cleaned(np.setdiff1d(every, mine), out, lambda *a: None)
                if kept != mine.size:
                    raise TrainlintError(f"{spec.info.path}: internal error: {kept} rows written to {n}, "
                                         f"{mine.size} expected; nothing was written")
        for tmp, p in done:
            os.replace(tmp, p)
    except BaseException:
        for tmp, _p in done:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise
    return paths

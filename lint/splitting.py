"""A leakage-free train/test(/valid) split: rows with the same normalised text (NFKC, case folding,
collapsed spaces: exact copies included) and rows with the same ``group`` value form one cluster
(union-find), and a cluster never crosses a split; clusters are dealt to the splits per label
stratum in a seeded order, so the same seed gives byte-identical files.  Each split is written in
the input's own format by the reader that parsed it (``write_cleaned``: the rows kept as they
were), atomically, never over an input.  Near-duplicate clusters are not used yet.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: label proportions per split are within this of the input's (plus one cluster's weight)
TOLERANCE = 0.02


@dataclass
class SplitResult:
    """Row numbers (0-based, in the input) per split, the files written, and the checks."""

    rows: dict[str, np.ndarray]
    labels: dict[str, Counter] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
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
            where = f" -> {self.paths[name]}" if name in self.paths else ""
            out.append(f"  {name:<5} {r.size:>8} rows ({r.size / max(total, 1):.1%}){where}")
            if self.labels:
                out.append("        " + _distribution(self.labels[name], self.label_totals()))
        if self.leakage is not None:
            out.append(f"leakage check of the written files (LK001): {self.leakage} findings")
        return "\n".join(out)


def _distribution(dist: Counter, total: Counter, show: int = 8) -> str:
    """Label shares of one split; beyond ``show`` labels, the most common and the largest gap."""
    n = max(sum(dist.values()), 1)
    nt = max(sum(total.values()), 1)
    if len(total) <= show:
        return ", ".join(f"{k}: {dist[k] / n:.1%}" for k in sorted(total, key=str))
    gap = max(total, key=lambda k: abs(dist[k] / n - total[k] / nt))
    top = ", ".join(f"{k}: {v / n:.1%}" for k, v in dist.most_common(3))
    return (f"{len(dist)} labels; {top}, ...; largest gap {gap}: {dist[gap] / n:.1%} "
            f"(input {total[gap] / nt:.1%})")


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


def split(data: str, *, test_size: float = 0.2, valid_size: float = 0.0, stratify: str | None = None,
          group: str | None = None, seed: int = 0, output_dir: str | None = None,
          text: tuple[str, ...] | None = None, near: bool = True, check: bool = True) -> SplitResult:
    """Split the file ``data`` into train/test(/valid) with no cluster across splits.  With
    ``output_dir``, write ``train``/``test``/``valid`` files in the input's format there (and run
    LK001 on them when ``check``); else ``result.frames`` holds one pandas DataFrame per split.
    ``near``: also keep near-duplicates together (the pairs ``near-duplicate`` reports)."""
    import pyarrow as pa

    from .context import BatchContext
    from .errors import UsageError
    from .sources import ReadOptions, discover, open_sources

    if not (0 < test_size < 1) or not (0 <= valid_size < 1) or test_size + valid_size >= 1:
        raise UsageError("--test-size and --valid-size are shares of the rows: each between 0 and 1, "
                         "their sum below 1")
    inputs = discover([data])
    if len(inputs) != 1:
        raise UsageError(f"{data}: split takes one data file ({len(inputs)} found)")
    specs = open_sources(inputs, ReadOptions(), text=text, label=stratify)
    spec = specs[0]
    tables, norm, rows = [], [], []
    for b in spec.reader.batches():
        if b.invalid:
            raise UsageError(f"{spec.info.path}:{b.invalid[0].line}: a record could not be parsed; "
                             f"`trainlint check` shows it: fix it before splitting")
        ctx = BatchContext(spec.info, b.table, b.rows, b.invalid, b.lines)
        if ctx.text_normalized_hash is None:
            raise UsageError(f"{spec.info.path}: no text column found; name it with --text")
        tables.append(b.table)
        norm.append(ctx.text_normalized_hash)
        rows.append(np.asarray(b.rows, np.int64))
    table = pa.concat_tables(tables) if tables else None
    row_of = np.concatenate(rows) if rows else np.empty(0, np.int64)
    if row_of.size and not np.array_equal(row_of, np.arange(row_of.size)):
        raise UsageError(f"{spec.info.path}: rows out of order; cannot split this file")
    keys = [np.concatenate(norm)] if norm else [np.empty(0, np.uint64)]
    if group:
        if group not in table.column_names:
            raise UsageError(f"--group {group}: no such column in {spec.info.path}")
        from .hashing import hash_strings

        keys.append(hash_strings(table.column(group)) ^ np.uint64(0x5BD1E995))
    cluster = clusters(keys, _near_pairs(inputs[0], text, row_of.size) if near else None)
    labels = None
    strata = np.zeros(cluster.size, np.int64)
    if stratify:
        if stratify not in table.column_names:
            raise UsageError(f"--stratify {stratify}: no such column in {spec.info.path}")
        labels = np.array([str(v) for v in table.column(stratify).to_pylist()], dtype=object)
        _u, strata = np.unique(labels, return_inverse=True)
    sizes = {"train": 1 - test_size - valid_size, "test": test_size}
    if valid_size:
        sizes["valid"] = valid_size
    parts = _deal(cluster, strata, sizes, seed)
    result = SplitResult(rows=parts, clusters=int(np.unique(cluster).size))
    if labels is not None:
        result.labels = {n: Counter(labels[r].tolist()) for n, r in parts.items()}
    if output_dir is None:
        result.frames = {n: table.take(pa.array(r)).to_pandas() for n, r in parts.items()}
        return result
    result.paths = _write(spec, parts, output_dir, inputs)
    if check:
        from . import lint

        report = lint(list(result.paths.values()), select=["LK001"], text=list(text) if text else None)
        result.leakage = len(report.findings)
    return result


def _near_pairs(path: str, text: tuple[str, ...] | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, related row) of every near-duplicate finding on the input: the rule's own pairs."""
    from . import lint

    report = lint(path, select=["near-duplicate"], text=list(text) if text else None)
    a, b = [], []
    for f in report.findings:
        for r in f.related:
            if f.row is not None and r.row is not None and r.row < n:
                a.append(f.row)
                b.append(r.row)
    return np.array(a, np.int64), np.array(b, np.int64)


def _write(spec, parts: dict[str, np.ndarray], output_dir: str, inputs: list[str]) -> dict[str, str]:
    import tempfile

    from .errors import TrainlintError
    from .paths import ensure_not_an_input

    base = os.path.basename(spec.info.path)
    ext = base[base.index("."):] if "." in base else ""
    for z in (".gz", ".bz2", ".xz", ".zst"):  # the rows are written uncompressed: say so in the name
        ext = ext[:-len(z)] if ext.endswith(z) else ext
    paths = {n: os.path.join(output_dir, n + ext) for n in parts}
    for p in paths.values():
        ensure_not_an_input(p, inputs, "the split file")
    os.makedirs(output_dir, exist_ok=True)
    total = sum(r.size for r in parts.values())
    every = np.arange(total, dtype=np.int64)
    done = []
    umask = os.umask(0)
    os.umask(umask)
    try:
        for n, rows in parts.items():
            fd, tmp = tempfile.mkstemp(prefix=".trainlint-", suffix=ext, dir=output_dir)
            done.append(tmp)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a split is an ordinary file
            with os.fdopen(fd, "wb") as out:
                kept, _dropped = spec.reader.write_cleaned(np.setdiff1d(every, rows), out, lambda *a: None)
            if kept != rows.size:
                raise TrainlintError(f"{spec.info.path}: internal error: {kept} rows written to {n}, "
                                     f"{rows.size} expected; nothing was written")
        for tmp, p in zip(done, paths.values()):
            os.replace(tmp, p)
    except BaseException:
        for tmp in done:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise
    return paths

"""py3langid's naive-Bayes byte n-gram model, evaluated for a whole batch at once with NumPy.

1. the DFA over UTF-8 bytes advances every row of the batch one byte per step (one gather per
   byte position, rows sorted by length so the active rows are a prefix);
2. the (row, feature) counts become log1p weights, as in py3langid 0.4;
3. scores = weights @ log P(feature | language): one sparse-dense product (SciPy), or chunks
   of gathered table rows without it, plus the class prior;
4. probabilities as py3langid's ``norm_probs``: a softmax at temperature sqrt(bytes).

On the same bytes the predictions are py3langid's (``tests/test_text_quality_real.py``).
"""

from __future__ import annotations

import functools

import numpy as np

from ._langtext import Prepared

#: codes written differently by backends or users, mapped to one spelling.
ALIASES = {"nb": "no", "zh-cn": "zh", "zh-tw": "zh", "iw": "he", "jw": "jv", "in": "id"}


def canonical(code: str) -> str:
    code = code.strip().lower()
    return ALIASES.get(code, code)


@functools.lru_cache(maxsize=1)
def model():
    """py3langid's model as the arrays the vectorised walk and scoring use.  Decompressing and
    converting the bundled model takes ~0.8 s, so the result is kept in trainlint's array cache
    (``trainlint.cache``) and memory-mapped by later runs and by every ``--jobs`` worker."""
    try:
        from py3langid import langid
    except ImportError as e:  # pragma: no cover - a base dependency
        raise ImportError("language ID needs py3langid: pip install py3langid") from e
    from trainlint.cache import cached_arrays

    path = langid.MODEL_DIR / langid.MODEL_FILE
    # version: bump it whenever arrays() changes what it makes
    m = cached_arrays("py3langid", path, lambda: arrays(langid._load_model_file(path)), version=3)
    return {**m, "classes": [str(c) for c in m["classes"]]}


def arrays(model) -> dict[str, np.ndarray]:
    ptc, pc_, classes, nextmove, rows, out = model
    width = {2: np.uint16, 4: np.uint32, 8: np.uint64}
    nm = np.frombuffer(nextmove, dtype=width[nextmove.itemsize]).astype(np.int64)
    table_row = np.frombuffer(rows, dtype=width[rows.itemsize]).astype(np.int64)  # state -> row
    feature = np.asarray(out, dtype=np.int64)  # state -> feature emitted on entering it, or -1
    if table_row.max() >= 1 << 16:  # pragma: no cover - py3langid's model has 38,346 rows
        raise ValueError("py3langid model too large for the packed transition table")
    # packed[row << 8 | byte]: the next state's table row (16 bits) | its feature + 1 << 16
    return {
        "ptc": np.ascontiguousarray(ptc, dtype=np.float32),
        "pc": np.asarray(pc_, dtype=np.float32),
        "classes": np.array([canonical(c) for c in classes]),
        "packed": table_row[nm] | ((feature[nm] + 1) << 16),
        "start_row": table_row[:1].copy(),
        # the columns of the languages written in Latin script too (see NON_LATIN), contiguous
        "ptc_latin": np.ascontiguousarray(np.asarray(ptc, dtype=np.float32)[
            :, [canonical(c) not in NON_LATIN for c in classes]]),
    }


#: languages py3langid knows that are written only in other scripts than Latin: a text whose
#: letters are all ASCII is never one of them (measured: of 20,855 ASCII texts of lingua_sentences,
#: sms_spam and banking77, none has one as its best language), so ASCII rows are scored on the
#: other columns only, a third less work.
NON_LATIN = frozenset(
    "am ar arz as ba be bg bn dz el fa gom grc gu hbo he hi hy ja ka kk km kn ko ky lo mk ml mn mr "
    "my ne or pa ps ru sa sdh si ta te tg th tt ug uk ur wuu yue zh".split())


@functools.lru_cache(maxsize=8)
def latin_columns(languages: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """For :func:`columns` of ``languages``: the positions of its Latin-script columns and the
    table cut to them (contiguous: what the sparse product needs)."""
    labels, table, _prior, label_of_col = columns(languages)
    keep = np.array([labels[j] not in NON_LATIN for j in label_of_col.tolist()], bool)
    if keep.all():
        return np.arange(len(keep)), table
    m = model()
    if table is m["ptc"]:
        return np.flatnonzero(keep), m["ptc_latin"]
    return np.flatnonzero(keep), np.ascontiguousarray(table[:, keep])


@functools.lru_cache(maxsize=8)
def columns(languages: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
    """Labels, table, prior and column index for a language subset (all when empty).  Aliased
    columns (py3langid has two ``sr`` and two ``uz`` columns) keep one label with both columns."""
    m = model()
    classes = m["classes"]
    if languages:
        unknown = sorted(set(languages) - set(classes))
        if unknown:
            raise ValueError(f"py3langid does not know language code(s) {', '.join(unknown)}")
        cols = [i for i, c in enumerate(classes) if c in set(languages)]
    else:
        cols = list(range(len(classes)))
    labels = tuple(dict.fromkeys(classes[i] for i in cols))
    label_of_col = np.array([labels.index(classes[i]) for i in cols], dtype=np.int16)
    # every column, in order (the default): the table as it is (a read-only map of the cache),
    # not a 57 MB copy
    table = m["ptc"] if cols == list(range(len(classes))) else np.ascontiguousarray(m["ptc"][:, cols])
    return labels, table, m["pc"][cols].copy(), label_of_col


#: rows walked and scored together: their temporaries (~5 MB) stay in cache and are reused,
#: where one (bytes x rows) matrix for a whole 8 MiB batch cost more in page faults than in work
CHUNK = 4096
_NONE = np.iinfo(np.int32).max  # "no feature at this byte": sorts last


def walk(data: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The features hit by the bytes of each row (rows sorted longest first), counted, in CSR
    layout: ``indptr`` (n + 1), ``feats`` (ascending within a row) and their ``counts``.

    The DFA advances all rows one byte per step.  Its transition table is packed (see
    :func:`arrays`): one gather per step yields both the next row of the table and the
    feature emitted, instead of three gathers (next state, its row, its feature)."""
    m = model()
    packed = m["packed"]
    n = len(lens)
    steps = int(lens[0]) if n else 0
    active = np.searchsorted(-lens, -np.arange(steps), side="left")  # rows longer than t
    row = np.full(n, int(m["start_row"][0]), np.int64)
    by_step = np.full((steps, n), _NONE, np.int32)
    for t in range(steps):
        k = active[t]
        v = packed[(row[:k] << 8) | data[starts[:k] + t]]
        row[:k] = v & 0xFFFF
        by_step[t, :k] = (v >> 16) - 1
    by_step[by_step < 0] = _NONE
    feats = np.ascontiguousarray(by_step.T)  # a row's features side by side: one sort per row
    feats.sort(axis=1)
    flat = feats.ravel()
    first = np.ones(flat.size, bool)  # a run of equal features starts here (or a row does)
    first[1:] = flat[1:] != flat[:-1]
    first[::max(steps, 1)] = True
    run_starts = np.flatnonzero(first)
    runs = np.diff(np.append(run_starts, flat.size))
    real = flat[run_starts] != _NONE
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(run_starts[real] // max(steps, 1), minlength=n), out=indptr[1:])
    return indptr, flat[run_starts[real]], runs[real].astype(np.float32)


def probs(p: Prepared, languages: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray]:
    """Labels and the (n, labels) probabilities of the prepared texts."""
    labels, table, prior, label_of_col = columns(languages)
    latin, latin_table = latin_columns(languages)
    n = len(p.lens)
    scores = np.full((n, table.shape[1]), -np.inf, np.float32)
    for group, cols, tab in ((~p.ascii, slice(None), table), (p.ascii, latin, latin_table)):
        rows = np.flatnonzero(group)
        order = rows[np.argsort(-p.lens[rows], kind="stable")]  # longest first: a chunk's rows end together
        lens, starts = p.lens[order], p.starts[order]
        for a in range(0, len(order), CHUNK):
            indptr, feats, counts = walk(p.data, starts[a:a + CHUNK], lens[a:a + CHUNK])
            part = weighted_sum(indptr, feats, np.log1p(counts), len(indptr) - 1, tab)
            if isinstance(cols, slice):
                scores[order[a:a + CHUNK]] = part
            else:
                scores[order[a:a + CHUNK][:, None], cols] = part
    scores += prior
    z = scores / np.sqrt(np.maximum(p.lens, 1).astype(np.float32))[:, None]
    z -= z.max(axis=1, keepdims=True)
    out = np.exp(z, out=z)
    out /= out.sum(axis=1, keepdims=True)
    if label_of_col.size != len(labels):  # fold aliased columns (sr, uz twice) into one label
        first = np.unique(label_of_col, return_index=True)[1]
        folded = out[:, first]
        for col, lab in enumerate(label_of_col.tolist()):
            if first[lab] != col:
                folded[:, lab] += out[:, col]
        out = folded
    return labels, out


def weighted_sum(indptr: np.ndarray, feats: np.ndarray, weight: np.ndarray, n: int,
                 table: np.ndarray) -> np.ndarray:
    """scores[r] = sum of weight * table[feature] over row r's features (CSR input).

    With SciPy: one CSR product (5x faster on 140 columns); without, chunks of gathered table
    rows summed per row with ``np.add.reduceat``.  Both sum a row's features in feature order,
    so they agree to float32 rounding.
    """
    try:
        from scipy import sparse
    except ImportError:
        sparse = None
    if sparse is not None:
        m = sparse.csr_matrix((weight.astype(np.float32), feats, indptr), shape=(n, table.shape[0]))
        return np.asarray(m @ table, dtype=np.float32)
    scores = np.zeros((n, table.shape[1]), np.float32)
    rows = np.repeat(np.arange(n), np.diff(indptr))
    chunk = 16384
    for a in range(0, rows.size, chunk):
        r = rows[a:a + chunk]
        c = table[feats[a:a + chunk]]
        c *= weight[a:a + chunk, None]
        starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
        scores[r[starts]] += np.add.reduceat(c, starts, axis=0)
    return scores

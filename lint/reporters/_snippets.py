"""Snippets: a short, escaped piece of the text a finding is about, looked up when a report is shown.

Rules keep hashes, not text, so a finding carries no text.  A human-facing report shows one entry
per root cause, a few hundred at most, so their text is read back from the sources at report
time: only the blocks that hold a wanted row are parsed (``Block.first_row`` tells which), and only
the wanted rows' text is computed.  ``--no-show-text`` skips all of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping

import numpy as np

#: characters shown of a snippet; a longer text ends with "…".
SNIPPET_CHARS = 80


def is_private(f) -> bool:
    """A finding whose rule masks what it found (private data, secrets: ``extra["masked"]``): the
    text of its row is never shown, in any output; its message carries the masked evidence."""
    return bool(f.extra) and "masked" in f.extra


def escape_snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """``text`` on one line, at most ``limit`` characters, every control character escaped
    (``\\n``, ``\\x1b``, ``\\u202e``: ``trainlint.escape.text``), so it can start no terminal
    sequence, workflow command or hidden reordering.  Markup escaping (HTML, Markdown) is the
    reporter's job on top of this."""
    from ..escape import text as esc

    text = str(text).strip()
    cut = len(text) > limit
    out = esc(text[: limit * 2])  # escapes lengthen it; never escape a whole row
    if len(out) > limit or cut:
        out = out[: limit - 1].rstrip() + "…"
    return out


#: (source path, row, JSON pointer or column or None) -> what to show.  The third item picks the
#: text: a pointer into a nested record, a column of a row without a text role, else the row's text.
Want = tuple[str, int, str | None]


def lookup(report, wanted: Iterable[Want], limit: int = SNIPPET_CHARS,
           focus: Mapping[Want, str] | None = None) -> dict[Want, str]:
    """Escaped snippets of the wanted rows, read from ``report.inputs`` (none for a report made
    without inputs, a row that no longer parses, or an empty text).  ``focus``: the message of the
    finding a row is shown for; a piece of text it quotes is what the snippet shows (``around``).
    Each text is cut and escaped as it is read: the whole texts are never all held at once."""
    focus = focus or {}
    return read_texts(report, wanted, lambda w, t: escape_snippet(around(t, focus.get(w)), limit))


def shown(texts: Mapping[Want, str], limit: int = SNIPPET_CHARS,
          focus: Mapping[Want, str] | None = None) -> dict[Want, str]:
    """``read_texts``'s texts as snippets: escaped, at most ``limit`` characters (``lookup``)."""
    return {w: escape_snippet(around(t, (focus or {}).get(w)), limit) for w, t in texts.items()}


#: texts redacted (and kept: ``read_texts``) together: the redactors' prefilters search a list at once
_CHUNK = 4096


def read_texts(report, wanted: Iterable[Want], keep: Callable[[Want, str], str] | None = None) -> dict[Want, str]:
    """The whole texts of the wanted rows, private values masked, not escaped: one pass over the
    sources for every snippet a report shows (reading a source means cutting all its blocks).
    ``keep(want, text)``: what is kept of each text instead (a snippet), made a few thousand
    texts at a time as they are read."""
    memo = getattr(report, "text_memo", None)  # the texts an earlier run read (``textmemo``)
    known: dict[Want, str] = {}
    if memo is not None:
        known, wanted = memo.known(w for w in wanted if w[0] is not None and w[1] is not None)
    by_source: dict[str, dict[int, list[Want]]] = {}
    for w in wanted:
        if w[0] is not None and w[1] is not None:
            by_source.setdefault(w[0], {}).setdefault(int(w[1]), []).append(w)
    out: dict[Want, str] = {w: t if keep is None else keep(w, t) for w, t in known.items() if t}
    inputs = getattr(report, "inputs", None)
    if not by_source or inputs is None:
        return out
    from ..clean import opened

    try:
        specs = opened(inputs)  # a report holds no reader: open the sources again (cheap: no rows read)
    except Exception:  # the data changed or went away since the run: the report is shown without text
        return out
    from ..redact import flagged

    redactors = _redactors(report)
    read: dict[Want, str] | None = {} if memo is not None else None  # the masked texts, for the memo
    got: list[tuple[Want, str]] = []

    def flush() -> None:
        # one vectorised search of the redactors' prefilters over the texts (a near-duplicate report
        # shows two texts a finding, 270k at 1M templated rows): only those that may hold a private
        # value are redacted one by one
        maybe = flagged([t for _w, t in got], redactors) if redactors else set()
        for w, text in got:
            if maybe is None or text in maybe:
                text = redactors.text(text)
            if read is not None:
                read[w] = text
            out[w] = text if keep is None else keep(w, text)
        got.clear()

    done: list[Want] = []  # the rows of every source read through
    for spec in specs:
        rows = by_source.get(spec.info.path)
        if not rows:
            continue
        try:
            for w, text in _read(spec, rows):
                if text:
                    got.append((w, text))
                    if len(got) >= _CHUNK:
                        flush()
        except Exception:  # a report is still shown when its source changed or went away
            continue
        if read is not None:
            done += [w for ws in rows.values() for w in ws]
    flush()
    if memo is not None:
        memo.add(read, done)
    return out


def _redactors(report):
    """The ``redact`` of every rule that masks something (``Rule.redact``): the run's, with their
    options, and every other registered one, so text is masked whichever rules ran."""
    from ..redact import redactors

    return redactors(getattr(report, "rules", ()))


_QUOTED = re.compile(r'"([^"]{3,})"|\'([^\']{3,})\'|: (\S.{2,})$')


def around(text: str, message: str | None, before: int = 20) -> str:
    """``text`` from a little before the first piece of it that ``message`` quotes ("…", '…', or
    after the last ": "), so a snippet shows the evidence (a placeholder at the end of a letter, the
    words a reply stops on) rather than the opening; the text unchanged when nothing quoted is in it."""
    if not message:
        return text
    for m in _QUOTED.finditer(message):
        words = next(g for g in m.groups() if g).strip().strip("\"'").strip("…").split()
        if not words:
            continue
        # the message may have collapsed the text's whitespace
        hit = re.search(r"\s+".join(map(re.escape, words)), text, re.IGNORECASE)
        at = hit.start() if hit else -1
        if at > before:
            return "…" + text[at - before:].lstrip()
        if at >= 0:
            return text
    return text


def _read(spec, rows: Mapping[int, list[Want]]) -> Iterator[tuple[Want, str | None]]:
    wanted = np.array(sorted(rows), dtype=np.int64)
    left = wanted.size
    reader = spec.reader
    for block, nxt in _with_next(reader.blocks()):
        end = nxt.first_row if nxt is not None else None
        lo = int(np.searchsorted(wanted, block.first_row))
        if lo >= wanted.size or (end is not None and wanted[lo] >= end):
            continue  # no wanted row in this block: not parsed
        for batch in reader.parse(block):
            for inv in batch.invalid:
                for w in rows.get(inv.row, ()):
                    left -= 1
                    yield w, inv.raw.decode("utf-8", "backslashreplace") if inv.raw else None
            # ``isin`` sorted the wanted rows again for every batch (a near-duplicate report wants 160k)
            at = np.minimum(np.searchsorted(wanted, batch.rows), wanted.size - 1)
            hit = np.flatnonzero(wanted[at] == batch.rows)
            if hit.size:
                yield from _texts(spec.info, batch, hit, rows)
                left -= hit.size
        if left <= 0:
            return


def _with_next(items: Iterable) -> Iterator[tuple]:
    it = iter(items)
    prev = next(it, None)
    for item in it:
        yield prev, item
        prev = item
    if prev is not None:
        yield prev, None


def _texts(info, batch, hit: np.ndarray, rows: Mapping[int, list[Want]]) -> Iterator[tuple[Want, str | None]]:
    from ..context import BatchContext

    table = batch.table.take(hit)
    ctx = BatchContext(info, table, batch.rows[hit])
    text = ctx.text.to_pylist() if ctx.text is not None else None
    records = None
    for k, r in enumerate(ctx.rows.tolist()):
        for w in rows.get(r, ()):
            what = w[2]
            if what and what.startswith("/"):
                if records is None:
                    records = table.to_pylist()
                value = _at_pointer(records[k], what)
                yield w, value if isinstance(value, str) or value is None else _compact(value)
            elif what and what in table.column_names:  # a column finding: its value
                value = table.column(what)[k].as_py()
                yield w, None if value is None else str(value)
            elif text is not None:
                yield w, text[k]
            else:
                yield w, _compact(table.slice(k, 1).to_pylist()[0])


def _at_pointer(record, pointer: str):
    """The value at a JSON pointer (``/messages/3/content``); None when it leads nowhere."""
    value = record
    for part in pointer.strip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(value, str) and value[:1] in "[{":
            try:
                value = json.loads(value)
            except ValueError:
                return None
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _compact(value) -> str:
    """A row without a text role (``{"age": 22, "sex": "male"}``) as ``age=22, sex=male``."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False, default=str)

"""Root causes: the findings of a report folded into the entries a person reads.

The JSON report stays one finding per row; people read one entry per problem.  Findings that
share a rule and a ``group`` (a duplicate or near-duplicate cluster, one train row leaking into
several evaluation rows, a conflicting-label group) are one entry, anchored on the row they all
point at (the first copy, the train row); every other finding (a column or dataset finding, a row
of its own) is one entry.  Each entry may carry a snippet of the text it is about.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from collections.abc import Iterable, Mapping

from ..finding import Finding, Fix, Severity
from ._evidence import EVIDENCE_CHARS, READ_CHARS, is_pair, window
from ._snippets import is_private, read_texts, shown

#: other rows an entry lists before "and N more".
OTHERS_SHOWN = 8


@dataclass(frozen=True)
class Place:
    source: str | None
    row: int | None
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Pair:
    """A pair finding's evidence: its row, the row it was compared with, their similarity."""

    place: Place
    cited: Place
    similarity: float


@dataclass
class Entry:
    """One root cause: its rule, where it is (the anchor row), what it says and the other rows."""

    code: str
    name: str
    severity: Severity
    message: str
    anchor: Place
    column: str | None = None
    pointer: str | None = None
    findings: int = 1
    rows: int = 1
    others: list[Place] = field(default_factory=list)
    more: int = 0  # rows beyond ``others`` (a column finding's rows past its sample)
    fix: Fix | None = None
    snippet: str | None = None
    group: str | int | None = None
    private: bool = False  # its rows' text is never shown (see _snippets.is_private)
    #: pair findings' evidence (``_evidence``), in row order; shown with both texts
    pairs: list[Pair] = field(default_factory=list)
    #: the snippets of the pairs' rows that differ from the row they cite, and of the cited rows
    #: (``add_snippets``)
    texts: dict[Place, str] = field(default_factory=dict)
    cited: dict[Place, str] = field(default_factory=dict)
    #: the cited row's text from the same point as the row's, when both are shown from where they
    #: first differ (``_evidence.window``)
    windows: dict[Place, str] = field(default_factory=dict)

    @property
    def location(self) -> str:
        a = self.anchor
        src = a.source or "<run>"
        if a.line is not None:
            return f"{src}:{a.line}"
        return f"{src}:row {a.row}" if a.row is not None else src

    def where(self, p: Place) -> str:
        """``line 224`` in the anchor's source, else ``other.csv line 224`` (rows 0-based)."""
        at = f"line {p.line}" if p.line is not None else f"row {p.row} (0-based)"
        return at if p.source == self.anchor.source else f"{p.source} {at}"

    def evidence(self, limit: int = OTHERS_SHOWN) -> list[tuple[str, str]]:
        """(what, text) lines that show the pairs of the first ``limit`` pair findings whose row's
        text was read and differs from the cited row's (``add_snippets``): a row cited but shown
        nowhere else (the train row of a leak anchored on its evaluation row), ``line 118``, then
        each row with what it was compared with, ``line 4153, 74% similar to line 4143``."""
        pairs = [p for p in self.pairs[:limit] if p.place in self.texts]
        members = {p.place for p in pairs}
        cited = [c for c in dict.fromkeys(p.cited for p in pairs)
                 if c != self.anchor and c not in members and c in self.cited]
        out = [(self.where(c), self.cited[c]) for c in cited]
        for p in pairs:
            out.append((f"{self.where(p.place)}, {p.similarity:.0%} similar to {self.where(p.cited)}", self.texts[p.place]))
            if p.place in self.windows:  # shown from where the two first differ: the other text from there too
                out.append((f"  {self.where(p.cited)} from the same point", self.windows[p.place]))
        return out

    def shown_with_text(self) -> list[Place]:
        """The rows ``evidence`` shows with their text: left out of ``others_text`` beside it."""
        return [p.place for p in self.pairs[:OTHERS_SHOWN] if p.place in self.texts] + list(self.cited)

    def others_text(self, limit: int = OTHERS_SHOWN, skip: Iterable[Place] = ()) -> str:
        """``lines 224, 340, 445 and 21 more``; another source's rows after its path; rows in
        ``skip`` (shown with their text already) are left out."""
        skip = set(skip)
        others = [o for o in self.others if o not in skip]
        if not others:
            return ""
        by_source: dict[str | None, list[Place]] = {}
        for o in others[:limit]:
            by_source.setdefault(o.source, []).append(o)
        parts = []
        for src, places in by_source.items():
            lines = all(p.line is not None for p in places)
            nums = ", ".join(str(p.line if lines else p.row) for p in places)
            kind = ("line" if lines else "row") + ("s" if len(places) > 1 else "") + ("" if lines else " (0-based)")
            parts.append(f"{kind} {nums}" if src == self.anchor.source else f"{src} {kind} {nums}")
        rest = len(others) - limit + self.more if len(others) > limit else self.more
        return "; ".join(parts) + (f" and {rest:,} more" if rest > 0 else "")


class _Collected(list):
    """``collect``'s items, with ``reported``: the sources that have findings."""

    reported: set


def collect(report) -> _Collected:
    """The report's root causes in report order: an ``Entry`` for a finding of its own, the list of
    findings for a cluster (made into an ``Entry`` by ``cluster`` only when it is shown: a report of
    a million rows may hold tens of thousands)."""
    groups: dict[tuple[str, object], list[Finding]] = {}
    out = _Collected()
    out.reported = reported = set()
    for f in report.findings:
        reported.add(f.source)
        if f.row is not None and (f.group is not None or (f.column is not None and f.pointer is None)):
            # a cluster, or the rows one rule flags in one column: one entry each
            key = (f.code, f.group) if f.group is not None else (f.code, f.source, f.column)
            members = groups.get(key)
            if members is None:
                groups[key] = members = []
                out.append(members)
            members.append(f)
        else:
            out.append(_single(f))
    return out


def entries(report) -> list[Entry]:
    """Every root cause as an ``Entry``, in report order (by source and anchor row), without
    snippets: ``add_snippets`` reads them for the entries a reporter shows."""
    items = collect(report)
    made = [x if isinstance(x, Entry) else cluster(x, items.reported) for x in items]
    order = {s["path"]: k for k, s in enumerate(report.sources)}
    made.sort(key=lambda e: (order.get(e.anchor.source, -1), -1 if e.anchor.row is None else e.anchor.row,
                             e.code, e.column or "", e.pointer or ""))
    return made


def _rank(item: Entry | list[Finding], order: Mapping) -> tuple:
    """(code, severity rank, rows, where) of an entry or a cluster not yet made into one."""
    if isinstance(item, Entry):
        a = item.anchor
        return item.code, item.severity.rank, item.rows, (order.get(a.source, -1), -1 if a.row is None else a.row)
    first = item[0]
    if len(item) == 1 and len(first.related) == 1:  # a pair: the copy and the row it points at
        r = first.related[0]
        return first.code, first.severity.rank, 2, (order.get(r.source, -1), r.row)
    rows = {(f.source, f.row) for f in item}
    rel = {(r.source, r.row) for f in item for r in f.related[:1]}
    where = min(rel or rows, key=lambda p: (order.get(p[0], -1), p[1]))
    return (item[0].code, max(f.severity.rank for f in item), len(rows | rel),
            (order.get(where[0], -1), where[1]))


def by_rule(report, per_rule: int | None, code: str | None = None) -> list[tuple[list[Entry], int]]:
    """Entries by rule (most severe rule first, then the one with most rows), the most severe and
    largest first (then in report order), at most ``per_rule`` of each (None or 0: all), with how
    many were left out.  Only the entries shown are made."""
    order = {s["path"]: k for k, s in enumerate(report.sources)}
    rules: dict[str, list[tuple[tuple, Entry | list[Finding]]]] = {}
    collected = collect(report)
    reported = collected.reported
    for item in collected:
        k = _rank(item, order)
        if code is None or k[0] == code:
            rules.setdefault(k[0], []).append((k, item))
    ranked = sorted(rules.values(), key=lambda items: (-max(k[1] for k, _ in items), -sum(k[2] for k, _ in items),
                                                       items[0][0][0]))
    out = []
    for items in ranked:
        items.sort(key=lambda ki: (-ki[0][1], -ki[0][2], ki[0][3]))  # errors (exact evidence) first
        cut = items if not per_rule else items[:per_rule]
        out.append(([x if isinstance(x, Entry) else cluster(x, reported) for _, x in cut], len(items) - len(cut)))
    return out


def add_snippets(report, made: list[Entry]) -> None:
    """Put the text each entry is about (its anchor row's) on it, read back from the sources, and
    the texts of the rows its pair findings compare (``Entry.pairs``)."""
    wants = {id(e): _want(e) for e in made}
    focus = {w: e.message for e in made if (w := wants[id(e)]) is not None and e.findings == 1}
    pairs = {(q.source, q.row, None) for e in made if not e.private for p in e.pairs[:OTHERS_SHOWN]
             for q in (p.place, p.cited, e.anchor)}
    read = read_texts(report, {w for w in wants.values() if w is not None} | pairs)  # one pass over the sources
    found = shown({w: read[w] for w in wants.values() if w in read}, focus=focus)
    texts = shown({w: read[w] for w in pairs if w in read}, READ_CHARS)
    for e in made:
        w = wants[id(e)]
        e.snippet = found.get(w) if w is not None else None
        if e.pairs and (e.anchor.source, e.anchor.row, None) in texts:  # as long as the texts it is compared with
            e.snippet = window(texts[(e.anchor.source, e.anchor.row, None)], None)[0]
        e.texts, e.cited, e.windows = {}, {}, {}
        for p in e.pairs[:OTHERS_SHOWN]:
            mine, theirs = (texts.get((q.source, q.row, None)) for q in (p.place, p.cited))
            if mine is not None and _folded(mine) != _folded(theirs):  # an exact copy shows nothing new
                e.texts[p.place], there, moved = window(mine, theirs, EVIDENCE_CHARS)
                if theirs is not None:
                    e.cited[p.cited] = window(theirs, None)[0]
                    if moved:
                        e.windows[p.place] = there


def _folded(text: str | None) -> str | None:
    return None if text is None else " ".join(text.split()).casefold()


def _want(e: Entry):
    if e.anchor.row is None or e.private:
        return None
    return (e.anchor.source, e.anchor.row, e.pointer or e.column)


def _single(f: Finding) -> Entry:
    others: list[Place] = []
    more = 0
    if f.row is None and f.rows_sample:
        others = [Place(f.source, r, None) for r in f.rows_sample]
        more = max(0, f.n_rows - len(f.rows_sample))
    return Entry(f.code, f.name, f.severity, f.message, Place(f.source, f.row, f.line), f.column, f.pointer,
                 1, f.n_rows, others, more, f.fix, group=f.group, private=is_private(f), pairs=_pairs([f]))


def _pairs(members: list[Finding]) -> list[Pair]:
    """The evidence of the pair findings among ``members``, in row order."""
    out = [Pair(Place(f.source, f.row, f.line), Place(r.source, r.row, r.line), float(f.extra["similarity"]))
           for f in members if is_pair(f) for r in f.related[:1]]
    return sorted(out, key=lambda p: (p.place.source or "", p.place.row or 0))


def cluster(members: list[Finding], reported: set | None = None) -> Entry:
    """One entry for the findings of a cluster (or of one column), anchored on the row they point at,
    unless that row's file is only read as context (``reported``: the sources with findings; a
    sibling split read by ``--siblings``): then on the first finding, with its own message when alone."""
    first = members[0]
    context = reported is not None and bool(first.related) and not any(
        r.source in reported for f in members for r in f.related[:1])
    if context and len(members) == 1:
        return _single(first)
    if not context and len(members) == 1 and first.group is not None and len(first.related) == 1:
        # the common case, a pair (a copy and its first): no counting (a million-row report has 25k)
        r = first.related[0]
        anchor, other = Place(r.source, r.row, r.line), Place(first.source, first.row, first.line)
        return Entry(first.code, first.name, first.severity, headline(first.name, members, 2), anchor,
                     first.column, None, 1, 2, [other], 0, first.fix, group=first.group, private=is_private(first),
                     pairs=_pairs(members))
    places = {Place(f.source, f.row, f.line) for f in members}
    related = Counter(Place(r.source, r.row, r.line) for f in members for r in f.related[:1])
    if related and not context and len(related) > 1 and all(is_pair(f) for f in members):
        # pair findings that cite different rows (a near-duplicate cluster: each member cites a row
        # it was verified against): the cluster's first row, the one row cited and never flagged
        unflagged = set(related) - places
        anchor = min(unflagged or places, key=lambda p: (p.source or "", p.row or 0))
    elif related and not context:
        # the row the members point at (the first copy, the train row), ties to the earliest
        top = max(related.values())
        anchor = min((p for p, n in related.items() if n == top), key=lambda p: (p.row is None, p.row or 0))
    else:
        anchor = min(places, key=lambda p: p.row or 0)
    everyone = places | set(related)
    others = sorted((p for p in everyone if p != anchor), key=lambda p: (p.source != anchor.source,
                                                                         p.source or "", p.row or 0))
    severity = max((f.severity for f in members), key=lambda s: s.rank)
    fix = first.fix
    private = any(is_private(f) for f in members)
    if first.group is None:  # one column's rows
        return Entry(first.code, first.name, severity, _column_headline(members), anchor, first.column, None,
                     len(members), len(members), others, 0, fix, private=private)
    return Entry(first.code, first.name, severity, headline(first.name, members, len(everyone)),
                 anchor, first.column, None, len(members), len(everyone), others, 0, fix, group=first.group,
                 private=private, pairs=[] if private else _pairs(members))


# -- what an entry says ----------------------------------------------------------------------------
_LOCATION = re.compile(r"\s*\((?:see )?[^()]*:(?:\d+|row \d+)\)")
_SIMILAR = re.compile(r"(\d+)% similar")
_SAME = re.compile(r"same (.+?) as an earlier row")
_TAIL = re.compile(r";\s*(?:\d+ copies in all|\d+ rows in this cluster|this row says .*)$")


def _percent_range(members: list[Finding]) -> str:
    values = []
    for f in members:
        s = (f.extra or {}).get("similarity") if isinstance(f.extra, Mapping) else None
        if isinstance(s, (int, float)):
            values.append(round(100 * s))
        else:
            m = _SIMILAR.search(f.message)
            if m:
                values.append(int(m.group(1)))
    if not values:
        return ""
    lo, hi = min(values), max(values)
    return f"{lo}% similar" if lo == hi else f"{lo}-{hi}% similar"


def _labels(members: list[Finding]) -> str:
    labels = None
    for f in members:
        extra = f.extra if isinstance(f.extra, Mapping) else {}
        if isinstance(extra.get("labels"), Mapping):
            labels = extra["labels"]
            break
    if not labels:
        return ""
    return ", ".join(f"{k!r} ({v} row{'s' if v != 1 else ''})"
                     for k, v in sorted(labels.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def _column_headline(members: list[Finding]) -> str:
    n = len(members)
    if n == 1:
        return members[0].message
    kinds = Counter(f.message for f in members)
    (top, k), *rest = kinds.most_common()
    if not rest:
        return f"{n} rows: {top}"
    return f"{n} rows in column '{members[0].column}': {top} ({k:,}) and {len(rest)} other kind{'s' if len(rest) > 1 else ''}"


def headline(name: str, members: list[Finding], n: int) -> str:
    """What a cluster entry says, from its findings (their messages and ``extra``)."""
    msg = members[0].message
    if name == "exact-duplicate":
        m = _SAME.match(msg)
        if m:
            what = m.group(1)
            return f"{n} identical rows" if what == "every column" else f"{n} rows with the same {what}"
    if name == "normalized-duplicate":
        return f"{n} rows with the same text up to case, spacing or Unicode form"
    if name == "near-duplicate":
        sim = _percent_range(members)
        return f"{n} near-duplicate rows" + (f" ({sim})" if sim else "")
    if name == "conflicting-label":
        near = "nearly the same text" if any(f.message.startswith("nearly") for f in members) else "the same text"
        labels = _labels(members)
        return f"{n} rows of {near} with different labels" + (f": {labels}" if labels else "")
    if name == "split-leakage":
        near = [f for f in members if "appears in the train split" not in f.message]
        exact = len(members) - len(near)
        if len(members) == 1:
            return ("train row copied into an evaluation row" if exact else
                    f"train row nearly copied into an evaluation row ({_percent_range(near)})")
        parts = ([f"{exact} exact"] if exact else []) + ([f"{len(near)} near ({_percent_range(near)})"] if near else [])
        return f"train row found in {len(members)} evaluation rows: " + ", ".join(parts)
    text = _TAIL.sub("", _LOCATION.sub("", msg)).strip()
    return f"{n} rows: {text}" if text else f"{n} rows"


# -- as text ---------------------------------------------------------------------------------------
_SEV_COLOUR = {"error": "red", "warning": "yellow", "info": "blue"}


def text_lines(e: Entry, color: bool = False) -> list[str]:
    """``path:line: CODE name message``, then the snippet and the other rows, indented."""
    import click

    from ..escape import text as esc

    loc, code = esc(e.location, line_start=True), e.code
    if color:
        loc = click.style(loc, bold=True)
        code = click.style(code, fg=_SEV_COLOUR.get(e.severity.value), bold=True)
    col = f" [{esc(e.column)}]" if e.column and e.anchor.row is None else ""
    ptr = f" {esc(e.pointer)}" if e.pointer else ""
    out = [f"{loc}: {code} {e.name}{col}{ptr} {esc(e.message)}"]
    if e.snippet and e.anchor not in e.texts:  # else its evidence line shows it
        out.append(f"    | {esc(e.snippet)}")
    shown = e.evidence()
    for where, text in shown:
        out.append(f"    | {esc(where)}: {esc(text)}")
    others = e.others_text(skip=e.shown_with_text())
    if others:
        out.append(f"    = also {esc(others)}" if e.group is not None else f"    = {esc(others)}")
    return out

"""Guess a delimited file's dialect from a sample: delimiter, quoting and whether it has a header.

``csv.Sniffer`` picks a space as the delimiter of the SMS Spam Collection (tab-separated, no
header, no extension) and cannot tell bare quotes inside fields (MRPC) from real quoting, so
the guesses here are simpler and checked against such files in the tests.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

CANDIDATES = ("\t", ",", ";", "|")
_NUMERIC = re.compile(r"^[+-]?(\d+([.,]\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    quoting: bool
    header: bool


def sample_lines(sample: str, limit: int = 200) -> list[str]:
    lines = sample.splitlines()
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of a sample may be cut short
    return [ln for ln in lines[:limit] if ln.strip()]


#: a file of lines that no candidate splits (one sentence a line): one column, read with a
#: delimiter that text does not hold (splitting sentences on their commas made ragged columns)
NO_DELIMITER = "\x1f"


def guess_delimiter(sample: str, hint: str | None = None) -> str:
    if hint:
        return hint
    lines = sample_lines(sample)
    if not lines:
        return ","
    best, best_score = NO_DELIMITER if len(lines) > 1 else ",", -1.0
    for rank, d in enumerate(CANDIDATES):
        counts = [count_outside_quotes(ln, d) for ln in lines]
        mode, freq = Counter(counts).most_common(1)[0]
        if mode == 0:
            continue
        # consistency first; among equals, the order of CANDIDATES (tab is rarely inside text)
        score = freq / len(counts) - rank * 1e-3
        if score > best_score:
            best, best_score = d, score
    if best_score < 0.5 and len(lines) > 2 and '"' not in sample:
        # fewer than half the lines agree, and no quoted field can hide the delimiter in a
        # multi-line value: the commas are in the text (sentences, one a line)
        return NO_DELIMITER
    return best


def count_outside_quotes(line: str, d: str) -> int:
    # every quote toggles "inside": the pieces between quotes alternate outside, inside, outside...
    return sum(piece.count(d) for piece in line.split('"')[::2])


def guess_quoting(sample: str, delimiter: str) -> bool:
    """False when quotes appear inside fields rather than around them (quotes are then literal)."""
    text = sample.replace('""', "")
    n = len(text)
    bounds = {delimiter, "\n", "\r"}
    for i, ch in enumerate(text):
        if ch != '"':
            continue
        before = text[i - 1] if i > 0 else "\n"
        after = text[i + 1] if i + 1 < n else "\n"
        if before not in bounds and after not in bounds:
            return False
    return True


def looks_like_header(fields: list[str], second: list[str] | None) -> bool:
    """A header names columns: short, non-numeric, distinct, non-empty labels (but the first, over
    a numeric column: pandas' ``to_csv`` writes its index unnamed)."""
    if (len(fields) > 1 and not fields[0].strip().strip('"') and second
            and _NUMERIC.match(second[0].strip().strip('"'))):
        fields = fields[1:]
    if not fields or len(set(fields)) != len(fields):
        return False
    for f in fields:
        f = f.strip().strip('"')
        if not f or len(f) > 64 or _NUMERIC.match(f) or len(f.split()) > 4:
            return False
    if second is not None and len(second) == len(fields) and second == fields:
        return False
    return True


def split_fields(line: str, delimiter: str, quoting: bool) -> list[str]:
    if not quoting:
        return line.split(delimiter)
    import csv

    return next(csv.reader([line], delimiter=delimiter), [])


def sniff(sample: str, *, delimiter: str | None = None, quoting: bool | None = None,
          header: bool | None = None) -> Dialect:
    d = guess_delimiter(sample, delimiter)
    q = (d != NO_DELIMITER and guess_quoting(sample, d)) if quoting is None else quoting
    if header is None:
        lines = sample_lines(sample, 3)
        first = split_fields(lines[0], d, q) if lines else []
        second = split_fields(lines[1], d, q) if len(lines) > 1 else None
        header = looks_like_header(first, second)
    return Dialect(d, q, header)


def tsv_without_tabs(text: str, *, quoting: bool | None, header: bool | None) -> tuple[Dialect, str] | None:
    """A .tsv file without tabs but with another consistent delimiter: the dialect to read it
    with and the notice that says so (a file-level finding), instead of linting one column
    without a word.  None when the file has tabs or no other consistent delimiter."""
    lines = sample_lines(text)
    if not lines or any(count_outside_quotes(ln, "\t") for ln in lines):
        return None
    found = guess_delimiter(text)
    if found == "\t" or not all(count_outside_quotes(ln, found) for ln in lines[:50]):
        return None
    dialect = sniff(text, delimiter=found, quoting=quoting, header=header)
    name = {",": "comma", ";": "semicolon", "|": "pipe"}.get(found, repr(found))
    return dialect, (f"no tab in the first {len(lines):,} lines of a tab-separated file: read as "
                     f"{name}-separated; pass --delimiter '{found}' (or rename the file) to say so")


def dedupe_names(names: list[str]) -> list[str]:
    """Column names made unique the way pandas does (``a``, ``a.1``); an empty name is
    ``Unnamed: i`` as pandas reads it (the index ``to_csv`` writes has no name)."""
    seen: dict[str, int] = {}
    out = []
    for i, n in enumerate(names):
        n = n.strip() or f"Unnamed: {i}"
        if n in seen:
            seen[n] += 1
            n = f"{n}.{seen[n]}"
        seen.setdefault(n, 0)
        out.append(n)
    return out


#: stands for a CR while the csv module splits a record (a private-use code point)
_CR_STAND_IN = "\ue000"


def split_record(text: str, d: Dialect) -> list[str]:
    """The fields of one record with Python's csv module.  A bare CR inside a field is kept as part
    of the value: the csv module refuses it ("new-line character seen in unquoted field")."""
    quoting = csv.QUOTE_MINIMAL if d.quoting else csv.QUOTE_NONE
    if "\r" not in text:
        return next(csv.reader(io.StringIO(text), delimiter=d.delimiter, quoting=quoting), [])
    fields = next(csv.reader([text.replace("\r", _CR_STAND_IN)], delimiter=d.delimiter, quoting=quoting), [])
    return [f.replace(_CR_STAND_IN, "\r") for f in fields]

"""Escaping of everything printed from data (values, column names, file names, library messages).

One module, used by every human-facing output, so that data can never drive what shows it:

* ``text``: a terminal or a CI log (the text and concise reports, stderr).  Control characters
  (C0, DEL, C1: escape sequences that set the window title, clear the screen or make OSC 8
  hyperlinks), line and paragraph separators and bidi overrides are shown as ``\\x1b``-style
  escapes, so one finding stays one line; a line that would start with ``::`` (a GitHub Actions
  workflow command such as ``::error``) gets its first colon escaped.
* ``markdown``: a table cell of a pull-request comment: HTML and Markdown syntax become entities,
  so data makes no link, image, emphasis, table column or @mention; a bare URL is shown as code
  (copyable, not linked).
* ``github_data`` / ``github_property``: the escaping of the runner's own workflow commands.
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}
# C0 but tab kept only by ``keep_tab``, DEL, C1, NEL, line/paragraph separators, bidi controls, and
# the characters that print as nothing and are never part of a script's spelling (zero-width space,
# word joiner and invisible operators, a byte order mark, Hangul fillers): shown, they are the
# evidence of an invisible-character finding and explain why two "equal" texts differ.  Zero-width
# (non-)joiners are kept: Persian, Indic scripts and emoji sequences need them.
_INVISIBLE = "\u200b\u2060-\u2064\ufeff\u3164\u115f\u1160\uffa0"
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
                      + _INVISIBLE + "]")
_CONTROL_AND_TAB = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
                              + _INVISIBLE + "]")


def _one(m: re.Match) -> str:
    ch = m.group()
    named = _NAMED.get(ch)
    if named:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text(value: object, *, line_start: bool = False, keep_tab: bool = False) -> str:
    """``value`` safe to print on one line of a terminal or CI log.  ``line_start``: the text
    begins an output line (a file name in front of a finding), where ``::`` must not stand."""
    s = "" if value is None else str(value)
    s = (_CONTROL if keep_tab else _CONTROL_AND_TAB).sub(_one, s)
    if line_start and s.lstrip().startswith("::"):
        i = s.index("::")
        s = s[:i] + "\\x3a" + s[i + 1:]
    return s


def lines(block: str) -> str:
    """A block of several lines made by trainlint (a report, an error with a hint): each line kept,
    what each line holds escaped, and no line a workflow command."""
    return "\n".join(text(ln, line_start=True, keep_tab=True) for ln in block.split("\n"))


_MD = {**{c: f"&#{ord(c)};" for c in "|`[]\\@$"}, "<": "&lt;", ">": "&gt;", "&": "&amp;"}
# what GitHub would autolink: a scheme or ``www.`` and what follows up to a space or a character
# that ends a code span or a table cell; trailing punctuation stays outside, as GitHub leaves it
_URL = re.compile(r"(?i)(?:(?:https?|ftp)://|mailto:|www\.)[^\s|`<>\"]*[^\s|`<>\".,;:!?'()]")


def _md(s: str) -> str:
    return "".join(_MD.get(c, c) for c in s)


def markdown(value: object, limit: int | None = None) -> str:
    """``value`` as inert Markdown inline text (one line, at most ``limit`` characters): HTML and
    Markdown syntax as numeric entities, in one pass.  A URL becomes a code span: GitHub links
    bare URLs even through entities, and a link from data must not be one click away, but the
    address stays readable and copies exactly (no invisible character inside it)."""
    s = text(value)
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    out, at = [], 0
    for m in _URL.finditer(s):
        out += [_md(s[at:m.start()]), f"`{m.group()}`"]
        at = m.end()
    out.append(_md(s[at:]))
    return "".join(out)


def github_data(value: str) -> str:
    """A workflow command's message: the runner decodes %25, %0D and %0A."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(value: str) -> str:
    """A workflow command's property value (file=, title=): ``:`` and ``,`` too."""
    return github_data(value).replace(":", "%3A").replace(",", "%2C")

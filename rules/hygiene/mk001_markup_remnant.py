from __future__ import annotations

import re
from dataclasses import dataclass
from html.entities import html5

from ._scan import Hit, ScanRule, escape

_TAGS = ("a|abbr|b|big|blockquote|body|br|button|center|code|dd|del|div|dl|dt|em|embed|font|footer|form|h[1-6]|"
         "head|header|hr|html|i|iframe|img|input|ins|label|li|link|meta|nav|noscript|ol|option|p|pre|s|script|"
         "section|select|small|span|strike|strong|style|sub|sup|table|tbody|td|textarea|tfoot|th|thead|title|tr|"
         "tt|u|ul")
_TAG = re.compile(rf"</?(?:{_TAGS})(?:\s+[a-zA-Z][\w:-]*(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s<>]+))?)*\s*/?>"
                  r"|<!--.{0,200}?-->", re.I | re.S)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_WIKI = re.compile(r"\[\[[^\[\]\n]{1,100}\]\]|\{\{[A-Za-z][^{}\n|]{0,40}\|[^{}\n]{0,200}\}\}|\[edit\]|"
                   r"\[citation needed\]|(?m:^={2,4} ?[^=\n]{1,80} ?={2,4}\s*$)")
_MD_LINK = re.compile(r"!?\[[^\[\]\n]{0,100}\]\((?:https?://|/)[^()\s]{1,300}\)")
# a text that talks about markup or is a document of it holds it on purpose
_ON_PURPOSE = re.compile(r"(?i)\b(?:html|xml|css|markup|markdown|wikitext|jsx|svg)\b|<!doctype|```")
_PLURAL = {"HTML entity": "HTML entities", "HTML tag": "HTML tags", "Markdown link": "Markdown links"}
_FENCE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.S)


class MarkupRemnant(ScanRule):
    """Text holds markup left over from a web page: HTML tags or entities, wiki or Markdown syntax.

    What it checks
        Texts not meant to hold markup for: HTML entities (``&amp;``, ``&lt;#&gt;``, ``&#39;``;
        named ones must be real HTML5 entities), HTML tags by their real names (``<br />``,
        ``<p>``, ``<a href=…>``; ``<UKP>`` or ``<fone no>`` are not tags) and comments, wiki
        markup (``[[links]]``, ``{{templates|…}}``, ``[edit]``, ``== headings ==``) and, in plain
        text columns only, Markdown links and images.  Code spans, fenced code and texts that
        mention HTML, XML, CSS or Markdown are left out: they hold markup on purpose.

    Why it matters
        A model fine-tuned on ``I am &lt;#&gt; inches`` learns to write entities; ``<br />`` in
        reviews or ``[edit]`` from a wiki dump is boilerplate noise the model reproduces.

    Example
        ``I'm back &amp; we're packing the car now`` (SMS Spam Collection, 309 such rows).

    Fix
        Unsafe: the row is dropped (``--unsafe-fixes``).  Unescaping in the cleaned copy is not
        implemented yet (``html.unescape`` does it).

    Options
        ``tags``, ``entities``, ``wiki``, ``markdown-links`` (all true): which kinds to report.
        A dataset of HTML or code should ``--ignore MK001`` (or set the kinds to false).
    """

    code = "MK001"
    name = "markup-remnant"
    prefilter = r"&#?[A-Za-z0-9]{2,32};|</?[A-Za-z][A-Za-z0-9]*[\s/>]|<!--|\[\[|\{\{|\[edit\]|==|\]\("
    noun = "markup remnant"

    @dataclass(frozen=True)
    class Options:
        tags: bool = True
        entities: bool = True
        wiki: bool = True
        markdown_links: bool = True

    def scan(self, text):
        return self.scan_in(text, True)

    def scan_in(self, text, plain):
        if _ON_PURPOSE.search(text):
            return []
        if "`" in text:
            text = _FENCE.sub(lambda m: " " * len(m.group(0)), text)
        o = self.options
        hits = []
        if o.entities and "&" in text:
            for m in _ENTITY.finditer(text):
                e = m.group(0)
                if e[1] == "#" or e[1:] in html5:
                    hits.append(Hit("HTML entity", e))
        if o.tags and "<" in text:
            hits += [Hit("HTML tag", escape(m.group(0)[:40])) for m in _TAG.finditer(text)]
        if o.wiki:
            hits += [Hit("wiki markup", escape(m.group(0)[:40])) for m in _WIKI.finditer(text)]
        if o.markdown_links and plain and "](" in text:
            hits += [Hit("Markdown link", escape(m.group(0)[:40])) for m in _MD_LINK.finditer(text)]
        return hits

    def message(self, hits):
        kinds = list(dict.fromkeys(_PLURAL.get(h.kind, h.kind) if sum(x.kind == h.kind for x in hits) > 1
                                   else h.kind for h in hits))
        uniq = list(dict.fromkeys(h.shown for h in hits))
        shown = " ".join(uniq[:4]) + (f" and {len(uniq) - 4} more" if len(uniq) > 4 else "")
        return f"text holds markup ({', '.join(kinds)}): {shown}"

    def extra(self, hits):
        return {"count": len(hits), "kinds": sorted({h.kind for h in hits}),
                "sample": [h.shown for h in hits[:5]]}

from __future__ import annotations

import re
from dataclasses import dataclass

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._chat import ChatRule
from ._content import prose

#: ``{{ name }}``, ``{% tag %}``; not GitHub Actions' ``${{ github.repository }}`` in pasted YAML
_MUSTACHE = re.compile(r"(?<!\$)\{\{\s*[A-Za-z_][\w.\- ]{0,40}\s*\}\}|\{%\s*\w+[^%]{0,60}%\}")
#: ``{name}``; not ``\frac{a}{b}``, ``x^{n}``, ``a_{ij}`` (LaTeX)
_BRACED = re.compile(r"(?<![{}$\\\w^_])\{([a-z][a-z0-9]*(?:_[a-z0-9]+)*)\}(?!\})")
_LATEX = re.compile(r"\\[A-Za-z]+\{|\\[()\[\]]|\$[^$\n]+\$")
#: a prompt asking for a document to fill in: "[Your Name]" in the reply is what it asked for
_DOCUMENT = re.compile(r"\b(?:letter|e-?mail|template|script|invitation|invite|resume|cv|memo|note|message|"
                       r"speech|announcement|form|contract|post|greeting|closing|newsletter|press release|"
                       r"proposal|agreement|toast|card|bio|profile|sign-?off)s?\b", re.I)
_ANGLE = re.compile(r"<(?:[A-Z][A-Z0-9]*(?:[_ ][A-Z0-9]+)*)>")
_BRACKET = re.compile(r"\[(?:insert|your|enter|add|placeholder|recipient|company|name|todo|fill in)\b[^\]\n]{0,40}\](?!\()",
                      re.I)
#: <EOS>-like special tokens and common acronyms in angle brackets are not placeholders.
_ANGLE_OK = {"EOS", "BOS", "PAD", "UNK", "SEP", "CLS", "MASK", "S", "P", "B", "I", "U", "BR", "HR", "OK"}
_CODE_HINT = re.compile(r"(?:\bdef |\bfunction\b|\breturn\b|=|;|\bprint\(|\bformat\(|f\")")


class TemplatePlaceholder(ChatRule, Rule):
    """Turn holds an unfilled template placeholder.

    What it checks
        Every turn (prompt and reply, fenced and inline code left out) for placeholders a
        template left unfilled: ``{{name}}`` and ``{% … %}``, ``[INSERT …]``/``[Your Name]``-style
        brackets (not Markdown links), ``<PLACEHOLDER>``-style all-capital tags (not special
        tokens such as ``<EOS>``), and ``{name}`` format fields, the last only where a template is
        evident: a lower-case identifier in braces, in a turn with no code or LaTeX around it.
        One finding per turn, naming the placeholders.  Not reported: brackets and tags in a
        reply to a prompt that asks for a document to fill in (a letter, an email, a template,
        a script...: "[Your Name]" is what it asked for), GitHub Actions' ``${{ ... }}``,
        LaTeX's ``\frac{a}{b}``/``x^{n}``, the rejected side of a preference pair and the reply
        of an undesirable KTO example (meant to be bad).

    Why it matters
        A model fine-tuned on "Dear [Your Name]," learns to write placeholders; a prompt with
        ``{question}`` in it was never filled and the reply answers nothing.

    Example
        ``{"role": "user", "content": "Summarise {document} in one line."}``.

    Fix
        Unsafe: the record is dropped.  Refill the template instead when you can.

    Options
        ``format-fields`` (true): also report ``{name}`` fields.

    Default
        Information, measured: a review of 455 default findings (issue 22) judged 0.28 of this
        rule's right; on ../shared/data its 8 findings (alpaca_en_demo.json) were all
        "[Your Name]"/"[Company Name]" in letters, emails, scripts and templates the prompt asked
        for, all wrong.  After the change it finds none there, so there is no sample to show
        0.9 precision: it stays information until one does.
    """

    code = "CT001"
    name = "template-placeholder"
    severity = Severity.INFO
    groups = ("chat",)
    fix = Fix.UNSAFE

    @dataclass(frozen=True)
    class Options:
        format_fields: bool = True

    def check(self, chat):
        prompt, prev = "", None
        for t in chat.turns:
            if t.role == "user":  # the prompt: the user turns since the last reply (Alpaca: instruction + input)
                prompt = prompt + "\n" + t.text if prev == "user" else t.text
            prev = t.role
            if not chat.trained(t) or ("{" not in t.text and "[" not in t.text and "<" not in t.text):
                continue
            text = prose(t.text)
            found = [m.group(0) for m in _MUSTACHE.finditer(text)]
            if t.role != "assistant" or not _DOCUMENT.search(prompt):
                found += [m.group(0) for m in _BRACKET.finditer(text)]
                found += [m.group(0) for m in _ANGLE.finditer(text) if m.group(0)[1:-1] not in _ANGLE_OK]
            if self.options.format_fields and not _CODE_HINT.search(text) and not _LATEX.search(text):
                found += [m.group(0) for m in _BRACED.finditer(text)]
            if found:
                uniq = list(dict.fromkeys(found))
                shown = ", ".join(uniq[:5]) + (f" and {len(uniq) - 5} more" if len(uniq) > 5 else "")
                yield f"{t.role} turn holds unfilled template placeholder{'s' if len(uniq) > 1 else ''}: {shown}", t.pointer

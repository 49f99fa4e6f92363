"""A chat template compiled the way ``transformers`` compiles one, in Jinja's immutable sandbox
(a template is code from a file: it must never read files or run anything): ``loopcontrols``, a
``tojson`` that keeps non-ASCII text and key order, ``raise_exception``, and the ``{% generation %}``
blocks with which a template marks the assistant spans trained on (TRL's ``assistant_only_loss``).
"""

from __future__ import annotations

import functools
import re
import threading

_CHAT_HINT = "the trainer's-view chat rules need the chat extra: pip install 'trainlint[chat]'"


class ChatTemplate:
    """A compiled chat template: ``render(messages, add_generation_prompt)`` returns the text or
    raises ``TemplateError`` with the template's own message; ``control`` are its control tokens
    (known for bundled families, else found as ``<|...|>``-like literals in the template source)."""

    def __init__(self, name: str, source: str, control: tuple[str, ...], end_of_turn: str | None,
                 bos_token: str = "", eos_token: str = ""):
        """``TemplateSyntaxError`` (Jinja's, with its line) when ``source`` does not compile."""
        try:
            from jinja2.ext import loopcontrols
        except ImportError as e:
            raise ImportError(_CHAT_HINT) from e
        self.name, self.control, self.end_of_turn = name, control, end_of_turn
        self._tokens = {"bos_token": bos_token, "eos_token": eos_token}
        env = _sandbox()(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols, _generation()])
        env.filters["tojson"] = _tojson
        env.globals["raise_exception"] = _raise_template_error
        self._template = env.from_string(source)
        #: the template marks assistant spans with {% generation %} (``render_spans`` finds them)
        self.marks = "generation" in source and _GENERATION_TAG.search(source) is not None

    def render(self, messages: list[dict], add_generation_prompt: bool = False, tools: list | None = None) -> str:
        return self._template.render(messages=messages, add_generation_prompt=add_generation_prompt,
                                     tools=tools, **self._tokens)

    def render_spans(self, messages: list[dict], tools: list | None = None) -> tuple[str, list[tuple[int, int]]]:
        """The text and the (start, end) character spans of its ``{% generation %}`` blocks, found as
        transformers finds them: the length of the output already produced when a block renders."""
        blocks: list[str] = []
        _TRACK.spans, _TRACK.blocks = [], blocks
        try:
            for block in self._template.generate(messages=messages, add_generation_prompt=False, tools=tools,
                                                 **self._tokens):
                blocks.append(block)
            return "".join(blocks), _TRACK.spans
        finally:
            _TRACK.spans = _TRACK.blocks = None


_TRACK = threading.local()  # the render in progress of this thread (render_spans), else None
_GENERATION_TAG = re.compile(r"\{%-?\s*generation\s*-?%\}")


@functools.lru_cache(maxsize=1)
def _generation():
    """The ``{% generation %}...{% endgeneration %}`` tag: renders its body; during ``render_spans``
    also records where the body lands in the output."""
    from jinja2 import nodes
    from jinja2.ext import Extension

    class Generation(Extension):
        tags = {"generation"}

        def parse(self, parser):
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return nodes.CallBlock(self.call_method("_mark", []), [], [], body).set_lineno(lineno)

        def _mark(self, caller):
            text = caller()
            spans = getattr(_TRACK, "spans", None)
            if spans is not None:
                start = sum(len(b) for b in _TRACK.blocks)
                spans.append((start, start + len(text)))
            return text

    return Generation


@functools.lru_cache(maxsize=1)
def _sandbox():
    """Jinja's immutable sandbox, with one shortcut: the public attributes of a ``loop`` and of a
    ``namespace()`` (Jinja's own objects, which templates read on every message) are safe without
    the generic checks, which cost ~20 µs an access and made half of a render's time.  The answer is
    the one the generic checks give for them: only names starting with ``_`` are refused."""
    from jinja2.runtime import LoopContext
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from jinja2.utils import Namespace

    class Sandbox(ImmutableSandboxedEnvironment):
        def is_safe_attribute(self, obj, attr, value):
            if type(obj) in (LoopContext, Namespace):
                return not attr.startswith("_")
            return super().is_safe_attribute(obj, attr, value)

    return Sandbox


def _tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    import json

    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


class TemplateError(Exception):
    """A template refused a conversation (its ``raise_exception`` or any Jinja error)."""


def _raise_template_error(message):
    raise TemplateError(str(message))

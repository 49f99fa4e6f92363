"""The trainer's view, shared by the rules that render conversations (issue 18): each readable
conversation of a batch as the chat template renders it, memoised on the BatchContext.

Templates and tokenizers come from core's loader (``trainlint.resources``); rendering happens
once per batch and template, token counting once per batch in one ``encode_batch`` call.
"""

from __future__ import annotations

from dataclasses import dataclass

from trainlint.formats import maybe_json

from ._chat import Chat, applies, chats

#: record formats rendered as one conversation (a preference pair's sides are not rendered)
RENDERED = ("openai", "sharegpt", "alpaca", "kto")


@dataclass(frozen=True)
class Rendered:
    messages: tuple       # ({"role", "content"} dicts, with the PASSED keys a message has) as given to the template
    pointers: tuple       # JSON pointer of each message's text
    text: str | None      # the rendered conversation, None when the template refused it
    error: str | None     # the template's own message
    tools: list | None = None  # the record's declared tools (the template's ``tools``)
    spans: tuple | None = None  # (start, end) of each {% generation %} block, for a template that marks them


#: keys of an OpenAI message handed to the template besides role and content, as transformers does
PASSED = ("tool_calls", "tool_call_id", "name", "reasoning_content")


def extra_missing() -> bool:
    import importlib.util

    return importlib.util.find_spec("jinja2") is None or importlib.util.find_spec("tokenizers") is None


def view_applies(source, options) -> bool:
    """A rendering rule runs on chat sources when a template is known (a family/file, or a model
    folder) and the chat extra is installed; else it is skipped (``skip_reason`` says why)."""
    return applies(source) and source.record_format in RENDERED and bool(
        getattr(options, "chat_template", None) or getattr(options, "tokenizer", None)) and not extra_missing()


def skip_reason(options, needs: tuple[str, ...]) -> str | None:
    """Why a trainer's-view rule does not run (one summary line in the CLI), or None."""
    if extra_missing():
        return "the chat extra is not installed (pip install 'trainlint[chat]')"
    missing = [f"--{n.replace('_', '-')}" for n in needs if not getattr(options, n, None)]
    if "chat_template" in needs and "tokenizer" in needs and getattr(options, "tokenizer", None):
        missing = [m for m in missing if m != "--chat-template"]  # the model folder's template
    if needs == ("chat_template", "tokenizer"):  # either one is enough
        return "give --chat-template or --tokenizer" if len(missing) == 2 else None
    return f"give {' and '.join(missing)}" if missing else None


def template_of(options):
    from trainlint.resources import chat_template

    return chat_template(options.chat_template or "", options.tokenizer)


def messages_of(chat: Chat) -> tuple[tuple, tuple]:
    msgs, ptrs = [], []
    for t in chat.turns:
        if chat.fmt == "alpaca" and msgs and t.role == "user" == msgs[-1]["role"]:
            # an Alpaca instruction and its input are one user message to the trainer
            msgs[-1] = {"role": "user", "content": msgs[-1]["content"] + "\n" + t.text}
            continue
        msg = {"role": t.role, "content": t.text}
        raw = _raw_message(chat, t)
        if raw is not None:
            msg.update((k, maybe_json(raw[k]) if k == "tool_calls" else raw[k]) for k in PASSED
                       if raw.get(k) is not None)
        msgs.append(msg)
        ptrs.append(t.pointer)
    return tuple(msgs), tuple(ptrs)


def _raw_message(chat: Chat, turn) -> dict | None:
    """The OpenAI-style message object a turn was read from, found by its pointer
    (``/messages/3/content``); None for fields of instruction records and for transcripts."""
    if chat.fmt not in ("openai", "kto"):
        return None
    parts = turn.pointer.split("/")
    if len(parts) != 4 or not parts[2].isdigit():
        return None
    msgs = maybe_json(chat.record.get(parts[1]))
    index = int(parts[2])
    if not isinstance(msgs, (list, tuple)) or index >= len(msgs):
        return None
    raw = maybe_json(msgs[index])
    return raw if isinstance(raw, dict) and "role" in raw else None


def tools_of(chat: Chat) -> list | None:
    tools = maybe_json(chat.record.get("tools"))
    return list(tools) if isinstance(tools, (list, tuple)) and tools else None


def render_one(template, messages, add_generation_prompt: bool = False,
               tools: list | None = None) -> tuple[str | None, str | None]:
    try:
        return template.render(list(messages), add_generation_prompt, tools), None
    except Exception as e:  # noqa: BLE001 - any template error is the finding, never a crash
        return None, str(e) or type(e).__name__


def rendered(batch, options) -> list[Rendered | None]:
    """One Rendered per row (None: the record cannot be read or has no turns)."""
    template = template_of(options)

    def make():
        out = []
        for chat in chats(batch):
            if not chat.readable or not chat.turns:
                out.append(None)
                continue
            msgs, ptrs = messages_of(chat)
            tools = tools_of(chat)
            if template.marks:
                try:
                    text, spans = template.render_spans(list(msgs), tools)
                    out.append(Rendered(msgs, ptrs, text, None, tools, tuple(spans)))
                except Exception as e:  # noqa: BLE001 - as render_one
                    out.append(Rendered(msgs, ptrs, None, str(e) or type(e).__name__, tools))
                continue
            text, err = render_one(template, msgs, tools=tools)
            out.append(Rendered(msgs, ptrs, text, err, tools))
        return out

    return batch.cached(("chat-render", template.name), make)


def rendered_answers(batch, options):
    """(row in the batch, Rendered, message, pointer) of each assistant message of each conversation
    the template rendered: what the loss-mask rules (CH010, CH011) look for in the text."""
    for i, r in enumerate(rendered(batch, options)):
        if r is None or r.text is None:
            continue
        for m, ptr in zip(r.messages, r.pointers):
            if m["role"] == "assistant":
                yield i, r, m, ptr


_THINK = None


def think_blocks(content: str) -> tuple[str, list[str]]:
    """(the answer: ``content`` without its ``<think>...</think>`` blocks, stripped; the blocks'
    non-empty inner texts, stripped).  Unbalanced tags are CH008's: they stay in the answer."""
    global _THINK
    if "</think>" not in content:
        return content.strip(), []
    if _THINK is None:
        import re

        _THINK = re.compile(r"<think>(.*?)</think>", re.S)
    inner = [m.strip() for m in _THINK.findall(content) if m.strip()]
    return _THINK.sub("", content).strip(), inner


def control_tokens(options) -> tuple[str, ...]:
    """The chosen template's control tokens and the tokenizer's special tokens, longest first."""
    from trainlint.resources import tokenizer

    toks = set()
    if options.chat_template or options.tokenizer:
        try:
            toks.update(template_of(options).control)
        except Exception:  # noqa: BLE001 - a tokenizer without a template: its own tokens only
            if not options.tokenizer:
                raise
    if options.tokenizer:
        toks.update(tokenizer(options.tokenizer).special)
    return tuple(sorted((t for t in toks if t), key=lambda t: (-len(t), t)))


class ViewRule:
    """Mixin of the trainer's-view rules: the run-wide options they take (``Options``), when they
    run (``applies_to``) and why not (``skip_reason``, one summary line in the CLI)."""

    needs: tuple[str, ...] = ("chat_template", "tokenizer")

    @dataclass(frozen=True)
    class Options:
        chat_template: str = ""
        tokenizer: str = ""

    def skip_reason(self) -> str | None:
        return skip_reason(self.options, self.needs)

    def applies_to(self, source) -> bool:
        return view_applies(source, self.options) and (
            "max_length" not in self.needs or bool(self.options.tokenizer and self.options.max_length))

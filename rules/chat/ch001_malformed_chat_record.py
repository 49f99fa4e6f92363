from __future__ import annotations

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._chat import IssueRule


class MalformedChatRecord(IssueRule, Rule):
    """Chat record does not have the structure of its format.

    What it checks
        Each record of an OpenAI chat, ShareGPT, Alpaca or preference file against its format,
        with a JSON pointer to the offending place.  For OpenAI ``messages`` these are the seven
        error types of the OpenAI cookbook's format check, plus what it does not know:

        - ``'messages' is a string, not a list of messages`` / ``message is a list, not an
          object`` (wrong data type)
        - ``record has no 'messages' list`` (missing messages list)
        - ``message has no 'role'`` / ``user message has no 'content'`` (missing key or content;
          an assistant message that only calls tools may have none)
        - ``unrecognised key 'foo' in a message`` (keys: role, content, name, tool_calls,
          tool_call_id, function_call, weight, refusal)
        - ``unrecognised role "bot"`` (roles: system, developer, user, assistant, tool, function)
        - ``'content' is a number, not a string or a list of parts``, and malformed parts
        - ``tool call arguments are not valid JSON (…)``, a tool call without a function name,
          ``tool_calls`` on a non-assistant message, a tool message without ``tool_call_id``
        - ``'weight' is 0.5; it must be 0 or 1``

        The cookbook's seventh type, no assistant message, is ``chat-turn-order`` (CH002).
        ShareGPT: ``conversations`` a list of ``{from, value}`` objects with a known speaker
        (human, gpt, system, function_call, observation, ...) and a string value.  Alpaca:
        string ``instruction`` and ``output`` present, string ``input``/``system`` when given,
        ``history`` a list of [instruction, response] pairs.  Preference: ``chosen`` and
        ``rejected`` present, each a string (or transcript) or a list of messages, checked as
        above.  Modern tool messages (role ``tool``, ``tool_calls``, content as a list of
        parts) are valid.

    Why it matters
        A fine-tuning API rejects the whole file for one bad record, and a local trainer either
        crashes mid-epoch or, worse, silently trains on a template rendered from a null.

    Example
        ``{"messages": [{"content": "Hi"}, {"role": "assistant", "content": "Hello"}]}``:
        ``message has no 'role'`` at ``/messages/0``.

    Fix
        Unsafe: the record is dropped; repairing it may be better.

    Options
        None.  The format is detected from the columns or forced with ``--format``.
    """

    code = "CH001"
    name = "malformed-chat-record"
    severity = Severity.ERROR
    groups = ("chat",)
    fix = Fix.UNSAFE
    kind = "structure"

from __future__ import annotations

import functools
import json

from trainlint.finding import Fix, Severity
from trainlint.formats import maybe_json
from trainlint.rule import Rule

from ._chat import Chat, ChatRule

_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
          "object": (dict,), "array": (list,), "null": (type(None),)}


def _declared(tools) -> dict[str, dict]:
    """name -> JSON-schema ``parameters`` of the record's declared tools (OpenAI ``tools`` or a list of
    bare function specs, as ShareGPT's ``tools`` string)."""
    out = {}
    tools = maybe_json(tools)
    if not isinstance(tools, (list, tuple)):
        return out
    for t in tools:
        t = maybe_json(t)
        fn = t.get("function", t) if isinstance(t, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            params = fn.get("parameters")
            out[fn["name"]] = params if isinstance(params, dict) else {}
    return out


def _schema_problem(args: dict, schema: dict) -> str | None:
    """What is wrong with ``args`` under the declared ``schema`` (None: nothing): the whole JSON
    Schema through ``jsonschema`` when it is installed (the chat extra), else ``_subset_problem``."""
    try:
        validator = _validator(json.dumps(schema, sort_keys=True))
    except (TypeError, ValueError):
        validator = None
    if validator is None:
        return _subset_problem(args, schema)
    from jsonschema.exceptions import best_match

    try:
        error = best_match(validator.iter_errors(args))
    except Exception:  # noqa: BLE001 - a schema jsonschema cannot use (unknown type, bad $ref): the subset
        return _subset_problem(args, schema)
    return None if error is None else _phrase(error)


@functools.lru_cache(maxsize=256)
def _validator(schema_json: str):
    """A compiled validator of one declared schema (its ``$schema`` draft, else 2020-12), or None
    without jsonschema or for a schema it rejects.  ``$ref`` is never fetched (referencing does not
    retrieve remote documents unless told to)."""
    try:
        from jsonschema import validators
        from jsonschema.exceptions import SchemaError
    except ImportError:
        return None
    schema = json.loads(schema_json)
    cls = validators.validator_for(schema, default=validators.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError:
        return None
    return cls(schema)


def _phrase(error) -> str:
    """A jsonschema error in the words of the subset's messages (the same findings read alike)."""
    where = "/".join(str(p) for p in error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        missing = next((k for k in error.validator_value if k not in instance), "?")
        return f"misses the required argument '{where + '/' if where else ''}{missing}'"
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        declared = error.schema.get("properties") or {}
        extra = next((k for k in instance if k not in declared), "?")
        return f"has the undeclared argument '{where + '/' if where else ''}{extra}'"
    if error.validator == "type" and where:
        want = error.validator_value
        return f"argument '{where}' should be {'/'.join(want) if isinstance(want, list) else want}"
    if error.validator == "enum" and where:
        return f"argument '{where}' is not one of its enum values"
    return f"argument '{where}': {error.message}" if where else f"arguments: {error.message}"


def _subset_problem(args: dict, schema: dict) -> str | None:
    """Without jsonschema: the top level of the schema only (``required``, each property's
    ``type`` and ``enum``, ``additionalProperties: false``), the checks that catch most broken
    calls in function-calling data; nested objects, formats, ranges and combinators are not checked."""
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    required = schema.get("required")
    for key in required if isinstance(required, list) else ():
        if key not in args:
            return f"misses the required argument '{key}'"
    for key, value in args.items():
        spec = props.get(key)
        if spec is None:
            if props and schema.get("additionalProperties") is False:
                return f"has the undeclared argument '{key}'"
            continue
        want = spec.get("type") if isinstance(spec, dict) else None
        kinds = [want] if isinstance(want, str) else want if isinstance(want, list) else []
        ok = [k for k in kinds if k in _TYPES]
        if ok and not any(isinstance(value, _TYPES[k]) and not (k in ("integer", "number") and isinstance(value, bool))
                          for k in ok):
            return f"argument '{key}' should be {'/'.join(ok)}"
        if isinstance(spec, dict) and isinstance(spec.get("enum"), list) and value not in spec["enum"]:
            return f"argument '{key}' is not one of its enum values"
    return None


def _check_call(name, args, declared, where, parse_errors=True):
    """(message, pointer) of a call's arguments: JSON text that does not parse (ShareGPT only: for
    OpenAI messages that is ``malformed-chat-record``), not an object, a function or arguments the
    record's tools do not declare."""
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError as e:
            if not parse_errors:
                return None
            return f"tool call arguments are not valid JSON ({e.msg} at character {e.pos})", where
    if not isinstance(args, dict):
        return "tool call arguments are not a JSON object", where
    if declared and isinstance(name, str):
        if name not in declared:
            return f"tool call names '{name}', which the record's tools do not declare", where
        problem = _schema_problem(args, declared[name])
        if problem:
            return f"tool call '{name}' {problem} (declared schema)", where
    return None


class InvalidToolArguments(ChatRule, Rule):
    """Tool call arguments are not valid JSON or do not match the declared tool.

    What it checks
        ShareGPT ``function_call`` turns (``{"name": ..., "arguments": ...}``) must parse as a JSON
        object (for OpenAI ``tool_calls[].function.arguments`` that is ``malformed-chat-record``,
        CH001).  When the record declares ``tools``, the called function must be one of them and its
        arguments must validate against the tool's ``parameters`` JSON Schema, with ``jsonschema``
        (in the chat extra; the schema's ``$schema`` draft, else 2020-12; ``$ref`` never fetched).
        Without jsonschema a subset is checked, the top level only: ``required`` keys, each
        property's ``type``/``enum``, and ``additionalProperties: false``.  Calls without a reply and
        replies without a call are ``unmatched-tool-call`` (CH004).

    Why it matters
        Function-calling fine-tuning teaches the model to write these arguments: a broken one
        teaches broken JSON, and trainers that parse the arguments (``json.loads`` in the chat
        template) fail on the row.

    Example
        ``"arguments": "{\\"town\\": 3}"`` for a declared tool that requires ``city``.

    Fix
        Unsafe: the record is dropped.

    Options
        None.
    """

    code = "CH009"
    name = "invalid-tool-arguments"
    severity = Severity.ERROR
    groups = ("chat",)
    fix = Fix.UNSAFE

    def check(self, chat: Chat):
        rec = chat.record
        declared = _declared(rec.get("tools"))
        for th in chat.threads:
            if not th.readable or th.transcript:
                continue
            msgs = maybe_json(rec.get(th.key))
            if not isinstance(msgs, (list, tuple)):
                continue
            for t in th.turns:
                if not t.has_tool_calls or t.index < 0 or t.index >= len(msgs):
                    continue
                m = maybe_json(msgs[t.index])
                if "value" in m and "from" in m:  # ShareGPT function_call: the value is the call
                    call = maybe_json(m.get("value"))
                    if not isinstance(call, dict):
                        yield "function_call value is not a JSON object", t.pointer
                        continue
                    found = _check_call(call.get("name"), call.get("arguments", {}), declared, t.pointer)
                    if found:
                        yield found
                    continue
                for j, call in enumerate(maybe_json(m.get("tool_calls")) or ()):
                    call = maybe_json(call)
                    fn = call.get("function") if isinstance(call, dict) else None
                    if not isinstance(fn, dict):
                        continue
                    found = _check_call(fn.get("name"), fn.get("arguments", "{}"), declared,
                                        f"/{th.key}/{t.index}/tool_calls/{j}/function/arguments",
                                        parse_errors=False)
                    if found:
                        yield found

"""Chat / instruction formats: iter_turns, the chat rules on the shared real files, and
malformed variants through the CLI (one clear finding with line and pointer, never a traceback)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from helpers import DATA
from trainlint.cli import cli
from trainlint.formats import iter_turns
from trainlint.registry import find_rule
from trainlint.testing import run_rules_on_files

CHAT = DATA / "chat"
CHAT_CODES = ["CH001", "CH002", "CH003", "CH004", "CT001", "CT002", "CT003", "CT004", "CT005", "CT006", "TK001"]


def _run(path, codes=CHAT_CODES, options=None):
    rules = [find_rule(c)(find_rule(c).make_options((options or {}).get(c, {}))) for c in codes]
    return run_rules_on_files(rules, [str(path)])


def _check(path, *extra):
    res = CliRunner().invoke(cli, ["check", str(path), "--output-format", "json", *extra], catch_exceptions=False)
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.output)


# -- iter_turns ----------------------------------------------------------------------------------

def test_iter_turns_each_format():
    assert iter_turns("openai", {"messages": [
        {"role": "system", "content": "s"},
        {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {}}]},
        {"role": "assistant", "content": "yo"}]}) == [
        ("system", "s", "/messages/0/content"), ("user", "hi", "/messages/1/content"),
        ("assistant", "yo", "/messages/2/content")]
    # a column that came back as JSON text (types differed across rows)
    assert iter_turns("sharegpt", {"conversations": '[{"from": "human", "value": "a"}, {"from": "gpt", "value": "b"}]'}) == [
        ("user", "a", "/conversations/0/value"), ("assistant", "b", "/conversations/1/value")]
    assert iter_turns("alpaca", {"instruction": "i", "input": "", "output": "o", "history": [["q", "a"]]}) == [
        ("user", "q", "/history/0/0"), ("assistant", "a", "/history/0/1"), ("user", "i", "/instruction"),
        ("assistant", "o", "/output")]
    assert iter_turns("preference", {"chosen": "\n\nHuman: hi\n\nAssistant: hello", "rejected": "no"}) == [
        ("user", "hi", "/chosen"), ("assistant", "hello", "/chosen"), ("assistant", "no", "/rejected")]
    assert iter_turns("openai", {"messages": 5}) == [] and iter_turns("text", {"text": "x"}) == []


# -- real files ----------------------------------------------------------------------------------

def test_openai_toy_file():
    res = _run(CHAT / "openai_toy_chat_fine_tuning.jsonl")
    got = [(f.code, f.line, f.pointer) for f in res.findings]
    assert got == [("CH002", 4, "/messages"), ("TK001", 5, "/messages/2/content")]
    assert "no user message" in res.findings[0].message
    stats = res.stats["token-budget"]
    assert stats["examples"] == 5 and stats["over_budget"] == 1 and stats["without_system_message"] == 1
    assert stats["tokens_per_example"]["max"] > 6000
    assert stats["messages_per_example"] == {"min": 2, "median": 3.0, "p95": 7.8, "max": 9}


def test_alpaca_demo_refusals_short_outputs_and_no_structure_errors():
    res = _run(CHAT / "alpaca_en_demo.json")
    by = {}
    for f in res.findings:
        by.setdefault(f.code, []).append(f)
    assert not {"CH001", "CH002", "CH004", "TK001"} & set(by)
    # the outputs with "as an AI"/"language model" boilerplate that states a limitation ("As an AI, I
    # don't have access..."), and refusals ("I'm sorry, I cannot retrieve that..."); not "As an AI
    # assistant, I would first..." (4 before), nor "I cannot determine the angle without more
    # information" (an answer, 2 before): 30 -> 23, all 23 judged right
    assert len(by["CT002"]) == 23
    short = by["CT006"]
    assert [f.message.split(": ", 1)[1] for f in short] == ["'fog.'", "'3'", "'0.5'", "'bird'"]
    assert all(f.pointer == "/output" for f in by["CT002"] + short)
    # "[Your Name]" in the letters and emails the prompts asked for is what they asked for (8 -> 0)
    assert "CT001" not in by
    assert [f.row for f in by["CT004"]] == [179, 269, 463, 730]


def test_sharegpt_dummy_has_no_structural_findings():
    res = _run(CHAT / "sharegpt_dummy_conversation.json", ["CH001", "CH002", "CH003", "CH004", "TK001"])
    assert res.findings == []
    assert res.stats["token-budget"]["examples"] == 500


# -- malformed variants through the CLI ------------------------------------------------------------

GOOD = {"messages": [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4, of course."}]}
TOOL = {"messages": [
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": None,
     "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": Paris}"}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "18C"},
    {"role": "assistant", "content": "It is 18C in Paris."}]}


@pytest.mark.parametrize("bad,pointer,words", [
    ({"messages": [{"content": "Who are you?"}, {"role": "assistant", "content": "A helper."}]},
     "/messages/0", "message has no 'role'"),
    (TOOL, "/messages/1/tool_calls/0/function/arguments", "tool call arguments are not valid JSON"),
    ({"messages": [["user", "Who are you?"], {"role": "assistant", "content": "A helper."}]},
     "/messages/0", "message is a list, not an object"),
    ({"messages": {"role": "user", "content": "Who are you?"}}, "/messages", "'messages' is an object"),
], ids=["no-role", "bad-tool-json", "list-for-message", "object-for-messages"])
def test_malformed_variant_gives_one_clear_finding(tmp_path, bad, pointer, words):
    path = tmp_path / "chat.jsonl"
    other = {"messages": [{"role": "user", "content": "And 3+3?"}, {"role": "assistant", "content": "6, of course."}]}
    path.write_text("\n".join(json.dumps(r) for r in (GOOD, bad, other)) + "\n")
    report = _check(path)
    chat = [f for f in report["findings"] if f["code"][:2] in ("CH", "CT", "TK")]
    assert len(chat) == 1, chat
    f = chat[0]
    assert (f["code"], f["line"], f["pointer"]) == ("CH001", 2, pointer)
    assert words in f["message"]
    assert report["sources"][0]["record_format"] == "openai"


def test_forced_format_on_wrong_shape_is_reported_not_raised(tmp_path):
    path = tmp_path / "plain.jsonl"
    path.write_text('{"text": "hello", "label": "a"}\n{"text": "bye", "label": "b"}\n')
    report = _check(path, "--format", "openai", "--select", "CH,CT,TK")
    assert [(f["code"], f["line"], f["pointer"]) for f in report["findings"]] == [
        ("CH001", 1, "/messages"), ("CH001", 2, "/messages")]


# -- layouts beyond the four basic ones (small fixtures modelled on the public formats) -----------------

LAYOUTS = __import__("pathlib").Path(__file__).parent / "data" / "chat_layouts"


def _codes(path, codes=CHAT_CODES + ["DU001", "DU003"]):
    res = _run(path, codes)
    return res, [(f.code, f.line, f.pointer) for f in res.findings]


def test_llamafactory_sft_layout_is_not_broken_openai():
    """LLaMA-Factory's newer SFT layout: content parts ``{"type": "text", "value": ...}`` and
    ``loss_weight``; tool calls as parts, tool results without ids.  Before: 22 CH001 errors and
    a false duplicate (every text read as empty) in these 4 rows; the placeholder went unseen."""
    res, got = _codes(LAYOUTS / "llamafactory_sft.jsonl")
    assert got == [("CT001", 3, "/messages/1/content")], got
    assert "{{customer_name}}" in res.findings[0].message
    turns = iter_turns("openai", {"messages": [{"role": "user", "content": [{"type": "text", "value": "hi"}]}]})
    assert turns == [("user", "hi", "/messages/0/content")]


def test_llamafactory_layout_still_checked(tmp_path):
    bad = {"messages": [{"role": "user", "content": [{"type": "text", "value": 3}], "loss_weight": 0.0},
                        {"role": "assistant", "content": [{"type": "text", "value": "ok"}], "loss_weight": "high"}]}
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(bad) + "\n")
    found = _run(path, ["CH001"]).findings
    assert [(f.pointer, f.message) for f in found] == [
        ("/messages/0/content/0/value", "text part has a number 'value', not a string"),
        ("/messages/1/loss_weight", "'loss_weight' is \"high\"; it must be a number >= 0")]


def test_dpo_in_sharegpt_layout_is_preference():
    """LLaMA-Factory's DPO layout: ``conversations`` ending with the human turn, the answers in
    ``chosen``/``rejected``.  Before: read as ShareGPT, a CH002 on every row (3 of 3).  The
    rejected side's placeholder is not reported (it is meant to be bad)."""
    res, got = _codes(LAYOUTS / "dpo_sharegpt.json")
    assert _check(LAYOUTS / "dpo_sharegpt.json")["sources"][0]["record_format"] == "preference"
    assert got == []
    turns = iter_turns("preference", json.loads((LAYOUTS / "dpo_sharegpt.json").read_text())[1])
    assert [(r, p) for r, _t, p in turns] == [
        ("system", "/conversations/0/value"), ("user", "/conversations/1/value"),
        ("assistant", "/conversations/2/value"), ("user", "/conversations/3/value"),
        ("assistant", "/chosen/value"), ("assistant", "/rejected/value")]


def test_hh_transcripts_are_split_into_turns():
    """Anthropic HH: each side a "\\n\\nHuman: … \\n\\nAssistant: …" string, split into turns so the
    turn rules see them: the empty final assistant turn of row 3 is found (before: nothing)."""
    res, got = _codes(LAYOUTS / "hh_rlhf.jsonl")
    assert got == [("CH003", 3, "/chosen")], got
    assert "final assistant turn is empty" in res.findings[0].message
    bad = {"chosen": "\n\nHuman: a\n\nHuman: b\n\nAssistant: c", "rejected": "\n\nHuman: a\n\nAssistant: d"}
    from trainlint.testing import run_rules_on

    found = run_rules_on([find_rule("CH002")()], [{"records": [bad]}]).findings
    assert [(f.pointer, f.message.split(":")[0]) for f in found] == [
        ("/chosen", "two Human turns in a row (turns 1 and 2)")]


def test_kto_is_detected_and_undesirable_replies_are_not_judged():
    """KTO (messages + boolean label): the undesirable example's "As an AI language model" reply is
    meant to be bad.  Before: read as OpenAI chat, CT002 on it."""
    res, got = _codes(LAYOUTS / "kto.json")
    assert _check(LAYOUTS / "kto.json")["sources"][0]["record_format"] == "kto"
    assert got == []

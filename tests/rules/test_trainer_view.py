"""The trainer's view (CH005-CH011) on ../shared/data/chat: a seeded corpus with planted defects,
rendered for every bundled template family (recall 1.0), and the unmodified files (no findings
beyond the one conversation the strict templates truly refuse)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainlint import lint
from trainlint.chat_templates import FAMILIES
from trainlint.testing import tekken_path


CHAT = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "chat"
CODES = ["CH001", "CH005", "CH006", "CH007", "CH008", "CH009", "CH010", "CH011"]
MAX_LENGTH = 16384  # OpenAI toy row 4 (a 26,000-character reply) is ~8,500 tokens
TOOLS = [{"type": "function", "function": {"name": "weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city"], "additionalProperties": False}}}]


def _run(paths, family):
    view = {"chat-template": family, "tokenizer": tekken_path(), "max-length": MAX_LENGTH}
    report = lint([str(p) for p in paths], select=CODES, rules={
        "chat-template-error": {k: v for k, v in view.items() if k != "max-length"},
        "control-token-in-text": {k: v for k, v in view.items() if k != "max-length"},
        "assistant-span-dropped": {k: v for k, v in view.items() if k != "max-length"},
        "reasoning-dropped": {k: v for k, v in view.items() if k != "max-length"},
        "truncated-at-max-length": view})
    return [(Path(f.source).name, f.row, f.code) for f in report.findings]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_unmodified_chat_files_have_no_findings(family):
    found = _run(sorted(CHAT.glob("*.json*")), family)
    # OpenAI's toy file, row 3: system then assistant, no user turn: every Gemma template on the Hub
    # refuses it (roles must alternate from user); mistral-common gives it an empty user turn
    expected = [("openai_toy_chat_fine_tuning.jsonl", 3, "CH005")] if family == "gemma" else []
    assert found == expected


def test_max_length_is_the_token_budget_unless_the_rule_sets_its_own():
    toy = CHAT / "openai_toy_chat_fine_tuning.jsonl"   # line 5: a reply of ~6,500 estimated tokens
    def budget_findings(**kw):
        return [f.row for f in lint(toy, select=["TK001"], **kw).findings]
    assert budget_findings() == [4]                      # default budget 4096
    assert budget_findings(max_length=8192) == []
    assert budget_findings(max_length=8192, rules={"TK001": {"budget": 1000}}) == [4]


def _one_chat(tmp_path):
    data = tmp_path / "chat.jsonl"
    data.write_text(json.dumps({"messages": [{"role": "user", "content": "q"},
                                             {"role": "assistant", "content": "a"}]}) + "\n")
    return data


def _call(args, name="weather", cid="c1"):
    return {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}


def _tool_chat(args, name="weather"):
    return {"tools": TOOLS, "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [_call(args, name)]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "assistant", "content": "Sunny."}]}


def _seeded(family, tmp_path):
    """OpenAI-format records from the shared files with one planted defect each: (path, {row: codes})."""
    base = [json.loads(line) for line in (CHAT / "openai_toy_chat_fine_tuning.jsonl").read_text().splitlines()]
    base = [r for r in base if [m["role"] for m in r["messages"]][:2] == ["system", "user"]]
    share = json.loads((CHAT / "sharegpt_dummy_conversation.json").read_text())
    for conv in share[:20]:
        base.append({"messages": [{"role": "user" if t["from"] == "human" else "assistant", "content": t["value"]}
                                  for t in conv["conversations"]]})
    control, eot = FAMILIES[family][1], FAMILIES[family][2]
    start = next(t for t in control if t != eot)
    long_text = "word " * (MAX_LENGTH + 500)

    def with_reply(r, text):
        r = json.loads(json.dumps(r))
        r["messages"][-1]["content"] = text
        return r

    def with_prompt(r, text):
        r = json.loads(json.dumps(r))
        next(m for m in r["messages"] if m["role"] == "user")["content"] = text
        return r

    def with_reasoning(r, text):
        r = with_reply(r, r["messages"][-1]["content"])
        r["messages"][-1]["reasoning_content"] = text
        return r

    tool = {"CH009"} | ({"CH005"} if family == "gemma" else set())
    planted = [  # (kind, record, codes it must raise)
        ("own end-of-turn token in a reply", lambda r: with_reply(r, "Done." + eot), {"CH006"}),
        ("start/control token in a prompt", lambda r: with_prompt(r, f"say {start} now"), {"CH006"}),
        ("reasoning never closed", lambda r: with_reply(r, "<think>Let me see. Four."), {"CH008"}),
        ("closing tag without opening", lambda r: with_reply(r, "Four.</think>"), {"CH008"}),
        ("nested reasoning", lambda r: with_reply(r, "<think>a<think>b</think></think>Four."), {"CH008"}),
        ("empty reasoning", lambda r: with_reply(r, "<think></think>Four."), {"CH008"}),
        ("reasoning_content the template drops", lambda r: with_reasoning(r, "First, add the numbers."), {"CH011"}),
        ("answer cut by max length", lambda r: with_reply(r, long_text), {"CH007"}),
        ("no assistant token survives", lambda r: with_prompt(r, long_text), {"CH007"}),
        ("tool arguments not JSON (CH001's finding)", lambda r: _tool_chat('{"city": "Paris"'), tool - {"CH009"} | {"CH001"}),
        ("tool arguments miss a required key", lambda r: _tool_chat('{"days": 2}'), tool),
        ("tool argument of the wrong type", lambda r: _tool_chat('{"city": 7}'), tool),
        ("tool argument not declared", lambda r: _tool_chat('{"city": "Paris", "unit": "C"}'), tool),
        ("tool not declared", lambda r: _tool_chat('{"city": "Paris"}', name="stocks"), tool),
    ]
    if family == "gemma":
        planted.append(("roles out of order", lambda r: {"messages": [r["messages"][-2], r["messages"][-2],
                                                                     r["messages"][-1]]}, {"CH005"}))
    if family == "mistral":  # mistral-common merges a repeated role; fine-tuning needs an assistant last
        planted.append(("ends on a user turn", lambda r: {"messages": r["messages"][-2:] + r["messages"][-2:-1]},
                        {"CH005"}))
        planted.append(("tool result right after a user turn", lambda r: {"messages": [
            r["messages"][-2], {"role": "tool", "tool_call_id": "c1", "content": "x"}, r["messages"][-1]]}, {"CH005"}))
    records, expected = [], {}
    for i, r in enumerate(base):
        records.append(r)
        kind, make, codes = planted[i % len(planted)]
        expected[len(records)] = (kind, codes)
        records.append(make(r))
    path = tmp_path / f"seeded-{family}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path, expected, {k for k, _m, _c in planted}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_seeded_corpus_recall_and_precision(family, tmp_path):
    path, expected, kinds = _seeded(family, tmp_path)
    assert len(kinds) >= 12
    found: dict[int, set] = {}
    for _src, row, code in _run([path], family):
        found.setdefault(row, set()).add(code)
    missed = {row: kind for row, (kind, codes) in expected.items() if not codes <= found.get(row, set())}
    assert not missed  # recall 1.0 on every planted kind
    assert set(found) <= set(expected)  # the unmodified records around them: no findings


def _hf_tokenizer(tmp_path) -> str:
    """A small BPE tokenizer.json trained here (offline) with a special token of its own."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(["hello world how are you", "the weather is sunny"] * 10,
                            trainers.BpeTrainer(vocab_size=200, special_tokens=["[UNK]", "<|tool_sep|>"]))
    path = tmp_path / "model" / "tokenizer.json"
    path.parent.mkdir()
    tok.save(str(path))
    return str(path.parent)


def test_cli_and_config_keys_with_a_tokenizer_json_folder(tmp_path):
    from click.testing import CliRunner

    from trainlint.cli import cli as main

    model = _hf_tokenizer(tmp_path)
    data = tmp_path / "chat.jsonl"
    data.write_text(json.dumps({"messages": [{"role": "user", "content": "hello <|tool_sep|> world"},
                                             {"role": "assistant", "content": "how are you " * 30}]}) + "\n")
    cli = CliRunner().invoke(main, ["check", str(data), "--isolated", "--select", "CH006,CH007", "--no-progress",
                                    "--output-format", "concise", "--tokenizer", model, "--chat-template", "chatml",
                                    "--max-length", "20"])
    assert cli.exit_code == 1, cli.output
    assert "chat.jsonl:1: CH006 control-token-in-text /messages/0/content user text contains the control token " \
           "'<|tool_sep|>'" in cli.output
    assert "CH007 truncated-at-max-length /messages/1/content" in cli.output
    (tmp_path / "trainlint.toml").write_text(
        'tokenizer = "model"\nchat-template = "llama3"\nmax-length = 20\nselect = ["CH007"]\n')
    cfg = CliRunner().invoke(main, ["check", str(data), "--config", str(tmp_path / "trainlint.toml"),
                                    "--no-progress", "--output-format", "concise"])
    assert "CH007 truncated-at-max-length" in cfg.output, cfg.output
    bare = CliRunner().invoke(main, ["check", str(data), "--isolated", "--select", "CH005,CH006,CH007",
                                     "--no-progress"])
    assert bare.exit_code == 0, bare.output  # without the options: skipped, never an error
    assert ("trainlint: skipped (the trainer's view): CH005, CH006: give --chat-template or --tokenizer; "
            "CH007: give --chat-template and --tokenizer and --max-length") in bare.output


def test_user_template_runs_sandboxed(tmp_path):
    evil = tmp_path / "evil.jinja"
    evil.write_text("{{ messages.__class__.__mro__[1].__subclasses__() }}")
    data = _one_chat(tmp_path)
    report = lint(str(data), select=["CH005"], rules={"chat-template-error": {"chat-template": str(evil)}})
    assert [f.code for f in report.findings] == ["CH005"]
    assert "access to attribute '__class__' of 'list' object is unsafe" in report.findings[0].message


@pytest.mark.parametrize("source", [
    "{% for m in messages %}{{ loop.__class__.__init__.__globals__ }}{% endfor %}",
    "{% for m in messages %}{{ loop.cycle.__globals__ }}{{ loop._iterator }}{% endfor %}",
    "{% set ns = namespace(a=1) %}{{ ns.__class__.__init__.__globals__ }}{{ ns._Namespace__attrs }}",
])
def test_loop_and_namespace_shortcut_keeps_private_attributes_out(source):
    """The sandbox's shortcut for ``loop`` and ``namespace()`` attributes refuses what the generic
    check refuses: a render gives nothing of Python's internals, or a SecurityError."""
    from jinja2.exceptions import SecurityError

    from trainlint.resources import ChatTemplate

    try:
        out = ChatTemplate("t", source, (), None).render([{"role": "user", "content": "q"}])
    except SecurityError:
        return
    assert out == ""


def test_sentencepiece_model_folder_and_a_file_that_is_no_tokenizer(tmp_path):
    """A model folder with only a SentencePiece tokenizer.model (no tokenizer.json) is read; a file
    that is neither JSON nor a SentencePiece model is a ConfigError naming it, never a traceback."""
    import shutil

    from trainlint.errors import ConfigError
    from trainlint.resources import tokenizer
    from trainlint.testing import sentencepiece_path

    folder = tmp_path / "mistral-v3"
    folder.mkdir()
    shutil.copy(sentencepiece_path(), folder / "tokenizer.model")
    tok = tokenizer(str(folder))
    assert tok.name.endswith("tokenizer.model") and "[INST]" in tok.special and "[control_12]" not in tok.special
    assert tok.lengths(["hello world", ""]) == [3, 0]  # ▁hell o ▁world
    bad = tmp_path / "notes.model"
    bad.write_bytes(b"\x00\x01 not a model")
    with pytest.raises(ConfigError, match="notes.model"):
        tokenizer(str(bad))


def test_bundled_mistral_template_renders_as_mistral_common(tmp_path):
    """The bundled Mistral template against Mistral's reference encoder (mistral-common's v3
    tokenizer in fine-tuning mode, decoded to text): the same text for every conversation of the
    shared chat files and for tool calls, merged roles and a late system message; the same refusals."""
    import re

    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.protocol.instruct.validator import ValidationMode
    from mistral_common.tokens.tokenizers.base import SpecialTokenPolicy
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    from trainlint.resources import chat_template
    from trainlint.testing import sentencepiece_path

    reference = MistralTokenizer.from_file(sentencepiece_path(), mode=ValidationMode.finetuning)
    template = chat_template("mistral")

    def as_text(pieces: str) -> str:
        pieces = pieces.replace("\u2581", " ")
        return re.sub(r"(?:<0x[0-9A-F]{2}>)+", lambda m: bytes.fromhex(re.sub(r"<0x|>", "", m.group())).decode(), pieces)

    def both(msgs, tools=None):
        request = {"messages": msgs, **({"tools": tools} if tools else {})}
        try:
            tokens = reference.encode_chat_completion(ChatCompletionRequest.model_validate(request)).tokens
            ref = as_text(reference.decode(tokens, special_token_policy=SpecialTokenPolicy.KEEP))
        except Exception:  # noqa: BLE001 - any refusal
            ref = None
        try:
            ours = template.render(msgs, tools=tools)
        except Exception:  # noqa: BLE001
            ours = None
        return ref, ours

    convs = [json.loads(line)["messages"] for line in (CHAT / "openai_toy_chat_fine_tuning.jsonl").read_text().splitlines()]
    roles = {"human": "user", "gpt": "assistant", "system": "system"}
    convs += [[{"role": roles[t["from"]], "content": t["value"]} for t in c["conversations"]]
              for c in json.loads((CHAT / "sharegpt_dummy_conversation.json").read_text())]
    convs += [[{"role": "user", "content": r["instruction"] + ("\n" + r["input"] if r["input"] else "")},
               {"role": "assistant", "content": r["output"]}] for r in json.loads((CHAT / "alpaca_en_demo.json").read_text())]
    u, a = ({"role": "user", "content": "q"}, {"role": "assistant", "content": "a "})
    call = {"id": "abcdefghi", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}
    refused = [[u, a, u], [u, {"role": "tool", "tool_call_id": "abcdefghi", "content": "x"}, a],
               [u, {"role": "assistant", "content": ""}], [{"role": "system", "content": "s"}]]
    convs += [[u, u, a, a], [{"role": "system", "content": "S"}, u, a, {"role": "system", "content": "T"}, u, a],
              [u, {"role": "assistant", "content": "", "tool_calls": [call]},
               {"role": "tool", "tool_call_id": "abcdefghi", "content": "sunny"}, a]] + refused
    results = [both(c) for c in convs]
    ref, ours = both(convs[-len(refused) - 1], TOOLS)  # the tool call conversation, with declared tools
    assert ref == ours and "[AVAILABLE_TOOLS]" in ours
    assert len(results) > 1500
    assert [r for r in results if r[0] != r[1]] == []
    assert all(ref is None for ref, _ours in results[-len(refused):])


@pytest.mark.parametrize("path", ["sentencepiece", "tekken"])
def test_token_counts_of_the_mistral_rendering_are_mistral_commons(path):
    """Mistral's SentencePiece and tekken tokenizers count the bundled Mistral template's text as
    mistral-common counts the conversation (control tokens one each, message text on its own)."""
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.protocol.instruct.validator import ValidationMode
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    from trainlint.resources import chat_template, tokenizer
    from trainlint.testing import sentencepiece_path

    file = sentencepiece_path() if path == "sentencepiece" else tekken_path()
    reference = MistralTokenizer.from_file(file, mode=ValidationMode.finetuning)
    template = chat_template("mistral")
    convs = [json.loads(line)["messages"] for line in (CHAT / "openai_toy_chat_fine_tuning.jsonl").read_text().splitlines()]
    roles = {"human": "user", "gpt": "assistant", "system": "system"}
    convs += [[{"role": roles[t["from"]], "content": t["value"]} for t in c["conversations"]]
              for c in json.loads((CHAT / "sharegpt_dummy_conversation.json").read_text())]
    convs = [c for c in convs if [m["role"] for m in c][-1] == "assistant"]
    expected = [len(reference.encode_chat_completion(ChatCompletionRequest.model_validate({"messages": c})).tokens)
                for c in convs]
    assert len(convs) > 500
    assert tokenizer(file).lengths([template.render(c) for c in convs]) == expected


def test_tool_schema_subset_reads_as_jsonschema_on_the_top_level():
    """CH009 without jsonschema checks a subset (the top level); where both judge, they find the same
    problem in the same words, and a schema jsonschema rejects falls back to the subset."""
    from trainlint.rules.chat.ch009_invalid_tool_arguments import _schema_problem, _subset_problem

    schema = TOOLS[0]["function"]["parameters"] | {
        "properties": {**TOOLS[0]["function"]["parameters"]["properties"], "unit": {"enum": ["C", "F"]}}}
    cases = [{"city": "Paris"}, {"days": 2}, {"city": 7}, {"city": "Paris", "x": 1}, {"city": "Paris", "unit": "K"},
             {"city": "Paris", "days": True}]
    found = [_schema_problem(args, schema) for args in cases]
    assert found == [_subset_problem(args, schema) for args in cases]
    assert found[0] is None and all(found[1:])
    broken = {"type": "object", "required": "city"}  # not a valid schema: required must be a list
    assert _schema_problem({}, broken) == _subset_problem({}, broken) is None


def test_template_that_does_not_compile_is_a_usage_error_with_its_line(tmp_path):
    from click.testing import CliRunner

    from trainlint.cli import cli as main

    bad = tmp_path / "bad.jinja"
    bad.write_text("{% for m in messages %}\n{{ m.content }\n{% endfor %}")
    data = _one_chat(tmp_path)
    out = CliRunner().invoke(main, ["check", str(data), "--isolated", "--no-progress", "--select", "CH005",
                                    "--chat-template", str(bad)])
    assert out.exit_code == 2, out.output
    assert f"--chat-template: {bad}:2: the template does not compile: unexpected '}}'" in out.output
    assert "internal error" not in out.output


def test_model_folder_chat_template_with_its_bos_and_eos_tokens(tmp_path):
    """--tokenizer a model folder and no --chat-template: the folder's tokenizer_config.json gives the
    template (the "default" of a named list) and the bos/eos tokens (AddedToken objects) it writes."""
    from trainlint.resources import chat_template

    model = _hf_tokenizer(tmp_path)
    template = ("{{ bos_token }}{% for m in messages %}{% if m.role == 'user' %}[U] {{ m.content }}"
                "{% else %}{% generation %}{{ m.content }}{{ eos_token }}{% endgeneration %}{% endif %}{% endfor %}")
    config = {"chat_template": [{"name": "tool_use", "template": "{{ raise_exception('not me') }}"},
                                {"name": "default", "template": template}],
              "bos_token": {"content": "<bos>", "special": True}, "eos_token": "<eos>"}
    (Path(model) / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    compiled = chat_template("", model)
    assert compiled.marks and {"<bos>", "<eos>"} <= set(compiled.control)
    assert compiled.render([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]) == "<bos>[U] qa<eos>"
    data = tmp_path / "chat.jsonl"
    data.write_text(json.dumps({"messages": [{"role": "user", "content": "q"},
                                             {"role": "assistant", "content": "done <eos> here"}]}) + "\n")
    report = lint(str(data), select=["CH005", "CH006", "CH010"], rules={
        name: {"tokenizer": model} for name in ("chat-template-error", "control-token-in-text", "assistant-span-dropped")})
    assert [(f.code, f.pointer) for f in report.findings] == [("CH006", "/messages/1/content")]


def test_qwen_templates_add_their_default_system_message():
    """Qwen2 and Qwen2.5 put a default system message before a conversation that has none, so its
    tokens count in every row's length; Qwen3 (and plain ChatML) add none."""
    from trainlint.resources import chat_template

    turns = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    body = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
    assert chat_template("qwen2").render(turns) == ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                                                    + body)
    qwen25 = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
    assert chat_template("qwen").render(turns) == chat_template("qwen2.5").render(turns) == qwen25 + body
    assert chat_template("qwen3").render(turns) == chat_template("chatml").render(turns) == body
    own = [{"role": "system", "content": "Be brief."}, *turns]
    assert chat_template("qwen2.5").render(own) == "<|im_start|>system\nBe brief.<|im_end|>\n" + body


def test_qwen2_adds_its_system_message_to_real_conversations_without_one():
    """The OpenAI toy chat file (../shared/data/chat): its conversations open with their own system
    message, which Qwen2 keeps; with that message removed, Qwen2 puts its default one first."""
    from helpers import DATA

    from trainlint.resources import chat_template

    path = DATA / "chat" / "openai_toy_chat_fine_tuning.jsonl"
    if not path.exists():
        pytest.skip("../shared/data not present")
    convs = [json.loads(ln)["messages"] for ln in path.read_text(encoding="utf-8").splitlines()]
    convs = [m for m in convs if m and m[0]["role"] == "system"]
    assert len(convs) >= 4
    qwen2 = chat_template("qwen2")
    for msgs in convs:
        assert qwen2.render(msgs) == chat_template("chatml").render(msgs)
        assert qwen2.render(msgs[1:]) == ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                                          + chat_template("chatml").render(msgs[1:]))

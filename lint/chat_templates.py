"""Bundled chat templates (Jinja, the Hugging Face ``chat_template`` dialect), written from each
family's public prompt format, and the control tokens each one uses.  ChatML/Qwen, Llama 3 and
Gemma follow the templates their models ship (Gemma's is Gemma 3's: the system message folds into
the first user turn); Mistral follows mistral-common, Mistral's reference encoder, which
tests/rules/test_trainer_view.py checks text-for-text.

A template gets ``messages`` (``role``, ``content``; ``tool_calls``, ``tool_call_id``, ``name``,
``reasoning_content`` when a message has them), ``tools``, ``add_generation_prompt`` and
``raise_exception(msg)``, as in ``transformers``.
"""

from __future__ import annotations

_CHATML = (
    "{% for m in messages %}"
    "{% if m.role not in ('system', 'user', 'assistant', 'tool') %}"
    "{{ raise_exception('ChatML has no role ' ~ m.role) }}{% endif %}"
    "<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
#: the control tokens of every ChatML family (``FAMILIES``)
_CHATML_TOKENS = ("<|im_start|>", "<|im_end|>", "<|endoftext|>")


def _chatml_with_default_system(system: str) -> str:
    """Qwen2's and Qwen2.5's templates: ChatML, and a conversation that does not open with a system
    message gets the model's default one (its tokens count toward ``--max-length`` on every row)."""
    return ("{% if messages and messages[0].role != 'system' %}"
            "<|im_start|>system\n" + system + "<|im_end|>\n{% endif %}" + _CHATML)


_LLAMA3 = (
    "<|begin_of_text|>"
    "{% for m in messages %}"
    "{% if m.role not in ('system', 'user', 'assistant', 'tool', 'ipython') %}"
    "{{ raise_exception('Llama 3 has no role ' ~ m.role) }}{% endif %}"
    "<|start_header_id|>{{ 'ipython' if m.role == 'tool' else m.role }}<|end_header_id|>\n\n"
    "{{ m.content | trim }}<|eot_id|>"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)

# Mistral v3 as mistral-common encodes it for fine-tuning (InstructTokenizerV3, the tokenizer of
# Mistral 7B v0.3 and Nemo; mistral-finetune trains through it), not the stricter Jinja copy on the
# Hub: system messages join into one prompt put before the *last* user turn; consecutive messages
# of one role merge ("\n\n"); a conversation that does not start with a user turn gets an empty
# one; the role order and the last role (assistant) are checked with mistral-common's own messages.
# Tool calls and results render as [TOOL_CALLS] / [TOOL_RESULTS] JSON.  One pass checks and finds
# the last user turn, a second writes, merging as it goes; ``m['key']`` and ``loop.previtem`` rather
# than ``m.key`` and namespace reads, which the sandbox checks one by one (3x slower).
_MISTRAL = (
    "{% set ns = namespace(system=[], last_user=-1, kind=none) %}"
    "{% for m in messages %}"
    "{% set role = m['role'] %}{% set prev = loop.previtem['role'] if not loop.first else none %}"
    "{% if role not in ('system', 'user', 'assistant', 'tool') %}"
    "{{ raise_exception('Unsupported message role ' ~ role) }}{% endif %}"
    "{% if role == 'tool' and prev in ('system', 'user') or role == 'system' and prev in ('assistant', 'tool') %}"
    "{{ raise_exception(\"Unexpected role '\" ~ role ~ \"' after role '\" ~ prev ~ \"'\") }}{% endif %}"
    "{% if role == 'system' %}{% set ns.system = ns.system + [m['content']] %}"
    "{% elif role == 'user' %}{% if prev != 'user' %}{% set ns.last_user = loop.index0 %}{% endif %}"
    "{% elif role == 'assistant' %}"
    "{% if m['tool_calls'] and m['content'] %}"
    "{{ raise_exception('Tool calls and content cannot be used together in the same message') }}{% endif %}"
    "{% if not m['tool_calls'] and not m['content'] %}"
    "{{ raise_exception('Invalid assistant message: no content and no tool calls') }}{% endif %}"
    "{% elif not m['tool_call_id'] %}{{ raise_exception('Tool message has to have the tool call id defined in v3') }}"
    "{% endif %}"
    "{% if loop.last and not add_generation_prompt and role != 'assistant' %}"
    "{{ raise_exception('Expected last role Assistant for finetuning but got ' ~ role) }}{% endif %}"
    "{% endfor %}"
    "{% set last_user = ns.last_user %}{% set system = ns.system | join('\\n\\n') %}"
    "{% set first = messages | map(attribute='role') | reject('eq', 'system') | first %}"
    "<s>"
    "{% if first != 'user' %}[INST]{% if system and last_user < 0 %} {{ system ~ '\\n\\n' }}{% endif %}[/INST]"
    "{% endif %}"
    "{% for m in messages %}"
    "{% set role = m['role'] %}{% set prev = loop.previtem['role'] if not loop.first else none %}"
    "{% set next = loop.nextitem['role'] if not loop.last else none %}"
    "{% if role == 'user' %}"
    "{% if prev != 'user' %}"
    "{% if loop.index0 == last_user and tools %}[AVAILABLE_TOOLS] ["
    "{% for t in tools %}{% set f = t['function'] or t %}{\"type\": \"function\", \"function\": "
    "{\"name\": {{ f['name'] | tojson }}, \"description\": {{ (f['description'] or '') | tojson }}, "
    "\"parameters\": {{ (f['parameters'] or {}) | tojson }}}}{{ ', ' if not loop.last }}{% endfor %}"
    "][/AVAILABLE_TOOLS]{% endif %}"
    "[INST]{% if loop.index0 == last_user and system %} {{ system ~ '\\n\\n' ~ m['content'] }}"
    "{% elif m['content'] %} {{ m['content'] }}{% endif %}"
    "{% else %}{{ '\\n\\n' ~ m['content'] }}{% endif %}"
    "{% if next != 'user' %}[/INST]{% endif %}"
    "{% elif role == 'assistant' %}"
    "{% set kind = 'calls' if m['tool_calls'] else 'text' %}"
    "{% if prev == 'assistant' and kind != ns.kind %}"
    "{{ raise_exception('Cannot have tool calls and content defined in the same assistant message') }}{% endif %}"
    "{% if next == 'assistant' %}{% set ns.kind = kind %}{% endif %}"
    "{% if kind == 'calls' %}"
    "{{ '[TOOL_CALLS] [' if prev != 'assistant' else ', ' }}"
    "{% for c in m['tool_calls'] %}{% set f = c['function'] or c %}"
    "{\"name\": {{ f['name'] | tojson }}, \"arguments\": "
    "{{ f['arguments'] if f['arguments'] is string else f['arguments'] | tojson }}"
    "{% if c['id'] %}, \"id\": {{ c['id'] | tojson }}{% endif %}}{{ ', ' if not loop.last }}{% endfor %}"
    "{% if next != 'assistant' %}]</s>{% endif %}"
    "{% else %}"
    "{{ ' ' if prev != 'assistant' else '\\n\\n' }}"
    "{% if next != 'assistant' %}{{ m['content'].rstrip(' ') }}</s>{% else %}{{ m['content'] }}{% endif %}"
    "{% endif %}"
    "{% elif role == 'tool' %}"
    "[TOOL_RESULTS] {\"content\": {{ m['content'] | tojson }}, \"call_id\": {{ m['tool_call_id'] | tojson }}}"
    "[/TOOL_RESULTS]"
    "{% endif %}"
    "{% endfor %}"
)

# Gemma 3's template: the system message folds into the first user turn, roles must alternate from a
# user turn (so a conversation without one is refused, as on the Hub).  One deliberate difference:
# Gemma's template would write a tool (or late system) message in an assistant slot as a turn of
# that role, which Gemma never learned; this one refuses it, so CH005 says so.
_GEMMA = (
    "<bos>"
    "{% if messages and messages[0].role == 'system' %}"
    "{% set system = messages[0].content ~ '\n\n' %}{% set loop_messages = messages[1:] %}"
    "{% else %}{% set system = '' %}{% set loop_messages = messages %}{% endif %}"
    "{% for m in loop_messages %}"
    "{% if m.role not in ('user', 'assistant') %}"
    "{{ raise_exception('Gemma supports only user and assistant roles after an optional system message') }}"
    "{% endif %}"
    "{% if (m.role == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "<start_of_turn>{{ 'model' if m.role == 'assistant' else 'user' }}\n"
    "{% if loop.first %}{{ system }}{% endif %}{{ m.content | trim }}<end_of_turn>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)

#: family -> (template, control tokens, end-of-turn marker of an assistant turn)
FAMILIES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "chatml": (_CHATML, _CHATML_TOKENS, "<|im_end|>"),
    "qwen2": (_chatml_with_default_system("You are a helpful assistant."), _CHATML_TOKENS, "<|im_end|>"),
    "qwen2.5": (_chatml_with_default_system("You are Qwen, created by Alibaba Cloud. You are a helpful assistant."),
                _CHATML_TOKENS, "<|im_end|>"),
    "llama3": (_LLAMA3, ("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                         "<|eot_id|>", "<|eom_id|>", "<|python_tag|>"), "<|eot_id|>"),
    "mistral": (_MISTRAL, ("<s>", "</s>", "[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]",
                           "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]"), "</s>"),
    "gemma": (_GEMMA, ("<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>"), "<end_of_turn>"),
}
#: ``qwen`` is the Qwen most fine-tuned today (2.5); Qwen3's template adds no system message (plain
#: ChatML, its reasoning aside: CH011)
ALIASES = {"qwen": "qwen2.5", "qwen3": "chatml", "llama-3": "llama3", "gemma2": "gemma"}

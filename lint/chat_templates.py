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
# Hub: system messages join into one prompt put before the *last* user message; consecutive
# messages of one role merge ("\n\n"); a conversation that does not start with a user turn gets an
# empty one; the role order and the last role (assistant) are validated with mistral-common's own
# messages.  Tool calls and results render as [TOOL_CALLS] / [TOOL_RESULTS] JSON.
_MISTRAL = (
    "{% set ns = namespace(system=[], msgs=[], prev=none) %}"
    "{% for m in messages %}"
    "{% if m.role not in ('system', 'user', 'assistant', 'tool') %}"
    "{{ raise_exception('Unsupported message role ' ~ m.role) }}{% endif %}"
    "{% if ns.prev is not none and m.role not in {'system': ('user', 'assistant', 'system'),"
    " 'user': ('assistant', 'system', 'user'), 'assistant': ('assistant', 'user', 'tool'),"
    " 'tool': ('assistant', 'tool', 'user')}[ns.prev] %}"
    "{{ raise_exception(\"Unexpected role '\" ~ m.role ~ \"' after role '\" ~ ns.prev ~ \"'\") }}{% endif %}"
    "{% if m.role == 'assistant' and m.tool_calls and m.content %}"
    "{{ raise_exception('Tool calls and content cannot be used together in the same message') }}{% endif %}"
    "{% if m.role == 'assistant' and not m.tool_calls and not m.content %}"
    "{{ raise_exception('Invalid assistant message: no content and no tool calls') }}{% endif %}"
    "{% if m.role == 'tool' and not m.tool_call_id %}"
    "{{ raise_exception('Tool message has to have the tool call id defined in v3') }}{% endif %}"
    "{% if m.role == 'system' %}{% set ns.system = ns.system + [m.content] %}"
    "{% elif m.role == ns.prev and m.role in ('user', 'assistant') %}"
    "{% set last = ns.msgs[-1] %}"
    "{% set ns.msgs = ns.msgs[:-1] + [{'role': m.role, 'content': [last.content, m.content] | select | join('\n\n'),"
    " 'tool_calls': (last.tool_calls or []) + (m.tool_calls or [])}] %}"
    "{% else %}{% set ns.msgs = ns.msgs + [{'role': m.role, 'content': m.content, 'tool_calls': m.tool_calls,"
    " 'tool_call_id': m.tool_call_id}] %}{% endif %}"
    "{% set ns.prev = m.role %}"
    "{% endfor %}"
    "{% if not add_generation_prompt and ns.prev != 'assistant' %}"
    "{{ raise_exception('Expected last role Assistant for finetuning but got ' ~ ns.prev) }}{% endif %}"
    "{% if not ns.msgs or ns.msgs[0].role != 'user' %}{% set ns.msgs = [{'role': 'user', 'content': ''}] + ns.msgs %}"
    "{% endif %}"
    "{% set ns.last_user = 0 %}"
    "{% for m in ns.msgs %}{% if m.role == 'user' %}{% set ns.last_user = loop.index0 %}{% endif %}{% endfor %}"
    "<s>"
    "{% for m in ns.msgs %}"
    "{% if m.role == 'user' %}"
    "{% if loop.index0 == ns.last_user and tools %}[AVAILABLE_TOOLS] {{ tools | tojson }}[/AVAILABLE_TOOLS]{% endif %}"
    "{% set text = (ns.system | join('\\n\\n')) ~ '\\n\\n' ~ m.content"
    " if loop.index0 == ns.last_user and ns.system else m.content %}"
    "[INST]{% if text %} {{ text }}{% endif %}[/INST]"
    "{% elif m.role == 'assistant' and m.tool_calls %}"
    "[TOOL_CALLS] [{% for c in m.tool_calls %}{% set f = c.function or c %}"
    "{\"name\": {{ f.name | tojson }}, \"arguments\": "
    "{{ f.arguments if f.arguments is string else f.arguments | tojson }}"
    "{% if c.id %}, \"id\": {{ c.id | tojson }}{% endif %}}{{ ', ' if not loop.last }}{% endfor %}]</s>"
    "{% elif m.role == 'assistant' %} {{ m.content.rstrip(' ') }}</s>"
    "{% else %}[TOOL_RESULTS] {\"content\": {{ m.content | tojson }}, \"call_id\": {{ m.tool_call_id | tojson }}}"
    "[/TOOL_RESULTS]"
    "{% endif %}"
    "{% endfor %}"
)

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
    "chatml": (_CHATML, ("<|im_start|>", "<|im_end|>", "<|endoftext|>"), "<|im_end|>"),
    "llama3": (_LLAMA3, ("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                         "<|eot_id|>", "<|eom_id|>", "<|python_tag|>"), "<|eot_id|>"),
    "mistral": (_MISTRAL, ("<s>", "</s>", "[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]",
                           "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]"), "</s>"),
    "gemma": (_GEMMA, ("<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>"), "<end_of_turn>"),
}
ALIASES = {"qwen": "chatml", "qwen2": "chatml", "llama-3": "llama3", "gemma2": "gemma"}

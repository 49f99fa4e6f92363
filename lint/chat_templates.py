"""Bundled chat templates (Jinja, the Hugging Face ``chat_template`` dialect), written from each
family's public prompt-format description, and the control tokens each one uses.

A template gets ``messages`` (``role``, ``content``; ``tool_calls`` on assistant messages),
``add_generation_prompt`` and ``raise_exception(msg)``, as in ``transformers``.
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

_MISTRAL = (
    "{% if messages and messages[0].role == 'system' %}"
    "{% set system = messages[0].content %}{% set loop_messages = messages[1:] %}"
    "{% else %}{% set system = '' %}{% set loop_messages = messages %}{% endif %}"
    "<s>"
    "{% for m in loop_messages %}"
    "{% if m.role not in ('user', 'assistant') %}"
    "{{ raise_exception('Only user and assistant roles are supported after an optional system message') }}"
    "{% endif %}"
    "{% if (m.role == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if m.role == 'user' %}[INST] {% if loop.last or loop.revindex == 2 %}"
    "{% if system %}{{ system }}\n\n{% endif %}{% endif %}{{ m.content }} [/INST]"
    "{% else %}{{ m.content }}</s>{% endif %}"
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

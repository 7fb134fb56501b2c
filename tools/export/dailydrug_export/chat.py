"""Chat templates the C++ runtime can apply without a Jinja engine.

A bundle carries the model's own Jinja template (for reference and for other runtimes) and a
structured form: per-role wrappers with a `{content}` slot, the generation prompt, the stop
strings, and which token strings end a turn. The family is recognised from the Jinja template's
markers; an unknown template is refused unless the caller names a family.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional

FAMILIES: Dict[str, Dict[str, Any]] = {
    "chatml": {  # SmolLM2, Qwen
        "system": "<|im_start|>system\n{content}<|im_end|>\n",
        "user": "<|im_start|>user\n{content}<|im_end|>\n",
        "assistant": "<|im_start|>assistant\n{content}<|im_end|>\n",
        "generation_prompt": "<|im_start|>assistant\n",
        "stop_strings": ["<|im_end|>"],
        "end_of_turn_tokens": ["<|im_end|>", "<|endoftext|>"],
    },
    "llama3": {
        "prefix": "<|begin_of_text|>",
        "system": "<|start_header_id|>system<|end_header_id|>\n\n{content}<|eot_id|>",
        "user": "<|start_header_id|>user<|end_header_id|>\n\n{content}<|eot_id|>",
        "assistant": "<|start_header_id|>assistant<|end_header_id|>\n\n{content}<|eot_id|>",
        "generation_prompt": "<|start_header_id|>assistant<|end_header_id|>\n\n",
        "stop_strings": ["<|eot_id|>"],
        "end_of_turn_tokens": ["<|eot_id|>", "<|end_of_text|>"],
    },
    "gemma": {  # no system role: the system text is put before the first user message
        "prefix": "<bos>",
        "system": "{content}\n\n",
        "system_in_first_user": True,
        "user": "<start_of_turn>user\n{content}<end_of_turn>\n",
        "assistant": "<start_of_turn>model\n{content}<end_of_turn>\n",
        "generation_prompt": "<start_of_turn>model\n",
        "stop_strings": ["<end_of_turn>"],
        "end_of_turn_tokens": ["<end_of_turn>", "<eos>"],
    },
}


def detect_family(jinja: Optional[str]) -> Optional[str]:
    if not jinja:
        return None
    if "<|im_start|>" in jinja:
        return "chatml"
    if "<|start_header_id|>" in jinja:
        return "llama3"
    if "<start_of_turn>" in jinja:
        return "gemma"
    return None


def default_system_prompt(jinja: Optional[str]) -> Optional[str]:
    """The system text a template inserts when the conversation has none (SmolLM2 has one)."""
    if not jinja:
        return None
    m = re.search(r"<\|im_start\|>system\n(.*?)<\|im_end\|>", jinja, re.S)
    if m and not re.search(r"[{}']", m.group(1)):
        return m.group(1)
    # Qwen2/2.5 write it inside a Jinja string literal, with an escaped newline:
    #   {{- '<|im_start|>system\nYou are Qwen, ...<|im_end|>\n' }}
    for m in re.finditer(r"'<\|im_start\|>system\\n([^'{}]*?)<\|im_end\|>\\n'", jinja):
        return m.group(1)
    return None


def structured_template(jinja: Optional[str], family: Optional[str] = None) -> Dict[str, Any]:
    fam = family or detect_family(jinja)
    if fam is None:
        raise ValueError("the model's chat template is not one we recognise (chatml, llama3, "
                         "gemma); pass --chat-template FAMILY")
    if fam not in FAMILIES:
        raise ValueError(f"unknown chat template family {fam!r}; known: {sorted(FAMILIES)}")
    t = dict(FAMILIES[fam])
    t["name"] = fam
    t["default_system"] = default_system_prompt(jinja)
    t["jinja"] = jinja
    return t


def render(template: Dict[str, Any], messages) -> str:
    """Python twin of the C++ ChatTemplate::render (runtime/src/engine/chat_template.cpp): system
    messages are joined with newlines, the template's default system text is used when there is
    none, and families without a system role put it at the start of the first user turn."""
    systems = [m["content"] for m in messages if m["role"] == "system"]
    sys_text = "\n".join(systems) if systems else template.get("default_system")
    out = template.get("prefix", "")
    inline = bool(template.get("system_in_first_user"))
    if sys_text and not inline:
        out += template["system"].replace("{content}", sys_text)
    pending = bool(sys_text) and inline
    for m in messages:
        role, content = m["role"], m["content"]
        if role == "system":
            continue
        if role not in ("user", "assistant"):
            raise ValueError(f"unknown role {role!r}")
        if role == "user" and pending:
            content = template["system"].replace("{content}", sys_text) + content
            pending = False
        out += template[role].replace("{content}", content)
    return out + template["generation_prompt"]

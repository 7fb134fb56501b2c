// Chat templates without a Jinja engine: each bundle carries a structured template (per-role
// wrappers with a `{content}` slot, a generation prompt and stop strings), written by the exporter
// from the model's own Jinja template (families: chatml, llama3, gemma).
#pragma once

#include <string>
#include <vector>

#include "dailydrug/llm/error.h"

namespace dailydrug::llm {

struct ChatMessage {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
};

struct ChatTemplate {
  std::string name;                     // "chatml", "llama3", "gemma", or "raw" (no template)
  std::string prefix;                   // text before the first message (e.g. "<bos>")
  std::string system, user, assistant;  // wrappers with "{content}"
  std::string generation_prompt;        // appended after the last message
  bool system_in_first_user = false;    // no system role: system text goes into the first user turn
  std::string default_system;           // used when the conversation has no system message
  std::vector<std::string> stop_strings;

  /// Render a conversation, ending with the generation prompt. Message contents are inserted
  /// verbatim; the caller decides (via the tokenizer's parse_special) whether special-token text
  /// inside user content is honoured. Errors: ConfigurationInvalid for an unknown role.
  Result<std::string> render(const std::vector<ChatMessage>& messages) const;

  /// The same text as render(), as consecutive parts: template text (`content == false`) and
  /// message contents (`content == true`), so a caller can encode the contents without honouring
  /// special-token text in them.
  struct Part {
    std::string text;
    bool content;
  };
  Result<std::vector<Part>> render_parts(const std::vector<ChatMessage>& messages) const;

  /// How many of render_parts(messages)'s first parts come from the template's prefix and the
  /// system messages alone: the start every conversation with that system text shares (what a
  /// prefix snapshot keeps). 0 when the system text goes into the first user turn.
  Result<size_t> fixed_part_count(const std::vector<ChatMessage>& messages) const;

  /// The template that passes text through unchanged (for base models and raw prompts).
  static ChatTemplate raw();
};

}  // namespace dailydrug::llm

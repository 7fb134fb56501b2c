#include "dailydrug/llm/chat_template.h"

namespace dailydrug::llm {

namespace {
std::string fill(const std::string& wrapper, const std::string& content) {
  const auto at = wrapper.find("{content}");
  if (at == std::string::npos) return wrapper + content;
  return wrapper.substr(0, at) + content + wrapper.substr(at + 9);
}
}  // namespace

ChatTemplate ChatTemplate::raw() {
  ChatTemplate t;
  t.name = "raw";
  t.system = "{content}\n";
  t.user = "{content}";
  t.assistant = "{content}";
  return t;
}

Result<std::string> ChatTemplate::render(const std::vector<ChatMessage>& messages) const {
  std::string system_text;
  bool has_system = false;
  for (const auto& m : messages) {
    if (m.role == "system") {
      if (has_system) system_text += "\n";
      system_text += m.content;
      has_system = true;
    } else if (m.role != "user" && m.role != "assistant") {
      return Error::configuration_invalid("messages.role", "unknown role '" + m.role + "'");
    }
  }
  if (!has_system && !default_system.empty()) {
    system_text = default_system;
    has_system = true;
  }
  std::string out = prefix;
  if (has_system && !system_in_first_user) out += fill(system, system_text);
  bool pending_system = has_system && system_in_first_user;
  for (const auto& m : messages) {
    if (m.role == "system") continue;
    if (m.role == "user") {
      if (pending_system) {
        out += fill(user, fill(system, system_text) + m.content);
        pending_system = false;
      } else {
        out += fill(user, m.content);
      }
    } else {
      out += fill(assistant, m.content);
    }
  }
  return out + generation_prompt;
}

}  // namespace dailydrug::llm

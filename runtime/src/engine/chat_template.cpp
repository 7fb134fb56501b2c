#include "dailydrug/llm/chat_template.h"

namespace dailydrug::llm {

namespace {

/// Append `wrapper` with `content` in its "{content}" slot as parts.
void fill(std::vector<ChatTemplate::Part>& out, const std::string& wrapper,
          std::vector<ChatTemplate::Part> content) {
  const auto at = wrapper.find("{content}");
  const std::string head = at == std::string::npos ? wrapper : wrapper.substr(0, at);
  const std::string tail = at == std::string::npos ? "" : wrapper.substr(at + 9);
  if (!head.empty()) out.push_back({head, false});
  for (auto& p : content) {
    if (!p.text.empty()) out.push_back(std::move(p));
  }
  if (!tail.empty()) out.push_back({tail, false});
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

Result<std::vector<ChatTemplate::Part>> ChatTemplate::render_parts(
    const std::vector<ChatMessage>& messages) const {
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
  std::vector<Part> out;
  if (!prefix.empty()) out.push_back({prefix, false});
  if (has_system && !system_in_first_user) fill(out, system, {{system_text, true}});
  bool pending_system = has_system && system_in_first_user;
  for (const auto& m : messages) {
    if (m.role == "system") continue;
    if (m.role == "user" && pending_system) {
      std::vector<Part> inner;
      fill(inner, system, {{system_text, true}});
      inner.push_back({m.content, true});
      fill(out, user, std::move(inner));
      pending_system = false;
    } else {
      fill(out, m.role == "user" ? user : assistant, {{m.content, true}});
    }
  }
  if (!generation_prompt.empty()) out.push_back({generation_prompt, false});
  return out;
}

Result<size_t> ChatTemplate::fixed_part_count(const std::vector<ChatMessage>& messages) const {
  if (system_in_first_user) return size_t{0};
  std::vector<ChatMessage> system_only;
  for (const auto& m : messages) {
    if (m.role == "system") system_only.push_back(m);
  }
  DD_ASSIGN_OR_RETURN(std::vector<Part> parts, render_parts(system_only));
  return parts.size() - (generation_prompt.empty() ? 0 : 1);
}

Result<std::string> ChatTemplate::render(const std::vector<ChatMessage>& messages) const {
  DD_ASSIGN_OR_RETURN(std::vector<Part> parts, render_parts(messages));
  std::string out;
  for (const auto& p : parts) out += p.text;
  return out;
}

}  // namespace dailydrug::llm

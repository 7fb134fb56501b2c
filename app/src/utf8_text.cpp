#include "dailydrug/app/utf8_text.h"

#include <algorithm>

#include "dailydrug/llm/utf8.h"

namespace dailydrug::app {

std::optional<size_t> find_invalid_utf8(std::string_view text) {
  const size_t pos = llm::first_invalid_utf8(text);
  if (pos == std::string_view::npos) return std::nullopt;
  return pos;
}

CodePoint decode_utf8(std::string_view text, size_t pos) {
  if (pos >= text.size()) return {0xFFFD, 1};
  const llm::Utf8Step step = llm::utf8_next(text, pos);
  if (!step.valid) return {0xFFFD, 1};  // one byte at a time, so a scan never skips text
  return {step.cp, step.len};
}

void encode_utf8(uint32_t cp, std::string& out) {
  llm::append_utf8(cp, out);
}

size_t utf8_length(std::string_view text) {
  size_t n = 0;
  for (size_t pos = 0; pos < text.size(); pos += decode_utf8(text, pos).length) {
    ++n;
  }
  return n;
}

std::string_view utf8_prefix(std::string_view text, size_t max_code_points) {
  size_t pos = 0;
  for (size_t n = 0; n < max_code_points && pos < text.size(); ++n) {
    pos += decode_utf8(text, pos).length;
  }
  return text.substr(0, pos);
}

std::string ascii_lower_without_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == ' ' || (c >= '\t' && c <= '\r')) continue;
    out += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

bool contains_any(std::string_view text, std::span<const std::string_view> words) {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view w) { return text.find(w) != std::string_view::npos; });
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace dailydrug::app

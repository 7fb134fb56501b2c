// A compiled PCRE2 regular expression for the Oniguruma-flavoured patterns found in
// `tokenizer.json` (internal header). Compiled with PCRE2_UTF | PCRE2_UCP so `\p{L}`, `\s` and
// lookaheads behave as Unicode-aware, and JIT-compiled when the library supports it.
// Thread-safety: a compiled Regex is immutable and may be used from many threads at once; each
// call allocates its own match data.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dailydrug/llm/error.h"

namespace dailydrug::llm::tok {

class Regex {
 public:
  /// Compiles `pattern`. Errors: TokenizerNotInitialized with PCRE2's message and offset.
  static Result<std::shared_ptr<const Regex>> compile(const std::string& pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  /// All non-overlapping matches in `text` (valid UTF-8), left to right, as byte ranges
  /// [begin, end). After an empty match the search resumes one character later.
  /// Errors: TokenizationFailed if PCRE2 gives up (match or JIT stack limit).
  Result<std::vector<std::pair<size_t, size_t>>> find_all(std::string_view text) const;

  const std::string& pattern() const { return pattern_; }

 private:
  Regex() = default;
  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code_8*, owned
};

}  // namespace dailydrug::llm::tok

// Split patterns and delimiter behaviours shared by normalizers and pre-tokenizers (internal
// header), mirroring `tokenizers`' Pattern trait and SplitDelimiterBehavior.
// Thread-safety: immutable after construction; safe to share between threads.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "dailydrug/llm/error.h"
#include "regex.h"

namespace dailydrug::llm::tok {

/// A byte range of the input, flagged as a pattern match or as the text between matches.
struct Span {
  size_t begin;
  size_t end;
  bool is_match;
};

/// What a pattern looks for: a literal string, a regex, or a character predicate.
class Pattern {
 public:
  static Pattern literal(std::string s);
  static Pattern regex(std::shared_ptr<const Regex> re);
  static Pattern predicate(std::function<bool(char32_t)> pred);
  /// From a tokenizer.json pattern object: {"String": "..."} or {"Regex": "..."}.
  static Result<Pattern> from_json(const nlohmann::json& j);

  /// Spans covering all of `text` in order, as `tokenizers`' find_matches: matches flagged
  /// is_match, the gaps between them not; a single non-match span for empty text. Each matching
  /// character is its own span for predicates.
  Result<std::vector<Span>> find_matches(std::string_view text) const;

 private:
  enum class Kind { kLiteral, kRegex, kPredicate } kind_ = Kind::kLiteral;
  std::string literal_;
  std::shared_ptr<const Regex> regex_;
  std::function<bool(char32_t)> pred_;
};

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

/// Parses "Removed", "Isolated", ... Errors: TokenizerNotInitialized for other names.
Result<SplitBehavior> parse_split_behavior(const std::string& name);

/// Applies `behavior` to `spans` (from find_matches, optionally inverted) and returns the
/// resulting pieces of `text` as [begin, end) ranges; removed delimiters are dropped, empty
/// ranges are kept (callers drop them).
std::vector<std::pair<size_t, size_t>> apply_split_behavior(std::vector<Span> spans,
                                                            SplitBehavior behavior);

}  // namespace dailydrug::llm::tok

// Added tokens of `tokenizer.json` ("added_tokens"): special and user tokens that are cut out
// of the text before the model sees it (internal header). Matching follows `tokenizers`'
// AddedVocabulary: leftmost-longest over all tokens; non-"normalized" tokens are looked for in
// the raw input, "normalized" ones in each normalized piece; single_word, lstrip and rstrip
// adjust or reject a match; with parse_special off, special tokens are ignored (encode_special
// _tokens in the Python package) and the text stays plain text.
// Thread-safety: immutable after construction.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/llm/tokenizer.h"

namespace dailydrug::llm::tok {

struct AddedToken {
  TokenId id = 0;
  std::string content;
  /// What id_to_token gives and decode() sees: the content, normalized when `normalized`
  /// (tokenizers 0.23 stores normalized added tokens in their normalized form).
  std::string decoded;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
};

/// A piece of text after added-token extraction: either plain text, or one added token.
struct AddedSplit {
  size_t begin;  // byte range in the searched string
  size_t end;
  TokenId id;  // -1 for plain text
};

/// Leftmost-longest matcher over a fixed set of (pattern, token) pairs.
class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  /// `patterns[i]` is what to look for for `tokens[i]` (its content, or its normalized form).
  AddedTokenMatcher(std::vector<std::string> patterns, std::vector<const AddedToken*> tokens);

  /// Splits `text` into plain and token ranges covering it (an empty text gives one empty
  /// plain split), applying single_word/lstrip/rstrip and skipping special tokens unless
  /// `parse_special`.
  std::vector<AddedSplit> split(std::string_view text, bool parse_special) const;

  bool empty() const { return patterns_.empty(); }

 private:
  std::vector<std::string> patterns_;
  std::vector<const AddedToken*> tokens_;
  std::vector<std::vector<size_t>> by_first_byte_;  // pattern indices, longest first
};

}  // namespace dailydrug::llm::tok

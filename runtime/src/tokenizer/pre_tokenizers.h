// Pre-tokenizers of `tokenizer.json` (internal header): ByteLevel, Split, Digits, Metaspace,
// Whitespace, WhitespaceSplit, Punctuation, BertPreTokenizer, CharDelimiterSplit and Sequence,
// with the semantics of `tokenizers` 0.23.
// Thread-safety: immutable after construction; pre_tokenize() may run on many threads at once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "dailydrug/llm/error.h"

namespace dailydrug::llm::tok {

/// One pre-token: a piece of the (normalized) input that the model tokenizes on its own.
struct Piece {
  std::string text;
  /// The piece starts at byte 0 of the original input (what Metaspace's prepend_scheme "first"
  /// asks). Approximation: a sub-piece keeps the flag only if it starts where its parent did.
  bool at_origin = false;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  /// Splits (and may rewrite) every piece; empty pieces are dropped.
  /// Errors: TokenizationFailed (regex failure).
  virtual Status pre_tokenize(std::vector<Piece>& pieces) const = 0;
};

/// Builds a pre-tokenizer from its JSON object; null JSON gives nullptr (the whole normalized
/// piece goes to the model). Errors: TokenizerNotInitialized naming an unsupported type.
Result<std::unique_ptr<PreTokenizer>> make_pre_tokenizer(const nlohmann::json& j);

}  // namespace dailydrug::llm::tok

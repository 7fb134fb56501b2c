// Normalizers of `tokenizer.json` (internal header): NFC/NFD/NFKC/NFKD, Lowercase, Strip,
// Replace, Prepend, ByteLevel and Sequence, with the semantics of `tokenizers` 0.23. Only the
// normalized text is produced: alignments back to the input are not tracked, as the runtime
// needs ids, not offsets.
// Thread-safety: immutable after construction; normalize() may run on many threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "dailydrug/llm/error.h"

namespace dailydrug::llm::tok {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  /// `text` is valid UTF-8; so is the result. Errors: TokenizationFailed (regex failure).
  virtual Result<std::string> normalize(std::string text) const = 0;
};

/// Builds a normalizer from its JSON object; null JSON gives nullptr (no normalization).
/// Errors: TokenizerNotInitialized naming an unsupported type (BertNormalizer, Precompiled, ...).
Result<std::unique_ptr<Normalizer>> make_normalizer(const nlohmann::json& j);

}  // namespace dailydrug::llm::tok

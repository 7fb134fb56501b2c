// Entry points of the two tokenizer back ends, used by load_tokenizer() (internal header).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "dailydrug/llm/tokenizer.h"

namespace dailydrug::llm::tok {

/// Parses a Hugging Face `tokenizer.json` document. Errors: TokenizerNotInitialized (invalid
/// JSON, missing fields, an unsupported model/normalizer/pre-tokenizer/decoder type).
Result<std::unique_ptr<Tokenizer>> load_hf_tokenizer(std::string_view json_text);

/// Loads a serialized SentencePiece ModelProto. Errors: TokenizerNotInitialized.
Result<std::unique_ptr<Tokenizer>> load_sentencepiece(std::string_view proto_bytes);

}  // namespace dailydrug::llm::tok

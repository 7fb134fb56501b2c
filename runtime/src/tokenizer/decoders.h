// Decoders of `tokenizer.json` (internal header): ByteLevel, Replace, ByteFallback, Fuse,
// Strip, Metaspace and Sequence, with `tokenizers` 0.23's decode_chain semantics (each decoder
// maps the list of token strings to a new list; the result is the concatenation).
// Thread-safety: immutable after construction.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "dailydrug/llm/error.h"

namespace dailydrug::llm::tok {

/// How a token list relates to the whole output. decode() uses the defaults; token_bytes()
/// asks for one token as it reads in the middle of a stream, with bytes left raw.
struct DecodeMode {
  /// The first token is the first of the output (Metaspace drops its replacement characters,
  /// a fused Strip strips the start). False: the list continues earlier output.
  bool at_stream_start = true;
  /// Leave bytes raw instead of turning invalid UTF-8 into U+FFFD (ByteLevel, ByteFallback).
  bool raw_bytes = false;
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  /// Rewrites `tokens` in place. Errors: TokenizationFailed (regex failure).
  virtual Status decode_chain(std::vector<std::string>& tokens, const DecodeMode& mode) const = 0;
};

/// Builds a decoder from its JSON object; null JSON gives nullptr (tokens joined by " ").
/// Errors: TokenizerNotInitialized naming an unsupported type (WordPiece, CTC, ...).
Result<std::unique_ptr<Decoder>> make_decoder(const nlohmann::json& j);

}  // namespace dailydrug::llm::tok

// Tokenizers: Hugging Face `tokenizer.json` (BPE, byte-level or SentencePiece-style with byte
// fallback) and SentencePiece `.model`, behind one interface, plus a streaming decoder that never
// emits a broken UTF-8 sequence.
//
// Thread-safety: a loaded Tokenizer is immutable; encode/decode may be called from any number of
// threads at once. A StreamingDecoder is per-generation state and is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/llm/error.h"

namespace dailydrug::llm {

using TokenId = int32_t;

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  /// Encode UTF-8 `text` to ids. No BOS/EOS is added (the chat template or caller does that).
  /// With `parse_special`, special/added tokens written literally in the text ("<|im_start|>")
  /// become their ids; without it they are encoded as plain text (for untrusted user input).
  /// Errors: TokenizationFailed for input that is not valid UTF-8.
  virtual Result<std::vector<TokenId>> encode(std::string_view text,
                                              bool parse_special = true) const = 0;

  /// Decode ids to UTF-8 text, as the reference `tokenizers`/`sentencepiece` packages do.
  /// With `skip_special`, special tokens are left out. Errors: TokenizationFailed for an id out of
  /// range.
  virtual Result<std::string> decode(std::span<const TokenId> ids,
                                     bool skip_special = false) const = 0;

  /// The raw bytes one token stands for when it follows other tokens (for byte-level BPE the
  /// decoded bytes, possibly a partial UTF-8 sequence). Empty for an id out of range.
  virtual std::string token_bytes(TokenId id) const = 0;

  /// The token's string as stored in the vocabulary ("Ġhello", "<|im_end|>").
  virtual std::string token_string(TokenId id) const = 0;

  virtual std::optional<TokenId> token_to_id(std::string_view token) const = 0;
  virtual bool is_special(TokenId id) const = 0;
  virtual int32_t vocab_size() const = 0;

  /// BOS/EOS as declared by the tokenizer file, if any (a bundle's config may override).
  virtual std::optional<TokenId> bos_id() const = 0;
  virtual std::optional<TokenId> eos_id() const = 0;
};

/// Load a tokenizer from `path`: a `tokenizer.json` (HF) or a SentencePiece `.model`, recognised
/// by content, not by name. Errors: TokenizerModelNotFound (missing/unreadable file),
/// TokenizerNotInitialized (a file that parses as neither, or an unsupported tokenizer.json
/// feature, named in the cause).
Result<std::unique_ptr<Tokenizer>> load_tokenizer(const std::string& path);

/// Turns a stream of ids into UTF-8 text pieces. Bytes of an incomplete UTF-8 sequence are held
/// back until the sequence completes; invalid sequences become U+FFFD, as the reference decoders
/// do. Decoder-level rules that depend on context (SentencePiece's leading-space strip) are
/// applied as the reference does for the whole sequence.
class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tokenizer, bool skip_special = true);
  /// Feed one id; returns the text that became complete (possibly empty).
  std::string push(TokenId id);
  /// End of stream: returns what is still held back (invalid bytes as U+FFFD).
  std::string flush();

 private:
  const Tokenizer& tokenizer_;
  bool skip_special_;
  std::vector<TokenId> ids_;
  size_t emitted_bytes_ = 0;
};

}  // namespace dailydrug::llm

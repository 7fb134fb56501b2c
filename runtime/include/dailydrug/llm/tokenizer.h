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
  /// With `skip_special`, special tokens are left out (SentencePiece never writes its control
  /// pieces <s>/</s>, as its Python package). Errors: TokenizationFailed for an id out of range.
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
  /// SentencePiece: the model's bos_id/eos_id. tokenizer.json: the post_processor first
  /// (TemplateProcessing "single": the special token before $A is BOS, the one after it EOS, also
  /// inside a Sequence; Roberta/BertProcessing: cls/sep); what it leaves open comes from the first
  /// added token present in: BOS <|begin_of_text|>, <s>, <bos>, <|endoftext|>; EOS <|im_end|>,
  /// <|eot_id|>, <|end_of_text|>, </s>, <eos>, <|endoftext|> (chat-turn ends first, since
  /// generation stops on EOS).
  virtual std::optional<TokenId> bos_id() const = 0;
  virtual std::optional<TokenId> eos_id() const = 0;
};

/// Load a tokenizer from `path`: a `tokenizer.json` (HF) or a SentencePiece `.model`, recognised
/// by content, not by name. tokenizer.json support: BPE models (vocab, both merge formats,
/// byte-level, byte_fallback, unk_token, fuse_unk, ignore_merges, continuing_subword_prefix,
/// end_of_word_suffix; dropout is ignored); normalizers NFC/NFD/NFKC/NFKD, Lowercase, Strip,
/// Replace, Prepend, ByteLevel, Sequence; pre-tokenizers ByteLevel, Split, Digits, Metaspace,
/// Whitespace, WhitespaceSplit, Punctuation, BertPreTokenizer, CharDelimiterSplit, Sequence;
/// decoders ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence; added tokens with
/// special/single_word/lstrip/rstrip/normalized. Anything else is refused by name.
/// Errors: TokenizerModelNotFound (missing/unreadable file), TokenizerNotInitialized (an empty
/// file, a file that parses as neither, or an unsupported tokenizer.json feature, named in the
/// cause).
Result<std::unique_ptr<Tokenizer>> load_tokenizer(const std::string& path);

/// Turns a stream of ids into UTF-8 text pieces. Bytes of an incomplete UTF-8 sequence are held
/// back until the sequence completes; invalid sequences become U+FFFD, as the reference decoders
/// do. Decoder-level rules that depend on context (SentencePiece's leading-space strip) are
/// applied as the reference does for the whole sequence: the concatenation of all outputs equals
/// decode(all ids, skip_special).
///
/// Cost: each push() decodes only the few ids not yet emitted, behind one fixed "anchor" token
/// (a plain one-letter token found at construction) that stands in for the text already emitted,
/// so context rules see a stream that has already started. Ids out of range are ignored. A
/// tokenizer without such a letter token falls back to re-decoding the whole stream.
/// Known limits: a fused Strip decoder with stop > 0 (never used by real tokenizers) strips the
/// end of each emitted piece instead of only the end of the text; and at most 64 ids are held
/// back, so a run of more byte tokens that never completes a character (garbage) is emitted as it
/// decodes, and the ids after it are decoded apart from it.
/// Ownership: keeps a reference to `tokenizer`, which must outlive it. Not thread-safe.
class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tokenizer, bool skip_special = true);
  /// Feed one id; returns the text that became complete (possibly empty).
  std::string push(TokenId id);
  /// End of stream: returns what is still held back (invalid bytes as U+FFFD).
  std::string flush();

 private:
  bool is_byte_token(TokenId id) const;
  std::string render(bool* ok) const;

  const Tokenizer& tokenizer_;
  bool skip_special_;
  std::vector<TokenId> ids_;       // ids not emitted yet (all ids in fallback mode)
  size_t emitted_bytes_ = 0;       // fallback mode: bytes of decode(ids_) already returned
  bool started_ = false;           // some non-empty text was emitted
  std::optional<TokenId> anchor_;  // plain token whose decode is anchor_text_ alone
  std::string anchor_text_;
};

}  // namespace dailydrug::llm

// The Hugging Face `tokenizer.json` tokenizer (internal header): added tokens, normalizer,
// pre-tokenizer, BPE model and decoder composed as in `tokenizers` 0.23. Only the BPE model is
// supported (byte-level GPT-2/Llama-3 style and SentencePiece-style with byte fallback);
// WordPiece, WordLevel and Unigram models are refused at load time.
//
// BOS/EOS rule: the post_processor decides if it names them: TemplateProcessing's "single"
// template gives BOS = the special token before $A and EOS = the one after it (also inside a
// Sequence post-processor); Roberta/BertProcessing give cls/sep. Whatever is still unknown comes
// from the first added token present in these lists:
//   BOS: <|begin_of_text|>, <s>, <bos>, <|endoftext|>
//   EOS: <|im_end|>, <|eot_id|>, <|end_of_text|>, </s>, <eos>, <|endoftext|>
// (chat-turn terminators first, since the runtime stops generation on EOS).
// Thread-safety: immutable after load (the BPE cache is internally synchronized).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "added_vocabulary.h"
#include "bpe_model.h"
#include "dailydrug/llm/tokenizer.h"
#include "decoders.h"
#include "normalizers.h"
#include "pre_tokenizers.h"
#include "tokenizer_json.h"

namespace dailydrug::llm::tok {

class HfTokenizer final : public Tokenizer {
 public:
  /// `bpe`: the model's vocabulary and merges when parse_tokenizer_json captured them (the DOM
  /// then holds empty placeholders for them).
  static Result<std::unique_ptr<HfTokenizer>> from_json(const nlohmann::json& j,
                                                        BpeTables* bpe = nullptr);

  Result<std::vector<TokenId>> encode(std::string_view text,
                                      bool parse_special = true) const override;
  Result<std::string> decode(std::span<const TokenId> ids,
                             bool skip_special = false) const override;
  std::string token_bytes(TokenId id) const override;
  std::string token_string(TokenId id) const override;
  std::optional<TokenId> token_to_id(std::string_view token) const override;
  bool is_special(TokenId id) const override;
  int32_t vocab_size() const override { return vocab_size_; }
  std::optional<TokenId> bos_id() const override { return bos_; }
  std::optional<TokenId> eos_id() const override { return eos_; }

 private:
  HfTokenizer() = default;
  const AddedToken* added_by_id(TokenId id) const;
  /// Token string of `id`, or nullptr if the id is unknown.
  const std::string* lookup(TokenId id) const;
  Status encode_plain(std::string_view piece, bool at_origin, bool parse_special,
                      std::vector<TokenId>& ids) const;
  void find_bos_eos(const nlohmann::json& post_processor);

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<Decoder> decoder_;
  std::vector<AddedToken> added_;  // never resized after load: matchers point into it
  std::unordered_map<TokenId, size_t> added_index_;
  Vocab added_by_content_;
  AddedTokenMatcher raw_matcher_;         // tokens with normalized == false
  AddedTokenMatcher normalized_matcher_;  // tokens with normalized == true
  std::optional<TokenId> bos_, eos_;
  int32_t vocab_size_ = 0;
};

}  // namespace dailydrug::llm::tok

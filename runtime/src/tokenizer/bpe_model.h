// The BPE model of `tokenizer.json` (internal header): vocabulary, ranked merges, byte
// fallback, unknown token, ignore_merges, continuing_subword_prefix and end_of_word_suffix, with
// the merge order of `tokenizers` 0.23 (lowest rank first, leftmost first among equal ranks).
// Thread-safety: immutable after load except for an internal word cache guarded by a
// shared_mutex, so tokenize() may run on many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "dailydrug/llm/error.h"
#include "dailydrug/llm/tokenizer.h"
#include "token_index.h"

namespace dailydrug::llm::tok {

struct BpeTables;  // tokenizer_json.h

/// Hash map keyed by std::string that can be probed with a string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using Vocab = std::unordered_map<std::string, TokenId, StringHash, std::equal_to<>>;

class BpeModel {
 public:
  /// Builds the model from the "model" object (type "BPE"). Errors: TokenizerNotInitialized
  /// for a malformed vocabulary or a merge naming a token that is not in it. A non-zero dropout
  /// is ignored: inference wants the deterministic segmentation.
  /// `tables`: the vocabulary and merges read by parse_tokenizer_json, used (and their strings
  /// moved out) instead of the DOM's when captured.
  static Result<std::unique_ptr<BpeModel>> from_json(const nlohmann::json& j,
                                                     BpeTables* tables = nullptr);

  /// Appends the ids of one pre-token (valid UTF-8, non-empty) to `out`.
  void tokenize(std::string_view word, std::vector<TokenId>& out) const;

  std::optional<TokenId> token_to_id(std::string_view token) const;
  /// The token string, or nullptr if `id` is not in the vocabulary.
  const std::string* id_to_token(TokenId id) const;
  /// One past the largest id in the vocabulary.
  int32_t size() const { return static_cast<int32_t>(id_to_key_.size()); }

 private:
  std::vector<TokenId> merge_word(std::string_view word) const;
  Status add_merges(const std::vector<std::pair<std::string, std::string>>& merges);

  TokenIndex vocab_;
  std::vector<int32_t> id_to_key_;  // index into vocab_'s keys per id; -1 = no token
  MergeTable merges_;
  std::optional<TokenId> unk_id_;
  std::string continuing_subword_prefix_;
  std::string end_of_word_suffix_;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::vector<std::optional<TokenId>> byte_ids_;  // "<0xNN>" tokens for byte fallback

  static constexpr size_t kCacheCapacity = 10000;  // as tokenizers' default BPE cache
  static constexpr size_t kMaxCachedWordBytes = 256;
  mutable std::shared_mutex cache_mu_;
  mutable std::unordered_map<std::string, std::vector<TokenId>, StringHash, std::equal_to<>> cache_;
};

}  // namespace dailydrug::llm::tok

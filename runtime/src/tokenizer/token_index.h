// The BPE model's two lookup tables (internal header): token string -> id, and (left id, right
// id) -> merge. Both are open-addressing tables over flat arrays. Qwen2's vocabulary has 151k
// tokens and 151k merges; resolving each merge looks up three strings, and with std::unordered_map
// (a node allocation per entry, a pointer chase per probe) building these tables was most of the
// tokenizer's load time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/llm/tokenizer.h"

namespace dailydrug::llm::tok {

/// Distinct strings with an id each. Keys are stored once, in insertion order; several keys may
/// share an id.
class TokenIndex {
 public:
  void reserve(size_t n);
  /// Adds `key`, or gives an existing key the new id (a later duplicate wins, as in a JSON object).
  void insert_or_assign(std::string key, TokenId id);
  std::optional<TokenId> find(std::string_view key) const;
  size_t size() const { return keys_.size(); }
  const std::string& key(size_t i) const { return keys_[i]; }
  TokenId id(size_t i) const { return ids_[i]; }

 private:
  struct Slot {
    uint32_t hash = 0;
    uint32_t entry = 0;  // index into keys_ + 1; 0 = empty
  };
  static uint64_t hash_of(std::string_view key);
  /// The slot holding `key`, or the empty slot where it would go.
  size_t probe(std::string_view key, uint64_t hash) const;
  void grow();

  std::vector<Slot> slots_;  // a power of two, at most half full
  std::vector<std::string> keys_;
  std::vector<TokenId> ids_;
};

/// The rank and result of merging the token pair (left, right).
struct MergeValue {
  int32_t rank;
  TokenId new_id;
};

class MergeTable {
 public:
  void reserve(size_t n);
  /// Adds or replaces the merge of (left, right) (a later duplicate wins).
  void insert_or_assign(TokenId left, TokenId right, MergeValue value);
  const MergeValue* find(TokenId left, TokenId right) const;

 private:
  struct Slot {
    uint64_t key = kEmpty;
    MergeValue value{};
  };
  // Ids are in [0, INT32_MAX - 1], so no pair packs to all ones.
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  static uint64_t key_of(TokenId left, TokenId right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  size_t probe(uint64_t key) const;
  void grow();

  std::vector<Slot> slots_;  // a power of two, at most half full
  size_t size_ = 0;
};

}  // namespace dailydrug::llm::tok

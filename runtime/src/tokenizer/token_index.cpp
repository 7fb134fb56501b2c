#include "token_index.h"

#include <bit>
#include <utility>

#define XXH_INLINE_ALL  // header-only: no libxxhash to link or ship
#include <xxhash.h>

namespace dailydrug::llm::tok {
namespace {

/// Slots for `n` entries at a load factor of at most one half (at least 16).
size_t capacity_for(size_t n) {
  return std::bit_ceil(std::max<size_t>(16, 2 * n));
}

}  // namespace

uint64_t TokenIndex::hash_of(std::string_view key) {
  return XXH3_64bits(key.data(), key.size());
}

void TokenIndex::reserve(size_t n) {
  keys_.reserve(n);
  ids_.reserve(n);
  if (capacity_for(n) <= slots_.size()) return;
  slots_.assign(capacity_for(n), Slot{});
  for (size_t i = 0; i < keys_.size(); ++i) {
    const uint64_t h = hash_of(keys_[i]);
    slots_[probe(keys_[i], h)] = {static_cast<uint32_t>(h), static_cast<uint32_t>(i + 1)};
  }
}

void TokenIndex::grow() {
  reserve(std::max<size_t>(16, 2 * keys_.size()));
}

size_t TokenIndex::probe(std::string_view key, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  const auto tag = static_cast<uint32_t>(hash);
  for (size_t i = static_cast<size_t>(hash >> 32) & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.entry == 0 || (s.hash == tag && keys_[s.entry - 1] == key)) return i;
  }
}

void TokenIndex::insert_or_assign(std::string key, TokenId id) {
  if (2 * (keys_.size() + 1) > slots_.size()) grow();
  const uint64_t h = hash_of(key);
  Slot& s = slots_[probe(key, h)];
  if (s.entry != 0) {
    ids_[s.entry - 1] = id;
    return;
  }
  keys_.push_back(std::move(key));
  ids_.push_back(id);
  s = {static_cast<uint32_t>(h), static_cast<uint32_t>(keys_.size())};
}

std::optional<TokenId> TokenIndex::find(std::string_view key) const {
  if (slots_.empty()) return std::nullopt;
  const Slot& s = slots_[probe(key, hash_of(key))];
  if (s.entry == 0) return std::nullopt;
  return ids_[s.entry - 1];
}

void MergeTable::reserve(size_t n) {
  if (capacity_for(n) <= slots_.size()) return;
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(capacity_for(n)));
  for (const Slot& s : old) {
    if (s.key != kEmpty) slots_[probe(s.key)] = s;
  }
}

void MergeTable::grow() {
  reserve(std::max<size_t>(16, 2 * size_));
}

size_t MergeTable::probe(uint64_t key) const {
  const size_t mask = slots_.size() - 1;
  // Fibonacci hashing: the pairs' ids are small and dense, the multiply spreads them.
  const uint64_t h = key * 0x9E3779B97F4A7C15ull;
  for (size_t i = static_cast<size_t>(h >> 32) & mask;; i = (i + 1) & mask) {
    if (slots_[i].key == kEmpty || slots_[i].key == key) return i;
  }
}

void MergeTable::insert_or_assign(TokenId left, TokenId right, MergeValue value) {
  if (2 * (size_ + 1) > slots_.size()) grow();
  const uint64_t key = key_of(left, right);
  Slot& s = slots_[probe(key)];
  if (s.key == kEmpty) ++size_;
  s = {key, value};
}

const MergeValue* MergeTable::find(TokenId left, TokenId right) const {
  if (slots_.empty()) return nullptr;
  const Slot& s = slots_[probe(key_of(left, right))];
  return s.key == kEmpty ? nullptr : &s.value;
}

}  // namespace dailydrug::llm::tok

// TokenIndex and MergeTable (runtime/src/tokenizer/token_index.h), the BPE model's lookup tables,
// against std::map as the reference: every key found with its last id, absent keys not found,
// across the growth of the tables from empty.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <utility>

#include "tokenizer/token_index.h"

using dailydrug::llm::TokenId;
using dailydrug::llm::tok::MergeTable;
using dailydrug::llm::tok::MergeValue;
using dailydrug::llm::tok::TokenIndex;

TEST(TokenIndexTest, EveryKeyIsFoundWithItsLastIdAcrossGrowth) {
  std::mt19937 rng(7);
  TokenIndex index;
  std::map<std::string, TokenId> want;
  for (int i = 0; i < 20000; ++i) {
    // Short keys collide often, so the same key comes back with a new id (the later one wins).
    std::string key(1 + rng() % 6, ' ');
    for (char& c : key) c = static_cast<char>('a' + rng() % 4);
    const auto id = static_cast<TokenId>(rng() % 50000);
    index.insert_or_assign(key, id);
    want[key] = id;
  }
  index.insert_or_assign("", 3);  // the empty string is a key like any other
  want[""] = 3;
  ASSERT_EQ(index.size(), want.size());
  for (const auto& [key, id] : want) {
    ASSERT_EQ(index.find(key), id) << key;
  }
  EXPECT_EQ(index.find("abcdabcd"), std::nullopt);  // longer than any key inserted
  EXPECT_EQ(index.find("e"), std::nullopt);
  for (size_t i = 0; i < index.size(); ++i) EXPECT_EQ(want.at(index.key(i)), index.id(i));
  EXPECT_EQ(TokenIndex{}.find("a"), std::nullopt);
}

TEST(MergeTableTest, EveryPairIsFoundWithItsLastValueAcrossGrowth) {
  std::mt19937 rng(11);
  MergeTable table;
  std::map<std::pair<TokenId, TokenId>, MergeValue> want;
  for (int i = 0; i < 20000; ++i) {
    const auto a = static_cast<TokenId>(rng() % 300), b = static_cast<TokenId>(rng() % 300);
    const MergeValue v{i, static_cast<TokenId>(rng() % 1000)};
    table.insert_or_assign(a, b, v);
    want[{a, b}] = v;
  }
  table.insert_or_assign(INT32_MAX - 1, INT32_MAX - 1, {1, 2});  // the largest ids
  want[{INT32_MAX - 1, INT32_MAX - 1}] = {1, 2};
  for (const auto& [pair, v] : want) {
    const MergeValue* got = table.find(pair.first, pair.second);
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->rank, v.rank);
    EXPECT_EQ(got->new_id, v.new_id);
  }
  EXPECT_EQ(table.find(300, 0), nullptr);
  EXPECT_EQ(table.find(0, INT32_MAX - 1), nullptr);
  EXPECT_EQ(MergeTable{}.find(0, 0), nullptr);
}

// PromptLookupDrafter: which tokens it proposes from the text so far.
#include "dailydrug/llm/drafter.h"

#include <gtest/gtest.h>

#include <vector>

using namespace dailydrug::llm;

namespace {

std::vector<TokenId> propose(const std::vector<TokenId>& context, size_t k,
                             DraftSettings settings = {}) {
  std::vector<TokenId> out{99, 99};  // overwritten
  PromptLookupDrafter(settings).propose(context, k, out);
  return out;
}

}  // namespace

TEST(DrafterTest, ProposesWhatFollowedTheLongestEarlierMatch) {
  // Suffix [7 8 9] occurred at the start, followed by 1 2 3 4.
  EXPECT_EQ(propose({7, 8, 9, 1, 2, 3, 4, 5, 7, 8, 9}, 3), (std::vector<TokenId>{1, 2, 3}));
  EXPECT_EQ(propose({7, 8, 9, 1, 2, 3, 4, 5, 7, 8, 9}, 10),
            (std::vector<TokenId>{1, 2, 3, 4, 5, 7, 8, 9}))
      << "up to the end of the context";
}

TEST(DrafterTest, TheLongerSuffixWinsOverAMoreRecentShorterOne) {
  // [5 8 9] occurs only at 0 (followed by 100 1); the 2-gram [8 9] most recently at 6 (followed
  // by 200). The 3-gram match is used.
  EXPECT_EQ(propose({5, 8, 9, 100, 1, 2, 8, 9, 200, 5, 8, 9}, 2), (std::vector<TokenId>{100, 1}));
}

TEST(DrafterTest, TheMostRecentOccurrenceOfTheSameLengthWins) {
  EXPECT_EQ(propose({4, 5, 10, 4, 5, 20, 4, 5}, 1), (std::vector<TokenId>{20}));
}

TEST(DrafterTest, FallsBackToShorterSuffixesDownToTheShortestAllowed) {
  // No earlier [1 2 3] or [2 3]; [3] occurred, followed by 42.
  EXPECT_TRUE(propose({3, 42, 1, 2, 3}, 4).empty()) << "one-token matches are not used by default";
  DraftSettings unigrams{3, 1};
  EXPECT_EQ(propose({3, 42, 1, 2, 3}, 4, unigrams), (std::vector<TokenId>{42, 1, 2, 3}));
  // [2 3] occurred, followed by 7.
  EXPECT_EQ(propose({2, 3, 7, 1, 2, 3}, 1), (std::vector<TokenId>{7}));
}

TEST(DrafterTest, NothingWithoutAMatchOrBudget) {
  EXPECT_TRUE(propose({1, 2, 3, 4}, 4).empty());
  EXPECT_TRUE(propose({1, 2, 1}, 0).empty());
  EXPECT_TRUE(propose({}, 4).empty());
  EXPECT_TRUE(propose({1}, 4).empty());
}

TEST(DrafterTest, ARunOfOneTokenProposesMoreOfIt) {
  // The suffix [6 6 6] matches one position earlier, overlapping itself.
  EXPECT_EQ(propose({6, 6, 6, 6}, 3), (std::vector<TokenId>{6}));
  EXPECT_EQ(propose({1, 6, 6, 6, 6, 6}, 3), (std::vector<TokenId>{6}));
}

TEST(DrafterTest, SettingsAreKeptInRange) {
  PromptLookupDrafter d({0, 0});
  EXPECT_EQ(d.settings().min_ngram, 1u);
  EXPECT_EQ(d.settings().max_ngram, 1u);
}

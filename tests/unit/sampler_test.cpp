// Sampler stages against hand-computed distributions.
#include "dailydrug/llm/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

using dailydrug::llm::ErrorKind;
using dailydrug::llm::Sampler;
using dailydrug::llm::SamplingConfig;
using dailydrug::llm::TokenId;
using dailydrug::llm::TokenProb;

namespace {

SamplingConfig plain(float temperature) {
  SamplingConfig c;
  c.temperature = temperature;
  c.top_k = 0;
  c.top_p = 1.0f;
  c.min_p = 0.0f;
  c.repetition_penalty = 1.0f;
  c.seed = 1;
  return c;
}

std::map<TokenId, float> as_map(const std::vector<TokenProb>& d) {
  std::map<TokenId, float> m;
  for (const auto& c : d) m[c.token] = c.prob;
  return m;
}

const std::vector<float> kLogits = {1.0f, 2.0f, 3.0f, 4.0f};
const std::vector<TokenId> kNone;

}  // namespace

TEST(SamplerTest, TemperatureZeroIsArgmax) {
  Sampler s(plain(0.0f));
  auto d = s.distribution(kLogits, kNone);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].token, 3);
  EXPECT_EQ(s.sample(kLogits, kNone), 3);
}

TEST(SamplerTest, TemperatureOneIsSoftmax) {
  Sampler s(plain(1.0f));
  auto m = as_map(s.distribution(kLogits, kNone));
  const double z = std::exp(1) + std::exp(2) + std::exp(3) + std::exp(4);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(m[i], std::exp(i + 1) / z, 1e-6) << i;
}

TEST(SamplerTest, TemperatureScalesLogits) {
  Sampler s(plain(2.0f));
  auto m = as_map(s.distribution(kLogits, kNone));
  const double z = std::exp(0.5) + std::exp(1.0) + std::exp(1.5) + std::exp(2.0);
  EXPECT_NEAR(m[3], std::exp(2.0) / z, 1e-6);
  EXPECT_NEAR(m[0], std::exp(0.5) / z, 1e-6);
}

TEST(SamplerTest, TopKKeepsKAndRenormalises) {
  auto c = plain(1.0f);
  c.top_k = 2;
  Sampler s(c);
  auto m = as_map(s.distribution(kLogits, kNone));
  ASSERT_EQ(m.size(), 2u);
  const double z = std::exp(3) + std::exp(4);
  EXPECT_NEAR(m[3], std::exp(4) / z, 1e-6);
  EXPECT_NEAR(m[2], std::exp(3) / z, 1e-6);
}

TEST(SamplerTest, TopPKeepsSmallestPrefixReachingMass) {
  // p = [0.032, 0.087, 0.237, 0.644]: top_p 0.7 needs the two largest (0.644 < 0.7).
  auto c = plain(1.0f);
  c.top_p = 0.7f;
  Sampler s(c);
  auto m = as_map(s.distribution(kLogits, kNone));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_TRUE(m.count(3) && m.count(2));
  c.top_p = 0.5f;  // the largest alone reaches 0.5
  Sampler s2(c);
  EXPECT_EQ(s2.distribution(kLogits, kNone).size(), 1u);
}

TEST(SamplerTest, MinPDropsUnlikelyTokens) {
  // p_max = 0.644; min_p 0.2 keeps p >= 0.129: tokens 3 (0.644) and 2 (0.237).
  auto c = plain(1.0f);
  c.min_p = 0.2f;
  Sampler s(c);
  auto m = as_map(s.distribution(kLogits, kNone));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_NEAR(m[3] + m[2], 1.0, 1e-6);
}

TEST(SamplerTest, RepetitionPenaltyDividesPositiveAndMultipliesNegative) {
  auto c = plain(0.0f);
  c.repetition_penalty = 2.0f;
  Sampler s(c);
  // Token 3 (logit 4) penalised to 2 -> token 2 (logit 3) wins.
  std::vector<TokenId> recent = {3, 3, 3};
  EXPECT_EQ(s.sample(kLogits, recent), 2);
  // A negative logit gets more negative: -1 * 2 = -2 < -1.5.
  std::vector<float> neg = {-1.0f, -1.5f};
  std::vector<TokenId> r0 = {0};
  EXPECT_EQ(s.sample(neg, r0), 1);
  // Only the window counts.
  c.repetition_window = 1;
  Sampler w(c);
  std::vector<TokenId> old_then_new = {3, 0};
  EXPECT_EQ(w.sample(kLogits, old_then_new), 3);
}

TEST(SamplerTest, SameSeedSameTokensDifferentSeedDiffers) {
  std::vector<float> flat(50, 0.0f);
  auto c = plain(1.0f);
  c.seed = 42;
  Sampler a(c), b(c);
  c.seed = 43;
  Sampler other(c);
  std::vector<TokenId> sa, sb, so;
  for (int i = 0; i < 64; ++i) {
    sa.push_back(a.sample(flat, kNone));
    sb.push_back(b.sample(flat, kNone));
    so.push_back(other.sample(flat, kNone));
  }
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, so);
}

TEST(SamplerTest, DrawFollowsTheDistribution) {
  auto c = plain(1.0f);
  c.seed = 7;
  Sampler s(c);
  std::map<TokenId, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i) counts[s.sample(kLogits, kNone)]++;
  const double z = std::exp(1) + std::exp(2) + std::exp(3) + std::exp(4);
  for (int t = 0; t < 4; ++t) {
    EXPECT_NEAR(counts[t] / static_cast<double>(n), std::exp(t + 1) / z, 0.015) << t;
  }
}

TEST(SamplerTest, NegativeInfinityLogitsAreNeverDrawn) {
  std::vector<float> l = {-INFINITY, 0.0f, -INFINITY, 0.0f};
  Sampler s(plain(1.0f));
  for (int i = 0; i < 200; ++i) {
    const TokenId t = s.sample(l, kNone);
    EXPECT_TRUE(t == 1 || t == 3);
  }
}

TEST(SamplerTest, ValidateRejectsOutOfRange) {
  auto bad = [](auto mutate) {
    SamplingConfig c;
    mutate(c);
    return c.validate();
  };
  EXPECT_EQ(bad([](SamplingConfig& c) { c.temperature = -0.1f; }).error().subject, "temperature");
  EXPECT_EQ(bad([](SamplingConfig& c) { c.temperature = NAN; }).error().subject, "temperature");
  EXPECT_EQ(bad([](SamplingConfig& c) { c.top_p = 0.0f; }).error().subject, "top_p");
  EXPECT_EQ(bad([](SamplingConfig& c) { c.top_p = 1.5f; }).error().subject, "top_p");
  EXPECT_EQ(bad([](SamplingConfig& c) { c.min_p = 1.0f; }).error().subject, "min_p");
  EXPECT_EQ(bad([](SamplingConfig& c) { c.repetition_penalty = 0.5f; }).error().subject,
            "repetition_penalty");
  EXPECT_EQ(bad([](SamplingConfig& c) { c.top_p = 0.0f; }).error().kind,
            ErrorKind::kConfigurationInvalid);
  EXPECT_TRUE(SamplingConfig{}.validate().ok());
}

// A tiny random LLaMA exported with DailyDrug's attention operators (tests/python/
// make_tiny_model_ddattn.py) runs in our runtime, which links the kernels, and gives PyTorch
// eager's logits (default attention, same weights) for chunked prefill at several start
// positions, token-by-token decode up to the end of the cache, and a rewind over filled
// positions (what the prefix cache does).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dailydrug/llm/model.h"

namespace fs = std::filesystem;
using dailydrug::llm::ErrorKind;
using dailydrug::llm::ExecutorchModel;
using dailydrug::llm::TokenId;

namespace {

const fs::path kFixture = fs::path(DD_TEST_WORK_DIR) / "tiny-ddattn";

struct Reference {
  std::vector<TokenId> tokens;
  std::vector<std::vector<float>> logits;  // logits[i]: next-token logits after tokens[0..i]
};

Reference load_reference() {
  std::ifstream in(kFixture / "reference.json");
  auto j = nlohmann::json::parse(in);
  return {j["tokens"].get<std::vector<TokenId>>(),
          j["logits"].get<std::vector<std::vector<float>>>()};
}

float max_abs_diff(std::span<const float> a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float m = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

std::unique_ptr<ExecutorchModel> load() {
  auto model = ExecutorchModel::load((kFixture / "model.pte").string());
  EXPECT_TRUE(model.ok()) << model.error().message();
  return model.ok() ? std::move(*model) : nullptr;
}

}  // namespace

TEST(CustomOpModelTest, ChunkedPrefillAndDecodeMatchEager) {
  const Reference ref = load_reference();
  auto model = load();
  ASSERT_TRUE(model);
  // Different chunkings put chunk boundaries (start positions) in different places.
  for (const std::vector<size_t>& chunks :
       {std::vector<size_t>{1, 1, 1, 1}, std::vector<size_t>{5}, std::vector<size_t>{15, 3},
        std::vector<size_t>{2, 7, 4}}) {
    size_t pos = 0;
    for (size_t n : chunks) {
      auto out = model->forward(std::span(ref.tokens).subspan(pos, n), static_cast<int64_t>(pos));
      ASSERT_TRUE(out.ok()) << out.error().message();
      pos += n;
      EXPECT_LT(max_abs_diff(*out, ref.logits[pos - 1]), 1e-4f) << "chunk ending at " << pos;
    }
    for (; pos < ref.tokens.size(); ++pos) {  // then one token per call
      auto out = model->forward(std::span(ref.tokens).subspan(pos, 1), static_cast<int64_t>(pos));
      ASSERT_TRUE(out.ok()) << out.error().message();
      EXPECT_LT(max_abs_diff(*out, ref.logits[pos]), 1e-4f) << "decode at " << pos;
    }
  }
}

TEST(CustomOpModelTest, FillsTheCacheToTheLastPositionAndRefusesBeyond) {
  const Reference ref = load_reference();
  auto model = load();
  ASSERT_TRUE(model);
  const int64_t ctx = model->metadata().max_context_len;
  const int64_t per_call = model->metadata().max_seq_len - 1;
  // Fill all positions with a repeating token pattern; every call must succeed and give finite
  // logits (the last call writes the last cache slot).
  std::vector<TokenId> toks;
  for (int64_t i = 0; i < ctx; ++i)
    toks.push_back(ref.tokens[static_cast<size_t>(i) % ref.tokens.size()]);
  int64_t pos = 0;
  while (pos < ctx) {
    const int64_t n = std::min(per_call, ctx - pos);
    auto out = model->forward(
        std::span(toks).subspan(static_cast<size_t>(pos), static_cast<size_t>(n)), pos);
    ASSERT_TRUE(out.ok()) << "at " << pos << ": " << out.error().message();
    for (float x : *out) ASSERT_TRUE(std::isfinite(x));
    pos += n;
  }
  auto beyond = model->forward(std::span(toks).subspan(0, 1), ctx);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().kind, ErrorKind::kContextLengthExceeded);
  // Rewinding to 0 overwrites the filled cache: the same prefix gives eager's logits again.
  auto again = model->forward(std::span(ref.tokens).subspan(0, 6), 0);
  ASSERT_TRUE(again.ok());
  EXPECT_LT(max_abs_diff(*again, ref.logits[5]), 1e-4f);
}

// ExecutorchModel against PyTorch eager on the same weights (tiny random LLaMA fixture made by
// tests/python/make_tiny_model.py), and its typed errors for missing or damaged programs.
#include "dailydrug/llm/model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

namespace fs = std::filesystem;
using dailydrug::llm::ErrorKind;
using dailydrug::llm::ExecutorchModel;
using dailydrug::llm::TokenId;

namespace {

const fs::path kFixture = fs::path(DD_TEST_WORK_DIR) / "tiny";

struct Reference {
  std::vector<TokenId> tokens;
  std::vector<std::vector<float>> logits;
  int64_t max_seq_len, max_context_len, vocab_size, n_layers;
};

Reference load_reference() {
  std::ifstream in(kFixture / "reference.json");
  auto j = nlohmann::json::parse(in);
  Reference r;
  r.tokens = j["tokens"].get<std::vector<TokenId>>();
  r.logits = j["logits"].get<std::vector<std::vector<float>>>();
  r.max_seq_len = j["max_seq_len"];
  r.max_context_len = j["max_context_len"];
  r.vocab_size = j["vocab_size"];
  r.n_layers = j["n_layers"];
  return r;
}

size_t argmax(std::span<const float> v) {
  return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

float max_abs_diff(std::span<const float> a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float m = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

fs::path write_file(const std::string& name, const std::string& bytes) {
  fs::path p = fs::temp_directory_path() / ("dd_model_test_" + name);
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST(ModelTest, ReadsMetadataFromProgram) {
  const Reference ref = load_reference();
  auto model = ExecutorchModel::load((kFixture / "model.pte").string());
  ASSERT_TRUE(model.ok()) << model.error().message();
  const auto& m = (*model)->metadata();
  EXPECT_EQ(m.max_seq_len, ref.max_seq_len);
  EXPECT_EQ(m.max_context_len, ref.max_context_len);
  EXPECT_EQ(m.vocab_size, ref.vocab_size);
  EXPECT_EQ(m.n_layers, ref.n_layers);
  EXPECT_TRUE(m.use_kv_cache);
  EXPECT_TRUE(m.enable_dynamic_shape);
  EXPECT_FALSE(m.use_sdpa_with_kv_cache);
  ASSERT_TRUE(m.bos_id.has_value());
  EXPECT_EQ(*m.bos_id, 259);
  EXPECT_EQ(m.eos_ids, (std::vector<TokenId>{257, 258}));
  EXPECT_EQ(m.max_tokens_per_call, ref.max_seq_len - 1);
}

// Prefill in chunks, then decode one token at a time: every step's logits must match eager
// PyTorch on the same prefix.
TEST(ModelTest, LogitsMatchPyTorchEagerAcrossPrefillAndDecode) {
  const Reference ref = load_reference();
  auto model = ExecutorchModel::load((kFixture / "model.pte").string());
  ASSERT_TRUE(model.ok()) << model.error().message();
  auto& m = **model;
  const std::vector<size_t> chunks = {5, 1, 3, 1, 1, 7, 1, 1};  // sums to 20 tokens
  size_t pos = 0;
  float worst = 0;
  int top1_agree = 0, compared = 0;
  for (size_t n : chunks) {
    std::span<const TokenId> chunk(ref.tokens.data() + pos, n);
    auto logits = m.forward(chunk, static_cast<int64_t>(pos));
    ASSERT_TRUE(logits.ok()) << logits.error().message();
    pos += n;
    const auto& want = ref.logits[pos - 1];
    worst = std::max(worst, max_abs_diff(*logits, want));
    top1_agree += argmax(*logits) ==
                  static_cast<size_t>(std::max_element(want.begin(), want.end()) - want.begin());
    ++compared;
  }
  ASSERT_EQ(pos, ref.tokens.size());
  EXPECT_LT(worst, 1e-3f) << "largest logit difference vs eager";
  EXPECT_EQ(top1_agree, compared);
  RecordProperty("max_abs_logit_diff", std::to_string(worst));
}

// Re-running from position 0 overwrites the cache: the same prompt gives the same logits.
TEST(ModelTest, RestartAtPositionZeroIsDeterministic) {
  const Reference ref = load_reference();
  auto model = ExecutorchModel::load((kFixture / "model.pte").string());
  ASSERT_TRUE(model.ok());
  std::span<const TokenId> prompt(ref.tokens.data(), 6);
  auto a = (*model)->forward(prompt, 0);
  ASSERT_TRUE(a.ok());
  std::vector<float> first(a->begin(), a->end());
  auto b = (*model)->forward(prompt, 0);
  ASSERT_TRUE(b.ok());
  EXPECT_LT(max_abs_diff(*b, first), 1e-6f);
  EXPECT_LT(max_abs_diff(*b, ref.logits[5]), 1e-3f);
}

TEST(ModelTest, ForwardRejectsOutOfBoundsCalls) {
  auto model = ExecutorchModel::load((kFixture / "model.pte").string());
  ASSERT_TRUE(model.ok());
  auto& m = **model;
  std::vector<TokenId> too_many(static_cast<size_t>(m.metadata().max_tokens_per_call) + 1, 3);
  EXPECT_EQ(m.forward(too_many, 0).error().kind, ErrorKind::kGenerationFailed);
  std::vector<TokenId> none;
  EXPECT_EQ(m.forward(none, 0).error().kind, ErrorKind::kGenerationFailed);
  std::vector<TokenId> one = {3};
  auto past_end = m.forward(one, m.metadata().max_context_len);
  ASSERT_FALSE(past_end.ok());
  EXPECT_EQ(past_end.error().kind, ErrorKind::kContextLengthExceeded);
  EXPECT_EQ(past_end.error().expected, m.metadata().max_context_len);
  std::vector<TokenId> bad_id = {static_cast<TokenId>(m.metadata().vocab_size)};
  EXPECT_EQ(m.forward(bad_id, 0).error().kind, ErrorKind::kGenerationFailed);
  std::vector<TokenId> negative = {-1};
  EXPECT_EQ(m.forward(negative, 0).error().kind, ErrorKind::kGenerationFailed);
}

TEST(ModelTest, MissingFileIsModelNotFound) {
  auto r = ExecutorchModel::load("/nonexistent/dir/model.pte");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kModelNotFound);
  EXPECT_EQ(r.error().subject, "/nonexistent/dir/model.pte");
}

TEST(ModelTest, DirectoryIsModelNotFound) {
  auto r = ExecutorchModel::load(fs::temp_directory_path().string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kModelNotFound);
}

TEST(ModelTest, EmptyFileIsModelCorrupted) {
  auto r = ExecutorchModel::load(write_file("empty.pte", "").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kModelCorrupted);
}

TEST(ModelTest, RandomBytesAreModelCorrupted) {
  std::mt19937 rng(7);
  std::string junk(4096, '\0');
  for (auto& c : junk) c = static_cast<char>(rng());
  auto r = ExecutorchModel::load(write_file("junk.pte", junk).string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kModelCorrupted) << r.error().message();
}

TEST(ModelTest, TruncatedProgramIsRefused) {
  const std::string full = read_file(kFixture / "model.pte");
  for (size_t keep : {size_t{16}, full.size() / 10, full.size() / 2, full.size() - 1}) {
    auto r = ExecutorchModel::load(write_file("trunc.pte", full.substr(0, keep)).string());
    ASSERT_FALSE(r.ok()) << "kept " << keep << " of " << full.size() << " bytes";
    EXPECT_TRUE(r.error().kind == ErrorKind::kModelCorrupted ||
                r.error().kind == ErrorKind::kModelLoadFailed)
        << r.error().message();
  }
}

TEST(ModelTest, TokenizerFilePassedAsProgramIsRefused) {
  auto r = ExecutorchModel::load(write_file("tok.pte", R"({"model":{"type":"BPE"}})").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kModelCorrupted);
}

TEST(ModelTest, ThreadCountCanBeSet) {
  ASSERT_TRUE(ExecutorchModel::set_num_threads(1).ok());
  EXPECT_EQ(ExecutorchModel::num_threads(), 1);
  ASSERT_TRUE(ExecutorchModel::set_num_threads(2).ok());
  EXPECT_EQ(ExecutorchModel::num_threads(), 2);
  ASSERT_TRUE(ExecutorchModel::set_num_threads(-1).ok());
  EXPECT_EQ(ExecutorchModel::num_threads(), dailydrug::llm::automatic_thread_count());
  // The model still runs after the pool was rebuilt.
  auto model = ExecutorchModel::load((kFixture / "model.pte").string());
  ASSERT_TRUE(model.ok());
  std::vector<TokenId> one = {5};
  EXPECT_TRUE((*model)->forward(one, 0).ok());
}

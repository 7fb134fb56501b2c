// LoRA bundles in our runtime (fixture: tests/python/make_tiny_lora.py, exported by the real
// exporter): a separated bundle (model.pte + foundation.ptd + adapter.ptd) loads through
// ModelBundle/ExecutorchModel/Runner and gives the merged bundle's logits and PyTorch eager's
// (base weights + the LoRA delta at run time); two adapters run from one foundation file; a
// separated program without its data files, or a config naming an adapter it does not list,
// is refused with a typed error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/model.h"
#include "dailydrug/llm/runner.h"

namespace fs = std::filesystem;
using namespace dailydrug::llm;

namespace {

const fs::path kFixture = fs::path(DD_TEST_WORK_DIR) / "tiny_lora";

struct Reference {
  std::vector<TokenId> tokens;
  nlohmann::json logits;  // {"base": rows, "adapter-a": rows, "adapter-b": rows}
};

const Reference& reference() {
  static const Reference r = [] {
    std::ifstream in(kFixture / "reference.json");
    auto j = nlohmann::json::parse(in);
    return Reference{j["tokens"].get<std::vector<TokenId>>(), j["logits"]};
  }();
  return r;
}

std::string dir(const char* bundle) {
  return (kFixture / bundle).string();
}

std::unique_ptr<ExecutorchModel> load(const fs::path& pte, std::vector<std::string> data = {}) {
  ModelLoadOptions o;
  o.data_files = std::move(data);
  auto m = ExecutorchModel::load(pte.string(), o);
  EXPECT_TRUE(m.ok()) << m.error().message();
  return m.ok() ? std::move(m).value() : nullptr;
}

// Next-token logits after each prefix of the reference tokens, read as the runner reads a
// prompt: one chunk of 8, then one token per call.
std::vector<std::vector<float>> run(ExecutorchModel& m) {
  const auto& t = reference().tokens;
  std::vector<std::vector<float>> rows(t.size());
  size_t pos = 0;
  while (pos < t.size()) {
    const size_t n = pos == 0 ? 8 : 1;
    auto out = m.forward(std::span<const TokenId>(t).subspan(pos, n), static_cast<int64_t>(pos));
    EXPECT_TRUE(out.ok()) << out.error().message();
    if (!out.ok()) return {};
    rows[pos + n - 1].assign(out->begin(), out->end());
    pos += n;
  }
  return rows;
}

// Largest |a - b| over the positions `a` has (the others are empty).
float max_diff(const std::vector<std::vector<float>>& a, const nlohmann::json& b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].empty()) continue;
    const auto row = b[i].get<std::vector<float>>();
    EXPECT_EQ(a[i].size(), row.size());
    for (size_t k = 0; k < std::min(a[i].size(), row.size()); ++k) {
      m = std::max(m, std::abs(a[i][k] - row[k]));
    }
  }
  return m;
}

float max_diff(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  return max_diff(a, nlohmann::json(b));
}

}  // namespace

TEST(LoraBundleTest, SeparatedBundleListsFoundationAndAdapter) {
  auto b = ModelBundle::open(dir("separate-a"), ModelBundle::Verify::kFull);
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_TRUE(b->config().lora_enabled);
  EXPECT_EQ(b->config().lora_path, "adapter.ptd");
  const auto data = b->data_paths();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(fs::path(data[0]).filename(), "foundation.ptd");
  EXPECT_EQ(fs::path(data[1]).filename(), "adapter.ptd");
  auto merged = ModelBundle::open(dir("merged-a"), ModelBundle::Verify::kFull);
  ASSERT_TRUE(merged.ok()) << merged.error().message();
  EXPECT_FALSE(merged->config().lora_enabled);
  EXPECT_TRUE(merged->data_paths().empty());
}

TEST(LoraBundleTest, SeparatedLogitsMatchMergedAndEagerReference) {
  auto sep = ModelBundle::open(dir("separate-a"));
  ASSERT_TRUE(sep.ok()) << sep.error().message();
  auto a = load(sep->program_path(), sep->data_paths());
  auto m = load(kFixture / "merged-a" / "model.pte");
  ASSERT_TRUE(a && m);
  const auto rows_sep = run(*a);
  const auto rows_merged = run(*m);
  ASSERT_FALSE(rows_sep.empty());
  EXPECT_LT(max_diff(rows_sep, rows_merged), 1e-3f);
  EXPECT_LT(max_diff(rows_sep, reference().logits["adapter-a"]), 1e-3f);
  EXPECT_GT(max_diff(rows_sep, reference().logits["base"]), 0.5f);  // the adapter is applied
}

TEST(LoraBundleTest, TwoAdaptersRunFromOneFoundationFile) {
  // Both programs read the same foundation.ptd (separate-a's) side by side.
  const std::string foundation = (kFixture / "separate-a" / "foundation.ptd").string();
  auto a = load(kFixture / "separate-a" / "model.pte",
                {foundation, (kFixture / "separate-a" / "adapter.ptd").string()});
  auto b = load(kFixture / "separate-b" / "model.pte",
                {foundation, (kFixture / "separate-b" / "adapter.ptd").string()});
  ASSERT_TRUE(a && b);
  const auto rows_a = run(*a);
  const auto rows_b = run(*b);
  EXPECT_LT(max_diff(rows_a, reference().logits["adapter-a"]), 1e-3f);
  EXPECT_LT(max_diff(rows_b, reference().logits["adapter-b"]), 1e-3f);
  EXPECT_GT(max_diff(rows_a, rows_b), 0.5f);
}

TEST(LoraBundleTest, RunnerGeneratesTheSameTextFromSeparatedAndMerged) {
  auto gen = [](const char* name) {
    auto b = ModelBundle::open(dir(name), ModelBundle::Verify::kFull);
    EXPECT_TRUE(b.ok()) << b.error().message();
    auto r = Runner::from_bundle(*b);
    EXPECT_TRUE(r.ok()) << r.error().message();
    GenerationRequest req;
    req.prompt = "hello";
    req.temperature = 0.0f;
    req.repetition_penalty = 1.0f;
    req.max_output_tokens = 12;
    req.timeout_ms = 0;
    auto out = (*r)->generate(req);
    EXPECT_TRUE(out.ok()) << out.error().message();
    return out.ok() ? out->output_ids : std::vector<TokenId>{};
  };
  const auto sep = gen("separate-a");
  EXPECT_FALSE(sep.empty());
  EXPECT_EQ(sep, gen("merged-a"));
}

TEST(LoraBundleTest, SeparatedProgramWithoutItsDataFilesIsRefused) {
  auto m = ExecutorchModel::load((kFixture / "separate-a" / "model.pte").string());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind, ErrorKind::kModelLoadFailed) << m.error().message();
  EXPECT_NE(m.error().message().find(".ptd"), std::string::npos) << m.error().message();
  // Only the foundation: the adapter's weights are missing.
  ModelLoadOptions o;
  o.data_files = {(kFixture / "separate-a" / "foundation.ptd").string()};
  auto f = ExecutorchModel::load((kFixture / "separate-a" / "model.pte").string(), o);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().kind, ErrorKind::kModelLoadFailed) << f.error().message();
  EXPECT_NE(f.error().message().find("data file"), std::string::npos) << f.error().message();
  // A missing data file is ModelNotFound, before ExecuTorch sees it.
  o.data_files.push_back((kFixture / "separate-a" / "nope.ptd").string());
  auto n = ExecutorchModel::load((kFixture / "separate-a" / "model.pte").string(), o);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().kind, ErrorKind::kModelNotFound);
}

TEST(LoraBundleTest, LoraPathMustNameAListedAdapterFile) {
  std::ifstream in(kFixture / "separate-a" / "model_config.json");
  auto j = nlohmann::json::parse(in);
  ASSERT_TRUE(ModelBundle::parse_config(j.dump()).ok());
  auto bad = j;
  bad["lora_path"] = "other.ptd";
  auto r = ModelBundle::parse_config(bad.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kConfigurationInvalid);
  EXPECT_NE(r.error().message().find("lora_path"), std::string::npos) << r.error().message();
  bad = j;
  bad["lora_path"] = nullptr;  // enabled, but no adapter file named
  EXPECT_FALSE(ModelBundle::parse_config(bad.dump()).ok());
}

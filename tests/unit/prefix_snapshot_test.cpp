// Prefix snapshots (runtime/src/engine/prefix_snapshot.h, an internal header): the KV cache of a
// fixed system prompt saved after its first use and restored by a new Runner (a restart).
// On plain buffers: a restore brings back exactly the saved positions and touches nothing else;
// a damaged, cut, foreign or missing file is ignored with the state untouched; short prefixes are
// not kept; a folder keeps kKeepFiles files. On the tiny bundle and the real test bundle: a
// restarted Runner restores the system prompt (stats say so) and gives the same greedy tokens as
// a Runner without snapshots; a damaged snapshot is ignored and replaced.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "../scratch_dir.h"
#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/runner.h"
#include "prefix_snapshot.h"

namespace fs = std::filesystem;
using namespace dailydrug::llm;

namespace {

const std::string kTiny = (fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle").string();

/// Two cache-like tensors over our own memory: positions along dim 1 ([1, 64, 2, 4]) and along
/// dim 2 ([1, 2, 64, 4], the strided case).
struct FakeState {
  std::vector<float> a = std::vector<float>(64 * 2 * 4);
  std::vector<float> b = std::vector<float>(2 * 64 * 4);

  std::vector<StateTensor> tensors() {
    return {{"layers.0.k", reinterpret_cast<std::byte*>(a.data()), {1, 64, 2, 4}, 4, 1},
            {"layers.0.v", reinterpret_cast<std::byte*>(b.data()), {1, 2, 64, 4}, 4, 2}};
  }
  void fill(float base) {
    std::iota(a.begin(), a.end(), base);
    std::iota(b.begin(), b.end(), base + 10000.0f);
  }
};

std::vector<TokenId> tokens(size_t n, TokenId first = 1) {
  std::vector<TokenId> t(n);
  std::iota(t.begin(), t.end(), first);
  return t;
}

void flip_byte(const std::string& path, std::streamoff from_end) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(-from_end, std::ios::end);
  char c = 0;
  f.get(c);
  f.seekp(-from_end, std::ios::end);
  f.put(static_cast<char>(c ^ 0x5a));
}

TEST(PrefixSnapshotTest, RestoreBringsBackExactlyTheSavedPositions) {
  dd_test::ScratchDir dir("dd_snapshot");
  FakeState state;
  state.fill(1.0f);
  const FakeState saved = state;
  PrefixSnapshots writer(dir.path().string(), "key", state.tensors());
  const auto prefix = tokens(20);
  ASSERT_TRUE(writer.save(prefix)) << writer.note();
  EXPECT_TRUE(fs::is_regular_file(writer.path_for(prefix))) << writer.note();
  EXPECT_FALSE(writer.save(prefix)) << "one write per prefix and object";

  state.fill(-5.0f);  // what a restart finds: other values everywhere
  const FakeState before = state;
  PrefixSnapshots reader(dir.path().string(), "key", state.tensors());
  ASSERT_TRUE(reader.restore(prefix)) << reader.note();
  for (size_t i = 0; i < state.a.size(); ++i) {
    const bool restored = i / (2 * 4) < 20;  // [1, 64, 2, 4]: position = i / 8
    ASSERT_EQ(state.a[i], restored ? saved.a[i] : before.a[i]) << "a[" << i << "]";
  }
  for (size_t i = 0; i < state.b.size(); ++i) {
    const bool restored = (i / 4) % 64 < 20;  // [1, 2, 64, 4]: position = (i / 4) % 64
    ASSERT_EQ(state.b[i], restored ? saved.b[i] : before.b[i]) << "b[" << i << "]";
  }
}

TEST(PrefixSnapshotTest, DamagedCutForeignOrMissingFilesAreIgnoredAndTheStateUntouched) {
  dd_test::ScratchDir dir("dd_snapshot");
  FakeState state;
  state.fill(1.0f);
  const auto prefix = tokens(20);
  PrefixSnapshots writer(dir.path().string(), "key", state.tensors());
  ASSERT_TRUE(writer.save(prefix));
  const std::string path = writer.path_for(prefix);
  const std::string good = path + ".good";
  fs::copy_file(path, good);

  state.fill(7.0f);
  const FakeState untouched = state;
  auto expect_ignored = [&](const char* what, const std::string& key = "key",
                            std::vector<TokenId> p = tokens(20)) {
    PrefixSnapshots reader(dir.path().string(), key, state.tensors());
    EXPECT_FALSE(reader.restore(p)) << what;
    EXPECT_EQ(state.a, untouched.a) << what;
    EXPECT_EQ(state.b, untouched.b) << what;
    EXPECT_FALSE(reader.note().empty()) << what;
  };
  flip_byte(path, 100);  // inside the data
  expect_ignored("a flipped data byte");
  fs::copy_file(good, path, fs::copy_options::overwrite_existing);
  flip_byte(path, 3);  // inside the checksum
  expect_ignored("a flipped checksum byte");
  fs::copy_file(good, path, fs::copy_options::overwrite_existing);
  fs::resize_file(path, fs::file_size(path) - 9);
  expect_ignored("a cut file");
  fs::remove(path);
  expect_ignored("no file");
  expect_ignored("another prefix", "key", tokens(20, 2));
  // Another key's file under this key's name: the header differs.
  PrefixSnapshots other(dir.path().string(), "other key", state.tensors());
  fs::copy_file(good, other.path_for(prefix), fs::copy_options::overwrite_existing);
  expect_ignored("another program's snapshot", "other key");
}

TEST(PrefixSnapshotTest, ShortOrOversizedPrefixesAreNotKeptAndAFolderHoldsAtMostKeepFiles) {
  dd_test::ScratchDir dir("dd_snapshot");
  FakeState state;
  PrefixSnapshots s(dir.path().string(), "key", state.tensors());
  EXPECT_FALSE(s.save(tokens(PrefixSnapshots::kMinTokens - 1)));
  EXPECT_FALSE(s.restore(tokens(PrefixSnapshots::kMinTokens - 1)));
  EXPECT_TRUE(s.save(tokens(65)));  // more positions than the cache has: tried, not written
  EXPECT_FALSE(fs::exists(s.path_for(tokens(65))));
  for (TokenId first = 1; first <= 12; ++first) EXPECT_TRUE(s.save(tokens(20, first)));
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, PrefixSnapshots::kKeepFiles);
  EXPECT_TRUE(fs::exists(s.path_for(tokens(20, 12)))) << "the newest stays";
}

TEST(PrefixSnapshotTest, AFolderThatCannotBeWrittenIsNotedNotAnError) {
  dd_test::ScratchDir dir("dd_snapshot");
  const fs::path blocker = dir.path() / "file";
  std::ofstream(blocker) << "x";
  FakeState state;
  PrefixSnapshots s((blocker / "sub").string(), "key", state.tensors());
  EXPECT_TRUE(s.save(tokens(20)));
  EXPECT_NE(s.note().find("not saved"), std::string::npos) << s.note();
  EXPECT_FALSE(s.restore(tokens(20)));
}

// --- Runners on real programs: a restart restores the system prompt and changes nothing.

struct Answer {
  std::vector<TokenId> ids;
  GenerationStats stats;
};

Answer ask(Runner& runner, const std::string& system, const std::string& prompt, int max_tokens) {
  GenerationRequest r;
  r.system_instructions = {system};
  r.prompt = prompt;
  r.temperature = 0.0f;
  r.max_output_tokens = max_tokens;
  r.timeout_ms = 0;
  Answer a;
  auto g = runner.generate(r, {}, [&](const GenerationStats& s) { a.stats = s; });
  EXPECT_TRUE(g.ok()) << g.error().message();
  if (g.ok()) a.ids = g->output_ids;
  return a;
}

std::unique_ptr<Runner> load(const std::string& bundle_dir, const std::string& cache_dir) {
  auto bundle = ModelBundle::open(bundle_dir, ModelBundle::Verify::kQuick);
  EXPECT_TRUE(bundle.ok()) << bundle.error().message();
  if (!bundle.ok()) return nullptr;
  ModelLoadOptions options;
  options.weight_cache_dir = cache_dir;
  auto runner = Runner::from_bundle(*bundle, options);
  EXPECT_TRUE(runner.ok()) << runner.error().message();
  return runner.ok() ? std::move(*runner) : nullptr;
}

size_t snapshot_files(const fs::path& dir) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".snapshot";
  return n;
}

/// Restart, restore, same tokens; then a damaged snapshot is ignored and replaced.
void expect_restarts_give_the_same_tokens(const std::string& bundle_dir, const std::string& system,
                                          const std::vector<std::string>& questions,
                                          int max_tokens) {
  dd_test::ScratchDir dir("dd_snapshot");
  auto plain = load(bundle_dir, "");
  ASSERT_TRUE(plain);
  ASSERT_FALSE(plain->model().state().empty()) << plain->model().state_note();
  auto first = load(bundle_dir, dir.path().string());
  ASSERT_TRUE(first);
  const Answer a0 = ask(*first, system, questions[0], max_tokens);
  EXPECT_EQ(a0.stats.restored_prefix_tokens, 0);
  EXPECT_EQ(a0.ids, ask(*plain, system, questions[0], max_tokens).ids);
  ASSERT_EQ(snapshot_files(dir.path()), 1u) << "saved after the first use";
  first.reset();

  for (const auto& q : questions) {  // each on a fresh start
    auto restarted = load(bundle_dir, dir.path().string());
    ASSERT_TRUE(restarted);
    const Answer a = ask(*restarted, system, q, max_tokens);
    EXPECT_GE(a.stats.restored_prefix_tokens, static_cast<int>(PrefixSnapshots::kMinTokens)) << q;
    EXPECT_EQ(a.stats.reused_prefix_tokens, a.stats.restored_prefix_tokens) << q;
    plain->reset();
    EXPECT_EQ(a.ids, ask(*plain, system, q, max_tokens).ids) << q;
    // The next question in the same process reuses the cache as before.
    const Answer again = ask(*restarted, system, q, max_tokens);
    EXPECT_EQ(again.stats.restored_prefix_tokens, 0) << q;
    EXPECT_EQ(again.ids, a.ids) << q;
  }

  fs::path file;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path().extension() == ".snapshot") file = e.path();
  }
  flip_byte(file.string(), 64);
  auto damaged = load(bundle_dir, dir.path().string());
  ASSERT_TRUE(damaged);
  const Answer d = ask(*damaged, system, questions[0], max_tokens);
  EXPECT_EQ(d.stats.restored_prefix_tokens, 0);
  EXPECT_EQ(d.ids, a0.ids);
  damaged.reset();
  auto repaired = load(bundle_dir, dir.path().string());
  ASSERT_TRUE(repaired);
  EXPECT_GT(ask(*repaired, system, questions[0], max_tokens).stats.restored_prefix_tokens, 0)
      << "the damaged file was replaced after its prefix ran";
}

TEST(PrefixSnapshotTest, TinyBundleRestartsGiveTheSameTokens) {
  expect_restarts_give_the_same_tokens(kTiny, "You are a tiny test model.", {"hi", "ok?"}, 6);
}

TEST(PrefixSnapshotTest, RealBundleRestartsGiveTheSameTokens) {
  expect_restarts_give_the_same_tokens(
      DD_TEST_BUNDLE_DIR,
      "You are a careful pharmacist's assistant. Answer in two short sentences and say when "
      "the user should ask a pharmacist.",
      {"Can I take ibuprofen with food?", "What is paracetamol for?"}, 24);
}

}  // namespace

// LocalLlm lifecycle on the tiny bundle: first-use copy from a read-only assets folder (atomic,
// verified, with progress), memory check, lazy load, unload/reload, typed errors, and cancel,
// info and unload from another thread during a generation (these also run under TSan).
#include "dailydrug/llm/local_llm.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;
using namespace dailydrug::llm;

namespace {

const fs::path kBundle = fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle";

class LocalLlmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("dd_local_llm_" +
             std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "assets");
    fs::copy(kBundle, root_ / "assets" / "tiny", fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(root_); }

  LocalLlmConfig config() const {
    LocalLlmConfig c;
    c.bundle = "tiny";
    c.assets_dir = (root_ / "assets").string();
    c.cache_dir = (root_ / "cache").string();
    c.memory_threshold_mb = 1;
    return c;
  }
  static GenerationRequest greedy(const std::string& prompt) {
    GenerationRequest r;
    r.prompt = prompt;
    r.temperature = 0.0f;
    r.max_output_tokens = 4;
    return r;
  }
  fs::path root_;
};

}  // namespace

TEST_F(LocalLlmTest, CopiesAssetsOnFirstUseWithProgressThenKeepsTheCopy) {
  auto llm = LocalLlm::create(config());
  ASSERT_TRUE(llm.ok());
  uint64_t last_done = 0, total = 0;
  int calls = 0;
  Status s = (*llm)->load([&](uint64_t done, uint64_t all, const std::string&) {
    EXPECT_GE(done, last_done);
    last_done = done;
    total = all;
    ++calls;
  });
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_GT(calls, 0);
  EXPECT_EQ(last_done, total);
  EXPECT_TRUE(fs::is_regular_file(root_ / "cache" / "tiny" / "model_config.json"));
  EXPECT_TRUE((*llm)->is_loaded());
  const ModelInfo info = (*llm)->info();
  EXPECT_EQ(info.name, "tiny-random-llama");
  EXPECT_EQ(info.context_length, 64);
  EXPECT_EQ(info.path, (root_ / "cache" / "tiny").string());
  EXPECT_TRUE((*llm)->generate(greedy("hello")).ok());
  // No stray staging folders; the packed-weight cache holds this program's file.
  for (const auto& e : fs::directory_iterator(root_ / "cache")) {
    if (e.path().filename() == ".packed-weights") continue;
    EXPECT_EQ(e.path().filename(), "tiny");
  }
  int packed = 0;
  for (const auto& e : fs::directory_iterator(root_ / "cache" / ".packed-weights")) {
    packed += e.path().extension() == ".xnnpack";
  }
  EXPECT_EQ(packed, 1);
  // A second instance finds the intact copy and copies nothing.
  auto again = LocalLlm::create(config());
  int calls2 = 0;
  ASSERT_TRUE((*again)->load([&](uint64_t, uint64_t, const std::string&) { ++calls2; }).ok());
  EXPECT_EQ(calls2, 0);
}

TEST_F(LocalLlmTest, CorruptAssetIsRefusedAndThePreviousCopySurvives) {
  {
    auto llm = LocalLlm::create(config());
    ASSERT_TRUE((*llm)->load().ok());
  }
  // A new asset version whose program does not match its own manifest.
  {
    std::ifstream in(root_ / "assets" / "tiny" / "model_config.json");
    std::string cfg((std::istreambuf_iterator<char>(in)), {});
    const auto at = cfg.find("\"max_tokens\": 16");
    ASSERT_NE(at, std::string::npos);
    cfg.replace(at, 16, "\"max_tokens\": 15");
    std::ofstream(root_ / "assets" / "tiny" / "model_config.json") << cfg;
    std::fstream f(root_ / "assets" / "tiny" / "model.pte",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    f.put('\x5a');
  }
  auto llm = LocalLlm::create(config());
  Status s = (*llm)->load();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kAssetCopyFailed);
  EXPECT_EQ(s.error().subject, "model.pte");
  // The cache still holds the previous, complete bundle, and it still loads.
  auto old = ModelBundle::open((root_ / "cache" / "tiny").string(), ModelBundle::Verify::kFull);
  ASSERT_TRUE(old.ok()) << old.error().message();
  EXPECT_EQ(old->config().max_tokens, 16);
  LocalLlmConfig in_place;
  in_place.bundle = (root_ / "cache" / "tiny").string();
  in_place.memory_threshold_mb = 1;
  EXPECT_TRUE((*LocalLlm::create(in_place))->load().ok());
}

TEST_F(LocalLlmTest, MissingAssetsIsAssetCopyFailed) {
  auto c = config();
  c.bundle = "absent";
  Status s = (*LocalLlm::create(c))->load();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kAssetCopyFailed);
}

TEST_F(LocalLlmTest, NotEnoughMemoryIsInsufficientMemory) {
  auto c = config();
  c.memory_threshold_mb = int64_t{1} << 40;
  auto llm = LocalLlm::create(c);
  Status s = (*llm)->load();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kInsufficientMemory);
  EXPECT_EQ(s.error().expected, int64_t{1} << 40);
  EXPECT_EQ(s.error().actual, available_memory_mb());
  EXPECT_FALSE((*llm)->is_loaded());
}

TEST_F(LocalLlmTest, GenerateLoadsLazilyAndUnloadReleases) {
  auto llm = LocalLlm::create(config());
  EXPECT_FALSE((*llm)->is_loaded());
  EXPECT_EQ((*llm)->reset().error().kind, ErrorKind::kInferenceNotInitialized);
  (*llm)->cancel();  // no-op when idle
  auto a = (*llm)->generate(greedy("lazy"));
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_TRUE((*llm)->is_loaded());
  EXPECT_TRUE((*llm)->reset().ok());
  (*llm)->unload();
  EXPECT_FALSE((*llm)->is_loaded());
  EXPECT_FALSE((*llm)->info().loaded);
  auto b = (*llm)->generate(greedy("lazy"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->output_ids, b->output_ids);
}

// The load's warm-up call leaves nothing behind: the first request prefills from position 0
// (nothing "cached" from the warm-up token) and answers as a load without warm-up does.
TEST_F(LocalLlmTest, TheWarmUpCallLeavesTheCacheEmptyAndTheAnswerUnchanged) {
  GenerationStats warm_stats, cold_stats;
  auto warm = LocalLlm::create(config());
  auto a = (*warm)->generate(greedy("warm"), {}, [&](const GenerationStats& s) { warm_stats = s; });
  ASSERT_TRUE(a.ok()) << a.error().message();
  LocalLlmConfig c = config();
  c.warm_up = false;
  auto cold = LocalLlm::create(c);
  auto b = (*cold)->generate(greedy("warm"), {}, [&](const GenerationStats& s) { cold_stats = s; });
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ(a->output_ids, b->output_ids);
  EXPECT_EQ(warm_stats.reused_prefix_tokens, 0);
  EXPECT_EQ(cold_stats.reused_prefix_tokens, 0);
}

TEST_F(LocalLlmTest, CancelAndInfoFromAnotherThreadDuringAGeneration) {
  auto llm = LocalLlm::create(config());
  ASSERT_TRUE((*llm)->load().ok());
  std::atomic<int> pieces{0};
  std::atomic<bool> done{false};
  int pieces_when_cancelled = -1;
  std::thread other([&] {
    while (pieces.load() < 2 && !done.load()) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    // cancel() and the queries take only the runner lock, never wait for the generation.
    EXPECT_TRUE((*llm)->is_loaded());
    EXPECT_EQ((*llm)->info().name, "tiny-random-llama");
    pieces_when_cancelled = pieces.load();
    (*llm)->cancel();
  });
  auto req = greedy("cancel me");
  req.max_output_tokens = 40;
  req.repetition_penalty = 1.0f;
  auto r = (*llm)->generate(req, [&](std::string_view) {
    ++pieces;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // time for the other thread
  });
  done = true;
  other.join();
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_GE(pieces_when_cancelled, 2) << "the generation ended before it could be cancelled";
  EXPECT_EQ(r->finish_reason, FinishReason::kCancelled);
  EXPECT_LE(pieces.load(), pieces_when_cancelled + 1);
  auto next = (*llm)->generate(greedy("after cancel"));
  ASSERT_TRUE(next.ok());
  EXPECT_NE(next->finish_reason, FinishReason::kCancelled);
}

TEST_F(LocalLlmTest, UnloadFromAnotherThreadWaitsForTheRunningGeneration) {
  auto llm = LocalLlm::create(config());
  ASSERT_TRUE((*llm)->load().ok());
  std::atomic<bool> started{false}, unloaded{false}, done{false};
  std::thread other([&] {
    while (!started.load() && !done.load()) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    (*llm)->cancel();
    (*llm)->unload();  // blocks until generate() has returned
    unloaded = true;
  });
  auto req = greedy("unload me");
  req.max_output_tokens = 40;
  auto r = (*llm)->generate(req, [&](std::string_view) {
    started = true;
    EXPECT_FALSE(unloaded.load());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  });
  done = true;
  other.join();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(unloaded.load());
  EXPECT_FALSE((*llm)->is_loaded());
  EXPECT_FALSE((*llm)->info().loaded);
  // The next call loads the model again.
  auto again = (*llm)->generate(greedy("after unload"));
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_TRUE((*llm)->is_loaded());
}

TEST_F(LocalLlmTest, MaxCacheTokensOverrideLimitsTheContext) {
  auto c = config();
  c.max_cache_tokens = 20;
  auto llm = LocalLlm::create(c);
  auto r = (*llm)->generate(greedy(std::string(30, 'x')));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kContextLengthExceeded);
  EXPECT_EQ(r.error().expected, 20);
}

TEST(LocalLlmConfigTest, InvalidConfigNamesTheKey) {
  LocalLlmConfig c;
  EXPECT_EQ(LocalLlm::create(c).error().subject, "bundle");
  c.bundle = "x";
  c.assets_dir = "/assets";
  EXPECT_EQ(LocalLlm::create(c).error().subject, "cache_dir");
  c.cache_dir = "/cache";
  c.thread_count = 0;
  EXPECT_EQ(LocalLlm::create(c).error().subject, "thread_count");
  c.thread_count = -1;
  c.bundle = "../escape";
  EXPECT_EQ(LocalLlm::create(c).error().subject, "bundle");
}

/// Starts a generation on another thread that holds `llm` (in its first text callback) until
/// `release` is set; returns once it holds it.
std::thread hold_the_model(LocalLlm& llm, std::atomic<bool>& release) {
  auto running = std::make_shared<std::atomic<bool>>(false);
  std::thread first([&llm, &release, running] {
    GenerationRequest req;
    req.prompt = "holds the model";
    req.temperature = 0.0f;
    req.max_output_tokens = 8;
    (void)llm.generate(req, [&](std::string_view) {
      *running = true;
      while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
  });
  while (!running->load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return first;
}

TEST_F(LocalLlmTest, ACancelWhileWaitingForTheModelIsKeptAndNothingIsPrefilled) {
  auto llm = LocalLlm::create(config());
  ASSERT_TRUE((*llm)->load().ok());
  std::atomic<bool> release{false};
  std::thread first = hold_the_model(**llm, release);
  // The second request waits for the lock; its token is cancelled before it gets it.
  auto req = greedy("waits, then is cancelled");
  req.cancel = make_cancel_token();
  std::thread canceller([&, token = req.cancel] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    token->cancel();
    release = true;
  });
  GenerationStats stats;
  bool stats_called = false;
  auto r = (*llm)->generate(req, {}, [&](const GenerationStats& s) {
    stats = s;
    stats_called = true;
  });
  canceller.join();
  first.join();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->finish_reason, FinishReason::kCancelled);
  EXPECT_TRUE(r->output_ids.empty());
  EXPECT_FALSE(stats_called) << "no prefill ran for a request cancelled while it waited";
}

TEST_F(LocalLlmTest, CancelReachesARequestThatWaitsForTheModel) {
  auto llm = LocalLlm::create(config());
  ASSERT_TRUE((*llm)->load().ok());
  std::atomic<bool> release{false};
  std::thread first = hold_the_model(**llm, release);
  std::optional<Result<GenerationResponse>> second;
  std::thread waiter([&] { second = (*llm)->generate(greedy("waits without a token")); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it reach the lock
  (*llm)->cancel();  // both the running and the waiting request
  release = true;
  waiter.join();
  first.join();
  ASSERT_TRUE(second.has_value() && second->ok());
  EXPECT_EQ((*second)->finish_reason, FinishReason::kCancelled);
  EXPECT_TRUE((*second)->output_ids.empty());
  auto after = (*llm)->generate(greedy("after the cancel"));
  ASSERT_TRUE(after.ok());
  EXPECT_NE(after->finish_reason, FinishReason::kCancelled) << "cancel() is not sticky";
}

TEST_F(LocalLlmTest, ACancelledTokenStopsTheFirstUseCopy) {
  auto llm = LocalLlm::create(config());
  auto token = make_cancel_token();
  Status s =
      (*llm)->load([&](uint64_t, uint64_t, const std::string&) { token->cancel(); }, token.get());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kAssetCopyFailed);
  EXPECT_EQ(s.error().cause, "cancelled");
  EXPECT_FALSE(fs::exists(root_ / "cache" / "tiny")) << "an interrupted copy leaves nothing";
  EXPECT_TRUE((*llm)->load().ok()) << "the next load copies again";
}

TEST_F(LocalLlmTest, APassedCheckIsRememberedAndAChangedFileIsCheckedAgain) {
  // In place (no assets): the bundle is hashed on the first load, and the record in the cache
  // folder spares the next process that work until a file changes.
  fs::copy(kBundle, root_ / "inplace", fs::copy_options::recursive);
  LocalLlmConfig c;
  c.bundle = (root_ / "inplace").string();
  c.weight_cache_dir = (root_ / "wcache").string();
  c.memory_threshold_mb = 1;
  auto records = [&] {
    int n = 0;
    for (const auto& e : fs::directory_iterator(root_ / "wcache")) {
      n += e.path().filename().string().rfind("verified-", 0) == 0;
    }
    return n;
  };
  ASSERT_TRUE((*LocalLlm::create(c))->load().ok());
  ASSERT_EQ(records(), 1);
  ASSERT_TRUE((*LocalLlm::create(c))->load().ok());
  {  // same size, one byte different: the file's time changes, so it is hashed again
    std::fstream f(root_ / "inplace" / "tokenizer.json",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(10);
    char ch = 0;
    f.read(&ch, 1);
    f.seekp(10);
    ch = static_cast<char>(ch ^ 0x01);
    f.write(&ch, 1);
  }
  auto again = LocalLlm::create(c);
  Status s = (*again)->load();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kModelCorrupted);
}

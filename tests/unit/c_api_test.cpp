// The C API (libdailydrug_llm.so) on the tiny random LLaMA bundle: loading errors, streaming,
// determinism, cancel, timeout, typed errors with their fields, argument checks, re-entrancy and
// close semantics, and the LocalLlm lifecycle (copy from an assets folder with progress, memory
// check, lazy load, unload/reload, model info). Only the public C header is used, as a C client
// would.
#include "dailydrug/dailydrug_llm.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

extern "C" int c_client_generate(const char* bundle_dir, const char* prompt,
                                 int* streamed_equals_text, char* kind_name, size_t kind_name_size);

namespace {

const std::string kBundle = (fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle").string();

/// Greedy, no repetition penalty, no timeout: deterministic output.
ddllm_request greedy(const char* prompt, int32_t max_tokens = 12) {
  ddllm_request r;
  ddllm_request_init(&r);
  r.prompt = prompt;
  r.has_temperature = 1;
  r.temperature = 0.0f;
  r.has_repetition_penalty = 1;
  r.repetition_penalty = 1.0f;
  r.has_max_output_tokens = 1;
  r.max_output_tokens = max_tokens;
  r.timeout_ms = 0;
  return r;
}

/// Owns a runner and the error/response of the last call, freeing them like a careful C client.
class CApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(ddllm_open(kBundle.c_str(), nullptr, &runner_, &err_), DDLLM_OK) << message();
    ASSERT_NE(runner_, nullptr);
  }
  void TearDown() override {
    ddllm_close(runner_);
    ddllm_response_free(&resp_);
    ddllm_error_free(&err_);
  }

  std::string message() const { return err_.message != nullptr ? err_.message : ""; }

  int generate(const ddllm_request& req, ddllm_text_fn on_text = nullptr, void* user = nullptr,
               ddllm_stats_fn on_stats = nullptr) {
    ddllm_response_free(&resp_);
    return ddllm_generate(runner_, &req, on_text, on_stats, user, &resp_, &err_);
  }

  std::vector<int32_t> ids() const {
    return {resp_.output_ids, resp_.output_ids + resp_.n_output_ids};
  }

  ddllm_runner* runner_ = nullptr;
  ddllm_response resp_{};
  ddllm_error err_{};
};

int append_piece(const char* piece, size_t len, void* user) {
  EXPECT_EQ(std::strlen(piece), len);  // NUL-terminated
  static_cast<std::string*>(user)->append(piece, len);
  return 0;
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    const size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

// ---- loading ----------------------------------------------------------------------------------

TEST(CApiOpenTest, VersionAndKindNames) {
  EXPECT_STREQ(ddllm_version(), "0.1.0");
  EXPECT_STREQ(ddllm_error_kind_name(0), "");
  EXPECT_STREQ(ddllm_error_kind_name(DDLLM_ERR_MODEL_LOAD_FAILED), "ModelLoadFailed");
  EXPECT_STREQ(ddllm_error_kind_name(DDLLM_ERR_CONTEXT_LENGTH_EXCEEDED), "ContextLengthExceeded");
  EXPECT_STREQ(ddllm_error_kind_name(14), "Unknown");
  EXPECT_STREQ(ddllm_error_kind_name(-1), "Unknown");
}

TEST(CApiOpenTest, OpensWithOptionsAndReportsTheContext) {
  ddllm_open_options opts;
  ddllm_open_options_init(&opts);
  EXPECT_EQ(opts.num_threads, -1);
  opts.num_threads = 2;
  opts.verify_sha256 = 1;
  ddllm_runner* r = nullptr;
  ddllm_error err{};
  ASSERT_EQ(ddllm_open(kBundle.c_str(), &opts, &r, &err), DDLLM_OK) << err.message;
  EXPECT_EQ(err.kind, 0);
  EXPECT_EQ(ddllm_context_length(r), 64);
  EXPECT_EQ(ddllm_context_length(nullptr), 0);
  ddllm_close(r);
  ddllm_close(nullptr);  // a no-op
}

TEST(CApiOpenTest, MissingFolderIsModelNotFoundWithThePath) {
  ddllm_runner* r = reinterpret_cast<ddllm_runner*>(0x1);  // must be reset to NULL
  ddllm_error err{};
  const std::string dir = "/nonexistent/약/bundle";
  EXPECT_EQ(ddllm_open(dir.c_str(), nullptr, &r, &err), DDLLM_ERR_MODEL_NOT_FOUND);
  EXPECT_EQ(r, nullptr);
  EXPECT_EQ(err.kind, DDLLM_ERR_MODEL_NOT_FOUND);
  EXPECT_STREQ(err.kind_name, "ModelNotFound");
  EXPECT_EQ(std::string(err.subject), dir);
  EXPECT_NE(std::string(err.message).find(dir), std::string::npos);
  // Reusing the error struct releases the previous strings first (checked under ASan).
  EXPECT_EQ(ddllm_open("/also/missing", nullptr, &r, &err), DDLLM_ERR_MODEL_NOT_FOUND);
  EXPECT_STREQ(err.subject, "/also/missing");
  ddllm_error_free(&err);
  EXPECT_EQ(err.kind, 0);
  EXPECT_EQ(err.message, nullptr);
  ddllm_error_free(&err);  // twice is fine
  // Without an error struct the code still tells the kind.
  EXPECT_EQ(ddllm_open("/nonexistent", nullptr, &r, nullptr), DDLLM_ERR_MODEL_NOT_FOUND);
}

TEST(CApiOpenTest, CorruptBundleIsModelCorrupted) {
  const fs::path copy = fs::temp_directory_path() / "dd_c_api_corrupt";
  fs::remove_all(copy);
  fs::copy(kBundle, copy, fs::copy_options::recursive);
  {
    std::fstream f(copy / "tokenizer.json", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('#');
  }
  ddllm_runner* r = nullptr;
  ddllm_error err{};
  ddllm_open_options full;
  ddllm_open_options_init(&full);
  full.verify_sha256 = 1;
  EXPECT_EQ(ddllm_open(copy.c_str(), &full, &r, &err), DDLLM_ERR_MODEL_CORRUPTED);
  EXPECT_STREQ(err.kind_name, "ModelCorrupted");
  fs::resize_file(copy / "model.pte", 1000);
  EXPECT_EQ(ddllm_open(copy.c_str(), nullptr, &r, &err), DDLLM_ERR_MODEL_CORRUPTED);
  EXPECT_NE(std::string(err.subject).find("model.pte"), std::string::npos) << err.subject;
  EXPECT_STRNE(err.cause, "");
  EXPECT_EQ(r, nullptr);
  ddllm_error_free(&err);
  fs::remove_all(copy);
}

TEST(CApiOpenTest, NullArgumentsAreConfigurationInvalidWithTheirName) {
  ddllm_runner* r = nullptr;
  ddllm_error err{};
  EXPECT_EQ(ddllm_open(nullptr, nullptr, &r, &err), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err.subject, "bundle_dir");
  EXPECT_EQ(ddllm_open(kBundle.c_str(), nullptr, nullptr, &err), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err.subject, "out");
  ddllm_request req;
  ddllm_request_init(&req);
  req.prompt = "x";
  ddllm_response resp{};
  EXPECT_EQ(ddllm_generate(nullptr, &req, nullptr, nullptr, nullptr, &resp, &err),
            DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err.subject, "runner");
  EXPECT_EQ(ddllm_reset(nullptr, &err), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err.subject, "runner");
  ddllm_cancel(nullptr);  // a no-op
  ddllm_error_free(&err);
}

TEST(CApiOpenTest, PlainC99ClientWorks) {
  int streamed_equals_text = 0;
  char kind[64];
  EXPECT_EQ(c_client_generate(kBundle.c_str(), "from C", &streamed_equals_text, kind, sizeof kind),
            DDLLM_OK);
  EXPECT_EQ(streamed_equals_text, 1);
  EXPECT_STREQ(kind, "");
  EXPECT_EQ(c_client_generate("/nonexistent", "x", &streamed_equals_text, kind, sizeof kind),
            DDLLM_ERR_MODEL_NOT_FOUND);
  EXPECT_STREQ(kind, "ModelNotFound");
}

// ---- generation -------------------------------------------------------------------------------

TEST_F(CApiTest, NullRequestPartsAreConfigurationInvalid) {
  EXPECT_EQ(ddllm_generate(runner_, nullptr, nullptr, nullptr, nullptr, &resp_, &err_),
            DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "request");
  ddllm_request req = greedy(nullptr);
  EXPECT_EQ(generate(req), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "request.prompt");
  req = greedy("x");
  EXPECT_EQ(ddllm_generate(runner_, &req, nullptr, nullptr, nullptr, nullptr, &err_),
            DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "out");
  const char* system[] = {"fine", nullptr};
  req.system_instructions = system;
  req.n_system_instructions = 2;
  EXPECT_EQ(generate(req), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "request.system_instructions[1]");
  req = greedy("x");
  req.n_stop = 1;  // with stop == NULL
  EXPECT_EQ(generate(req), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "request.stop");
}

TEST_F(CApiTest, StreamedPiecesConcatenateToTheText) {
  std::string streamed;
  ASSERT_EQ(generate(greedy("stream", 20), append_piece, &streamed), DDLLM_OK) << message();
  EXPECT_EQ(err_.kind, 0);
  EXPECT_EQ(streamed, std::string(resp_.text, resp_.text_len));
  EXPECT_EQ(std::strlen(resp_.text), resp_.text_len);
  EXPECT_GT(resp_.n_output_ids, 0u);
  EXPECT_EQ(resp_.output_tokens, static_cast<int32_t>(resp_.n_output_ids));
  EXPECT_EQ(resp_.total_tokens, resp_.input_tokens + resp_.output_tokens);
  EXPECT_TRUE(resp_.finish_reason == DDLLM_FINISH_STOP ||
              resp_.finish_reason == DDLLM_FINISH_LENGTH);
}

TEST_F(CApiTest, KoreanPromptRoundTrip) {
  // Byte-level tokenizer: one token per UTF-8 byte of a raw prompt, plus a fixed overhead.
  ddllm_request ascii = greedy("a", 1);
  ascii.raw = 1;
  ASSERT_EQ(generate(ascii), DDLLM_OK) << message();
  const int32_t overhead = resp_.input_tokens - 1;
  const std::string korean = "타이레놀 먹고 운전해도 돼요? 💊";
  ddllm_request req = greedy(korean.c_str(), 10);
  req.raw = 1;
  std::string streamed;
  ASSERT_EQ(generate(req, append_piece, &streamed), DDLLM_OK) << message();
  EXPECT_EQ(resp_.input_tokens, overhead + static_cast<int32_t>(korean.size()));
  EXPECT_EQ(streamed, std::string(resp_.text, resp_.text_len));
  EXPECT_TRUE(valid_utf8(streamed));
  // Through the template, with Korean system instructions and a Korean stop string (short: the
  // context is 64 tokens and the template takes about 30).
  const char* system[] = {"도우미"};
  const char* stop[] = {"멈춤"};
  req = greedy("약 💊", 10);
  req.system_instructions = system;
  req.n_system_instructions = 1;
  req.stop = stop;
  req.n_stop = 1;
  streamed.clear();
  ASSERT_EQ(generate(req, append_piece, &streamed), DDLLM_OK) << message();
  EXPECT_EQ(streamed, std::string(resp_.text, resp_.text_len));
  EXPECT_TRUE(valid_utf8(streamed));
}

TEST_F(CApiTest, PromptLengthIsHonoured) {
  ASSERT_EQ(generate(greedy("abc")), DDLLM_OK);
  const auto want = ids();
  const int32_t want_input = resp_.input_tokens;
  ddllm_request req = greedy("abcXYZ");
  req.prompt_len = 3;
  ASSERT_EQ(generate(req), DDLLM_OK);
  EXPECT_EQ(ids(), want);
  EXPECT_EQ(resp_.input_tokens, want_input);
}

TEST_F(CApiTest, GreedyIsDeterministicAcrossCallsAndResets) {
  ASSERT_EQ(generate(greedy("abc")), DDLLM_OK);
  const auto a = ids();
  const std::string text_a = resp_.text;
  ASSERT_EQ(ddllm_reset(runner_, &err_), DDLLM_OK);
  ASSERT_EQ(generate(greedy("abc")), DDLLM_OK);
  EXPECT_EQ(ids(), a);
  EXPECT_EQ(std::string(resp_.text), text_a);
  EXPECT_FALSE(a.empty());
}

TEST_F(CApiTest, SeedMakesSamplingReproducible) {
  ddllm_request req = greedy("seeded", 10);
  req.temperature = 1.5f;
  req.has_top_k = 1;
  req.top_k = 0;
  req.has_top_p = 1;
  req.top_p = 1.0f;
  req.has_seed = 1;
  req.seed = 42;
  ASSERT_EQ(generate(req), DDLLM_OK);
  const auto a = ids();
  EXPECT_EQ(resp_.seed, 42u);
  ASSERT_EQ(generate(req), DDLLM_OK);
  EXPECT_EQ(ids(), a);
  req.seed = 4242;
  ASSERT_EQ(generate(req), DDLLM_OK);
  EXPECT_NE(ids(), a);
}

TEST_F(CApiTest, StatsCallbackGetsStructAndJson) {
  struct Seen {
    int calls = 0;
    ddllm_stats stats{};
    std::string json;
  } seen;
  auto on_stats = [](const ddllm_stats* s, const char* json, void* user) {
    auto* out = static_cast<Seen*>(user);
    ++out->calls;
    out->stats = *s;
    out->json = json;
  };
  ASSERT_EQ(generate(greedy("stats", 5), nullptr, &seen, on_stats), DDLLM_OK);
  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.stats.generated_tokens, resp_.output_tokens);
  EXPECT_EQ(seen.stats.prompt_tokens, resp_.input_tokens);
  const auto j = nlohmann::json::parse(seen.json);
  EXPECT_EQ(j.at("generated_tokens").get<int>(), resp_.output_tokens);
  EXPECT_EQ(j.at("prompt_tokens").get<int>(), resp_.input_tokens);
  EXPECT_TRUE(j.contains("ttft_ms") && j.contains("decode_tokens_per_s"));
}

// ---- stopping ---------------------------------------------------------------------------------

TEST_F(CApiTest, CancelFromAnotherThreadEndsWithCancelled) {
  struct Shared {
    std::atomic<int> pieces{0};
  } shared;
  std::thread canceller([&] {
    while (shared.pieces.load() < 2) std::this_thread::sleep_for(std::chrono::microseconds(50));
    ddllm_cancel(runner_);
  });
  auto slow = [](const char*, size_t, void* user) {
    ++static_cast<Shared*>(user)->pieces;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return 0;
  };
  const int rc = generate(greedy("cancel me", 40), slow, &shared);
  canceller.join();
  ASSERT_EQ(rc, DDLLM_OK) << message();
  EXPECT_EQ(resp_.finish_reason, DDLLM_FINISH_CANCELLED);
  EXPECT_STREQ(resp_.finish_reason_name, "cancelled");
  EXPECT_LT(resp_.n_output_ids, 40u);
  ASSERT_EQ(generate(greedy("after cancel", 3)), DDLLM_OK);
  EXPECT_NE(resp_.finish_reason, DDLLM_FINISH_CANCELLED);
}

TEST_F(CApiTest, NonzeroFromTextCallbackStopsWithoutMoreCallbacks) {
  int calls = 0;
  auto stop_at_once = [](const char*, size_t, void* user) {
    ++*static_cast<int*>(user);
    return 1;
  };
  ASSERT_EQ(generate(greedy("stop now", 20), stop_at_once, &calls), DDLLM_OK) << message();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(resp_.finish_reason, DDLLM_FINISH_CANCELLED);
  EXPECT_LT(resp_.n_output_ids, 20u);
}

TEST_F(CApiTest, WallClockTimeoutIsGenerationTimeout) {
  ddllm_request req = greedy("slow consumer", 40);
  req.timeout_ms = 20;
  auto slow = [](const char*, size_t, void*) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return 0;
  };
  EXPECT_EQ(generate(req, slow), DDLLM_ERR_GENERATION_TIMEOUT);
  EXPECT_EQ(err_.kind, DDLLM_ERR_GENERATION_TIMEOUT);
  EXPECT_STREQ(err_.kind_name, "GenerationTimeout");
  EXPECT_EQ(err_.expected, 20);
  EXPECT_EQ(resp_.text, nullptr);  // zeroed on failure
}

// ---- typed errors -----------------------------------------------------------------------------

TEST_F(CApiTest, PromptBeyondContextIsContextLengthExceeded) {
  const std::string prompt(100, 'a');
  EXPECT_EQ(generate(greedy(prompt.c_str())), DDLLM_ERR_CONTEXT_LENGTH_EXCEEDED);
  EXPECT_STREQ(err_.kind_name, "ContextLengthExceeded");
  EXPECT_EQ(err_.expected, 64);
  EXPECT_GT(err_.actual, 100);
  ASSERT_EQ(generate(greedy("ok", 3)), DDLLM_OK);  // still usable
  EXPECT_EQ(err_.kind, 0);                         // the error of the previous call is gone
}

TEST_F(CApiTest, OutOfRangeSamplingIsConfigurationInvalidWithTheKey) {
  ddllm_request req = greedy("t");
  req.temperature = -1.0f;
  EXPECT_EQ(generate(req), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "temperature");
  req = greedy("t");
  req.has_top_p = 1;
  req.top_p = 2.0f;
  EXPECT_EQ(generate(req), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "top_p");
  req = greedy("t");
  req.max_output_tokens = 0;
  EXPECT_EQ(generate(req), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "max_output_tokens");
  req = greedy("t");
  req.timeout_ms = -5;
  EXPECT_EQ(generate(req), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "timeout_ms");
  // An unset field is not checked: the bundle default applies.
  req = greedy("t");
  req.has_temperature = 0;
  req.temperature = -1.0f;
  EXPECT_EQ(generate(req), DDLLM_OK) << message();
}

TEST_F(CApiTest, NonUtf8PromptIsTokenizationFailed) {
  EXPECT_EQ(generate(greedy("bad \xff\xfe bytes")), DDLLM_ERR_TOKENIZATION_FAILED);
  EXPECT_STREQ(err_.kind_name, "TokenizationFailed");
  ddllm_request req = greedy("\xc3\x28 raw");
  req.raw = 1;
  EXPECT_EQ(generate(req), DDLLM_ERR_TOKENIZATION_FAILED);
}

// ---- re-entrancy and lifecycle ----------------------------------------------------------------

TEST_F(CApiTest, CallsFromInsideACallbackAreRefused) {
  struct Ctx {
    ddllm_runner* runner;
    int generate_rc = -1;
    int reset_rc = -1;
    std::string subject;
  } ctx{runner_};
  auto reenter = [](const char*, size_t, void* user) {
    auto* c = static_cast<Ctx*>(user);
    if (c->generate_rc != -1) return 0;
    ddllm_request inner = greedy("inner", 2);
    ddllm_response resp{};
    ddllm_error err{};
    c->generate_rc = ddllm_generate(c->runner, &inner, nullptr, nullptr, nullptr, &resp, &err);
    c->subject = err.subject != nullptr ? err.subject : "";
    c->reset_rc = ddllm_reset(c->runner, &err);
    ddllm_cancel(c->runner);  // allowed
    ddllm_error_free(&err);
    return 0;
  };
  ASSERT_EQ(generate(greedy("outer", 10), reenter, &ctx), DDLLM_OK) << message();
  EXPECT_EQ(ctx.generate_rc, DDLLM_ERR_GENERATION_FAILED);
  EXPECT_EQ(ctx.subject, "re-entrant call");
  EXPECT_EQ(ctx.reset_rc, DDLLM_ERR_GENERATION_FAILED);
  EXPECT_EQ(resp_.finish_reason, DDLLM_FINISH_CANCELLED);
}

TEST(CApiLifecycleTest, CloseFromInsideACallbackIsDeferred) {
  ddllm_runner* r = nullptr;
  ASSERT_EQ(ddllm_open(kBundle.c_str(), nullptr, &r, nullptr), DDLLM_OK);
  auto close_now = [](const char*, size_t, void* user) {
    ddllm_close(static_cast<ddllm_runner*>(user));
    return 0;
  };
  ddllm_request req = greedy("close inside", 20);
  ddllm_response resp{};
  ddllm_error err{};
  // The runner is freed when this call returns (ASan/LSan would flag a leak or a use after free).
  ASSERT_EQ(ddllm_generate(r, &req, close_now, nullptr, r, &resp, &err), DDLLM_OK);
  EXPECT_EQ(resp.finish_reason, DDLLM_FINISH_CANCELLED);
  ddllm_response_free(&resp);
  ddllm_response_free(&resp);  // twice is fine
}

TEST(CApiLifecycleTest, CloseWaitsForAGenerationOnAnotherThread) {
  ddllm_runner* r = nullptr;
  ASSERT_EQ(ddllm_open(kBundle.c_str(), nullptr, &r, nullptr), DDLLM_OK);
  std::atomic<bool> started{false};
  ddllm_response resp{};
  int rc = -1;
  std::thread worker([&] {
    ddllm_request req;
    ddllm_request_init(&req);
    req.prompt = "long one";
    req.has_temperature = 1;
    req.temperature = 0.0f;
    req.has_max_output_tokens = 1;
    req.max_output_tokens = 40;
    auto slow = [](const char*, size_t, void* user) {
      static_cast<std::atomic<bool>*>(user)->store(true);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return 0;
    };
    rc = ddllm_generate(r, &req, slow, nullptr, &started, &resp, nullptr);
  });
  while (!started.load()) std::this_thread::sleep_for(std::chrono::microseconds(100));
  ddllm_close(r);  // cancels, waits, frees
  worker.join();
  EXPECT_EQ(rc, DDLLM_OK);
  EXPECT_EQ(resp.finish_reason, DDLLM_FINISH_CANCELLED);
  ddllm_response_free(&resp);
}

// ---- lifecycle: assets -> cache copy, memory check, lazy load, unload ------------------------

namespace {

struct Progress {
  int calls = 0;
  uint64_t last_done = 0;
  uint64_t total = 0;
  bool monotonic = true;
  std::vector<std::string> files;
};

void record_progress(uint64_t done, uint64_t total, const char* file, void* user) {
  auto* p = static_cast<Progress*>(user);
  if (done < p->last_done) p->monotonic = false;
  ++p->calls;
  p->last_done = done;
  p->total = total;
  if (p->files.empty() || p->files.back() != file) p->files.emplace_back(file);
}

/// MemAvailable in MB, as the library reads it.
int64_t mem_available_mb() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  int64_t kb = 0;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb / 1024;
  }
  return -1;
}

/// A temporary "assets" folder holding a copy of the tiny bundle as assets/tiny, and an empty
/// place for the cache.
class CApiAssetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("dd_c_api_assets_" +
             std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
             std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "assets");
    fs::copy(kBundle, root_ / "assets" / "tiny", fs::copy_options::recursive);
    assets_ = (root_ / "assets").string();
    cache_ = (root_ / "cache").string();
  }
  void TearDown() override {
    ddllm_close(runner_);
    ddllm_response_free(&resp_);
    ddllm_error_free(&err_);
    fs::remove_all(root_);
  }

  ddllm_open_options options(Progress* progress = nullptr) const {
    ddllm_open_options o;
    ddllm_open_options_init(&o);
    o.assets_dir = assets_.c_str();
    o.cache_dir = cache_.c_str();
    o.memory_threshold_mb = 1;  // the bundle asks for 2048 MB; the tests need not
    if (progress != nullptr) {
      o.progress = record_progress;
      o.progress_user = progress;
    }
    return o;
  }

  int open(const ddllm_open_options& o, const char* bundle = "tiny") {
    ddllm_close(runner_);
    runner_ = nullptr;
    return ddllm_open(bundle, &o, &runner_, &err_);
  }

  int generate(const ddllm_request& req) {
    ddllm_response_free(&resp_);
    return ddllm_generate(runner_, &req, nullptr, nullptr, nullptr, &resp_, &err_);
  }

  std::vector<int32_t> ids() const {
    return {resp_.output_ids, resp_.output_ids + resp_.n_output_ids};
  }
  std::string message() const { return err_.message != nullptr ? err_.message : ""; }

  static uint64_t bundle_bytes() {
    return fs::file_size(fs::path(kBundle) / "model.pte") +
           fs::file_size(fs::path(kBundle) / "tokenizer.json");
  }

  fs::path root_;
  std::string assets_, cache_;
  ddllm_runner* runner_ = nullptr;
  ddllm_response resp_{};
  ddllm_error err_{};
};

}  // namespace

TEST(CApiOptionsTest, InitKeepsTheOldDefaultsAndSetsTheNewOnes) {
  ddllm_open_options o;
  std::memset(&o, 0x5a, sizeof o);
  ddllm_open_options_init(&o);
  EXPECT_EQ(o.num_threads, -1);
  EXPECT_EQ(o.verify_sha256, 0);
  EXPECT_EQ(o.assets_dir, nullptr);
  EXPECT_EQ(o.cache_dir, nullptr);
  EXPECT_EQ(o.max_cache_tokens, 0);
  EXPECT_EQ(o.memory_threshold_mb, -1);
  EXPECT_EQ(o.progress, nullptr);
  EXPECT_EQ(o.progress_user, nullptr);
  EXPECT_EQ(o.lazy_load, 0);
}

TEST_F(CApiAssetsTest, CopiesFromAssetsWithProgressReachingTotal) {
  Progress progress;
  ASSERT_EQ(open(options(&progress)), DDLLM_OK) << message();
  EXPECT_GT(progress.calls, 0);
  EXPECT_TRUE(progress.monotonic);
  EXPECT_EQ(progress.total, bundle_bytes());
  EXPECT_EQ(progress.last_done, progress.total);
  EXPECT_EQ(progress.files, (std::vector<std::string>{"model.pte", "tokenizer.json"}));
  EXPECT_TRUE(fs::is_regular_file(root_ / "cache" / "tiny" / "model_config.json"));
  EXPECT_TRUE(fs::is_regular_file(root_ / "cache" / "tiny" / "model.pte"));
  EXPECT_EQ(ddllm_is_loaded(runner_), 1);
  // The runner loaded the copy, not the assets.
  ddllm_model_info info;
  ASSERT_EQ(ddllm_get_model_info(runner_, &info, &err_), DDLLM_OK);
  EXPECT_EQ(std::string(info.path), (root_ / "cache" / "tiny").string());
  ASSERT_EQ(generate(greedy("from the cache", 4)), DDLLM_OK) << message();
}

TEST_F(CApiAssetsTest, PackedWeightCacheFollowsWeightCacheDir) {
  auto packed_files = [](const fs::path& dir) {
    int n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) n += e.path().extension() == ".xnnpack";
    return n;
  };
  // NULL (the default): cache_dir/.packed-weights.
  ASSERT_EQ(open(options()), DDLLM_OK) << message();
  EXPECT_EQ(packed_files(root_ / "cache" / ".packed-weights"), 1);
  // A folder of the caller's choosing.
  const std::string own = (root_ / "own-weights").string();
  ddllm_open_options o = options();
  o.weight_cache_dir = own.c_str();
  ASSERT_EQ(open(o), DDLLM_OK) << message();
  EXPECT_EQ(packed_files(own), 1);
  // "": none at all, and the model still loads and answers.
  fs::remove_all(root_ / "cache" / ".packed-weights");
  o.weight_cache_dir = "";
  ASSERT_EQ(open(o), DDLLM_OK) << message();
  EXPECT_EQ(generate(greedy("hello", 4)), DDLLM_OK) << message();
  EXPECT_FALSE(fs::exists(root_ / "cache" / ".packed-weights"));
}

// The system prompt's KV cache is kept beside the packed weights after its first use; the first
// request after a reopen restores it (the stats say so) and answers the same.
TEST_F(CApiAssetsTest, TheSystemPromptIsRestoredFromItsSnapshotAfterAReopen) {
  const char* system[] = {"You are a tiny test model."};
  ddllm_request req = greedy("hi", 6);
  req.system_instructions = system;
  req.n_system_instructions = 1;
  auto run = [&](ddllm_stats& stats) {
    ddllm_response_free(&resp_);
    auto on_stats = [](const ddllm_stats* s, const char*, void* user) {
      *static_cast<ddllm_stats*>(user) = *s;
    };
    return ddllm_generate(runner_, &req, nullptr, on_stats, &stats, &resp_, &err_);
  };
  ddllm_stats first{}, second{};
  ASSERT_EQ(open(options()), DDLLM_OK) << message();
  ASSERT_EQ(run(first), DDLLM_OK) << message();
  const auto first_ids = ids();
  ASSERT_EQ(open(options()), DDLLM_OK) << message();
  ASSERT_EQ(run(second), DDLLM_OK) << message();
  EXPECT_EQ(first.restored_prefix_tokens, 0);
  EXPECT_GT(second.restored_prefix_tokens, 0);
  EXPECT_EQ(second.restored_prefix_tokens, second.reused_prefix_tokens);
  EXPECT_EQ(ids(), first_ids);
  int snapshots = 0;
  for (const auto& e : fs::directory_iterator(root_ / "cache" / ".packed-weights")) {
    snapshots += e.path().extension() == ".snapshot";
  }
  EXPECT_EQ(snapshots, 1);
}

TEST_F(CApiAssetsTest, SecondOpenCopiesNothing) {
  Progress first;
  ASSERT_EQ(open(options(&first)), DDLLM_OK) << message();
  ASSERT_GT(first.calls, 0);
  const auto stamp = fs::last_write_time(root_ / "cache" / "tiny" / "model.pte");
  Progress second;
  ASSERT_EQ(open(options(&second)), DDLLM_OK) << message();
  EXPECT_EQ(second.calls, 0);
  EXPECT_EQ(fs::last_write_time(root_ / "cache" / "tiny" / "model.pte"), stamp);
  // No staging or backup folders are left next to the copy.
  for (const auto& e : fs::directory_iterator(root_ / "cache")) {
    if (e.path().filename() == ".packed-weights") continue;  // the packed-weight cache
    EXPECT_EQ(e.path().filename(), "tiny");
  }
}

TEST_F(CApiAssetsTest, CorruptAssetIsAssetCopyFailedAndThePreviousCopyStillLoads) {
  ASSERT_EQ(open(options()), DDLLM_OK) << message();
  ddllm_close(runner_);
  runner_ = nullptr;
  // A new asset version (its config differs, so it is copied again) whose program does not
  // match its own manifest.
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
  Progress progress;
  EXPECT_EQ(open(options(&progress)), DDLLM_ERR_ASSET_COPY_FAILED);
  EXPECT_EQ(runner_, nullptr);
  EXPECT_STREQ(err_.kind_name, "AssetCopyFailed");
  EXPECT_STREQ(err_.subject, "model.pte");
  EXPECT_NE(std::string(err_.cause).find("SHA-256"), std::string::npos) << err_.cause;
  EXPECT_NE(std::string(err_.message).find("model.pte"), std::string::npos) << err_.message;
  // The previous copy is untouched: it still verifies and loads in place, with its own config.
  ddllm_open_options in_place;
  ddllm_open_options_init(&in_place);
  in_place.verify_sha256 = 1;
  in_place.memory_threshold_mb = 1;
  const std::string cached = (root_ / "cache" / "tiny").string();
  ASSERT_EQ(open(in_place, cached.c_str()), DDLLM_OK) << message();
  ddllm_model_info info;
  ASSERT_EQ(ddllm_get_model_info(runner_, &info, &err_), DDLLM_OK);
  EXPECT_EQ(info.max_tokens, 16);
  ASSERT_EQ(generate(greedy("still here", 4)), DDLLM_OK) << message();
  for (const auto& e : fs::directory_iterator(root_ / "cache")) {
    if (e.path().filename() == ".packed-weights") continue;  // the packed-weight cache
    EXPECT_EQ(e.path().filename(), "tiny");
  }
}

TEST_F(CApiAssetsTest, MemoryThresholdAboveAvailableIsInsufficientMemory) {
  ddllm_open_options o = options();
  o.memory_threshold_mb = int64_t{1} << 40;
  EXPECT_EQ(open(o), DDLLM_ERR_INSUFFICIENT_MEMORY);
  EXPECT_EQ(runner_, nullptr);
  EXPECT_STREQ(err_.kind_name, "InsufficientMemory");
  EXPECT_EQ(err_.expected, int64_t{1} << 40);
  const int64_t available = mem_available_mb();
  ASSERT_GT(available, 0);
  EXPECT_GT(err_.actual, 0);
  EXPECT_LT(err_.actual, err_.expected);
  // The library read the same figure a moment earlier; allow for other processes.
  EXPECT_NEAR(static_cast<double>(err_.actual), static_cast<double>(available),
              std::max(512.0, available * 0.25));
  // The bundle's own threshold (min_memory_mb) applies by default and 0 disables the check.
  o.memory_threshold_mb = 0;
  EXPECT_EQ(open(o), DDLLM_OK) << message();
}

TEST_F(CApiAssetsTest, UnloadThenGenerateReloadsWithIdenticalGreedyOutput) {
  Progress progress;
  ASSERT_EQ(open(options(&progress)), DDLLM_OK) << message();
  const int copies = progress.calls;
  ASSERT_EQ(generate(greedy("reload me")), DDLLM_OK) << message();
  const auto before = ids();
  const std::string text_before(resp_.text, resp_.text_len);
  ASSERT_FALSE(before.empty());
  EXPECT_EQ(ddllm_context_length(runner_), 64);

  ASSERT_EQ(ddllm_unload(runner_, &err_), DDLLM_OK) << message();
  EXPECT_EQ(ddllm_is_loaded(runner_), 0);
  ddllm_model_info info;
  ASSERT_EQ(ddllm_get_model_info(runner_, &info, &err_), DDLLM_OK);
  EXPECT_EQ(info.loaded, 0);
  EXPECT_STREQ(info.name, "tiny-random-llama");  // the last load's values remain
  EXPECT_EQ(ddllm_context_length(runner_), 64);
  EXPECT_EQ(ddllm_reset(runner_, &err_), DDLLM_OK);   // nothing to forget: a no-op
  EXPECT_EQ(ddllm_unload(runner_, &err_), DDLLM_OK);  // twice is fine

  ASSERT_EQ(generate(greedy("reload me")), DDLLM_OK) << message();
  EXPECT_EQ(ddllm_is_loaded(runner_), 1);
  EXPECT_EQ(ids(), before);
  EXPECT_EQ(std::string(resp_.text, resp_.text_len), text_before);
  EXPECT_EQ(progress.calls, copies);  // the reload used the intact cache copy
}

TEST_F(CApiAssetsTest, LazyLoadSurfacesTheLoadErrorAtTheFirstGenerate) {
  // A bundle that is not in the assets: the open succeeds, the first generate reports it.
  ddllm_open_options o = options();
  o.lazy_load = 1;
  ASSERT_EQ(open(o, "absent"), DDLLM_OK) << message();
  EXPECT_EQ(ddllm_is_loaded(runner_), 0);
  EXPECT_EQ(ddllm_context_length(runner_), 0);
  EXPECT_FALSE(fs::exists(root_ / "cache"));  // nothing was read or written yet
  EXPECT_EQ(generate(greedy("x", 2)), DDLLM_ERR_ASSET_COPY_FAILED);
  EXPECT_NE(std::string(err_.subject).find("absent"), std::string::npos) << err_.subject;
  EXPECT_EQ(resp_.text, nullptr);
  EXPECT_EQ(ddllm_is_loaded(runner_), 0);
  // In place, a missing folder is ModelNotFound at the first generate, every time.
  ddllm_open_options in_place;
  ddllm_open_options_init(&in_place);
  in_place.lazy_load = 1;
  ASSERT_EQ(open(in_place, "/nonexistent/lazy"), DDLLM_OK) << message();
  EXPECT_EQ(generate(greedy("x", 2)), DDLLM_ERR_MODEL_NOT_FOUND);
  EXPECT_STREQ(err_.subject, "/nonexistent/lazy");
  EXPECT_EQ(generate(greedy("x", 2)), DDLLM_ERR_MODEL_NOT_FOUND);
  // Memory is checked at that load too.
  o.memory_threshold_mb = int64_t{1} << 40;
  ASSERT_EQ(open(o), DDLLM_OK) << message();
  EXPECT_EQ(generate(greedy("x", 2)), DDLLM_ERR_INSUFFICIENT_MEMORY);
  EXPECT_EQ(err_.expected, int64_t{1} << 40);
}

TEST_F(CApiAssetsTest, LazyLoadCopiesWithProgressAtTheFirstGenerate) {
  Progress progress;
  ddllm_open_options o = options(&progress);
  o.lazy_load = 1;
  ASSERT_EQ(open(o), DDLLM_OK) << message();
  EXPECT_EQ(progress.calls, 0);
  ddllm_model_info info;
  ASSERT_EQ(ddllm_get_model_info(runner_, &info, &err_), DDLLM_OK);
  EXPECT_STREQ(info.name, "");
  EXPECT_STREQ(info.path, "");
  EXPECT_EQ(info.loaded, 0);
  EXPECT_EQ(info.context_length, 0);
  ASSERT_EQ(generate(greedy("lazy", 4)), DDLLM_OK) << message();
  EXPECT_GT(progress.calls, 0);
  EXPECT_EQ(progress.last_done, bundle_bytes());
  EXPECT_EQ(ddllm_is_loaded(runner_), 1);
  // The same greedy output as an eagerly opened runner on the bundle itself.
  const auto lazy_ids = ids();
  ddllm_runner* eager = nullptr;
  ddllm_open_options plain;
  ddllm_open_options_init(&plain);
  plain.memory_threshold_mb = 0;
  ASSERT_EQ(ddllm_open(kBundle.c_str(), &plain, &eager, &err_), DDLLM_OK) << message();
  ddllm_request req = greedy("lazy", 4);
  ddllm_response resp{};
  ASSERT_EQ(ddllm_generate(eager, &req, nullptr, nullptr, nullptr, &resp, &err_), DDLLM_OK);
  EXPECT_EQ(std::vector<int32_t>(resp.output_ids, resp.output_ids + resp.n_output_ids), lazy_ids);
  ddllm_response_free(&resp);
  ddllm_close(eager);
}

TEST_F(CApiAssetsTest, ModelInfoDescribesTheLoadedBundle) {
  ddllm_open_options o = options();
  o.num_threads = 1;
  o.max_cache_tokens = 32;
  ASSERT_EQ(open(o), DDLLM_OK) << message();
  ddllm_model_info info;
  ASSERT_EQ(ddllm_get_model_info(runner_, &info, &err_), DDLLM_OK);
  EXPECT_STREQ(info.name, "tiny-random-llama");
  EXPECT_EQ(std::string(info.path), (root_ / "cache" / "tiny").string());
  EXPECT_EQ(info.size_bytes, bundle_bytes());
  EXPECT_EQ(info.context_length, 32);  // capped by max_cache_tokens
  EXPECT_EQ(ddllm_context_length(runner_), 32);
  EXPECT_EQ(info.max_tokens, 16);
  EXPECT_STREQ(info.quantization, "fp32");
  EXPECT_EQ(info.loaded, 1);
  EXPECT_GT(info.load_ms, 0.0);
  EXPECT_EQ(info.threads, 1);
  // The strings stay valid (same storage) across calls until unload.
  ddllm_model_info again;
  ASSERT_EQ(ddllm_get_model_info(runner_, &again, &err_), DDLLM_OK);
  EXPECT_EQ(again.name, info.name);
  EXPECT_EQ(again.path, info.path);
  // A prompt beyond the capped context is refused with the cap as the limit.
  const std::string prompt(40, 'a');
  EXPECT_EQ(generate(greedy(prompt.c_str())), DDLLM_ERR_CONTEXT_LENGTH_EXCEEDED);
  EXPECT_EQ(err_.expected, 32);
  // Argument checks.
  EXPECT_EQ(ddllm_get_model_info(nullptr, &info, &err_), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "runner");
  EXPECT_EQ(ddllm_get_model_info(runner_, nullptr, &err_), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "out");
  EXPECT_EQ(ddllm_unload(nullptr, &err_), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "runner");
  EXPECT_EQ(ddllm_is_loaded(nullptr), 0);
}

TEST_F(CApiAssetsTest, InvalidOptionsNameTheOption) {
  ddllm_open_options o = options();
  o.cache_dir = nullptr;
  EXPECT_EQ(open(o), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "cache_dir");
  o = options();
  EXPECT_EQ(open(o, "../escape"), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "bundle_dir");
  o = options();
  o.max_cache_tokens = -1;
  EXPECT_EQ(open(o), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "max_cache_tokens");
  o = options();
  o.memory_threshold_mb = -2;
  EXPECT_EQ(open(o), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "memory_threshold_mb");
  o = options();
  o.num_threads = 1000;
  EXPECT_EQ(open(o), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "num_threads");
  EXPECT_EQ(runner_, nullptr);
  EXPECT_FALSE(fs::exists(root_ / "cache"));  // validation reads and writes nothing
}

TEST_F(CApiAssetsTest, UnloadFromInsideACallbackIsRefused) {
  ASSERT_EQ(open(options()), DDLLM_OK) << message();
  struct Ctx {
    ddllm_runner* runner;
    int rc = -1;
  } ctx{runner_};
  auto unload_inside = [](const char*, size_t, void* user) {
    auto* c = static_cast<Ctx*>(user);
    if (c->rc == -1) c->rc = ddllm_unload(c->runner, nullptr);
    return 0;
  };
  ddllm_request req = greedy("unload inside", 6);
  ddllm_response_free(&resp_);
  ASSERT_EQ(ddllm_generate(runner_, &req, unload_inside, nullptr, &ctx, &resp_, &err_), DDLLM_OK)
      << message();
  EXPECT_EQ(ctx.rc, DDLLM_ERR_GENERATION_FAILED);
  EXPECT_EQ(ddllm_is_loaded(runner_), 1);
}

TEST_F(CApiAssetsTest, CancelDuringALazyLoadStopsThatGeneration) {
  // The progress callback runs inside ddllm_generate while the model is being copied/loaded;
  // a cancel from there (as from another thread at that moment) must not be lost: it stops the
  // copy and the call ends as cancelled, not as an error.
  struct Ctx {
    ddllm_runner* runner = nullptr;
    int calls = 0;
  } ctx;
  ddllm_open_options o = options();
  o.lazy_load = 1;
  o.progress = [](uint64_t, uint64_t, const char*, void* user) {
    auto* c = static_cast<Ctx*>(user);
    // Only the first call's: the cancel stops that copy, so the next generate copies again.
    if (++c->calls == 1) ddllm_cancel(c->runner);
  };
  o.progress_user = &ctx;
  ASSERT_EQ(open(o), DDLLM_OK) << message();
  ctx.runner = runner_;
  ASSERT_EQ(generate(greedy("cancelled while loading", 20)), DDLLM_OK) << message();
  EXPECT_GT(ctx.calls, 0);
  EXPECT_EQ(resp_.finish_reason, DDLLM_FINISH_CANCELLED);
  EXPECT_LT(resp_.n_output_ids, 20u);
  // The next call is not affected.
  ASSERT_EQ(generate(greedy("after", 3)), DDLLM_OK) << message();
  EXPECT_NE(resp_.finish_reason, DDLLM_FINISH_CANCELLED);
}

// --- Step API (ddllm_feed_text / ddllm_next_token / ddllm_seek / ddllm_position) ---

TEST_F(CApiTest, SteppingTheFedPromptGivesTheSameIdsAsARawGenerate) {
  ddllm_request req = greedy("step through the C API", 8);
  req.raw = 1;
  ASSERT_EQ(generate(req), DDLLM_OK) << message();
  const std::vector<int32_t> reference(resp_.output_ids, resp_.output_ids + resp_.n_output_ids);
  ASSERT_EQ(ddllm_reset(runner_, &err_), DDLLM_OK);
  int64_t position = -1;
  const std::string prompt = "step through the C API";
  ASSERT_EQ(ddllm_feed_text(runner_, prompt.data(), prompt.size(), 1, &position, &err_), DDLLM_OK)
      << message();
  EXPECT_GT(position, 0);
  EXPECT_EQ(ddllm_position(runner_), position);
  ddllm_request sampling;
  ddllm_request_init(&sampling);
  sampling.has_temperature = 1;
  sampling.temperature = 0.0f;
  sampling.has_repetition_penalty = 1;
  sampling.repetition_penalty = 1.0f;
  std::vector<int32_t> ids;
  for (size_t i = 0; i < reference.size(); ++i) {
    ddllm_step_token t{};
    ASSERT_EQ(ddllm_next_token(runner_, &sampling, &t, &err_), DDLLM_OK) << message();
    ASSERT_NE(t.text, nullptr);
    EXPECT_EQ(std::strlen(t.text), t.text_len);
    ids.push_back(t.id);
    const bool end = t.end_of_sequence != 0;
    ddllm_step_token_free(&t);
    EXPECT_EQ(t.text, nullptr);
    if (end) break;
  }
  EXPECT_EQ(ids, reference);
  // Rewind to the prompt: the model needs a token run before the next draw.
  ASSERT_EQ(ddllm_seek(runner_, position, &err_), DDLLM_OK) << message();
  EXPECT_EQ(ddllm_position(runner_), position);
  ddllm_step_token t{};
  EXPECT_EQ(ddllm_next_token(runner_, &sampling, &t, &err_), DDLLM_ERR_INFERENCE_NOT_INITIALIZED);
  EXPECT_EQ(t.text, nullptr);
}

TEST_F(CApiTest, StepApiArgumentsAndBoundsAreTypedErrors) {
  int64_t position = 0;
  EXPECT_EQ(ddllm_feed_text(nullptr, "x", 1, 0, &position, &err_), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_EQ(ddllm_feed_text(runner_, nullptr, 1, 0, &position, &err_),
            DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_EQ(ddllm_feed_text(runner_, "\xff", 1, 0, &position, &err_),
            DDLLM_ERR_TOKENIZATION_FAILED);
  const int32_t outside[] = {1, 1 << 30};
  EXPECT_EQ(ddllm_feed_tokens(runner_, outside, 2, &position, &err_),
            DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_STREQ(err_.subject, "tokens");
  EXPECT_EQ(ddllm_position(runner_), 0);
  const std::vector<int32_t> too_many(65, 1);  // the tiny program's context is 64
  EXPECT_EQ(ddllm_feed_tokens(runner_, too_many.data(), too_many.size(), &position, &err_),
            DDLLM_ERR_CONTEXT_LENGTH_EXCEEDED);
  EXPECT_EQ(ddllm_seek(runner_, 5, &err_), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_EQ(ddllm_seek(runner_, -1, &err_), DDLLM_ERR_CONFIGURATION_INVALID);
  EXPECT_EQ(ddllm_next_token(runner_, nullptr, nullptr, &err_), DDLLM_ERR_CONFIGURATION_INVALID);
  ddllm_step_token_free(nullptr);
  EXPECT_EQ(ddllm_position(nullptr), 0);
}

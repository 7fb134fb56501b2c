// LocalLlm: DailyDrug's `LocalLlmManager` in C++ — the one model lifecycle of the project. The
// CLI, the server, the bench tool, the eval tools and the C/JNI bindings all load through it, so
// they share one verification policy, one memory check and one weight-cache rule.
//
//   create(config)            cheap; nothing is read yet
//   load(progress, cancel)    assets -> cache copy (atomic, verified) -> SHA-256 check (once per
//                             file version) -> memory check -> mmap load
//   generate(request, ...)    loads lazily on first use, then streams
//   with_runner(cancel, fn)   loads lazily, then lends the Runner to fn (the assistant, scan
//                             model fill, the server's jobs)
//   cancel() / reset() / unload()
//
// Cancel: each request carries a CancelToken (GenerationRequest::cancel; one is made when the
// caller gives none). It is honoured while waiting for the model, during the copy, before and
// during the prefill and at every token; a cancel that lands before the lock is taken is kept.
// cancel() cancels every request that has entered generate()/with_runner() and not returned.
//
// Thread-safety: all methods may be called from any thread. generate()/with_runner() calls are
// serialised; cancel() and the queries never wait for a generation; unload() waits for a running
// generation to finish (cancel first to make that quick).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/cancel.h"
#include "dailydrug/llm/error.h"
#include "dailydrug/llm/runner.h"

namespace dailydrug::llm {

/// DailyDrug's LocalLlmConfig; every field has a documented default.
struct LocalLlmConfig {
  /// The bundle to use. With `assets_dir` set, this is the bundle folder *name* inside it, and
  /// the bundle is copied to `cache_dir/<name>` on first use (the app's assets -> filesDir step).
  /// Without `assets_dir`, this is the bundle folder path, used in place.
  std::string bundle;
  std::string assets_dir;     // read-only source folder (optional)
  std::string cache_dir;      // writable folder for the copied bundle (required with assets_dir)
  int32_t thread_count = -1;  // -1: automatic
  std::optional<int64_t> max_cache_tokens;     // default: the bundle's memory_settings
  std::optional<int64_t> memory_threshold_mb;  // default: the bundle's min_memory_mb
  /// Check every file's SHA-256 before the first load of each version of the bundle's files.
  /// With a weight-cache folder, a passed check is remembered there (file sizes, times, inode)
  /// so later processes only re-check files that changed; without one, once per LocalLlm.
  bool verify_sha256 = true;
  /// The packed-weight cache folder (ModelLoadOptions::weight_cache_dir): unset means
  /// `cache_dir/.packed-weights` when cache_dir is set, else none; "" means none.
  std::optional<std::string> weight_cache_dir;
  /// End the load with one forward call (ModelLoadOptions::warm_up), so the first request does
  /// not pay for mapping the weights' pages: with a prefix snapshot, the first question after a
  /// start then answers as fast as a warm one (docs/BENCHMARKS.md, "Prefix snapshots").
  bool warm_up = true;
};

/// What the app shows about the model (LocalLlmService's model info).
struct ModelInfo {
  std::string name;
  std::string path;
  uint64_t size_bytes = 0;
  int64_t context_length = 0;
  int64_t max_tokens = 0;
  std::string quantization;
  bool loaded = false;
  double load_ms = 0;
  int32_t threads = 0;
};

/// Progress of the first-use copy: bytes copied so far of the total, and the current file.
using CopyProgress =
    std::function<void(uint64_t done_bytes, uint64_t total_bytes, const std::string& file)>;

class LocalLlm {
 public:
  /// Validate the config (ConfigurationInvalid(key)); reads nothing.
  static Result<std::unique_ptr<LocalLlm>> create(LocalLlmConfig config);
  /// The bundle folder `dir` used in place with the default config, loaded now: for tools that
  /// want a load error up front. Errors: those of load().
  static Result<std::unique_ptr<LocalLlm>> open(const std::string& dir);

  /// Prepare and load the model; a no-op when already loaded. Errors: AssetCopyFailed(asset)
  /// (source missing/unreadable, disk full, copy does not verify, cancelled), ModelNotFound,
  /// ModelCorrupted, ConfigurationInvalid, InsufficientMemory(required, available),
  /// ModelLoadFailed, TokenizerModelNotFound, TokenizerNotInitialized.
  Status load(const CopyProgress& progress = {}, const CancelToken* cancel = nullptr);

  /// Load if needed, then generate (see Runner::generate for the errors). The request's
  /// timeout_ms applies to the generation; loading is not counted. A request cancelled before
  /// or while the model loads returns finish_reason kCancelled without running the prefill.
  Result<GenerationResponse> generate(const GenerationRequest& request,
                                      const TextCallback& on_text = {},
                                      const StatsCallback& on_stats = {});

  /// Load if needed, then return `work(runner)`, holding the model meanwhile (no other
  /// generation, reset or unload runs). For callers that need more than generate(): several
  /// generations in a row, the tokenizer, the prefill chunk (the bench tool). `cancel`, if set,
  /// is registered for cancel() while the call lasts and stops the copy; pass the same token in
  /// the requests `work` makes (a cancelled one ends each at once, before its prefill).
  /// `work` returns a Result or Status; a load error is returned in its place.
  template <typename Work>
  auto with_runner(const CancelTokenPtr& cancel, Work&& work)
      -> decltype(work(std::declval<Runner&>()));

  /// The bundle's model_config.json (name, languages, limits ...) without loading the model:
  /// from the assets folder when assets_dir is set (the source of every copy), else from the
  /// bundle folder used in place. Errors: ModelNotFound (no model_config.json),
  /// ConfigurationInvalid (not a valid config).
  Result<BundleConfig> bundle_config() const;

  /// The tokens generate() would feed the model for `request` (loads lazily).
  Result<std::vector<TokenId>> prompt_tokens(const GenerationRequest& request);
  /// The context the loaded model allows (min of program and max_cache_tokens; loads lazily).
  Result<int64_t> context_limit();

  /// Cancel every request in generate()/with_runner() now (they end with kCancelled).
  void cancel();
  /// Forget the conversation's KV cache. InferenceNotInitialized if not loaded.
  Status reset();
  /// Release the model (memory); the next generate() loads it again.
  void unload();
  bool is_loaded() const;
  ModelInfo info() const;
  /// The loaded model's tokenizer, or null when not loaded; never waits for a generation, so a
  /// text callback may use it (e.g. to count the tokens of a piece).
  std::shared_ptr<const Tokenizer> tokenizer() const;
  /// How the loaded model got its packed weights: "off" (no cache), "hit" or "write"
  /// (ExecutorchModel::weight_cache()); "" when not loaded.
  std::string weight_cache_state() const;

  /// While alive, cancel() reaches `token`. generate() and with_runner() open one for their
  /// request; a caller that does more around them (the C API: wait for its own lock, load with
  /// progress, then generate) opens one first so a cancel in between is not lost.
  class CancelScope {
   public:
    CancelScope(LocalLlm& llm, CancelTokenPtr token);
    ~CancelScope();
    CancelScope(const CancelScope&) = delete;
    CancelScope& operator=(const CancelScope&) = delete;

   private:
    LocalLlm& llm_;
    CancelTokenPtr token_;
  };

 private:
  explicit LocalLlm(LocalLlmConfig config) : config_(std::move(config)) {}
  Result<std::string> prepare_bundle_dir(const CopyProgress& progress, const CancelToken* cancel);
  Status load_locked(const CopyProgress& progress, const CancelToken* cancel);
  /// ModelBundle::open with the verification policy of LocalLlmConfig::verify_sha256.
  Result<ModelBundle> open_verified(const std::string& dir);
  std::string weight_cache_dir() const;

  LocalLlmConfig config_;
  mutable std::mutex mutex_;         // serialises load/generate/with_runner/reset/unload
  mutable std::mutex runner_mutex_;  // guards runner_, info_ (cancel()/info() take only this)
  std::unique_ptr<Runner> runner_;
  ModelInfo info_;
  bool verified_ = false;  // SHA-256 checked once per LocalLlm
  std::mutex active_mutex_;
  std::vector<CancelToken*> active_;  // tokens of the requests in flight
};

template <typename Work>
auto LocalLlm::with_runner(const CancelTokenPtr& cancel, Work&& work)
    -> decltype(work(std::declval<Runner&>())) {
  CancelScope scope(*this, cancel);
  std::lock_guard<std::mutex> lock(mutex_);
  if (Status s = load_locked({}, cancel.get()); !s.ok()) return s.take_error();
  return work(*runner_);
}

/// MemAvailable from /proc/meminfo in MB (-1 where unknown).
int64_t available_memory_mb();

/// Copy the bundle folder `src` to `dst` atomically: files go to a staging folder next to `dst`,
/// are checked against model_config.json (size and SHA-256), fsynced, and the folder is renamed
/// into place. An existing valid `dst` with the same model_config.json is kept as is. A failure
/// at any point leaves `dst` as it was; what an interrupted copy left next to `dst` is removed by
/// the next one. `copied`, if given, says whether files were copied (and hashed on the way) or an
/// existing copy was kept (checked by size only). A cancelled `cancel` stops the copy between
/// chunks, leaving `dst` as it was. Errors: AssetCopyFailed(file, cause).
Status copy_bundle(const std::string& src, const std::string& dst, const CopyProgress& progress,
                   bool* copied = nullptr, const CancelToken* cancel = nullptr);

}  // namespace dailydrug::llm

// LocalLlm: DailyDrug's `LocalLlmManager` in C++ — the lifecycle around a Runner.
//
//   create(config)            cheap; nothing is read yet
//   load(progress)            assets -> cache copy (atomic, verified) -> memory check -> mmap load
//   generate(request, ...)    loads lazily on first use, then streams
//   cancel() / reset() / unload()
//
// Thread-safety: all methods may be called from any thread. generate() calls are serialised;
// cancel() is lock-free and stops the running generation within one token; unload() waits for a
// running generation to finish (cancel first to make that quick).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/error.h"
#include "dailydrug/llm/runner.h"

namespace dailydrug::llm {

/// DailyDrug's LocalLlmConfig; every field has a documented default.
struct LocalLlmConfig {
  /// The bundle to use. With `assets_dir` set, this is the bundle folder *name* inside it, and
  /// the bundle is copied to `cache_dir/<name>` on first use (the app's assets -> filesDir step).
  /// Without `assets_dir`, this is the bundle folder path, used in place.
  std::string bundle;
  std::string assets_dir;  // read-only source folder (optional)
  std::string cache_dir;   // writable folder for the copied bundle (required with assets_dir)
  int32_t thread_count = -1;                    // -1: automatic
  std::optional<int64_t> max_cache_tokens;      // default: the bundle's memory_settings
  std::optional<int64_t> memory_threshold_mb;   // default: the bundle's min_memory_mb
  bool verify_sha256 = true;  // check every file's SHA-256 once per copy/first load
  /// The packed-weight cache folder (ModelLoadOptions::weight_cache_dir): unset means
  /// `cache_dir/.packed-weights` when cache_dir is set, else none; "" means none.
  std::optional<std::string> weight_cache_dir;
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
using CopyProgress = std::function<void(uint64_t done_bytes, uint64_t total_bytes,
                                        const std::string& file)>;

class LocalLlm {
 public:
  /// Validate the config (ConfigurationInvalid(key)); reads nothing.
  static Result<std::unique_ptr<LocalLlm>> create(LocalLlmConfig config);

  /// Prepare and load the model; a no-op when already loaded. Errors: AssetCopyFailed(asset)
  /// (source missing/unreadable, disk full, copy does not verify), ModelNotFound,
  /// ModelCorrupted, ConfigurationInvalid, InsufficientMemory(required, available),
  /// ModelLoadFailed, TokenizerModelNotFound, TokenizerNotInitialized.
  Status load(const CopyProgress& progress = {});

  /// Load if needed, then generate (see Runner::generate for the errors). The request's
  /// timeout_ms applies to the generation; loading is not counted.
  Result<GenerationResponse> generate(const GenerationRequest& request,
                                      const TextCallback& on_text = {},
                                      const StatsCallback& on_stats = {});

  void cancel();
  /// Forget the conversation's KV cache. InferenceNotInitialized if not loaded.
  Status reset();
  /// Release the model (memory); the next generate() loads it again.
  void unload();
  bool is_loaded() const;
  ModelInfo info() const;

 private:
  explicit LocalLlm(LocalLlmConfig config) : config_(std::move(config)) {}
  Result<std::string> prepare_bundle_dir(const CopyProgress& progress);

  Status load_locked(const CopyProgress& progress);

  LocalLlmConfig config_;
  mutable std::mutex mutex_;         // serialises load/generate/reset/unload
  mutable std::mutex runner_mutex_;  // guards runner_ and info_ (cancel()/info() take only this)
  std::unique_ptr<Runner> runner_;
  ModelInfo info_;
  bool verified_ = false;  // SHA-256 checked once per LocalLlm
};

/// MemAvailable from /proc/meminfo in MB (-1 where unknown).
int64_t available_memory_mb();

/// Copy the bundle folder `src` to `dst` atomically: files go to a staging folder next to `dst`,
/// are checked against model_config.json (size and SHA-256), fsynced, and the folder is renamed
/// into place. An existing valid `dst` with the same model_config.json is kept as is. A failure
/// at any point leaves `dst` as it was; what an interrupted copy left next to `dst` is removed by
/// the next one. `copied`, if given, says whether files were copied (and hashed on the way) or an
/// existing copy was kept (checked by size only). Errors: AssetCopyFailed(file, cause).
Status copy_bundle(const std::string& src, const std::string& dst, const CopyProgress& progress,
                   bool* copied = nullptr);

}  // namespace dailydrug::llm

// ExecutorchModel: one exported LLaMA-family program (`.pte`, optional `.ptd` files) loaded through
// ExecuTorch's `Module`, seen as a decoder step: (tokens, start position) -> next-token logits.
//
// The program's KV cache lives in its mutable buffers, so a model instance *is* one conversation's
// cache; positions are managed by the caller (the Runner/Session). Not thread-safe: one thread
// at a time (ExecuTorch's Module is not thread-safe either).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dailydrug/llm/error.h"
#include "dailydrug/llm/tokenizer.h"

namespace dailydrug::llm {

/// What the program says about itself (its constant methods).
struct ModelMetadata {
  int64_t max_seq_len = 0;      // most tokens one forward call may take is max_seq_len - 1
  int64_t max_context_len = 0;  // KV cache length: positions 0 .. max_context_len - 1
  int64_t vocab_size = 0;
  int64_t n_layers = 0;
  bool use_kv_cache = false;
  bool enable_dynamic_shape = false;
  bool use_sdpa_with_kv_cache = false;
  std::optional<TokenId> bos_id;    // from get_bos_id, if exported
  std::vector<TokenId> eos_ids;     // from get_eos_ids, if exported
  int64_t max_tokens_per_call = 1;  // from the forward input's shape bound
  /// Rows of logits a call returns: the last min(T, logits_rows) positions of a T-token call
  /// (from the forward output's shape bound; 1 = the last position only). More than 1 lets one
  /// call verify logits_rows - 1 drafted tokens (speculative decoding).
  int64_t logits_rows = 1;
};

/// One tensor of the program's state (a KV cache buffer) as a prefix snapshot sees it: dense,
/// row-major, with the cache positions along `position_dim` (whose size is max_context_len). The
/// data stays where the program keeps it for as long as the model is loaded.
struct StateTensor {
  std::string name;
  std::byte* data = nullptr;
  std::vector<int64_t> sizes;
  size_t element_size = 0;
  size_t position_dim = 0;
};

struct ModelLoadOptions {
  std::vector<std::string> data_files;  // .ptd files (foundation weights, LoRA adapters)
  bool use_mmap = true;                 // mmap the program instead of reading it
  bool mlock = false;                   // lock pages (falls back silently if not permitted)
  int num_threads = -1;                 // -1: automatic_thread_count() (performance cores)
  /// The packed-weight cache (docs/RUNTIME.md): a folder ("" = none) where the first load of a
  /// program leaves XNNPACK's packed weights in a file that later loads map instead of packing
  /// again, and the file's name stem for this program (Runner::from_bundle derives it from the
  /// bundle's SHA-256s). Any trouble with the cache falls back to packing, never to an error.
  std::string weight_cache_dir;
  std::string weight_cache_key;
  /// The program's KV cache buffers by name (the bundle's kv_cache_buffers), found through
  /// ExecuTorch's Method::get_attribute for state(); a name the program lacks leaves state()
  /// empty (state_note() says why), never an error.
  std::vector<std::string> state_buffers;
  /// End the load with one forward call of one token at position 0: a program's first call
  /// faults in the pages of every weight it reads (~35 ms for the default bundle), which the
  /// load then pays instead of the first request (Runner::from_bundle overlaps it with the
  /// tokenizer's parse). Its cache entry is overwritten by the first prefill. A failure is
  /// ModelLoadFailed.
  bool warm_up = false;
};

class ExecutorchModel {
 public:
  /// Load and verify the program, load the `forward` method and read the metadata.
  /// Errors: ModelNotFound (no file), ModelCorrupted (not a valid program), ModelLoadFailed
  /// (missing operators/backends, or a program without a KV cache we cannot drive).
  static Result<std::unique_ptr<ExecutorchModel>> load(const std::string& pte_path,
                                                       const ModelLoadOptions& options = {});
  ~ExecutorchModel();
  ExecutorchModel(const ExecutorchModel&) = delete;
  ExecutorchModel& operator=(const ExecutorchModel&) = delete;

  const ModelMetadata& metadata() const { return meta_; }
  const std::string& path() const { return path_; }
  /// How this load used the packed-weight cache: "off", "hit" (weights mapped from the cache
  /// file) or "write" (the cache file was written by this load).
  const std::string& weight_cache() const { return weight_cache_; }
  /// The KV cache tensors named by ModelLoadOptions::state_buffers, in that order; empty when
  /// none were named or one could not be used (then state_note() says why).
  const std::vector<StateTensor>& state() const { return state_; }
  const std::string& state_note() const { return state_note_; }

  /// Run `tokens` (1 .. max_tokens_per_call of them) at positions start_pos.. and return the
  /// logits for the last one, [vocab_size] floats. The span stays valid until the next call.
  /// Errors: ContextLengthExceeded (start_pos + n > max_context_len), GenerationFailed (bad
  /// arguments or a failed execute).
  Result<std::span<const float>> forward(std::span<const TokenId> tokens, int64_t start_pos);
  /// The same call, returning every row the program gives: [n, vocab_size] floats, row-major,
  /// row r = next-token logits after tokens[T - n + r], n = min(T, metadata().logits_rows).
  Result<std::span<const float>> forward_rows(std::span<const TokenId> tokens, int64_t start_pos);

  /// Set ExecuTorch's shared thread pool size (process-wide). n <= 0 picks the automatic size.
  /// Errors: ConfigurationInvalid("num_threads") above kMaxThreads.
  static Status set_num_threads(int n);
  /// The current size of ExecuTorch's shared thread pool.
  static int num_threads();

 private:
  ExecutorchModel();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ModelMetadata meta_;
  std::string path_;
  std::string weight_cache_ = "off";
  std::vector<StateTensor> state_;
  std::string state_note_;
};

/// The most threads a bundle or a caller may ask for: decoding a small model stops gaining at a
/// few threads, and pthreadpool fails (a crash, not an error) long before 100,000.
inline constexpr int kMaxThreads = 64;

/// Threads to use for n = -1 on this machine: the performance cores this process may run on
/// (cpu_topology.h); on cores all alike, all of them up to 4 and one fewer above that.
int automatic_thread_count();

}  // namespace dailydrug::llm

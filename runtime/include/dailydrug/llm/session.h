// Session: one conversation's state in the program's KV cache — which tokens sit at positions
// 0..n-1 — and the forward calls that change it (prefill in chunks, one decode step, seek).
//
// The KV cache lives inside the program, so the session only remembers what it holds; entries
// past position() are stale and are overwritten by the next forward call (the causal mask keeps
// them from being attended to). The generation loop (Runner::generate) and the step API
// (Runner::feed_text/next_token/seek) both drive the model through one Session.
//
// Not thread-safe: the Runner that owns it serialises every call.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "dailydrug/llm/cancel.h"
#include "dailydrug/llm/error.h"
#include "dailydrug/llm/model.h"

namespace dailydrug::llm {

/// When a call must end: a wall-clock deadline (its GenerationTimeout carries timeout_ms) and
/// the caller's token.
struct StopCondition {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  int64_t timeout_ms = 0;
  const CancelToken* cancel = nullptr;

  bool cancelled() const { return cancel != nullptr && cancel->cancelled(); }
  bool timed_out() const { return std::chrono::steady_clock::now() > deadline; }
  /// The earlier of `timeout_ms` from `start` (0 = none) and the token's deadline.
  static StopCondition of(int64_t timeout_ms, const CancelTokenPtr& cancel,
                          std::chrono::steady_clock::time_point start);
};

class Session {
 public:
  /// `context_limit`: most tokens the cache may hold (min of the program's context and
  /// max_cache_tokens); `chunk`: most tokens per prefill call.
  Session(ExecutorchModel& model, int64_t context_limit, int64_t chunk);

  size_t position() const { return tokens_.size(); }
  const std::vector<TokenId>& tokens() const { return tokens_; }
  /// The logits after the last token that was run; empty after reset()/seek() until one runs.
  std::span<const float> logits() const { return logits_; }
  int64_t context_limit() const { return context_limit_; }
  void set_limits(int64_t context_limit, int64_t chunk);

  void reset();
  /// Keep the first `position` tokens. ConfigurationInvalid when past position().
  Status seek(size_t position);
  /// Keep the longest common prefix of the cache and `prompt`, leaving at least its last token to
  /// run (so its logits are fresh); returns how many were kept.
  size_t keep_prefix(const std::vector<TokenId>& prompt);

  /// The cache's first prefix.size() positions were filled by other means (a restored prefix
  /// snapshot): from now on the session holds `prefix`, and logits() is empty until a token runs.
  void adopt(std::span<const TokenId> prefix);

  /// Run `tokens` into the cache after position(), at most `chunk` per forward call, checking
  /// `stop` before each call. Returns false when cancelled (the cache keeps what ran), the last
  /// call's logits are then logits(). Errors: ContextLengthExceeded when they do not fit,
  /// GenerationTimeout, GenerationFailed (the program failed; the cache keeps what ran).
  Result<bool> prefill(std::span<const TokenId> tokens, const StopCondition& stop,
                       int32_t* calls = nullptr);
  /// Run one token at position(). Errors: ContextLengthExceeded, GenerationFailed.
  Status step(TokenId token);

  /// Speculative decoding: run `tokens` (a token and the draft that may follow it) at position()
  /// in one forward call and keep them all. Returns [tokens.size(), vocab] logits, row i = the
  /// next-token logits after tokens[i]; valid until the next forward call. At most the
  /// program's logits_rows tokens. Errors: ConfigurationInvalid (empty or too many tokens),
  /// ContextLengthExceeded, GenerationFailed (the cache then keeps what it held before).
  Result<std::span<const float>> verify(std::span<const TokenId> tokens);
  /// After verify(): keep the first `position` tokens of the cache, where position ends within
  /// the verified tokens (after at least the first); logits() becomes that token's row. The
  /// rejected positions' stale KV entries are overwritten by the next call; the attention reads
  /// positions up to the query's own only, so they are never attended to. May be called again
  /// with a smaller position until the next forward call. ConfigurationInvalid when no verify()
  /// preceded it or position is out of that range.
  Status accept(size_t position);

 private:
  ExecutorchModel& model_;
  int64_t context_limit_;
  int64_t chunk_;
  std::vector<TokenId> tokens_;
  std::span<const float> logits_;
  // The rows of the last verify() and the position its tokens started at; empty otherwise.
  std::span<const float> verify_rows_;
  size_t verify_start_ = 0;
};

}  // namespace dailydrug::llm

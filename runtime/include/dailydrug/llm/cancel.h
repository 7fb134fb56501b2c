// CancelToken: one request's "stop now", created by the caller and checked by every loop the
// request runs (bundle copy and load, tokenizing, prefill chunks, decode, the app's own loops).
//
// A token is never reset: a cancel that lands before the work starts, while it waits for a lock
// or while the model loads is still there when the work looks, so no cancel can be lost. One
// token per request; share it (CancelTokenPtr) between the caller that may cancel and the work.
// An optional deadline makes the same check end work that has run too long.
//
// Thread-safety: every method may be called from any thread; cancel() is a single lock-free
// atomic store, so a signal handler may call it.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

namespace dailydrug::llm {

class CancelToken {
 public:
  using Clock = std::chrono::steady_clock;

  CancelToken() = default;
  /// A token that also stops the work once `deadline` has passed.
  explicit CancelToken(Clock::time_point deadline) : deadline_(deadline) {}
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void cancel() noexcept { cancelled_.store(true, std::memory_order_release); }
  /// cancel() was called.
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
  /// The deadline, if any, has passed.
  bool expired() const noexcept { return deadline_ && Clock::now() > *deadline_; }
  /// What a loop checks: cancelled or expired.
  bool stop_requested() const noexcept { return cancelled() || expired(); }
  std::optional<Clock::time_point> deadline() const noexcept { return deadline_; }

 private:
  static_assert(std::atomic<bool>::is_always_lock_free, "cancel() must be signal-safe");
  std::atomic<bool> cancelled_{false};
  const std::optional<Clock::time_point> deadline_;
};

using CancelTokenPtr = std::shared_ptr<CancelToken>;

inline CancelTokenPtr make_cancel_token() {
  return std::make_shared<CancelToken>();
}
inline CancelTokenPtr make_cancel_token(std::chrono::milliseconds timeout) {
  return std::make_shared<CancelToken>(CancelToken::Clock::now() + timeout);
}

/// True when `token` is set and asks to stop (a null token never does).
inline bool stop_requested(const CancelToken* token) noexcept {
  return token != nullptr && token->stop_requested();
}

}  // namespace dailydrug::llm

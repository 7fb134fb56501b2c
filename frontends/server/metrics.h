// Counters of `dailydrug serve`, rendered as Prometheus text for GET /metrics.
// Thread-safe: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace dailydrug::server {

/// How a generation ended, for dailydrug_generations_total{outcome}.
enum class GenerationOutcome { kCompleted, kCancelled, kFailed };

/// Gauges the metrics page reads from the queue at render time.
struct QueueGauges {
  size_t depth = 0;         // jobs waiting
  size_t capacity = 0;      // the most that may wait
  bool busy = false;        // a job is running
  std::string model_state;  // "not_loaded" | "loading" | "ready" | "failed"
};

class Metrics {
 public:
  /// One HTTP response; `route` is the route pattern ("/v1/chat/completions"), not the raw path.
  void count_request(std::string_view route, int status);
  /// One error answered to a client, by kind ("QueueFull", "ModelNotFound", ...).
  void count_error(std::string_view kind);
  /// One generation ended; `tokens` generated, `decode_tokens_per_s` 0 if unknown.
  void count_generation(GenerationOutcome outcome, int64_t tokens, double decode_tokens_per_s);
  /// Speculative decoding in one generation: drafted tokens verified, and those confirmed.
  void count_speculation(int64_t drafted, int64_t accepted);
  /// Text exposition format 0.0.4.
  std::string prometheus_text(const QueueGauges& queue) const;

  int64_t cancelled() const { return cancelled_.load(); }

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
  std::map<std::string, int64_t> errors_;
  std::atomic<int64_t> completed_{0}, cancelled_{0}, failed_{0}, tokens_{0};
  std::atomic<int64_t> drafted_{0}, accepted_{0};
  double last_decode_tps_ = 0;  // guarded by mutex_
  double decode_tps_sum_ = 0;   // guarded by mutex_
  int64_t decode_tps_count_ = 0;
};

}  // namespace dailydrug::server

// InferenceQueue: the server's one model (a LocalLlm, owned by the Server) shared by every request
// of `dailydrug serve`, through one worker thread and a bounded FIFO of waiting jobs.
//
// - Fair FIFO: jobs run one at a time in the order they were submitted. At most `capacity` jobs
//   may wait (the running one not counted); submit() beyond that fails with QueueFull (HTTP 429).
// - The model is loaded by the worker: at start when `preload`, else before the first job. A load
//   that fails fails the job at hand with its typed error (HTTP 503, model_unavailable()) and is
//   retried for the next job, so a bundle that appears later is picked up. A job submitted with
//   ModelUse::kOptional runs anyway and reads why in GenerationJob::model_unavailable().
// - Cancel: each job has its own CancelToken, which its Work passes in every request it makes.
//   cancel(job) from any thread cancels it: a waiting job leaves the queue at once (its place is
//   free); a loading or running one stops within one token. Either way the job finishes with
//   finish_reason kCancelled and counts as a cancelled generation in the metrics.
//
// Thread-safety: every public method may be called from any thread. GenerationJob's consumer side
// (wait, outcome) is meant for one consumer thread, its producer side for the worker.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dailydrug/llm/cancel.h"
#include "dailydrug/llm/error.h"
#include "dailydrug/llm/local_llm.h"
#include "metrics.h"
#include "openai_api.h"

namespace dailydrug::server {

class InferenceQueue;

/// Whether a job can do without the model. kRequired: a model that cannot be loaded fails the job
/// with model_unavailable(). kOptional: the job runs anyway, with the load's error in
/// GenerationJob::model_unavailable() (/api/ask: the curated answer needs no model, so a bundle
/// that cannot load must not cost the user the answer).
enum class ModelUse { kRequired, kOptional };

/// The error of a job that needs a model that cannot be loaded: the load error's kind and message
/// (api_error_from_llm, i.e. the front ends' one error table), always 503 "server_error" because
/// the model is the server's state, not the request's fault (a bundle with an invalid config says
/// ConfigurationInvalid, which the table makes a 400).
ApiError model_unavailable(const llm::Error& load_error);

/// One generation's channel between the worker and the HTTP response that streams it.
class GenerationJob {
 public:
  enum class Phase { kQueued, kLoading, kGenerating, kFinished };
  /// What the worker runs once the model is loaded (or could not be, for a ModelUse::kOptional
  /// job: see model_unavailable()): typically model.generate(request, ...) with
  /// the job's cancel_token() in the request and emit_text() as the text callback. Its errors
  /// are what the client gets: an LLM error through api_error_from_llm, an app error through
  /// api_error_from_app — each as itself.
  using Outcome = ApiResult<llm::GenerationResponse>;
  using Work = std::function<Outcome(llm::LocalLlm&, GenerationJob&)>;

  /// What happened since the previous take(): text produced, and the current state.
  struct Update {
    std::vector<std::string> pieces;  // streamed pieces in order (each whole UTF-8)
    Phase phase = Phase::kQueued;
    size_t queue_position = 0;  // 1 = next to run, while queued
    int64_t count = 0;          // text pieces streamed so far, these included
    int64_t tokens = 0;         // tokens those pieces hold
    bool finished = false;
  };

  /// Waits up to `timeout` for new text or a phase change, then returns the news (possibly none).
  Update take(std::chrono::milliseconds timeout);
  /// Blocks until the job has produced text or finished: until then a response can still choose
  /// its HTTP status (an error before the first token, e.g. a model that cannot be loaded).
  void wait_for_output();
  /// As wait_for_output(), for at most `timeout`: false when nothing came (a caller that waits
  /// in slices can check on its client between them).
  bool wait_for_output(std::chrono::milliseconds timeout);
  /// The result, once take() reported finished.
  const Outcome& outcome() const { return *outcome_; }
  bool cancelled() const { return cancel_->cancelled(); }
  /// The job's stop, for the requests its Work makes.
  const llm::CancelTokenPtr& cancel_token() const { return cancel_; }
  uint64_t id() const { return id_; }

  // --- Worker side ---
  /// Append streamed text: one token by default (the runner streams per token), or `tokens`
  /// for a longer piece (the Assistant streams sentences).
  void emit_text(std::string_view piece, int64_t tokens = 1);
  /// For a ModelUse::kOptional job whose model could not be loaded: why (set before its Work runs,
  /// which must then not use the model); nullopt when the model is loaded.
  const std::optional<ApiError>& model_unavailable() const { return model_unavailable_; }
  /// Record the generation's stats (for the metrics).
  void set_stats(const llm::GenerationStats& stats);
  /// For Work: a JSON object of extra fields for the final event (e.g. the Assistant's notice).
  void set_extra_json(std::string json_object);
  std::string extra_json() const;

 private:
  friend class InferenceQueue;
  GenerationJob(uint64_t id, Work work, ModelUse use)
      : id_(id), work_(std::move(work)), use_(use) {}
  void set_phase(Phase phase, size_t position = 0);
  void finish(Outcome outcome);

  const uint64_t id_;
  Work work_;
  const ModelUse use_;
  std::optional<ApiError> model_unavailable_;  // worker thread only
  const llm::CancelTokenPtr cancel_ = llm::make_cancel_token();
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> pending_pieces_;
  Phase phase_ = Phase::kQueued;
  size_t position_ = 0;
  int64_t pieces_ = 0;
  int64_t tokens_ = 0;
  bool changed_ = true;
  std::optional<Outcome> outcome_;
  llm::GenerationStats stats_;
  std::string extra_json_;
};

struct InferenceQueueOptions {
  size_t capacity = 8;  // most jobs waiting; 0 = none may wait (only one running)
  bool preload = true;  // load the model when the worker starts
};

enum class ModelState { kNotLoaded, kLoading, kReady, kFailed };
std::string_view to_string(ModelState state);

class InferenceQueue {
 public:
  /// `model` must outlive the queue.
  InferenceQueue(llm::LocalLlm& model, InferenceQueueOptions options, Metrics& metrics);
  /// Cancels the running and waiting jobs and joins the worker.
  ~InferenceQueue();
  InferenceQueue(const InferenceQueue&) = delete;
  InferenceQueue& operator=(const InferenceQueue&) = delete;

  /// Enqueue a job. Errors: QueueFull (429) when `capacity` jobs already wait; Internal (500)
  /// after shutdown().
  ApiResult<std::shared_ptr<GenerationJob>> submit(GenerationJob::Work work,
                                                   ModelUse use = ModelUse::kRequired);
  /// Cancel a waiting or running job (no-op once finished).
  void cancel(const std::shared_ptr<GenerationJob>& job);
  /// Stop accepting jobs, cancel the running and waiting ones, join the worker. Idempotent.
  void shutdown();

  QueueGauges gauges() const;
  ModelState model_state() const;
  /// The last load error, while model_state() is kFailed.
  std::optional<llm::Error> load_error() const;
  size_t capacity() const { return options_.capacity; }

 private:
  void run();
  /// Loads the model if needed; the error if it cannot be loaded.
  std::optional<llm::Error> ensure_loaded(GenerationJob* job);
  void renumber_locked();

  llm::LocalLlm& model_;
  const InferenceQueueOptions options_;
  Metrics& metrics_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<GenerationJob>> waiting_;
  std::shared_ptr<GenerationJob> running_;
  ModelState state_ = ModelState::kNotLoaded;
  std::optional<llm::Error> load_error_;
  uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace dailydrug::server

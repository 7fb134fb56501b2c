#include "inference_queue.h"

#include <algorithm>
#include <utility>

namespace dailydrug::server {

// ---- GenerationJob ------------------------------------------------------------------------------

GenerationJob::Update GenerationJob::take(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return changed_; });
  Update u;
  u.pieces = std::move(pending_pieces_);
  pending_pieces_.clear();
  u.phase = phase_;
  u.queue_position = position_;
  u.count = pieces_;
  u.tokens = tokens_;
  u.finished = outcome_.has_value();
  changed_ = false;
  return u;
}

void GenerationJob::wait_for_output() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return outcome_.has_value() || pieces_ > 0; });
}

bool GenerationJob::wait_for_output(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return outcome_.has_value() || pieces_ > 0; });
}

void GenerationJob::emit_text(std::string_view piece, int64_t tokens) {
  {
    const std::lock_guard lock(mutex_);
    pending_pieces_.emplace_back(piece);
    ++pieces_;
    tokens_ += tokens;
    changed_ = true;
  }
  cv_.notify_all();
}

void GenerationJob::set_stats(const llm::GenerationStats& stats) {
  const std::lock_guard lock(mutex_);
  stats_ = stats;
}

void GenerationJob::set_extra_json(std::string json_object) {
  const std::lock_guard lock(mutex_);
  extra_json_ = std::move(json_object);
}

std::string GenerationJob::extra_json() const {
  const std::lock_guard lock(mutex_);
  return extra_json_;
}

void GenerationJob::set_phase(Phase phase, size_t position) {
  {
    const std::lock_guard lock(mutex_);
    if (phase_ == phase && position_ == position) {
      return;
    }
    phase_ = phase;
    position_ = position;
    changed_ = true;
  }
  cv_.notify_all();
}

void GenerationJob::finish(Outcome outcome) {
  {
    const std::lock_guard lock(mutex_);
    outcome_.emplace(std::move(outcome));
    phase_ = Phase::kFinished;
    changed_ = true;
  }
  cv_.notify_all();
}

// ---- InferenceQueue -----------------------------------------------------------------------------

ApiError model_unavailable(const llm::Error& load_error) {
  ApiError e = api_error_from_llm(load_error);
  e.http_status = 503;
  e.type = "server_error";
  e.param.clear();
  return e;
}

std::string_view to_string(ModelState state) {
  switch (state) {
    case ModelState::kNotLoaded:
      return "not_loaded";
    case ModelState::kLoading:
      return "loading";
    case ModelState::kReady:
      return "ready";
    case ModelState::kFailed:
      return "failed";
  }
  return "not_loaded";
}

InferenceQueue::InferenceQueue(llm::LocalLlm& model, InferenceQueueOptions options,
                               Metrics& metrics)
    : model_(model), options_(options), metrics_(metrics) {
  worker_ = std::thread([this] { run(); });
}

InferenceQueue::~InferenceQueue() {
  shutdown();
}

void InferenceQueue::shutdown() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ && !worker_.joinable()) {
      return;
    }
    stopping_ = true;
    for (const auto& job : waiting_) {
      job->cancel_->cancel();
    }
    if (running_) {
      running_->cancel_->cancel();
    }
  }
  cv_.notify_all();
  if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) {
    worker_.join();
  }
}

ApiResult<std::shared_ptr<GenerationJob>> InferenceQueue::submit(GenerationJob::Work work,
                                                                 ModelUse use) {
  std::shared_ptr<GenerationJob> job;
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      return ApiError::internal("the server is shutting down");
    }
    // The running job does not count: with capacity N, N jobs may wait behind it. When nothing
    // runs, the new job is picked up at once and does not wait.
    const bool busy = running_ != nullptr || state_ == ModelState::kLoading;
    const size_t waiting_after = waiting_.size() + (busy ? 1 : 0);
    if (waiting_after > options_.capacity) {
      return ApiError::queue_full(options_.capacity);
    }
    job.reset(new GenerationJob(next_id_++, std::move(work), use));
    waiting_.push_back(job);
    renumber_locked();
  }
  cv_.notify_all();
  return job;
}

void InferenceQueue::cancel(const std::shared_ptr<GenerationJob>& job) {
  if (!job) {
    return;
  }
  bool dropped = false;
  {
    const std::lock_guard lock(mutex_);
    job->cancel_->cancel();
    // A waiting job leaves the queue at once, so that it no longer takes a place.
    const auto it = std::find(waiting_.begin(), waiting_.end(), job);
    if (it != waiting_.end()) {
      waiting_.erase(it);
      renumber_locked();
      dropped = true;
    }
  }
  if (dropped) {
    metrics_.count_generation(GenerationOutcome::kCancelled, 0, 0);
    llm::GenerationResponse cancelled;
    cancelled.finish_reason = llm::FinishReason::kCancelled;
    job->finish(std::move(cancelled));
  }
}

QueueGauges InferenceQueue::gauges() const {
  const std::lock_guard lock(mutex_);
  return QueueGauges{waiting_.size(), options_.capacity, running_ != nullptr,
                     std::string{to_string(state_)}};
}

ModelState InferenceQueue::model_state() const {
  const std::lock_guard lock(mutex_);
  return state_;
}

std::optional<llm::Error> InferenceQueue::load_error() const {
  const std::lock_guard lock(mutex_);
  return load_error_;
}

void InferenceQueue::renumber_locked() {
  size_t position = 1;
  for (const auto& job : waiting_) {
    job->set_phase(GenerationJob::Phase::kQueued, position++);
  }
}

std::optional<llm::Error> InferenceQueue::ensure_loaded(GenerationJob* job) {
  {
    const std::lock_guard lock(mutex_);
    if (state_ == ModelState::kReady) {
      return std::nullopt;
    }
    state_ = ModelState::kLoading;
  }
  if (job) {
    job->set_phase(GenerationJob::Phase::kLoading);
  }
  const llm::Status loaded = model_.load({}, job ? job->cancel_.get() : nullptr);
  const std::lock_guard lock(mutex_);
  if (!loaded.ok()) {
    state_ = ModelState::kFailed;
    load_error_ = loaded.error();
    return loaded.error();
  }
  state_ = ModelState::kReady;
  load_error_.reset();
  return std::nullopt;
}

void InferenceQueue::run() {
  if (options_.preload) {
    (void)ensure_loaded(nullptr);
  }
  while (true) {
    std::shared_ptr<GenerationJob> job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
      if (waiting_.empty()) {
        return;  // stopping, nothing left
      }
      job = waiting_.front();
      waiting_.pop_front();
      renumber_locked();
      running_ = job;
    }
    llm::GenerationResponse cancelled_response;
    cancelled_response.finish_reason = llm::FinishReason::kCancelled;
    // A job cancelled before its turn (or while the model loaded) does not run.
    std::optional<llm::Error> load_failure;
    if (!job->cancelled()) {
      load_failure = ensure_loaded(job.get());
    }
    if (job->cancelled()) {  // before its turn, or while the model loaded (a stopped copy too)
      metrics_.count_generation(GenerationOutcome::kCancelled, 0, 0);
      job->finish(std::move(cancelled_response));
    } else if (load_failure && job->use_ == ModelUse::kRequired) {
      metrics_.count_generation(GenerationOutcome::kFailed, 0, 0);
      job->finish(model_unavailable(*load_failure));
    } else {
      if (load_failure) {
        job->model_unavailable_ = model_unavailable(*load_failure);
      }
      job->set_phase(GenerationJob::Phase::kGenerating);
      GenerationJob::Outcome outcome = job->work_(model_, *job);
      // A job whose client went away counts as cancelled even if its work ran to the end (e.g.
      // an answer composed without the model, which has no token loop to stop).
      if (outcome.ok() && job->cancelled()) {
        outcome->finish_reason = llm::FinishReason::kCancelled;
      }
      if (!outcome.ok()) {
        metrics_.count_generation(GenerationOutcome::kFailed, 0, 0);
      } else {
        double tps = 0;
        {
          const std::lock_guard jl(job->mutex_);
          tps = job->stats_.decode_tokens_per_s;
          metrics_.count_speculation(job->stats_.drafted_tokens, job->stats_.accepted_tokens);
        }
        metrics_.count_generation(outcome->finish_reason == llm::FinishReason::kCancelled
                                      ? GenerationOutcome::kCancelled
                                      : GenerationOutcome::kCompleted,
                                  outcome->usage.output_tokens, tps);
      }
      job->finish(std::move(outcome));
    }
    const std::lock_guard lock(mutex_);
    running_.reset();
  }
}

}  // namespace dailydrug::server

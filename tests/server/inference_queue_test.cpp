// InferenceQueue (frontends/server/inference_queue.h): FIFO order, the bound, cancellation of
// waiting and running jobs, and a model that cannot be loaded. Jobs run on the tiny test model.
#include "inference_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <filesystem>

#include "dailydrug/llm/local_llm.h"

namespace dailydrug::server {
namespace {

using namespace std::chrono_literals;

const std::string kTinyBundle = std::string(DD_TEST_WORK_DIR) + "/tiny/bundle";

std::unique_ptr<llm::LocalLlm> model_of(const std::string& dir) {
  llm::LocalLlmConfig config;
  config.bundle = dir;
  return std::move(llm::LocalLlm::create(config)).value();
}

/// A generation's result as a job outcome (errors as the client sees them).
GenerationJob::Outcome outcome_of(llm::Result<llm::GenerationResponse> r) {
  if (!r.ok()) return api_error_from_llm(r.error());
  return std::move(r).value();
}

/// Waits for the job to finish and returns its outcome.
const GenerationJob::Outcome& finish(GenerationJob& job) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!job.take(100ms).finished) {
    if (std::chrono::steady_clock::now() > deadline) ADD_FAILURE() << "job did not finish";
  }
  return job.outcome();
}

/// A job that blocks until `release` is set (so tests control what runs when).
GenerationJob::Work blocking_work(std::atomic<bool>& release, std::vector<int>& order,
                                  std::mutex& m, int tag) {
  return [&release, &order, &m, tag](llm::LocalLlm&, GenerationJob& job) {
    {
      const std::lock_guard lock(m);
      order.push_back(tag);
    }
    job.emit_text("x");
    while (!release.load() && !job.cancelled()) std::this_thread::sleep_for(2ms);
    llm::GenerationResponse r;
    r.text = "x";
    r.finish_reason = job.cancelled() ? llm::FinishReason::kCancelled : llm::FinishReason::kStop;
    return GenerationJob::Outcome(r);
  };
}

TEST(InferenceQueueTest, RunsJobsInSubmissionOrderAndBoundsTheQueue) {
  Metrics metrics;
  auto model = model_of(kTinyBundle);
  InferenceQueue queue(*model, {.capacity = 2, .preload = true}, metrics);
  std::atomic<bool> release{false};
  std::vector<int> order;
  std::mutex m;
  auto first = queue.submit(blocking_work(release, order, m, 1));
  ASSERT_TRUE(first.ok());
  (*first)->wait_for_output();  // running: the queue is empty again
  auto second = queue.submit(blocking_work(release, order, m, 2));
  auto third = queue.submit(blocking_work(release, order, m, 3));
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(queue.gauges().depth, 2u);
  EXPECT_EQ((*third)->take(0ms).queue_position, 2u);
  auto fourth = queue.submit(blocking_work(release, order, m, 4));
  ASSERT_FALSE(fourth.ok());
  EXPECT_EQ(fourth.error().http_status, 429);
  EXPECT_EQ(fourth.error().kind, "QueueFull");

  release = true;
  for (auto* job : {&*first, &*second, &*third}) EXPECT_TRUE(finish(**job).ok());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(queue.gauges().depth, 0u);
}

TEST(InferenceQueueTest, CancelledWaitingJobNeverRuns) {
  Metrics metrics;
  auto model = model_of(kTinyBundle);
  InferenceQueue queue(*model, {.capacity = 4, .preload = true}, metrics);
  std::atomic<bool> release{false};
  std::vector<int> order;
  std::mutex m;
  auto running = queue.submit(blocking_work(release, order, m, 1));
  ASSERT_TRUE(running.ok());
  (*running)->wait_for_output();
  auto waiting = queue.submit(blocking_work(release, order, m, 2));
  ASSERT_TRUE(waiting.ok());
  queue.cancel(*waiting);
  release = true;
  EXPECT_TRUE(finish(**running).ok());
  const auto& outcome = finish(**waiting);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->finish_reason, llm::FinishReason::kCancelled);
  EXPECT_EQ(order, std::vector<int>{1});
  EXPECT_EQ(metrics.cancelled(), 1);
}

TEST(InferenceQueueTest, CancelStopsARunningGenerationOnTheModel) {
  Metrics metrics;
  auto model = model_of(kTinyBundle);
  InferenceQueue queue(*model, {.capacity = 1, .preload = true}, metrics);
  // A real generation with the job's token, slowed down per piece so that the cancel lands
  // mid-stream.
  auto job = queue.submit([](llm::LocalLlm& m, GenerationJob& j) {
    llm::GenerationRequest g;
    g.prompt = "hello";
    g.max_output_tokens = 40;
    g.temperature = 0.0f;
    g.cancel = j.cancel_token();
    return outcome_of(m.generate(g, [&](std::string_view piece) {
      j.emit_text(piece);
      std::this_thread::sleep_for(20ms);
    }));
  });
  ASSERT_TRUE(job.ok());
  (*job)->wait_for_output();
  queue.cancel(*job);
  const auto& outcome = finish(**job);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->finish_reason, llm::FinishReason::kCancelled);
  EXPECT_LT(outcome->usage.output_tokens, 40);
  EXPECT_EQ(metrics.cancelled(), 1);
  // The model is free again at once.
  auto next = queue.submit([](llm::LocalLlm& m, GenerationJob& j) {
    llm::GenerationRequest g;
    g.prompt = "hi";
    g.max_output_tokens = 4;
    g.cancel = j.cancel_token();
    return outcome_of(m.generate(g));
  });
  ASSERT_TRUE(next.ok());
  const auto& second = finish(**next);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->finish_reason, llm::FinishReason::kCancelled);
}

TEST(InferenceQueueTest, AModelThatCannotLoadFailsTheJobWithItsKindAndIsTriedAgain) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "dd_queue_bundle_later";
  fs::remove_all(dir);
  Metrics metrics;
  auto model = model_of(dir.string());
  InferenceQueue queue(*model, {.capacity = 2, .preload = false}, metrics);
  EXPECT_EQ(queue.model_state(), ModelState::kNotLoaded);
  const auto generate = [](llm::LocalLlm& m, GenerationJob& j) {
    llm::GenerationRequest g;
    g.prompt = "hi";
    g.max_output_tokens = 2;
    g.cancel = j.cancel_token();
    return outcome_of(m.generate(g));
  };
  auto job = queue.submit([](llm::LocalLlm&, GenerationJob&) -> GenerationJob::Outcome {
    ADD_FAILURE() << "work ran without a model";
    return llm::GenerationResponse{};
  });
  ASSERT_TRUE(job.ok());
  const auto& outcome = finish(**job);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, "ModelNotFound");
  EXPECT_EQ(outcome.error().http_status, 503);
  EXPECT_EQ(queue.model_state(), ModelState::kFailed);
  ASSERT_TRUE(queue.load_error().has_value());
  const std::string text = metrics.prometheus_text(queue.gauges());
  EXPECT_NE(text.find("dailydrug_generations_total{outcome=\"failed\"} 1"), std::string::npos);
  EXPECT_NE(text.find("dailydrug_model_ready 0"), std::string::npos);
  // The bundle appears: the next job loads it.
  fs::copy(kTinyBundle, dir, fs::copy_options::recursive);
  auto later = queue.submit(generate);
  ASSERT_TRUE(later.ok());
  const auto& second = finish(**later);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(queue.model_state(), ModelState::kReady);
  fs::remove_all(dir);
}

TEST(InferenceQueueTest, AJobThatCanDoWithoutTheModelRunsWithTheLoadError) {
  namespace fs = std::filesystem;
  Metrics metrics;
  auto model = model_of((fs::temp_directory_path() / "dd_queue_no_such_bundle").string());
  InferenceQueue queue(*model, {.capacity = 2, .preload = false}, metrics);
  std::optional<ApiError> seen;
  auto job = queue.submit(
      [&seen](llm::LocalLlm&, GenerationJob& j) {
        seen = j.model_unavailable();
        llm::GenerationResponse r;
        r.text = "curated";
        return GenerationJob::Outcome(r);
      },
      ModelUse::kOptional);
  ASSERT_TRUE(job.ok());
  const auto& outcome = finish(**job);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->text, "curated");
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->kind, "ModelNotFound");
  EXPECT_EQ(seen->http_status, 503);
  EXPECT_EQ(queue.model_state(), ModelState::kFailed);
  const std::string text = metrics.prometheus_text(queue.gauges());
  EXPECT_NE(text.find("dailydrug_generations_total{outcome=\"completed\"} 1"), std::string::npos);
}

TEST(InferenceQueueTest, AJobCancelledWhileTheModelLoadsNeverRunsItsWork) {
  Metrics metrics;
  auto model = model_of(kTinyBundle);
  InferenceQueue queue(*model, {.capacity = 2, .preload = false}, metrics);
  std::atomic<bool> ran{false};
  auto job = queue.submit([&ran](llm::LocalLlm&, GenerationJob&) {
    ran = true;
    return GenerationJob::Outcome(llm::GenerationResponse{});
  });
  ASSERT_TRUE(job.ok());
  queue.cancel(*job);  // waiting or loading: either way its work must not run
  const auto& outcome = finish(**job);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->finish_reason, llm::FinishReason::kCancelled);
  EXPECT_FALSE(ran.load());
}

TEST(InferenceQueueTest, ShutdownCancelsWaitingAndRunningJobs) {
  Metrics metrics;
  auto model = model_of(kTinyBundle);
  auto queue = std::make_unique<InferenceQueue>(*model, InferenceQueueOptions{2, true}, metrics);
  std::atomic<bool> release{false};
  std::vector<int> order;
  std::mutex m;
  auto a = queue->submit(blocking_work(release, order, m, 1));
  ASSERT_TRUE(a.ok());
  (*a)->wait_for_output();
  auto b = queue->submit(blocking_work(release, order, m, 2));
  ASSERT_TRUE(b.ok());
  queue->shutdown();
  EXPECT_EQ(finish(**a)->finish_reason, llm::FinishReason::kCancelled);
  EXPECT_EQ(finish(**b)->finish_reason, llm::FinishReason::kCancelled);
  EXPECT_FALSE(queue->submit(blocking_work(release, order, m, 3)).ok());
}

}  // namespace
}  // namespace dailydrug::server

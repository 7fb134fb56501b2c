// Internal to dd_server: the state every route shares, and the response helpers the OpenAI routes
// (server.cpp) and the app routes (app_routes.cpp) both use.
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dailydrug/app/error.h"
#include "dailydrug/app/medication_store.h"
#include "inference_queue.h"
#include "metrics.h"
#include "openai_api.h"
#include "server.h"

namespace dailydrug::server {

struct ServerState {
  ServerState(ServerOptions o, dailydrug::app::MedicationStore s)
      : options(std::move(o)), store(std::move(s)) {}
  ServerOptions options;
  Metrics metrics;
  std::unique_ptr<InferenceQueue> queue;
  std::mutex store_mutex;  // MedicationStore is one-thread-at-a-time
  dailydrug::app::MedicationStore store;
  int64_t started_at = 0;          // Unix seconds
  std::atomic<int> bound_port{0};  // after Server::bind(): what a same-origin request names
  /// The Assistant's store: opened on first use, then used only on the inference worker thread
  /// (coaching reads the schedule while the web app writes through `store`).
  StoreOpener open_worker_store;
  std::optional<dailydrug::app::MedicationStore> worker_store;
};

/// A JSON body with the given status.
void send_json(httplib::Response& res, int status, const std::string& body);
/// {"error": {...}} with the error's status; counts it in the metrics.
void send_error(ServerState& state, httplib::Response& res, const ApiError& error);
/// NotFound 404, Invalid 400, Conflict 409, Storage 500; kind = the app kind's name.
ApiError api_error_from_app(const dailydrug::app::Error& error);

/// Formats one SSE response from a job's updates: `update` returns the bytes to send for news
/// (may be empty), `finish` the closing bytes once the job finished (its outcome).
struct SseFormatter {
  std::function<std::string(const GenerationJob::Update&)> update;
  std::function<std::string(const GenerationJob&)> finish;
  std::string content_type = "text/event-stream";
  std::string keepalive = ": waiting\n\n";  // written when nothing else is (SSE comment)
};
/// The error a client gets for a finished job that failed, or nullopt.
std::optional<ApiError> job_error(const GenerationJob& job);
/// Streams the job as text/event-stream. A write that fails (the client went away) cancels the
/// job; while nothing happens an SSE comment is sent every 250 ms so that a gone client is noticed.
void stream_sse(ServerState& state, httplib::Response& res,
                const std::shared_ptr<GenerationJob>& job, SseFormatter formatter);

/// The Work that runs `request` on the runner, streaming into the job (and honouring the
/// options' token_delay_ms).
GenerationJob::Work generation_work(const ServerOptions& options, llm::GenerationRequest request);

/// Unix time in seconds.
int64_t unix_now();

/// /api/...: today, medicines, doses, scan, coach, ask (app_routes.cpp).
void register_app_routes(httplib::Server& http, ServerState& state);

}  // namespace dailydrug::server

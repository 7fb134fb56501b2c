// `dailydrug serve`: DailyDrug's local web app and an OpenAI-compatible API in one HTTP server
// (cpp-httplib). See docs/SERVER.md for the endpoints, queue semantics, security and errors.
//
// One model is shared by every request through an InferenceQueue; the medication database is one
// MedicationStore used under a mutex. Requests are served by a thread pool.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dailydrug/app/medication_store.h"
#include "dailydrug/app/medicine_facts.h"
#include "inference_queue.h"

namespace dailydrug::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;            // 0 = any free port (see Server::port())
  std::string token;          // non-empty: every API request needs "Authorization: Bearer <token>"
  size_t queue_capacity = 8;  // generations that may wait behind the running one
  std::string model_id = "dailydrug-local";  // the id /v1/models reports
  bool preload = true;                     // load the model at start (else at the first generation)
  int64_t generation_timeout_ms = 120000;  // per generation, wall clock
  /// Tests only (hidden --token-delay-ms): wait this long after each streamed piece, so that a
  /// tiny test model generates slowly enough to fill the queue or be cancelled mid-stream.
  int token_delay_ms = 0;
  /// Languages the bundle's model writes (its model_config.json "languages"; model_languages()).
  /// Coaching and answers in another language are composed from the curated facts only.
  std::vector<dailydrug::app::Language> model_languages = {dailydrug::app::Language::kEnglish};
};

/// Opens another connection to the same database (SQLite, WAL): the Assistant reads the schedule
/// on the inference thread while the web app writes through the first one.
using StoreOpener = std::function<dailydrug::app::Result<dailydrug::app::MedicationStore>()>;

/// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

class Server {
 public:
  /// `model` is the server's one model (loaded by the inference worker: at start unless lazy).
  /// Errors: Invalid("host") for a non-loopback host without a token.
  static dailydrug::app::Result<std::unique_ptr<Server>> create(
      ServerOptions options, std::unique_ptr<dailydrug::llm::LocalLlm> model,
      dailydrug::app::MedicationStore store, StoreOpener open_store_again);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Bind the listening socket. Errors: Conflict("port", port) with the host and the system's
  /// reason (the port is in use, the address is not this machine's, ...).
  dailydrug::app::Status bind();
  /// The bound port (after bind()).
  int port() const;
  /// Serve until stop(); returns false if the listener failed.
  bool listen();
  /// Stop accepting, cancel generations, and make listen() return. Any thread; idempotent.
  void stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dailydrug::server

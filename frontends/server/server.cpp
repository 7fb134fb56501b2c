#include "server.h"

#include <arpa/inet.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "dailydrug/llm/local_llm.h"
#include "server_state.h"
#include "web_assets.h"

namespace dailydrug::server {

namespace dd = dailydrug::app;
using nlohmann::json;

// ---- Shared helpers (server_state.h) ------------------------------------------------------------

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void send_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json; charset=utf-8");
}

void send_error(ServerState& state, httplib::Response& res, const ApiError& error) {
  state.metrics.count_error(error.kind);
  send_json(res, error.http_status, build_error_json(error));
}

ApiError api_error_from_app(const dd::Error& error) {
  ApiError e;
  e.kind = std::string{dd::to_string(error.kind)};
  e.message = error.message();
  e.param = error.kind == dd::ErrorKind::kInvalid ? error.subject : "";
  switch (error.kind) {
    case dd::ErrorKind::kNotFound:
      e.http_status = 404;
      e.code = "not_found";
      break;
    case dd::ErrorKind::kInvalid:
      e.http_status = 400;
      e.code = "invalid_value";
      break;
    case dd::ErrorKind::kConflict:
      e.http_status = 409;
      e.code = "conflict";
      break;
    case dd::ErrorKind::kStorage:
      e.http_status = 500;
      e.type = "server_error";
      e.code = "storage";
      break;
  }
  return e;
}

void stream_sse(ServerState& state, httplib::Response& res,
                const std::shared_ptr<GenerationJob>& job, SseFormatter formatter) {
  res.set_header("X-Accel-Buffering", "no");
  auto fmt = std::make_shared<SseFormatter>(std::move(formatter));
  if (fmt->content_type == "text/event-stream") {
    res.set_header("Cache-Control", "no-cache");
  }
  InferenceQueue* queue = state.queue.get();
  const std::string content_type = fmt->content_type;
  res.set_chunked_content_provider(
      content_type,
      [job, fmt, queue](size_t, httplib::DataSink& sink) {
        const GenerationJob::Update u = job->take(std::chrono::milliseconds(250));
        std::string out = fmt->update(u);
        if (u.finished) {
          out += fmt->finish(*job);
        }
        if (out.empty()) {
          out = fmt->keepalive;  // keeps the connection checked
        }
        if (!sink.write(out.data(), out.size())) {
          queue->cancel(job);
          return false;
        }
        if (u.finished) {
          sink.done();
        }
        return true;
      },
      [job, queue](bool success) {
        if (!success) {
          queue->cancel(job);  // the client disconnected
        }
      });
}

GenerationJob::Work generation_work(const ServerOptions& options, llm::GenerationRequest request) {
  const int delay_ms = options.token_delay_ms;
  return [request = std::move(request), delay_ms](llm::LocalLlm& model,
                                                  GenerationJob& job) mutable {
    request.cancel = job.cancel_token();
    return model.generate(
        request,
        [&](std::string_view piece) {
          job.emit_text(piece);
          for (int waited = 0; waited < delay_ms && !job.cancelled(); waited += 5) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
          }
        },
        [&](const llm::GenerationStats& stats) { job.set_stats(stats); });
  };
}

std::optional<ApiError> job_error(const GenerationJob& job) {
  if (auto e = job.api_error()) {
    return e;
  }
  if (!job.outcome().ok()) {
    return api_error_from_llm(job.outcome().error());
  }
  return std::nullopt;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") {
    return true;
  }
  in_addr addr{};
  if (inet_pton(AF_INET, host.c_str(), &addr) == 1) {
    return (ntohl(addr.s_addr) >> 24) == 127;
  }
  return false;
}

// ---- Server -------------------------------------------------------------------------------------

struct Server::Impl {
  Impl(ServerOptions options, dd::MedicationStore store)
      : state(std::move(options), std::move(store)) {}
  std::unique_ptr<llm::LocalLlm> model;  // declared first: the queue in `state` uses it till the end
  ServerState state;
  httplib::Server http;
  int port = 0;
  std::atomic<bool> stopped{false};
};

namespace {

/// A route label for the metrics: the path with numeric ids replaced by {id}.
std::string route_label(const httplib::Request& req) {
  const std::string& p = req.path;
  if (p.rfind("/v1/", 0) != 0 && p.rfind("/api/", 0) != 0 && p != "/healthz" && p != "/metrics") {
    return find_web_asset(p) != nullptr ? "static" : "other";
  }
  static const std::regex digits("/[0-9]+(/|$)");
  return std::regex_replace(p, digits, "/{id}$1");
}

/// Constant-time comparison, so that the token cannot be guessed byte by byte from timing.
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

std::string completion_id(uint64_t job_id) {
  return "chatcmpl-" + std::to_string(unix_now()) + "-" + std::to_string(job_id);
}

void chat_completions(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  auto parsed = parse_chat_completion_request(req.body);
  if (!parsed.ok()) {
    return send_error(state, res, parsed.error());
  }
  ChatCompletionRequest chat = std::move(parsed).value();
  llm::GenerationRequest g = to_generation_request(chat);
  g.timeout_ms = state.options.generation_timeout_ms;
  auto submitted = state.queue->submit(generation_work(state.options, std::move(g)));
  if (!submitted.ok()) {
    return send_error(state, res, submitted.error());
  }
  std::shared_ptr<GenerationJob> job = std::move(submitted).value();

  const std::string model = chat.model.empty() ? state.options.model_id : chat.model;
  const std::string id = completion_id(job->id());
  const int64_t created = unix_now();
  // Until the first token the status can still say what went wrong (400 for a bad schema, 503
  // for a model that cannot be loaded, ...).
  job->wait_for_output();
  {
    const GenerationJob::Update peek = job->take(std::chrono::milliseconds(0));
    if (peek.finished) {
      if (auto e = job_error(*job)) {
        return send_error(state, res, *e);
      }
    }
    if (!chat.stream) {
      if (peek.finished) {
        return send_json(res, 200, build_chat_completion(id, model, created, *job->outcome()));
      }
      // Past the first token the status is 200 whatever happens. The body is sent chunked, led
      // by whitespace (valid before a JSON value) every 250 ms, so that a client that went away
      // is noticed and its generation cancelled, as for a stream.
      SseFormatter f;
      f.content_type = "application/json; charset=utf-8";
      f.keepalive = " ";
      f.update = [](const GenerationJob::Update&) { return std::string{}; };
      f.finish = [id, model, created](const GenerationJob& finished) {
        if (auto e = job_error(finished)) {
          return build_error_json(*e);
        }
        return build_chat_completion(id, model, created, *finished.outcome());
      };
      res.status = 200;
      return stream_sse(state, res, job, std::move(f));
    }
    // Streaming: `peek` consumed the first pieces; they go out after the role chunk.
    struct Opening {
      bool sent = false;
      std::vector<std::string> pieces;
    };
    auto opening = std::make_shared<Opening>(Opening{false, peek.pieces});
    const bool include_usage = chat.include_usage;
    SseFormatter f;
    f.update = [id, model, created, opening](const GenerationJob::Update& u) {
      std::string out;
      if (!opening->sent) {
        opening->sent = true;
        out = build_chat_chunk(id, model, created, ChunkFields{.role = "assistant", .content = ""});
        for (const std::string& p : opening->pieces) {
          out += build_chat_chunk(id, model, created, ChunkFields{.content = p});
        }
      }
      for (const std::string& p : u.pieces) {
        out += build_chat_chunk(id, model, created, ChunkFields{.content = p});
      }
      return out;
    };
    f.finish = [id, model, created, include_usage](const GenerationJob& finished) {
      if (auto e = job_error(finished)) {  // after the first token: report in the stream
        return "data: " + build_error_json(*e) + "\n\n" + std::string{kSseDone};
      }
      const llm::Result<llm::GenerationResponse>& outcome = finished.outcome();
      std::string out = build_chat_chunk(
          id, model, created,
          ChunkFields{.finish_reason = finish_reason_name(outcome->finish_reason)});
      if (include_usage) {
        out += build_chat_chunk(id, model, created, ChunkFields{.usage = outcome->usage});
      }
      return out + std::string{kSseDone};
    };
    stream_sse(state, res, job, std::move(f));
  }
}

json health_json(const ServerState& state) {
  const QueueGauges g = state.queue->gauges();
  json j{{"status", "ok"},
         {"model", {{"id", state.options.model_id}, {"state", g.model_state}}},
         {"queue", {{"depth", g.depth}, {"capacity", g.capacity}, {"running", g.busy}}}};
  if (const auto err = state.queue->load_error()) {
    j["model"]["error"] = {{"kind", llm::to_string(err->kind)}, {"message", err->message()}};
  }
  return j;
}

}  // namespace

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  stop();
}

dd::Result<std::unique_ptr<Server>> Server::create(ServerOptions options,
                                                   std::unique_ptr<llm::LocalLlm> model,
                                                   dd::MedicationStore store,
                                                   StoreOpener open_store_again) {
  if (!is_loopback_host(options.host) && options.token.empty()) {
    return dd::Error::invalid("host", "'" + options.host +
                                          "' is not a loopback address; give --token (or "
                                          "DAILYDRUG_TOKEN) to serve on it");
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(store));
  impl->model = std::move(model);
  ServerState& state = impl->state;
  state.started_at = unix_now();
  state.open_worker_store = std::move(open_store_again);
  state.queue = std::make_unique<InferenceQueue>(
      *impl->model, InferenceQueueOptions{state.options.queue_capacity, state.options.preload},
      state.metrics);

  httplib::Server& http = impl->http;
  // Streams hold a pool thread each: room for every queued generation plus ordinary requests.
  const size_t threads = state.options.queue_capacity + 8;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(kMaxBodyBytes);
  http.set_keep_alive_timeout(5);

  http.set_pre_routing_handler([&state](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "GET" && req.method != "POST" && req.method != "HEAD") {
      send_error(state, res, ApiError::method_not_allowed(req.method));
      return httplib::Server::HandlerResponse::Handled;
    }
    // The page's files hold no data and a browser cannot add a header to a page load, so only
    // the data endpoints need the token.
    const bool is_static = find_web_asset(req.path) != nullptr;
    if (!state.options.token.empty() && !is_static) {
      const std::string auth = req.get_header_value("Authorization");
      if (!same_secret(auth, "Bearer " + state.options.token)) {
        send_error(state, res, ApiError::unauthorized());
        res.set_header("WWW-Authenticate", "Bearer");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_error_handler([&state](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.is_chunked_content_provider_) {
      return;
    }
    ApiError e;
    if (res.status == 413) {
      const std::string length = req.get_header_value("Content-Length");
      size_t size = 0;
      for (const char c : length) {
        if (c < '0' || c > '9' || size > kMaxBodyBytes * 1024) {
          break;
        }
        size = size * 10 + static_cast<size_t>(c - '0');
      }
      e = ApiError::payload_too_large(size, kMaxBodyBytes);
    } else if (res.status == 404) {
      e = ApiError::not_found(req.path);
    } else {
      e = ApiError::invalid("", "bad_request",
                            "bad request (HTTP " + std::to_string(res.status) + ")");
      e.http_status = res.status;
    }
    state.metrics.count_error(e.kind);
    res.set_content(build_error_json(e), "application/json; charset=utf-8");
  });
  http.set_exception_handler(
      [&state](const httplib::Request&, httplib::Response& res, const std::exception_ptr& ep) {
        std::string what = "unexpected error";
        try {
          if (ep) {
            std::rethrow_exception(ep);
          }
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        send_error(state, res, ApiError::internal(what));
      });
  http.set_logger([&state](const httplib::Request& req, const httplib::Response& res) {
    state.metrics.count_request(route_label(req), res.status);
  });

  http.Get("/healthz", [&state](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, health_json(state).dump());
  });
  http.Get("/metrics", [&state](const httplib::Request&, httplib::Response& res) {
    res.set_content(state.metrics.prometheus_text(state.queue->gauges()),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
  http.Get("/v1/models", [&state](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, build_models_list(state.options.model_id, state.started_at));
  });
  http.Post("/v1/chat/completions", [&state](const httplib::Request& req, httplib::Response& res) {
    chat_completions(state, req, res);
  });
  register_app_routes(http, state);
  http.Get(R"(/[A-Za-z0-9_.\-]*)", [](const httplib::Request& req, httplib::Response& res) {
    const WebAsset* asset = find_web_asset(req.path);
    if (asset == nullptr) {
      res.status = 404;
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(std::string{asset->data}, std::string{asset->content_type});
  });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

dd::Status Server::bind() {
  const ServerOptions& o = impl_->state.options;
  const std::string host = o.host == "localhost" ? "127.0.0.1" : o.host;
  if (o.port == 0) {
    impl_->port = impl_->http.bind_to_any_port(host);
    if (impl_->port <= 0) {
      return dd::Error::storage("bind", "cannot listen on " + host);
    }
  } else {
    if (!impl_->http.bind_to_port(host, o.port)) {
      return dd::Error::storage(
          "bind", "cannot listen on " + host + ":" + std::to_string(o.port) + " (in use?)");
    }
    impl_->port = o.port;
  }
  return dd::Status::Ok();
}

int Server::port() const {
  return impl_->port;
}

bool Server::listen() {
  return impl_->http.listen_after_bind();
}

void Server::stop() {
  if (impl_->stopped.exchange(true)) {
    return;
  }
  impl_->state.queue->shutdown();  // ends running streams, so that the pool can drain
  impl_->http.stop();
}

}  // namespace dailydrug::server

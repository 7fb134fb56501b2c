#include "server.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <thread>

#include "dailydrug/llm/local_llm.h"
#include "error_table.h"
#include "http_server.h"
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
  const frontend::ErrorReport r = frontend::report_of(error.kind);
  ApiError e;
  e.kind = std::string{dd::to_string(error.kind)};
  e.message = error.message();
  e.param = error.kind == dd::ErrorKind::kInvalid ? error.subject : "";
  e.http_status = r.http_status;
  e.type = std::string{r.http_type};
  e.code = std::string{r.http_code};
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
  return [request = std::move(request), delay_ms](
             llm::LocalLlm& model, GenerationJob& job) mutable -> GenerationJob::Outcome {
    request.cancel = job.cancel_token();
    auto generated = model.generate(
        request,
        [&](std::string_view piece) {
          job.emit_text(piece);
          for (int waited = 0; waited < delay_ms && !job.cancelled(); waited += 5) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
          }
        },
        [&](const llm::GenerationStats& stats) { job.set_stats(stats); });
    if (!generated.ok()) return api_error_from_llm(generated.error());
    return std::move(generated).value();
  };
}

std::optional<ApiError> job_error(const GenerationJob& job) {
  if (!job.outcome().ok()) {
    return job.outcome().error();
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
      : state(std::move(options), std::move(store)),
        // Streams hold a pool thread each: room for every queued generation plus ordinary
        // requests.
        http(RequestDeadlines{}, state.options.queue_capacity + 8) {}
  std::unique_ptr<llm::LocalLlm>
      model;  // declared first: the queue in `state` uses it till the end
  ServerState state;
  HttpServer http;
  int port = 0;
  std::atomic<bool> stopped{false};
};

namespace {

/// A route label for the metrics: an endpoint's path with numeric ids as {id}, "static" for the
/// app's files, and "other" for every path the server does not serve, so that a client cannot
/// add series by making up paths.
std::string route_label(const httplib::Request& req) {
  static const std::set<std::string> kRoutes = {"/healthz",
                                                "/metrics",
                                                "/v1/models",
                                                "/v1/chat/completions",
                                                "/api/today",
                                                "/api/medicines",
                                                "/api/medicines/{id}",
                                                "/api/medicines/{id}/delete",
                                                "/api/doses/{id}/take",
                                                "/api/doses/{id}/skip",
                                                "/api/scan",
                                                "/api/scan/save",
                                                "/api/coach",
                                                "/api/ask"};
  if (find_web_asset(req.path) != nullptr) {
    return "static";
  }
  static const std::regex digits("/[0-9]+(/|$)");
  std::string label = std::regex_replace(req.path, digits, "/{id}$1");
  return kRoutes.count(label) != 0 ? label : "other";
}

/// "host", "host:port", "[v6]:port" (a Host header or an origin's authority) -> host and port
/// (0 when absent); nullopt when malformed.
std::optional<std::pair<std::string, int>> split_authority(std::string_view a) {
  std::string host;
  std::string_view rest;
  if (!a.empty() && a.front() == '[') {
    const size_t close = a.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = std::string(a.substr(1, close - 1));
    rest = a.substr(close + 1);
  } else {
    const size_t colon = a.find(':');
    host = std::string(a.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view{} : a.substr(colon);
  }
  int port = 0;
  if (!rest.empty()) {
    if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return std::nullopt;
    for (const char c : rest.substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
      port = port * 10 + (c - '0');
    }
  }
  if (host.empty()) return std::nullopt;
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::make_pair(host, port);
}

/// A name this server answers to without a token: a loopback name or the address it is bound to.
bool is_own_host(const ServerState& state, const std::string& host) {
  return is_loopback_host(host) || host == state.options.host;
}

/// Without a token, the browser is the threat: a page of another site can make the browser send
/// requests here (forms, no-cors fetch) and, with DNS rebinding, read the answers. So every
/// request must name this server in Host, and every POST must come from the server's own origin
/// (Origin, Sec-Fetch-Site) when the browser says where it comes from. Tools that send neither
/// (curl, scripts) are not browsers and pass.
std::optional<ApiError> cross_site_refusal(const ServerState& state, const httplib::Request& req) {
  if (req.has_header("Host")) {
    const auto host = split_authority(req.get_header_value("Host"));
    if (!host || !is_own_host(state, host->first)) {
      return ApiError::forbidden("Host '" + req.get_header_value("Host") + "' is not this server");
    }
  }
  if (req.method != "POST") {
    return std::nullopt;
  }
  if (req.has_header("Sec-Fetch-Site")) {
    const std::string site = req.get_header_value("Sec-Fetch-Site");
    if (site != "same-origin" && site != "none") {
      return ApiError::forbidden("a " + site + " request (Sec-Fetch-Site)");
    }
  }
  if (req.has_header("Origin")) {
    const std::string origin = req.get_header_value("Origin");
    const std::string_view scheme = "http://";
    const auto authority = origin.rfind(scheme, 0) == 0
                               ? split_authority(std::string_view(origin).substr(scheme.size()))
                               : std::nullopt;
    if (!authority || !is_own_host(state, authority->first) ||
        authority->second != state.bound_port.load()) {
      return ApiError::forbidden("Origin '" + origin + "' is another site");
    }
  }
  return std::nullopt;
}

/// The declared body size: nullopt without a Content-Length; an error for one that is not a
/// plain decimal number (negative, several, garbage).
ApiResult<std::optional<size_t>> content_length(const httplib::Request& req) {
  if (!req.has_header("Content-Length")) {
    return std::optional<size_t>{};
  }
  const std::string text = req.get_header_value("Content-Length");
  if (req.get_header_value_count("Content-Length") != 1 || text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return ApiError::invalid(
        "Content-Length", "invalid_content_length",
        "Content-Length must be one decimal number of bytes, got '" + text + "'");
  }
  return std::optional<size_t>{static_cast<size_t>(std::stoull(text))};
}

/// A lower-case media type or coding without its parameters ("Application/JSON; charset=x" ->
/// "application/json").
std::string token_of(const std::string& header) {
  std::string t = header.substr(0, header.find(';'));
  t.erase(0, t.find_first_not_of(" \t"));
  t.erase(t.find_last_not_of(" \t") + 1);
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

/// What the server takes as a body: at most kMaxBodyBytes of JSON, sent with a Content-Length and
/// no content coding. Refused before a byte of it is read, so that no decoder and no
/// form parser ever sees it.
std::optional<ApiError> body_refusal(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) {
    return ApiError::length_required();
  }
  if (req.has_header("Content-Encoding") &&
      token_of(req.get_header_value("Content-Encoding")) != "identity") {
    return ApiError::unsupported_media_type(
        "unsupported_encoding", "Content-Encoding '" + req.get_header_value("Content-Encoding") +
                                    "' is not accepted: send the body uncompressed");
  }
  auto length = content_length(req);
  if (!length.ok()) {
    return length.error();
  }
  if (*length && **length > kMaxBodyBytes) {
    return ApiError::payload_too_large(**length, kMaxBodyBytes);
  }
  if (req.method == "POST" && *length && **length > 0 && req.has_header("Content-Type") &&
      token_of(req.get_header_value("Content-Type")) != "application/json") {
    return ApiError::unsupported_media_type(
        "unsupported_content_type",
        "send the body as JSON with 'Content-Type: application/json' "
        "(got '" +
            req.get_header_value("Content-Type") + "')");
  }
  return std::nullopt;
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
  // for a model that cannot be loaded, ...). Meanwhile the client is watched: one that leaves
  // while its request waits gives up its place at once. A stream that has waited a second is
  // answered 200 and kept checked with `: waiting` comments; an error then comes in the stream.
  const auto waiting_since = std::chrono::steady_clock::now();
  while (!job->wait_for_output(std::chrono::milliseconds(100))) {
    if (HttpServer::client_gone()) {
      state.queue->cancel(job);
      HttpServer::close_after_response();
      return;
    }
    if (chat.stream && std::chrono::steady_clock::now() - waiting_since > std::chrono::seconds(1)) {
      break;
    }
  }
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
      const GenerationJob::Outcome& outcome = finished.outcome();
      std::string out = build_chat_chunk(
          id, model, created, ChunkFields{.finish_reason = llm::to_string(outcome->finish_reason)});
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
    j["model"]["error"] = {{"kind", llm::to_string(err->kind)},
                           {"message", without_folders(err->message())}};
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
  http.set_payload_max_length(kMaxBodyBytes);
  // httplib's default sets SO_REUSEPORT, with which a second server binds the same port and the
  // kernel splits the connections between the two; SO_REUSEADDR alone still allows a restart
  // while old connections linger in TIME_WAIT.
  http.set_socket_options([](socket_t sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  http.set_keep_alive_timeout(5);

  http.set_pre_routing_handler([&state](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "GET" && req.method != "POST" && req.method != "HEAD") {
      send_error(state, res, ApiError::method_not_allowed(req.method));
      return httplib::Server::HandlerResponse::Handled;
    }
    const auto refuse = [&](const ApiError& e) {
      send_error(state, res, e);
      HttpServer::close_after_response();  // its body, if any, is still unread
      return httplib::Server::HandlerResponse::Handled;
    };
    if (state.options.token.empty()) {
      if (auto e = cross_site_refusal(state, req)) {
        return refuse(*e);
      }
    }
    // The page's files hold no data and a browser cannot add a header to a page load, so only
    // the data endpoints need the token.
    const bool is_static = find_web_asset(req.path) != nullptr;
    if (!state.options.token.empty() && !is_static) {
      const std::string auth = req.get_header_value("Authorization");
      if (!same_secret(auth, "Bearer " + state.options.token)) {
        res.set_header("WWW-Authenticate", "Bearer");
        return refuse(ApiError::unauthorized());
      }
    }
    if (auto e = body_refusal(req)) {
      return refuse(*e);
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_error_handler([&state](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.is_chunked_content_provider_) {
      return;
    }
    ApiError e;
    if (HttpServer::body_timed_out()) {
      e = ApiError::request_timeout("body");
      res.status = e.http_status;
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
  errno = 0;
  const bool bound = o.port == 0 ? (impl_->port = impl_->http.bind_to_any_port(host)) > 0
                                 : impl_->http.bind_to_port(host, o.port);
  if (!bound) {
    const std::string why = errno != 0 ? std::string(": ") + std::strerror(errno) : "";
    return dd::Error::conflict("port", o.port,
                               "cannot listen on " + host + ":" + std::to_string(o.port) + why);
  }
  if (o.port != 0) {
    impl_->port = o.port;
  }
  impl_->state.bound_port = impl_->port;
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

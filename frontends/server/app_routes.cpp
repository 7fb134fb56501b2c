// The web app's JSON API (/api/...) over the app layer: the same JSON shapes as the CLI's --json
// output (dailydrug/app/json_codec.h), the same scan-import plan as `dailydrug scan --save`, and
// coaching / questions from the Assistant (dailydrug/app/assistant.h) on the shared model,
// streamed as server-sent events.
#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app_api.h"
#include "dailydrug/app/assistant.h"
#include "dailydrug/app/calendar.h"
#include "dailydrug/app/dose_grouping.h"
#include "dailydrug/app/json_codec.h"
#include "dailydrug/app/prescription_scanner.h"
#include "dailydrug/app/scan_import.h"
#include "dailydrug/app/scan_result.h"
#include "dailydrug/app/schedule_params.h"
#include "dailydrug/llm/utf8.h"
#include "server_state.h"

namespace dailydrug::server {

namespace dd = dailydrug::app;
using nlohmann::json;

namespace {

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Runs `body` on the store under its mutex; app errors become API errors.
template <typename F>
void with_store(ServerState& state, httplib::Response& res, F&& body) {
  const std::lock_guard lock(state.store_mutex);
  ApiResult<json> out = body(state.store);
  if (!out.ok()) {
    return send_error(state, res, out.error());
  }
  send_json(res, 200, dump(*out));
}

// ---- Coaching and questions ---------------------------------------------------------------------

/// The done event's "model_error": null when the model was loaded and did not fail, else the
/// error object a request that needs the model would get as its body (kind, message, type, code)
/// plus that request's HTTP status — the load error, or the model's failure within the answer.
json model_error_json(const std::optional<ApiError>& unavailable,
                      const std::optional<llm::Error>& failed) {
  if (!unavailable && !failed) {
    return nullptr;
  }
  const ApiError e = unavailable ? *unavailable : api_error_from_llm(*failed);
  json out = json::parse(build_error_json(e))["error"];  // the one serialisation of an error
  out["status"] = e.http_status;
  return out;
}

/// What /api/coach and /api/ask run on the inference worker: the Assistant (grounded facts, the
/// user's schedule, a safety filter over the model's sentences) on the shared model, with its
/// own store connection, streaming into the job.
GenerationJob::Work assistant_work(ServerState& state, AssistantCall call) {
  return [&state, call = std::move(call)](llm::LocalLlm& model,
                                          GenerationJob& job) -> GenerationJob::Outcome {
    if (!state.worker_store) {  // only this (the worker) thread touches worker_store
      auto opened = state.open_worker_store();
      if (!opened.ok()) {
        return api_error_from_app(opened.error());
      }
      state.worker_store.emplace(std::move(opened).value());
    }
    dd::MedicationStore& store = *state.worker_store;
    dd::AssistantOptions options;
    options.model_languages = state.options.model_languages;
    options.max_output_tokens = call.max_tokens;
    options.timeout_ms = state.options.generation_timeout_ms;
    // An /api/ask whose model could not be loaded is answered from the curated notes alone.
    const std::optional<ApiError>& unavailable = job.model_unavailable();
    dd::Assistant assistant(unavailable ? nullptr : &model, store, store.clock(),
                            dd::MedicineFacts::builtin(), options);
    const int delay_ms = state.options.token_delay_ms;
    const auto tokenizer = model.tokenizer();
    const llm::TextCallback on_text = [&](std::string_view piece) {
      // The Assistant streams whole sentences (after its safety filter): count their tokens.
      int64_t tokens = 1;
      if (tokenizer) {
        if (auto ids = tokenizer->encode(piece, /*parse_special=*/false); ids.ok()) {
          tokens = static_cast<int64_t>(ids->size());
        }
      }
      job.emit_text(piece, tokens);
      for (int waited = 0; waited < delay_ms && !job.cancelled(); waited += 5) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    };
    auto reply = call.mode == AssistantCall::Mode::kCoach
                     ? assistant.coach(call.language, on_text, job.cancel_token())
                     : assistant.ask(call.question, call.language, on_text, job.cancel_token());
    if (!reply.ok()) {
      const dd::AssistantError& e = reply.error();
      if (e.is_llm()) {
        return api_error_from_llm(std::get<llm::Error>(e.error));
      }
      return api_error_from_app(std::get<dd::Error>(e.error));
    }
    job.set_stats(reply->stats);
    job.set_extra_json(dump(json{
        {"language", dd::to_string(reply->language)},
        {"model_text_used", reply->model_text_used},
        {"safety_replaced", reply->safety_replaced},
        {"facts_used", reply->facts_used},
        {"medicines", reply->medicines},
        {"emergency", reply->emergency ? json(dd::to_string(*reply->emergency)) : json(nullptr)},
        {"model_error", model_error_json(unavailable, reply->model_error)},
        {"notice", reply->notice}}));
    llm::GenerationResponse r;
    r.text = reply->text;
    r.usage = reply->usage;
    r.finish_reason = reply->finish;
    return r;
  };
}

/// SSE events of /api/coach and /api/ask:
///   event: status  data: {"state": "queued"|"loading"|"generating", "position", "tokens"}
///   event: token   data: {"text": "...", "tokens": n}
///   event: done    data: {"finish_reason", "usage": {...}, "tokens"}
///   event: error   data: {"error": {...}}
SseFormatter app_stream_formatter() {
  struct Seen {
    GenerationJob::Phase phase = GenerationJob::Phase::kFinished;
    size_t position = static_cast<size_t>(-1);
  };
  auto seen = std::make_shared<Seen>();
  SseFormatter f;
  f.update = [seen](const GenerationJob::Update& u) {
    std::string out;
    if (u.phase != seen->phase || u.queue_position != seen->position) {
      seen->phase = u.phase;
      seen->position = u.queue_position;
      const char* state = u.phase == GenerationJob::Phase::kQueued    ? "queued"
                          : u.phase == GenerationJob::Phase::kLoading ? "loading"
                                                                      : "generating";
      if (u.phase != GenerationJob::Phase::kFinished) {
        out += "event: status\ndata: " +
               dump(json{{"state", state}, {"position", u.queue_position}, {"tokens", u.tokens}}) +
               "\n\n";
      }
    }
    // The token count is sent once per update (with its last piece): pieces carry no counts.
    for (size_t i = 0; i < u.pieces.size(); ++i) {
      json event{{"text", u.pieces[i]}};
      if (i + 1 == u.pieces.size()) {
        event["tokens"] = u.tokens;
      }
      out += "event: token\ndata: " + dump(event) + "\n\n";
    }
    return out;
  };
  f.finish = [](const GenerationJob& job) {
    if (auto e = job_error(job)) {
      return "event: error\ndata: " + build_error_json(*e) + "\n\n";
    }
    const llm::GenerationResponse& r = *job.outcome();
    json done{
        {"finish_reason", llm::to_string(r.finish_reason)},
        {"usage",
         {{"prompt_tokens", r.usage.input_tokens}, {"completion_tokens", r.usage.output_tokens}}},
        {"text", r.text}};
    if (const std::string extra = job.extra_json(); !extra.empty()) {
      done.update(json::parse(extra, nullptr, false), /*merge_objects=*/false);
    }
    return "event: done\ndata: " + dump(done) + "\n\n";
  };
  return f;
}

void stream_assistant(ServerState& state, httplib::Response& res, AssistantCall call) {
  // An answer is composed from the curated notes first and needs no model (as `dailydrug ask`);
  // coaching is the model's message (as `dailydrug coach`, which fails when it cannot load).
  const ModelUse use =
      call.mode == AssistantCall::Mode::kAsk ? ModelUse::kOptional : ModelUse::kRequired;
  auto submitted = state.queue->submit(assistant_work(state, std::move(call)), use);
  if (!submitted.ok()) {
    return send_error(state, res, submitted.error());
  }
  stream_sse(state, res, std::move(submitted).value(), app_stream_formatter());
}

int64_t path_id(const httplib::Request& req) {
  const std::string& s = req.matches[1];
  if (s.size() > 15) {
    return -1;  // no id is that long; avoids overflow
  }
  return std::stoll(s);
}

}  // namespace

void register_app_routes(httplib::Server& http, ServerState& state) {
  using Req = httplib::Request;
  using Res = httplib::Response;
  // Parses the body, then runs `f(store, body)` under the store mutex.
  const auto post = [&state](auto f) {
    return [&state, f](const Req& req, Res& res) {
      auto body = parse_body(req.body);
      if (!body.ok()) {
        return send_error(state, res, body.error());
      }
      with_store(state, res, [&](dd::MedicationStore& s) { return f(s, *body, req); });
    };
  };

  http.Get("/api/today", [&state](const Req& req, Res& res) {
    const std::string date = req.get_param_value("date");
    with_store(state, res, [&](dd::MedicationStore& s) { return today_json(s, date); });
  });
  http.Get("/api/medicines", [&state](const Req&, Res& res) {
    with_store(state, res, [](dd::MedicationStore& s) { return medicines_json(s); });
  });
  http.Post("/api/medicines", post([](dd::MedicationStore& s, const json& b, const Req&) {
              return add_medicine(s, b);
            }));
  http.Post(R"(/api/medicines/([0-9]+))",
            post([](dd::MedicationStore& s, const json& b, const Req& r) {
              return edit_medicine(s, path_id(r), b);
            }));
  http.Post(R"(/api/medicines/([0-9]+)/delete)",
            post([](dd::MedicationStore& s, const json&, const Req& r) {
              return delete_medicine(s, path_id(r));
            }));
  http.Post(R"(/api/doses/([0-9]+)/take)",
            post([](dd::MedicationStore& s, const json& b, const Req& r) {
              return take_or_skip(s, path_id(r), true, b);
            }));
  http.Post(R"(/api/doses/([0-9]+)/skip)",
            post([](dd::MedicationStore& s, const json& b, const Req& r) {
              return take_or_skip(s, path_id(r), false, b);
            }));
  http.Post("/api/scan", [&state](const Req& req, Res& res) {
    auto body = parse_body(req.body);
    if (!body.ok()) {
      return send_error(state, res, body.error());
    }
    auto result = scan_text(*body);
    if (!result.ok()) {
      return send_error(state, res, result.error());
    }
    send_json(res, 200, dump(json(*result)));
  });
  http.Post("/api/scan/save", post([](dd::MedicationStore& s, const json& b, const Req&) {
              return scan_save(s, b);
            }));

  for (const auto& route : {std::pair{"/api/coach", AssistantCall::Mode::kCoach},
                            std::pair{"/api/ask", AssistantCall::Mode::kAsk}}) {
    const AssistantCall::Mode mode = route.second;
    http.Post(route.first, [&state, mode](const Req& req, Res& res) {
      auto body = parse_body(req.body);
      if (!body.ok()) {
        return send_error(state, res, body.error());
      }
      auto call = assistant_call(*body, mode);
      if (!call.ok()) {
        return send_error(state, res, call.error());
      }
      stream_assistant(state, res, std::move(call).value());
    });
  }
}

}  // namespace dailydrug::server

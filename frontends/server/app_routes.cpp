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

constexpr int kMaxDaysAhead = 366;  // as `dailydrug today --date`
constexpr size_t kMaxQuestionBytes = 2000;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// A request body as a JSON object ("{}" when empty). Errors: Invalid.
ApiResult<json> body_object(const httplib::Request& req) {
  if (req.body.empty()) {
    return json::object();
  }
  if (!llm::is_valid_utf8(req.body)) {
    return ApiError::invalid("", "invalid_utf8", "the request body is not valid UTF-8");
  }
  json doc = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return ApiError::invalid("", "invalid_json", "the body is not JSON");
  }
  if (!doc.is_object()) {
    return ApiError::invalid("", "invalid_type", "the body must be an object");
  }
  return doc;
}

/// An optional string field. Errors: Invalid(key) if present and not a string.
ApiResult<std::optional<std::string>> string_field(const json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    return std::optional<std::string>{};
  }
  if (!it->is_string()) {
    return ApiError::invalid(key, "invalid_type", std::string{"'"} + key + "' must be a string");
  }
  return std::optional<std::string>{it->get<std::string>()};
}

ApiResult<std::optional<int64_t>> int_field(const json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    return std::optional<int64_t>{};
  }
  if (!it->is_number_integer()) {
    return ApiError::invalid(key, "invalid_type", std::string{"'"} + key + "' must be an integer");
  }
  if (it->is_number_unsigned() && it->get<uint64_t>() > 1'000'000'000) {
    return ApiError::invalid(key, "invalid_value", std::string{"'"} + key + "' is too large");
  }
  return std::optional<int64_t>{it->get<int64_t>()};
}

ApiResult<dd::Date> date_value(const char* key, const std::string& text) {
  if (auto d = dd::parse_date(text)) {
    return *d;
  }
  return ApiError::invalid(key, "invalid_value", "'" + text + "' is not a date YYYY-MM-DD");
}

/// "times": ["08:00", "20:00"] or "08:00,20:00".
ApiResult<std::vector<dd::TimeOfDay>> times_value(const json& v) {
  std::vector<std::string> items;
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    size_t pos = 0;
    while (pos <= s.size()) {
      const size_t comma = std::min(s.find(',', pos), s.size());
      items.push_back(s.substr(pos, comma - pos));
      pos = comma + 1;
    }
  } else if (v.is_array()) {
    for (const json& t : v) {
      if (!t.is_string()) {
        return ApiError::invalid("times", "invalid_type", "times must be strings");
      }
      items.push_back(t.get<std::string>());
    }
  } else {
    return ApiError::invalid("times", "invalid_type", "'times' must be an array of \"HH:MM\"");
  }
  std::vector<dd::TimeOfDay> slots;
  for (std::string item : items) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (item.empty()) {
      continue;
    }
    const auto t = dd::parse_time_of_day(item);
    if (!t) {
      return ApiError::invalid("times", "invalid_value", "'" + item + "' is not HH:MM");
    }
    slots.push_back(*t);
  }
  return slots;
}

/// Applies the medicine form's fields over `f` (defaults for an add, current values for an edit).
/// "end": null makes the schedule open-ended; "days" sets the end from the start.
ApiResult<bool> apply_form(const json& body, dd::CreateScheduleParams::Fields& f) {
  DD_ASSIGN_OR_RETURN(auto name, string_field(body, "name"));
  if (name) {
    f.name = *name;
  }
  DD_ASSIGN_OR_RETURN(auto dosage, string_field(body, "dosage"));
  if (dosage) {
    f.dosage = *dosage;
  }
  DD_ASSIGN_OR_RETURN(auto memo, string_field(body, "memo"));
  if (memo) {
    f.memo = *memo;
  }
  DD_ASSIGN_OR_RETURN(auto color, string_field(body, "color"));
  if (color && !color->empty()) {
    const auto c = dd::parse_color(*color);
    if (!c) {
      return ApiError::invalid("color", "invalid_value", "use #RRGGBB or #AARRGGBB");
    }
    f.color_argb = *c;
  }
  if (const auto t = body.find("times"); t != body.end() && !t->is_null()) {
    DD_ASSIGN_OR_RETURN(f.time_slots, times_value(*t));
  }
  DD_ASSIGN_OR_RETURN(auto start, string_field(body, "start"));
  if (start && !start->empty()) {
    DD_ASSIGN_OR_RETURN(f.start_date, date_value("start", *start));
  }
  if (const auto e = body.find("end"); e != body.end()) {
    if (e->is_null() || (e->is_string() && e->get<std::string>().empty())) {
      f.end_date.reset();
    } else {
      DD_ASSIGN_OR_RETURN(auto end, string_field(body, "end"));
      DD_ASSIGN_OR_RETURN(f.end_date, date_value("end", *end));
    }
  }
  DD_ASSIGN_OR_RETURN(auto days, int_field(body, "days"));
  if (days) {
    if (*days < 1 || *days > 3650) {
      return ApiError::invalid("days", "invalid_value", "'days' must be in [1, 3650]");
    }
    f.end_date = dd::add_days(f.start_date, static_cast<int>(*days) - 1);
  }
  DD_ASSIGN_OR_RETURN(auto take, int_field(body, "take"));
  if (take) {
    f.pattern.take_days = static_cast<int>(std::clamp<int64_t>(*take, -1, 100000));
  }
  DD_ASSIGN_OR_RETURN(auto rest, int_field(body, "rest"));
  if (rest) {
    f.pattern.rest_days = static_cast<int>(std::clamp<int64_t>(*rest, -1, 100000));
  }
  return true;
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

// DD_ASSIGN_OR_RETURN for an app-layer Result inside a function returning ApiResult: the app
// error becomes its API error. `lhs` may be a declaration, so it cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define DD_API_TRY(lhs, expr)                                        \
  auto DD_CONCAT_(api_r_, __LINE__) = (expr);                        \
  if (!DD_CONCAT_(api_r_, __LINE__).ok()) {                          \
    return api_error_from_app(DD_CONCAT_(api_r_, __LINE__).error()); \
  }                                                                  \
  lhs = std::move(DD_CONCAT_(api_r_, __LINE__)).value()
// NOLINTEND(bugprone-macro-parentheses)

#define DD_API_CHECK(expr)                                     \
  do {                                                         \
    auto dd_s_ = (expr);                                       \
    if (!dd_s_.ok()) return api_error_from_app(dd_s_.error()); \
  } while (0)

ApiResult<json> saved_json(dd::MedicationStore& store, const dd::SavedSchedule& saved) {
  DD_API_TRY(const dd::Medicine medicine, store.get_medicine(saved.medicine_id));
  DD_API_TRY(const dd::MedicationSchedule schedule, store.get_schedule(saved.schedule_id));
  return dd::saved_schedule_json(medicine, schedule, saved);
}

ApiResult<json> today_json(dd::MedicationStore& store, const std::string& date_text) {
  const dd::Date today = store.clock().today();
  dd::Date date = today;
  if (!date_text.empty()) {
    DD_ASSIGN_OR_RETURN(date, date_value("date", date_text));
  }
  if (date > dd::add_days(today, kMaxDaysAhead)) {
    return ApiError::invalid("date", "invalid_value", "at most 366 days ahead of today");
  }
  DD_API_CHECK(store.ensure_occurrences_up_to(std::max(dd::end_of_next_month(today), date)));
  DD_API_TRY(const auto doses, store.doses_on(date));
  int taken = 0;
  int pending = 0;
  for (const auto& dose : doses) {
    taken += dose.status() == dd::DoseStatus::kTaken;
    pending += dose.status() == dd::DoseStatus::kPending;
  }
  json groups = dd::group_by_time_period(doses);
  // The web app shows the short period names of its day view (아침/점심/오후/저녁/밤), not the
  // CLI's 오전약/… labels.
  static const char* const kShort[] = {"아침", "점심", "오후", "저녁", "밤"};
  for (json& g : groups) {
    const std::string p = g.value("period", "");
    for (const dd::TimePeriod tp : dd::kTimePeriodsInOrder) {
      if (dd::to_string(tp) == p) {
        g["name"] = kShort[static_cast<int>(tp)];
        g["emoji"] = dd::emoji(tp);
      }
    }
  }
  return json{{"date", dd::format_date(date)},
              {"weekday", dd::korean_weekday(date)},
              {"now", dd::format_local_date_time(store.clock().now())},
              {"total", doses.size()},
              {"taken", taken},
              {"pending", pending},
              {"groups", groups}};
}

ApiResult<json> medicines_json(dd::MedicationStore& store) {
  DD_API_TRY(const auto medicines, store.list_medicines());
  json out = json::array();
  for (const dd::Medicine& medicine : medicines) {
    DD_API_TRY(const auto schedules, store.schedules_for_medicine(medicine.id));
    out.push_back(dd::medicine_with_schedules_json(medicine, schedules));
  }
  return json{{"medicines", out}};
}

ApiResult<json> add_medicine(dd::MedicationStore& store, const json& body) {
  dd::CreateScheduleParams::Fields fields;
  fields.start_date = store.clock().today();
  DD_RETURN_IF_ERROR(apply_form(body, fields));
  DD_API_TRY(const auto params, dd::CreateScheduleParams::create(std::move(fields)));
  DD_API_TRY(const dd::SavedSchedule saved, store.save_schedule(params));
  return saved_json(store, saved);
}

ApiResult<json> edit_medicine(dd::MedicationStore& store, int64_t id, const json& body) {
  DD_API_TRY(const dd::Medicine medicine, store.get_medicine(id));
  DD_API_TRY(const auto schedules, store.schedules_for_medicine(medicine.id));
  DD_ASSIGN_OR_RETURN(auto schedule_id, int_field(body, "schedule_id"));
  std::optional<dd::MedicationSchedule> schedule;
  if (schedule_id) {
    DD_API_TRY(schedule, store.get_schedule(*schedule_id));
  } else if (!schedules.empty()) {
    schedule = schedules.back();
  }
  auto fields =
      dd::CreateScheduleParams::Fields::for_edit(medicine, schedule, store.clock().today());
  DD_RETURN_IF_ERROR(apply_form(body, fields));
  DD_API_TRY(const auto params, dd::CreateScheduleParams::create(std::move(fields)));
  DD_API_TRY(const dd::SavedSchedule saved, store.save_schedule(params));
  if (const auto a = body.find("active"); a != body.end() && !a->is_null()) {
    if (!a->is_boolean()) {
      return ApiError::invalid("active", "invalid_type", "must be a boolean");
    }
    DD_API_CHECK(store.set_schedule_active(saved.schedule_id, a->get<bool>()));
  }
  return saved_json(store, saved);
}

ApiResult<json> take_or_skip(dd::MedicationStore& store, int64_t id, bool take, const json& body) {
  DD_ASSIGN_OR_RETURN(auto note, string_field(body, "note"));
  DD_API_TRY(const dd::ScheduledDose before, store.get_dose(id));
  const dd::DoseStatus wanted = take ? dd::DoseStatus::kTaken : dd::DoseStatus::kSkipped;
  DD_API_TRY(const dd::ScheduledDose after,
             take ? store.take_dose(id, std::nullopt, note) : store.skip_dose(id, note));
  json out = after;
  out["changed"] = before.status() != wanted;
  return out;
}

ApiResult<dd::ScanResult> scan_text(const json& body) {
  DD_ASSIGN_OR_RETURN(auto text, string_field(body, "text"));
  if (!text || text->empty()) {
    return ApiError::invalid("text", "invalid_value", "'text' is required");
  }
  const dd::PrescriptionScanner scanner;
  auto result = scanner.scan(*text);
  if (!result.ok()) {
    return api_error_from_app(result.error());
  }
  return std::move(result).value();
}

ApiResult<json> scan_save(dd::MedicationStore& store, const json& body) {
  DD_ASSIGN_OR_RETURN(const dd::ScanResult result, scan_text(body));
  DD_ASSIGN_OR_RETURN(auto start_text, string_field(body, "start"));
  dd::Date start = store.clock().today();
  if (start_text && !start_text->empty()) {
    DD_ASSIGN_OR_RETURN(start, date_value("start", *start_text));
  }
  const dd::ScanImportPlan plan = dd::plan_scan_import(result, start);
  json saved = json::array();
  for (const auto& item : plan.items) {
    DD_API_TRY(const dd::SavedSchedule s, store.save_schedule(item.params));
    DD_API_TRY(const dd::Medicine medicine, store.get_medicine(s.medicine_id));
    DD_API_TRY(const dd::MedicationSchedule schedule, store.get_schedule(s.schedule_id));
    saved.push_back(dd::scan_saved_json(item, medicine, schedule, s));
  }
  return json{{"scan", result}, {"saved", saved}, {"not_saved", dd::not_saved_json(plan)}};
}

// ---- Coaching and questions ---------------------------------------------------------------------

/// What /api/coach and /api/ask run on the inference worker: the Assistant (grounded facts, the
/// user's schedule, a safety filter over the model's sentences) on the shared model, with its
/// own store connection, streaming into the job.
struct AssistantCall {
  enum class Mode { kCoach, kAsk } mode = Mode::kCoach;
  std::string question;
  dd::Language language = dd::Language::kKorean;
  int32_t max_tokens = 160;
};

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
    dd::Assistant assistant(&model, store, store.clock(), dd::MedicineFacts::builtin(), options);
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
    job.set_extra_json(dump(json{{"language", dd::to_string(reply->language)},
                                 {"model_text_used", reply->model_text_used},
                                 {"safety_replaced", reply->safety_replaced},
                                 {"facts_used", reply->facts_used},
                                 {"medicines", reply->medicines},
                                 {"emergency", reply->emergency
                                                   ? json(dd::to_string(*reply->emergency))
                                                   : json(nullptr)},
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
        {"finish_reason", finish_reason_name(r.finish_reason)},
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
  auto submitted = state.queue->submit(assistant_work(state, std::move(call)));
  if (!submitted.ok()) {
    return send_error(state, res, submitted.error());
  }
  stream_sse(state, res, std::move(submitted).value(), app_stream_formatter());
}

/// "lang": "ko" (default) or "en". Errors: Invalid("lang").
ApiResult<dd::Language> language_field(const json& body) {
  DD_ASSIGN_OR_RETURN(auto text, string_field(body, "lang"));
  if (!text) {
    return dd::Language::kKorean;
  }
  if (auto lang = dd::parse_language(*text)) {
    return *lang;
  }
  return ApiError::invalid("lang", "invalid_value", "'lang' must be \"ko\" or \"en\"");
}

ApiResult<int32_t> max_tokens_field(const json& body, int32_t fallback) {
  DD_ASSIGN_OR_RETURN(auto n, int_field(body, "max_tokens"));
  if (!n) {
    return fallback;
  }
  if (*n < 1 || *n > kMaxTokensLimit) {
    return ApiError::invalid("max_tokens", "invalid_value", "'max_tokens' must be in [1, 4096]");
  }
  return static_cast<int32_t>(*n);
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
      auto body = body_object(req);
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
            post([](dd::MedicationStore& s, const json&, const Req& r) -> ApiResult<json> {
              DD_API_TRY(const dd::Medicine m, s.get_medicine(path_id(r)));
              DD_API_CHECK(s.delete_medicine(m.id));
              return json{{"deleted", m}};
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
    auto body = body_object(req);
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

  http.Post("/api/coach", [&state](const Req& req, Res& res) {
    auto body = body_object(req);
    if (!body.ok()) {
      return send_error(state, res, body.error());
    }
    auto max_tokens = max_tokens_field(*body, 160);
    if (!max_tokens.ok()) {
      return send_error(state, res, max_tokens.error());
    }
    auto lang = language_field(*body);
    if (!lang.ok()) {
      return send_error(state, res, lang.error());
    }
    stream_assistant(state, res,
                     AssistantCall{AssistantCall::Mode::kCoach, "", *lang, *max_tokens});
  });
  http.Post("/api/ask", [&state](const Req& req, Res& res) {
    auto body = body_object(req);
    if (!body.ok()) {
      return send_error(state, res, body.error());
    }
    auto question = string_field(*body, "message");
    if (!question.ok()) {
      return send_error(state, res, question.error());
    }
    if (!*question || (*question)->find_first_not_of(" \t\r\n") == std::string::npos ||
        (*question)->size() > kMaxQuestionBytes) {
      return send_error(state, res,
                        ApiError::invalid("message", "invalid_value",
                                          "'message' must be 1 to 2000 bytes of text"));
    }
    auto max_tokens = max_tokens_field(*body, 200);
    if (!max_tokens.ok()) {
      return send_error(state, res, max_tokens.error());
    }
    auto lang = language_field(*body);
    if (!lang.ok()) {
      return send_error(state, res, lang.error());
    }
    stream_assistant(state, res,
                     AssistantCall{AssistantCall::Mode::kAsk, **question, *lang, *max_tokens});
  });
}

}  // namespace dailydrug::server

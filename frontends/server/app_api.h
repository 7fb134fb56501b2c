// The web app's JSON API (/api/...) as functions of the medication store and the request body:
// what each endpoint does, without HTTP (app_routes.cpp wires them to routes; the fuzz target
// fuzz_app_api calls them directly). Every error is a typed ApiError (400 with the field for a
// bad value, 404, 409, 500), never an exception or a crash.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "dailydrug/app/medication_store.h"
#include "dailydrug/app/medicine_facts.h"
#include "dailydrug/app/scan_result.h"
#include "openai_api.h"

namespace dailydrug::server {

/// A request body as a JSON object ("{}" when empty). Errors: Invalid (not UTF-8, not JSON, not
/// an object).
ApiResult<nlohmann::json> parse_body(std::string_view body);
/// An optional string / integer field. Errors: Invalid(key) when present with another type (or
/// an integer above 10^9).
ApiResult<std::optional<std::string>> string_field(const nlohmann::json& body, const char* key);
ApiResult<std::optional<int64_t>> int_field(const nlohmann::json& body, const char* key);
/// "lang": "ko" (default) or "en". Errors: Invalid("lang").
ApiResult<app::Language> language_field(const nlohmann::json& body);
/// "max_tokens" in [1, kMaxTokensLimit], else `fallback`. Errors: Invalid("max_tokens").
ApiResult<int32_t> max_tokens_field(const nlohmann::json& body, int32_t fallback);

/// What /api/coach and /api/ask ask of the Assistant.
struct AssistantCall {
  enum class Mode { kCoach, kAsk } mode = Mode::kCoach;
  std::string question;  // /api/ask's "message": 1 to kMaxQuestionBytes bytes, not all blank
  app::Language language = app::Language::kKorean;
  int32_t max_tokens = 160;
};
inline constexpr size_t kMaxQuestionBytes = 2000;
/// The body of /api/coach ({"lang", "max_tokens"}, 160 tokens unless given) or /api/ask
/// ({"message", "lang", "max_tokens"}, 200). Errors: Invalid(field).
ApiResult<AssistantCall> assistant_call(const nlohmann::json& body, AssistantCall::Mode mode);

/// GET /api/today[?date=]: the day's doses by part of the day.
ApiResult<nlohmann::json> today_json(app::MedicationStore& store, const std::string& date_text);
/// GET /api/medicines.
ApiResult<nlohmann::json> medicines_json(app::MedicationStore& store);
/// POST /api/medicines: the medicine form (name, dosage, memo, color, times, start, end, days,
/// take, rest).
ApiResult<nlohmann::json> add_medicine(app::MedicationStore& store, const nlohmann::json& body);
/// POST /api/medicines/{id}: the same form over the current values, plus "active".
ApiResult<nlohmann::json> edit_medicine(app::MedicationStore& store, int64_t id,
                                        const nlohmann::json& body);
/// POST /api/medicines/{id}/delete.
ApiResult<nlohmann::json> delete_medicine(app::MedicationStore& store, int64_t id);
/// POST /api/doses/{id}/take|skip with an optional "note".
ApiResult<nlohmann::json> take_or_skip(app::MedicationStore& store, int64_t id, bool take,
                                       const nlohmann::json& body);
/// POST /api/scan: {"text"} -> the scan result.
ApiResult<app::ScanResult> scan_text(const nlohmann::json& body);
/// POST /api/scan/save: {"text", "start"} -> what was saved and what was not.
ApiResult<nlohmann::json> scan_save(app::MedicationStore& store, const nlohmann::json& body);

}  // namespace dailydrug::server

#include "dailydrug/app/scan_result.h"

#include <exception>
#include <nlohmann/json.hpp>

#include "dailydrug/app/scan_schema.h"

namespace dailydrug::app {
namespace {

using nlohmann::json;

template <typename T>
json nullable(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

template <typename T>
std::optional<T> optional_of(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return std::nullopt;
  }
  return it->get<T>();
}

}  // namespace

void to_json(json& j, const ScannedMedication& m) {
  json slots = json::array();
  for (const TimeOfDay& slot : m.time_slots) {
    slots.push_back(format_time_of_day(slot));
  }
  j = json{{"name", m.name},
           {"dose", nullable(m.dose)},
           {"times_per_day", nullable(m.times_per_day)},
           {"duration_days", nullable(m.duration_days)},
           {"timing", m.timing ? json(std::string(timing_label(*m.timing))) : json(nullptr)},
           {"time_slots", std::move(slots)},
           {"notes", m.notes},
           {"source_line", m.source_line},
           {"field_lines",
            {{"dose", nullable(m.field_lines.dose)},
             {"times_per_day", nullable(m.field_lines.times_per_day)},
             {"duration_days", nullable(m.field_lines.duration_days)},
             {"timing", nullable(m.field_lines.timing)}}}};
}

void to_json(json& j, const ScanWarning& w) {
  j = json{{"code", w.code},
           {"field", nullable(w.field)},
           {"medication", nullable(w.medication)},
           {"line", nullable(w.line)},
           {"message", w.message}};
}

void to_json(json& j, const ScanResult& r) {
  j = json{{"medications", r.medications}, {"warnings", r.warnings}};
}

Result<ScanResult> scan_result_from_json(const json& j) {
  const auto violations = validate_scan_result_json(j);
  if (!violations.empty()) {
    const SchemaViolation& v = violations.front();
    return Error::invalid("scan_result", (v.path.empty() ? "/" : v.path) + ": " + v.message);
  }
  // The schema guarantees every type below, so the accessors cannot throw; the catch only
  // keeps the promise of the header should the schema and this code ever disagree.
  try {
    ScanResult r;
    for (const json& m : j["medications"]) {
      ScannedMedication med;
      med.name = m["name"].get<std::string>();
      med.dose = optional_of<std::string>(m, "dose");
      med.times_per_day = optional_of<int>(m, "times_per_day");
      med.duration_days = optional_of<int>(m, "duration_days");
      if (const auto timing = optional_of<std::string>(m, "timing")) {
        med.timing = timing_from_label(*timing);
      }
      for (const json& slot : m["time_slots"]) {
        if (const auto t = parse_time_of_day(slot.get<std::string>())) {
          med.time_slots.push_back(*t);
        }
      }
      med.notes = m["notes"].get<std::vector<std::string>>();
      med.source_line = m["source_line"].get<int>();
      const json& lines = m["field_lines"];
      med.field_lines.dose = optional_of<int>(lines, "dose");
      med.field_lines.times_per_day = optional_of<int>(lines, "times_per_day");
      med.field_lines.duration_days = optional_of<int>(lines, "duration_days");
      med.field_lines.timing = optional_of<int>(lines, "timing");
      r.medications.push_back(std::move(med));
    }
    for (const json& w : j["warnings"]) {
      ScanWarning warning;
      warning.code = w["code"].get<std::string>();
      warning.field = optional_of<std::string>(w, "field");
      warning.medication = optional_of<int>(w, "medication");
      warning.line = optional_of<int>(w, "line");
      warning.message = w["message"].get<std::string>();
      r.warnings.push_back(std::move(warning));
    }
    return r;
  } catch (const std::exception& e) {
    return Error::invalid("scan_result", e.what());
  }
}

Result<ScanResult> parse_scan_result(std::string_view json_text) {
  const json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Error::invalid("scan_result", "not valid JSON");
  }
  return scan_result_from_json(j);
}

}  // namespace dailydrug::app

#include "dailydrug/app/scan_result.h"

#include <exception>
#include <nlohmann/json.hpp>
#include <utility>

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

constexpr std::pair<FieldOrigin, std::string_view> kOriginNames[] = {
    {FieldOrigin::kText, "text"},
    {FieldOrigin::kTableCell, "table_cell"},
    {FieldOrigin::kContinuation, "continuation"},
    {FieldOrigin::kShared, "shared"},
    {FieldOrigin::kDocument, "document"},
    {FieldOrigin::kDerived, "derived"},
    {FieldOrigin::kModel, "model"},
};

json origin_json(const std::optional<FieldOrigin>& origin) {
  return origin ? json(std::string(field_origin_name(*origin))) : json(nullptr);
}

std::optional<FieldOrigin> origin_of(const json& sources, const char* key) {
  const auto name = optional_of<std::string>(sources, key);
  return name ? field_origin_from_name(*name) : std::nullopt;
}

}  // namespace

std::string_view field_origin_name(FieldOrigin origin) {
  for (const auto& [o, name] : kOriginNames) {
    if (o == origin) {
      return name;
    }
  }
  return "text";
}

std::optional<FieldOrigin> field_origin_from_name(std::string_view name) {
  for (const auto& [o, n] : kOriginNames) {
    if (n == name) {
      return o;
    }
  }
  return std::nullopt;
}

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
             {"timing", nullable(m.field_lines.timing)}}},
           {"field_sources",
            {{"name", m.field_sources.name ? origin_json(m.field_sources.name) : json("text")},
             {"dose", origin_json(m.field_sources.dose)},
             {"times_per_day", origin_json(m.field_sources.times_per_day)},
             {"duration_days", origin_json(m.field_sources.duration_days)},
             {"timing", origin_json(m.field_sources.timing)}}}};
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
      if (const auto sources = m.find("field_sources"); sources != m.end()) {
        med.field_sources.name = origin_of(*sources, "name");
        if (med.field_sources.name == FieldOrigin::kText) {
          med.field_sources.name.reset();
        }
        med.field_sources.dose = origin_of(*sources, "dose");
        med.field_sources.times_per_day = origin_of(*sources, "times_per_day");
        med.field_sources.duration_days = origin_of(*sources, "duration_days");
        med.field_sources.timing = origin_of(*sources, "timing");
      }
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

#include "dailydrug/app/scan_schema.h"

#include <nlohmann/json.hpp>

namespace dailydrug::app {
namespace {

// Keep identical to app/schemas/scan_result.schema.json (checked by app_scan_schema_test).
constexpr std::string_view kSchema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://dailydrug.app/schemas/scan_result.schema.json",
  "title": "DailyDrug prescription scan result",
  "description": "Medications read from the OCR text of a Korean prescription (처방전) or medicine bag (약봉투). Unknown values are null, never guessed. Line numbers are 1-based lines of the input text. The same schema constrains a language model that completes the fields the rules leave null.",
  "type": "object",
  "required": ["medications", "warnings"],
  "additionalProperties": false,
  "properties": {
    "medications": {"type": "array", "maxItems": 64, "items": {"$ref": "#/$defs/medication"}},
    "warnings": {"type": "array", "maxItems": 1024, "items": {"$ref": "#/$defs/warning"}}
  },
  "$defs": {
    "line": {"type": "integer", "minimum": 1, "maximum": 1048576},
    "optional_line": {"type": ["integer", "null"], "minimum": 1, "maximum": 1048576},
    "medication": {
      "type": "object",
      "required": ["name", "dose", "times_per_day", "duration_days", "timing", "time_slots",
                   "notes", "source_line", "field_lines"],
      "additionalProperties": false,
      "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200,
                 "description": "The name as printed, after OCR normalisation."},
        "dose": {"type": ["string", "null"], "maxLength": 40,
                 "pattern": "^(적당량|[0-9]+(\\.[0-9]+)?(-[0-9]+(\\.[0-9]+)?)?(정|캡슐|포|ml|mg|g|mcg|방울|매|개)?)$",
                 "description": "Amount per dose with its unit: 1정, 0.5정, 1-2방울, 5ml, 적당량; a bare number when the unit is unknown."},
        "times_per_day": {"type": ["integer", "null"], "minimum": 1, "maximum": 24},
        "duration_days": {"type": ["integer", "null"], "minimum": 1, "maximum": 365},
        "timing": {"enum": ["식전", "식후", "식간", "공복", "취침전", "필요시", null]},
        "time_slots": {"type": "array", "maxItems": 24, "uniqueItems": true,
                       "items": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
                       "description": "HH:MM, derived from times_per_day and timing (docs/SCAN.md); empty when none can be derived."},
        "notes": {"type": "array", "maxItems": 20,
                  "items": {"type": "string", "minLength": 1, "maxLength": 300}},
        "source_line": {"$ref": "#/$defs/line"},
        "field_lines": {
          "type": "object",
          "required": ["dose", "times_per_day", "duration_days", "timing"],
          "additionalProperties": false,
          "properties": {
            "dose": {"$ref": "#/$defs/optional_line"},
            "times_per_day": {"$ref": "#/$defs/optional_line"},
            "duration_days": {"$ref": "#/$defs/optional_line"},
            "timing": {"$ref": "#/$defs/optional_line"}
          }
        },
        "field_sources": {
          "type": "object",
          "description": "How each field was obtained; anything but text was inferred from the layout (or chosen by a model) and should be confirmed by the user. Null when the field is null.",
          "required": ["dose", "times_per_day", "duration_days", "timing"],
          "additionalProperties": false,
          "properties": {
            "name": {"enum": ["text", "model"]},
            "dose": {"$ref": "#/$defs/field_source"},
            "times_per_day": {"$ref": "#/$defs/field_source"},
            "duration_days": {"$ref": "#/$defs/field_source"},
            "timing": {"$ref": "#/$defs/field_source"}
          }
        }
      }
    },
    "field_source": {
      "enum": ["text", "table_cell", "continuation", "shared", "document", "derived", "model", null],
      "description": "text: on the medication's own line; table_cell: a bare number placed by a table header's column; continuation: the entry's next line or the directions after a list; shared: directions stated once for several medicines; document: a duration stated once in the header or footer; derived: counted from named parts of the day or bedtime; model: chosen by a language model among the values of the text."
    },
    "warning": {
      "type": "object",
      "required": ["code", "field", "medication", "line", "message"],
      "additionalProperties": false,
      "properties": {
        "code": {"enum": ["missing", "ambiguous", "unit_unknown", "out_of_range",
                          "duration_in_months", "non_daily_frequency", "prn_no_slots",
                          "slots_undetermined", "unassigned_numbers", "unverified",
                          "no_medications", "instructions_without_medicine",
                          "too_many_medications", "line_too_long"]},
        "field": {"enum": ["name", "dose", "times_per_day", "duration_days", "timing",
                           "time_slots", "notes", null]},
        "medication": {"type": ["integer", "null"], "minimum": 0, "maximum": 63},
        "line": {"$ref": "#/$defs/optional_line"},
        "message": {"type": "string", "maxLength": 500}
      }
    }
  }
}
)json";

}  // namespace

std::string_view scan_result_schema_text() {
  return kSchema;
}

const Result<JsonSchema>& scan_result_schema() {
  static const Result<JsonSchema> schema = [] {
    auto parsed = nlohmann::json::parse(kSchema, nullptr, /*allow_exceptions=*/false);
    return JsonSchema::compile(std::move(parsed));
  }();
  return schema;
}

std::vector<SchemaViolation> validate_scan_result_json(const nlohmann::json& result) {
  const Result<JsonSchema>& schema = scan_result_schema();
  // The embedded schema is a constant the unit tests compile; if it ever failed to, every
  // result is refused rather than let through unchecked.
  if (!schema.ok()) {
    return {{"", "the scan result schema does not compile: " + schema.error().message()}};
  }
  return schema->validate(result);
}

}  // namespace dailydrug::app

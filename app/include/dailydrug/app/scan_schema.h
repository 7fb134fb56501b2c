// The JSON schema of a scan result (app/schemas/scan_result.schema.json), compiled in, and the
// check every result passes before it is printed or saved. The same schema is meant to constrain
// a language model's output (constrained decoding) and to validate it afterwards.
//
// The schema text is embedded in the library; a unit test keeps it identical to the file.
// Thread-safe.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string_view>
#include <vector>

#include "dailydrug/app/json_schema_check.h"

namespace dailydrug::app {

/// The schema document as JSON text (the content of app/schemas/scan_result.schema.json).
std::string_view scan_result_schema_text();

/// The compiled schema (compiled once, on first use). Invalid("schema") only if the embedded
/// schema were broken (a build defect the unit tests catch).
const Result<JsonSchema>& scan_result_schema();

/// Violations of the scan result schema; empty means valid. With a broken embedded schema, one
/// violation says so: results are refused, never passed unchecked.
std::vector<SchemaViolation> validate_scan_result_json(const nlohmann::json& result);

}  // namespace dailydrug::app

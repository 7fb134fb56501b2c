// Fuzz target: the JSON schema validator (app/…/json_schema_check.h) and the scan-result reader
// (parse_scan_result, what a language model's output goes through, scan_schema.h).
// Input byte 0 selects the mode; the rest is JSON text:
//   even: parse_scan_result(text): a result or Invalid("scan_result"); an accepted result's JSON
//         passes the schema again (what was read is what was validated);
//   odd:  JsonSchema::compile(text as a schema), then validate a few instances (the scan
//         schema's own document, the schema itself, null, and the text as a JSON string):
//         Invalid("schema") or a validator that never throws and reports at most the limit.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dailydrug/app/json_schema_check.h"
#include "dailydrug/app/scan_result.h"
#include "dailydrug/app/scan_schema.h"
#include "fuzz_check.h"

using namespace dailydrug::app;
using nlohmann::json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    auto r = parse_scan_result(text);
    if (!r.ok()) {
      DD_FUZZ_CHECK(r.error().kind == ErrorKind::kInvalid, r.error().message().c_str());
      return 0;
    }
    const json j = *r;
    const auto v = validate_scan_result_json(j);
    DD_FUZZ_CHECK(v.empty(), v.empty() ? "" : (v[0].path + ": " + v[0].message).c_str());
    return 0;
  }
  json schema = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (schema.is_discarded()) return 0;
  auto compiled = JsonSchema::compile(schema);
  if (!compiled.ok()) {
    DD_FUZZ_CHECK(compiled.error().kind == ErrorKind::kInvalid, compiled.error().message().c_str());
    return 0;
  }
  const size_t limit = 1 + data[0] % 8;
  for (const json& instance :
       {json::parse(scan_result_schema_text()), schema, json(nullptr), json(std::string(text))}) {
    const auto v = compiled->validate(instance, limit);
    DD_FUZZ_CHECK(v.size() <= limit, "more violations than the limit");
  }
  return 0;
}

// Fuzz target: the prescription scanner on arbitrary OCR text (app/…/prescription_scanner.h).
// Invariants (the scanner's documented contract):
//   - scan() returns a result or Invalid("input"), never another kind, an exception or a crash;
//   - a result passes the JSON schema (validate_scan_result_json) and the traceability check
//     against the normalised input (every name and number comes from the text);
//   - its JSON round-trips through parse_scan_result (what a model's output goes through).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dailydrug/app/ocr_normalizer.h"
#include "dailydrug/app/prescription_scanner.h"
#include "dailydrug/app/scan_result.h"
#include "dailydrug/app/scan_schema.h"
#include "dailydrug/app/scan_traceability.h"
#include "fuzz_check.h"

using namespace dailydrug::app;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const PrescriptionScanner scanner;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = scanner.scan(text);
  if (!r.ok()) {
    DD_FUZZ_CHECK(r.error().kind == ErrorKind::kInvalid, r.error().message().c_str());
    return 0;
  }
  nlohmann::json j = *r;
  const auto violations = validate_scan_result_json(j);
  DD_FUZZ_CHECK(
      violations.empty(),
      violations.empty() ? "" : (violations[0].path + ": " + violations[0].message).c_str());
  auto doc = normalize_ocr_text(text);
  DD_FUZZ_CHECK(doc.ok(), "scan() succeeded but the normaliser refuses the text");
  const auto issues = check_traceability(*r, *doc);
  DD_FUZZ_CHECK(issues.empty(),
                issues.empty() ? "" : (issues[0].field + ": " + issues[0].message).c_str());
  const std::string dumped = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto back = parse_scan_result(dumped);
  DD_FUZZ_CHECK(back.ok(), back.ok() ? "" : back.error().message().c_str());
  DD_FUZZ_CHECK(nlohmann::json(*back) == j, "JSON round trip changed the result");
  return 0;
}

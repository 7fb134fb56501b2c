// Fuzz target: the web app's JSON API (frontends/server/app_api.h) on an in-memory store — what
// /api/medicines, /api/medicines/{id}, .../delete, /api/doses/{id}/take|skip, /api/today,
// /api/scan and /api/scan/save do with any body a client can send, and how /api/coach and
// /api/ask read theirs.
// Input: byte 0 picks the endpoint, byte 1 the id (or the day offset), the rest is the body.
// Invariants:
//   - every call returns a value or a typed ApiError with a 4xx/5xx status, never throws or
//   crashes;
//   - a 5xx is never the client's doing: only Storage (500) may come back, and it must not, on
//     an in-memory store;
//   - the store stays readable, and every medicine in it respects the bounds of
//     CreateScheduleParams (name and dosage of at most 100 characters, valid UTF-8, no control
//     characters in the name).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "app_api.h"
#include "dailydrug/app/clock.h"
#include "dailydrug/app/medication_store.h"
#include "dailydrug/app/schedule_params.h"
#include "dailydrug/llm/utf8.h"
#include "fuzz_check.h"

namespace dd = dailydrug::app;
namespace srv = dailydrug::server;
using nlohmann::json;

namespace {

dd::MedicationStore& store() {
  static auto clock =
      std::make_shared<dd::FixedClock>(dd::parse_local_date_time("2026-11-24T07:30").value());
  static auto opened = dd::MedicationStore::open_in_memory(clock);
  return *opened;
}

void check_error(const srv::ApiError& e) {
  DD_FUZZ_CHECK(e.http_status >= 400 && e.http_status < 600, e.message.c_str());
  DD_FUZZ_CHECK(e.http_status < 500, ("a 5xx from a client's body: " + e.message).c_str());
}

template <typename T>
void check(const srv::ApiResult<T>& r) {
  if (!r.ok()) check_error(r.error());
}

void check_store_bounds() {
  auto medicines = store().list_medicines();
  DD_FUZZ_CHECK(medicines.ok(), "the store is no longer readable");
  for (const dd::Medicine& m : *medicines) {
    DD_FUZZ_CHECK(!m.name.empty() && dailydrug::llm::is_valid_utf8(m.name), m.name.c_str());
    DD_FUZZ_CHECK(m.name.size() <= 4 * dd::kMaxNameChars, "a stored name past the bound");
    DD_FUZZ_CHECK(m.dosage.size() <= 4 * dd::kMaxDosageChars, "a stored dosage past the bound");
    for (const unsigned char c : m.name) {
      DD_FUZZ_CHECK(c >= 0x20 && c != 0x7F, "a control character in a stored name");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t op = data[0] % 9;
  const int64_t id = data[1] % 8;
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  auto body = srv::parse_body(text);
  if (!body.ok()) {
    check_error(body.error());
    return 0;
  }
  dd::MedicationStore& s = store();
  switch (op) {
    case 0:
      check(srv::add_medicine(s, *body));
      break;
    case 1:
      check(srv::edit_medicine(s, id, *body));
      break;
    case 2:
      check(srv::delete_medicine(s, id));
      break;
    case 3:
      check(srv::take_or_skip(s, id, true, *body));
      break;
    case 4:
      check(srv::take_or_skip(s, id, false, *body));
      break;
    case 5:
      check(srv::today_json(s, std::string(text.substr(0, 32))));
      break;
    case 6:
      check(srv::scan_text(*body));
      break;
    case 7:
      check(srv::scan_save(s, *body));
      break;
    case 8:
      check(srv::assistant_call(*body, srv::AssistantCall::Mode::kCoach));
      check(srv::assistant_call(*body, srv::AssistantCall::Mode::kAsk));
      check(srv::medicines_json(s));
      break;
  }
  check_store_bounds();
  return 0;
}

// Fuzz target: the HTTP server's request handling as pure functions
// (frontends/server/openai_api.h): parse_chat_completion_request on an arbitrary body, then for an
// accepted request the runtime request it becomes, and for a refused one the JSON error a client
// gets.
// Invariants: any body gives a request or a typed ApiError with a 4xx status — never an exception
// or a crash; an accepted request obeys the documented limits (messages present and valid UTF-8,
// the last from the user, at most kMaxStopStrings stops, max_tokens in range); the error JSON is
// valid JSON with an "error" object.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "openai_api.h"

using namespace dailydrug::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto r = parse_chat_completion_request(body);
  if (!r.ok()) {
    const ApiError& e = r.error();
    DD_FUZZ_CHECK(e.http_status >= 400 && e.http_status < 500, e.message.c_str());
    const std::string out = build_error_json(e);
    const auto j = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
    DD_FUZZ_CHECK(!j.is_discarded() && j.is_object() && j.contains("error"), out.c_str());
    return 0;
  }
  const ChatCompletionRequest& q = *r;
  DD_FUZZ_CHECK(!q.messages.empty(), "accepted without messages");
  DD_FUZZ_CHECK(q.messages.back().role == "user", "last message is not from the user");
  for (const auto& m : q.messages) {
    DD_FUZZ_CHECK(m.role == "system" || m.role == "user" || m.role == "assistant", "role");
    DD_FUZZ_CHECK(dailydrug::fuzz::valid_utf8(m.content), "message content is not UTF-8");
  }
  DD_FUZZ_CHECK(q.messages.size() <= kMaxMessages, "too many messages");
  DD_FUZZ_CHECK(q.stop.size() <= kMaxStopStrings, "too many stop strings");
  if (q.max_tokens) {
    DD_FUZZ_CHECK(*q.max_tokens >= 1 && *q.max_tokens <= kMaxTokensLimit, "max_tokens");
  }
  if (q.temperature) DD_FUZZ_CHECK(*q.temperature >= 0 && *q.temperature <= 2, "temperature");
  if (q.top_p) DD_FUZZ_CHECK(*q.top_p > 0 && *q.top_p <= 1, "top_p");
  (void)to_generation_request(q);
  return 0;
}

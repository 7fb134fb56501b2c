// Fuzz target: model_config.json parsing (ModelBundle::parse_config, runtime/…/bundle.h).
// Invariants: any text gives a config or ConfigurationInvalid(key) — never another kind, an
// exception or a crash; an accepted config's values are inside the documented ranges the
// runtime relies on (positive sizes, sampling values usable by the sampler).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "dailydrug/llm/bundle.h"
#include "fuzz_check.h"

using namespace dailydrug::llm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto r = ModelBundle::parse_config(text);
  if (!r.ok()) {
    DD_FUZZ_CHECK(r.error().kind == ErrorKind::kConfigurationInvalid, r.error().message().c_str());
    (void)r.error().message();
    return 0;
  }
  const BundleConfig& c = *r;
  DD_FUZZ_CHECK(c.vocab_size > 0, "vocab_size");
  DD_FUZZ_CHECK(c.context_length > 0, "context_length");
  DD_FUZZ_CHECK(c.max_tokens > 0, "max_tokens");
  DD_FUZZ_CHECK(std::isfinite(c.sampling.temperature) && c.sampling.temperature >= 0,
                "temperature");
  DD_FUZZ_CHECK(std::isfinite(c.sampling.top_p), "top_p");
  DD_FUZZ_CHECK(std::isfinite(c.sampling.repetition_penalty), "repetition_penalty");
  for (TokenId id : c.eos_ids) DD_FUZZ_CHECK(id >= 0 && id < c.vocab_size, "eos id");
  if (c.bos_id) DD_FUZZ_CHECK(*c.bos_id >= 0 && *c.bos_id < c.vocab_size, "bos id");
  for (const BundleFile& f : c.files) {
    DD_FUZZ_CHECK(!f.path.empty(), "empty file path");
    DD_FUZZ_CHECK(f.path.find("..") == std::string::npos || f.path.find('/') == std::string::npos,
                  "file path escapes the bundle folder");
    DD_FUZZ_CHECK(f.path.front() != '/', "absolute file path");
  }
  return 0;
}

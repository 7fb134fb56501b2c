// Fuzz target: reading tokenizer.json (runtime/src/tokenizer/tokenizer_json.cpp, the one-pass
// SAX reader, and load_hf_tokenizer over it) on arbitrary bytes. Differential: whenever nlohmann's
// json::parse accepts the text, our DOM equals its DOM with the captured BPE members emptied, and
// when it throws, we throw the same message. load_hf_tokenizer gives a tokenizer or
// TokenizerNotInitialized, never a crash; a tokenizer it gives encodes a fixed text.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "dailydrug/llm/tokenizer.h"
#include "fuzz_check.h"
#include "tokenizer/loaders.h"
#include "tokenizer/tokenizer_json.h"

using nlohmann::json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string ours_error, theirs_error;
  json ours, theirs;
  try {
    ours = dailydrug::llm::tok::parse_tokenizer_json(text).dom;
  } catch (const json::exception& e) {
    ours_error = e.what();
  }
  try {
    theirs = json::parse(text);
    if (theirs.is_object() && theirs.contains("model") && theirs["model"].is_object()) {
      json& m = theirs["model"];
      if (m.contains("vocab") && m["vocab"].is_object()) m["vocab"] = json::object();
      if (m.contains("merges") && m["merges"].is_array()) m["merges"] = json::array();
    }
  } catch (const json::exception& e) {
    theirs_error = e.what();
  }
  DD_FUZZ_CHECK(ours_error == theirs_error, "the same syntax errors as json::parse");
  if (ours_error.empty()) DD_FUZZ_CHECK(ours == theirs, "the same DOM as json::parse");

  auto tok = dailydrug::llm::tok::load_hf_tokenizer(text);
  if (!tok.ok()) {
    DD_FUZZ_CHECK(tok.error().kind == dailydrug::llm::ErrorKind::kTokenizerNotInitialized,
                  "a bad tokenizer.json is TokenizerNotInitialized");
  } else {
    (void)(*tok)->encode("hello 안녕 😀", true);
  }
  return 0;
}

// tokenizer.json read for loading (internal header): one pass of nlohmann's SAX parser that builds
// the DOM of everything except the BPE model's vocabulary and merges, which go straight into flat
// arrays. For Qwen2's tokenizer (11 MB, 151k tokens, 151k merges) the DOM of those two was most of
// the tokenizer's load time (building ~600k small nodes, then freeing them) and ~90 MB of memory.
//
// The DOM keeps an empty placeholder where a captured member was ("vocab": {}, "merges": []), so
// code that checks for the members still finds them. Members are captured only in their BPE form
// (model.vocab an object, model.merges an array); any other shape stays in the DOM, untouched.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dailydrug::llm::tok {

struct BpeTables {
  bool has_vocab = false;                                   // model.vocab was captured
  std::vector<std::pair<std::string, int64_t>> vocab;       // file order; a later duplicate wins
  bool has_merges = false;                                  // model.merges was captured
  std::vector<std::pair<std::string, std::string>> merges;  // "a b" and ["a", "b"] forms alike
  std::string error;  // the first malformed vocab or merge entry ("" = none)
};

// NOLINTNEXTLINE(bugprone-exception-escape): the implicit noexcept move of nlohmann::json
// cannot throw; the check does not see through its invariant assertions.
struct TokenizerJson {
  nlohmann::json dom;
  BpeTables bpe;
};

/// Parses `text` as json::parse does (strict JSON, the same exceptions on a syntax error).
TokenizerJson parse_tokenizer_json(std::string_view text);

}  // namespace dailydrug::llm::tok

// parse_tokenizer_json (runtime/src/tokenizer/tokenizer_json.h): one SAX pass that builds the DOM
// of tokenizer.json except the BPE vocabulary and merges, which it reads into flat tables. The
// reference is nlohmann's own json::parse on the same text: the DOMs must be equal once the two
// captured members are replaced by their placeholders, and syntax errors must be the same.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tokenizer/tokenizer_json.h"

using dailydrug::llm::tok::parse_tokenizer_json;
using nlohmann::json;

namespace {

/// json::parse's DOM with model.vocab / model.merges emptied as the capture leaves them.
json reference_dom(const std::string& text) {
  json j = json::parse(text);
  if (j.is_object() && j.contains("model") && j["model"].is_object()) {
    json& m = j["model"];
    if (m.contains("vocab") && m["vocab"].is_object()) m["vocab"] = json::object();
    if (m.contains("merges") && m["merges"].is_array()) m["merges"] = json::array();
  }
  return j;
}

const char* kSmall = R"({
  "version": "1.0", "truncation": null, "padding": null,
  "added_tokens": [{"id": 3, "content": "<|im_end|>", "special": true, "normalized": false}],
  "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}]},
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true},
  "decoder": {"type": "ByteLevel"},
  "model": {"type": "BPE", "dropout": null, "unk_token": null, "fuse_unk": false,
            "vocab": {"a": 0, "b": 1, "ab": 2, "<|im_end|>": 3, "a": 4, "c": 5.0},
            "merges": ["a b", ["ab", "c"]],
            "nested": {"vocab": {"x": 1}, "merges": ["x y"]}},
  "extra": [1, -2, 3.5, true, false, null, "s", {"vocab": {"q": 1}}, [[], {}]],
  "vocab": {"top-level": 1}
})";

TEST(TokenizerJsonTest, DomEqualsJsonParseWithTheTwoMembersCaptured) {
  const auto parsed = parse_tokenizer_json(kSmall);
  EXPECT_EQ(parsed.dom, reference_dom(kSmall));
  ASSERT_TRUE(parsed.bpe.has_vocab);
  ASSERT_TRUE(parsed.bpe.has_merges);
  EXPECT_TRUE(parsed.bpe.error.empty()) << parsed.bpe.error;
  // File order, duplicates kept (the model lets the later one win); 5.0 reads as 5.
  const std::vector<std::pair<std::string, int64_t>> vocab = {
      {"a", 0}, {"b", 1}, {"ab", 2}, {"<|im_end|>", 3}, {"a", 4}, {"c", 5}};
  EXPECT_EQ(parsed.bpe.vocab, vocab);
  const std::vector<std::pair<std::string, std::string>> merges = {{"a", "b"}, {"ab", "c"}};
  EXPECT_EQ(parsed.bpe.merges, merges);
  // Only the model's own members are captured: model.nested and the top level stay in the DOM.
  EXPECT_EQ(parsed.dom["model"]["nested"]["vocab"]["x"], 1);
  EXPECT_EQ(parsed.dom["vocab"]["top-level"], 1);
}

TEST(TokenizerJsonTest, OtherShapesStayInTheDom) {
  // A Unigram-style vocabulary (an array of pairs) and a merges object are not BPE tables.
  const std::string text =
      R"({"model": {"type": "Unigram", "vocab": [["a", -1.5], ["b", -2.0]], "merges": {"k": 1}}})";
  const auto parsed = parse_tokenizer_json(text);
  EXPECT_FALSE(parsed.bpe.has_vocab);
  EXPECT_FALSE(parsed.bpe.has_merges);
  EXPECT_EQ(parsed.dom, json::parse(text));
}

TEST(TokenizerJsonTest, MalformedEntriesAreReportedNotThrown) {
  const struct {
    const char* text;
    const char* error_part;
  } cases[] = {
      {R"({"model": {"vocab": {"a": "zero"}}})", "BPE vocab id for 'a' is not a number"},
      {R"({"model": {"vocab": {"a": [0]}}})", "BPE vocab id for 'a' is not a number"},
      {R"({"model": {"vocab": {"a": {"id": 0}}}})", "BPE vocab id for 'a' is not a number"},
      {R"({"model": {"merges": ["a b c"]}})", "malformed BPE merge 'a b c'"},
      {R"({"model": {"merges": ["ab"]}})", "malformed BPE merge 'ab'"},
      {R"({"model": {"merges": [["a"]]}})", "an array of 1 strings"},
      {R"({"model": {"merges": [["a", "b", "c"]]}})", "an array of 3 strings"},
      {R"({"model": {"merges": [7]}})", "a number"},
      {R"({"model": {"merges": [["a", 7]]}})", "a number in a pair"},
      {R"({"model": {"merges": [{"a": "b"}]}})", "an object"},
      {R"({"model": {"merges": [["a", ["b"]]]}})", "a nested array"},
      {R"({"model": {"vocab": {"a": true}}})", "BPE vocab id for 'a' is not a number"},
      {R"({"model": {"vocab": {"a": null, "b": 1}}})", "BPE vocab id for 'a' is not a number"},
      {R"({"model": {"merges": [null]}})", "malformed BPE merge (null)"},
      {R"({"model": {"merges": [["a", false]]}})", "malformed BPE merge (boolean)"},
      // found by fuzz_tokenizer_json: a boolean inside a skipped malformed vocab entry
      {R"({"model": {"vocab": {"s": [{"special": true}], "b": 1}}})", "is not a number"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto parsed = parse_tokenizer_json(c.text);
    EXPECT_NE(parsed.bpe.error.find(c.error_part), std::string::npos) << parsed.bpe.error;
    EXPECT_EQ(parsed.dom, reference_dom(c.text));  // the rest of the document is intact
  }
}

TEST(TokenizerJsonTest, SyntaxErrorsThrowWhatJsonParseThrows) {
  for (const char* text : {"", "{", R"({"model": {"vocab": {"a": 1,}}})", "[1, 2", "nul",
                           R"({"a": 1} trailing)", R"({"model": {"merges": ["a b")"}) {
    SCOPED_TRACE(text);
    std::string ours, theirs;
    try {
      const auto parsed = parse_tokenizer_json(text);
      (void)parsed;
    } catch (const json::exception& e) {
      ours = e.what();
    }
    try {
      const json j = json::parse(text);
      (void)j;
    } catch (const json::exception& e) {
      theirs = e.what();
    }
    EXPECT_FALSE(theirs.empty());
    EXPECT_EQ(ours, theirs);
  }
}

#ifdef DD_REAL_TOKENIZER
// The real SmolLM2 tokenizer.json: the DOM equals json::parse's and every vocab entry and merge
// is captured.
TEST(TokenizerJsonTest, RealTokenizerFile) {
  std::ifstream in(DD_REAL_TOKENIZER, std::ios::binary);
  ASSERT_TRUE(in) << DD_REAL_TOKENIZER;
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const auto parsed = parse_tokenizer_json(text);
  EXPECT_EQ(parsed.dom, reference_dom(text));
  const json full = json::parse(text);
  EXPECT_EQ(parsed.bpe.vocab.size(), full["model"]["vocab"].size());
  EXPECT_EQ(parsed.bpe.merges.size(), full["model"]["merges"].size());
  EXPECT_TRUE(parsed.bpe.error.empty());
}
#endif

}  // namespace

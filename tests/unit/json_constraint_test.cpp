// Constrained decoding: the JSON Schema grammar, the byte matcher, the token mask, and the runner
// generating schema-valid JSON from a random tiny model. Validity is judged by nlohmann::json
// (parsing) and by the app's independent JsonSchema validator.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <random>

#include <nlohmann/json.hpp>

#include "dailydrug/app/json_schema_check.h"
#include "dailydrug/app/scan_schema.h"
#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/json_constraint.h"
#include "dailydrug/llm/runner.h"
#include "dailydrug/llm/tokenizer.h"

namespace dailydrug::llm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::shared_ptr<const JsonGrammar> grammar(const std::string& schema) {
  auto g = JsonGrammar::compile(schema);
  EXPECT_TRUE(g.ok()) << (g.ok() ? "" : g.error().message());
  return g.ok() ? *g : nullptr;
}

/// Feeds `text`; true when every byte is accepted and the value is complete.
bool accepts(const std::shared_ptr<const JsonGrammar>& g, std::string_view text) {
  JsonMatcher m(g);
  return m.advance(text) && m.can_end();
}

/// Feeds `text`; true when every byte is accepted (a valid prefix).
bool prefix_ok(const std::shared_ptr<const JsonGrammar>& g, std::string_view text) {
  JsonMatcher m(g);
  return m.advance(text);
}

const char* kMedication = R"({
  "type": "object",
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 20},
    "times_per_day": {"type": ["integer", "null"], "minimum": 1, "maximum": 24},
    "timing": {"enum": ["식전", "식후", "취침전", null]},
    "time_slots": {"type": "array", "maxItems": 4,
                   "items": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}},
    "note": {"type": "string", "maxLength": 10}
  },
  "required": ["name", "times_per_day", "timing", "time_slots"],
  "additionalProperties": false
})";

TEST(JsonGrammarTest, AcceptsValidDocumentsWithWhitespace) {
  auto g = grammar(kMedication);
  EXPECT_TRUE(accepts(
      g,
      R"({"name":"타이레놀","times_per_day":3,"timing":"식후","time_slots":["08:00","13:00","19:00"]})"));
  EXPECT_TRUE(accepts(
      g,
      R"({ "name": "a", "times_per_day": null, "timing": null, "time_slots": [], "note": "x\"y" })"));
  EXPECT_TRUE(accepts(g,
                      "{\n  \"name\": \"a\",\n  \"times_per_day\": 24,\n  \"timing\": "
                      "\"취침전\",\n  \"time_slots\": [\"23:59\"]\n}"));
}

TEST(JsonGrammarTest, RejectsWhatTheSchemaForbids) {
  auto g = grammar(kMedication);
  // Out of range, wrong type, unknown enum, bad pattern, missing required, extra property.
  EXPECT_FALSE(prefix_ok(g, R"({"name":"a","times_per_day":25)"));
  EXPECT_FALSE(prefix_ok(g, R"({"name":"a","times_per_day":0)"));
  EXPECT_FALSE(prefix_ok(g, R"({"name":"a","times_per_day":-)"));
  EXPECT_FALSE(prefix_ok(g, R"({"name":"a","times_per_day":"3")"));
  EXPECT_FALSE(prefix_ok(g, R"({"name":"a","times_per_day":3,"timing":"식간")"));
  EXPECT_FALSE(
      prefix_ok(g, R"({"name":"a","times_per_day":3,"timing":null,"time_slots":["24:00")"));
  EXPECT_FALSE(prefix_ok(g, R"({"name":"a","times_per_day":3,"timing":null,"time_slots":["8:00")"));
  EXPECT_FALSE(prefix_ok(g, R"({"name":"a","timing")"));  // times_per_day skipped
  EXPECT_FALSE(prefix_ok(g, R"({"name":"a","times_per_day":3,"timing":null})"));
  EXPECT_FALSE(prefix_ok(g, R"({"name":"a","times_per_day":3,"timing":null,"time_slots":[],"x")"));
  EXPECT_FALSE(prefix_ok(g, R"({"name":"")"));                       // minLength 1
  EXPECT_FALSE(prefix_ok(g, R"({"name":"abcdefghijklmnopqrstu")"));  // maxLength 20
  EXPECT_FALSE(prefix_ok(
      g,
      R"({"name":"a","times_per_day":3,"timing":null,"time_slots":["08:00","08:01","08:02","08:03",)"));
  // Not JSON at all: trailing garbage, control characters, \u escapes, bad UTF-8.
  EXPECT_FALSE(prefix_ok(g, R"({"name":"a"} )"));
  EXPECT_FALSE(prefix_ok(g, "{\"name\":\"a\nb\""));
  EXPECT_FALSE(prefix_ok(g, R"({"name":"\u0041")"));
  EXPECT_FALSE(prefix_ok(g, "{\"name\":\"\xC3\x28\""));
  EXPECT_FALSE(prefix_ok(g, "{\"name\":\"\xED\xA0\x80\""));  // a UTF-16 surrogate
  EXPECT_FALSE(prefix_ok(g, "{\"name\":\"\xF5\x80\x80\x80\""));
}

TEST(JsonGrammarTest, APrefixThatCannotCompleteIsRejectedEarly) {
  auto g = grammar(kMedication);
  // "3" may become "3" (ok) but never "30".."39" (over 24): the second digit is refused.
  EXPECT_TRUE(prefix_ok(g, R"({"name":"a","times_per_day":2)"));
  EXPECT_TRUE(prefix_ok(g, R"({"name":"a","times_per_day":24)"));
  EXPECT_FALSE(prefix_ok(g, R"({"name":"a","times_per_day":30)"));
  // A Hangul lead byte where the pattern wants a digit is refused at the lead byte.
  EXPECT_FALSE(
      prefix_ok(g, "{\"name\":\"a\",\"times_per_day\":3,\"timing\":null,\"time_slots\":[\"\xEC"));
  // Whitespace runs are bounded, so a model cannot stall forever between tokens.
  EXPECT_TRUE(prefix_ok(g, "{\n      "));
  EXPECT_FALSE(prefix_ok(g, "{" + std::string(9, ' ')));
}

TEST(JsonGrammarTest, NumbersLiteralsAndUnions) {
  auto num = grammar(R"({"type":"number","minimum":0,"maximum":5.5})");
  EXPECT_TRUE(accepts(num, "0"));
  EXPECT_TRUE(accepts(num, "5.25"));
  EXPECT_FALSE(accepts(num, "5.75"));
  EXPECT_FALSE(prefix_ok(num, "-"));
  EXPECT_FALSE(prefix_ok(num, "6"));
  EXPECT_FALSE(prefix_ok(num, "01"));
  auto any_num = grammar(R"({"type":"number"})");
  EXPECT_TRUE(accepts(any_num, "-12.5e+3"));
  EXPECT_FALSE(accepts(any_num, "1."));
  EXPECT_FALSE(accepts(any_num, "1e"));
  auto lits = grammar(R"({"enum":[1, 10, "a", true, null, {"k":[1]}]})");
  for (const char* ok : {"1", "10", "\"a\"", "true", "null", "{\"k\":[1]}"}) {
    EXPECT_TRUE(accepts(lits, ok)) << ok;
  }
  EXPECT_FALSE(accepts(lits, "100"));
  EXPECT_FALSE(accepts(lits, "tru"));
  auto u =
      grammar(R"({"anyOf":[{"type":"string","maxLength":2},{"type":"integer"},{"type":"null"}]})");
  EXPECT_TRUE(accepts(u, "\"ab\""));
  EXPECT_TRUE(accepts(u, "-7"));
  EXPECT_TRUE(accepts(u, "null"));
  EXPECT_FALSE(accepts(u, "1.5"));
  EXPECT_FALSE(prefix_ok(u, "\"abc"));
}

TEST(JsonGrammarTest, FreeObjectsRefsAndRecursion) {
  auto obj = grammar(R"({"type":"object"})");
  EXPECT_TRUE(accepts(obj, R"({"a":[1,{"b":null}],"c":"d","한":true})"));
  EXPECT_TRUE(accepts(obj, "{}"));
  EXPECT_FALSE(prefix_ok(obj, "["));
  EXPECT_FALSE(accepts(obj, R"({"a":1,})"));
  EXPECT_TRUE(accepts(JsonGrammar::any_object(), R"({"x":{"y":[]}})"));
  auto tree = grammar(R"({"$ref":"#/$defs/node","$defs":{"node":{"type":"object",
      "properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},
      "required":["v"]}}})");
  EXPECT_TRUE(accepts(tree, R"({"v":1,"kids":[{"v":2},{"v":3,"kids":[]}]})"));
  EXPECT_FALSE(prefix_ok(tree, R"({"v":1,"kids":[{"kids")"));
}

TEST(JsonGrammarTest, UnsupportedOrBrokenSchemasAreConfigurationInvalid) {
  for (const char* bad : {
           "not json",
           R"({"type":"object","patternProperties":{}})",
           R"({"$ref":"#/$defs/missing"})",
           R"({"$ref":"http://example.com/s.json"})",
           R"({"anyOf":[{"type":"string"},{"type":"string","maxLength":3}]})",
           R"J({"type":"string","pattern":"(?=a)"})J",
           R"({"type":"string","pattern":"[b-a]"})",
           R"({"type":"integer","minimum":5,"maximum":4})",
           R"({"type":"array","minItems":3,"maxItems":2})",
           R"({"type":"object","required":["a"]})",
           R"({"type":"wat"})",
           R"(false)",
       }) {
    auto g = JsonGrammar::compile(bad);
    ASSERT_FALSE(g.ok()) << bad;
    EXPECT_EQ(g.error().kind, ErrorKind::kConfigurationInvalid) << bad;
    EXPECT_EQ(g.error().subject, "json_schema");
  }
}

// A grammar node no finite text matches would let the matcher start a value it can never finish.
TEST(JsonGrammarTest, SchemasWithoutAFiniteValueAreConfigurationInvalid) {
  for (const char* bad : {
           R"({"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"})",
           R"({"type":"object","properties":{"self":{"$ref":"#"}},"required":["self"]})",
           R"({"type":"array","minItems":1,"items":{"$ref":"#"}})",
           R"({"type":"object","properties":{"a":{"type":"object","properties":{"b":{"$ref":"#"}},
               "required":["b"]}},"required":["a"]})",
       }) {
    auto g = JsonGrammar::compile(bad);
    ASSERT_FALSE(g.ok()) << bad;
    EXPECT_EQ(g.error().kind, ErrorKind::kConfigurationInvalid) << bad;
    EXPECT_NE(g.error().message().find("no finite JSON value"), std::string::npos) << bad;
  }
  // Recursion with a way out (optional, an empty array, another branch) still compiles.
  for (const char* good : {
           R"({"type":"object","properties":{"self":{"$ref":"#"}}})",
           R"({"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#"}}},
               "required":["kids"]})",
           R"({"anyOf":[{"type":"null"},{"type":"array","minItems":1,"items":{"$ref":"#"}}]})",
       }) {
    EXPECT_NE(grammar(good), nullptr) << good;
  }
}

/// `walks` random walks over the bytes of `alphabet` the matcher accepts, of at most `steps`
/// bytes each; every walk that completes a value must parse and satisfy `validator`. Returns how
/// many completed.
int random_walks_validate(const std::shared_ptr<const JsonGrammar>& g,
                          const app::JsonSchema& validator, const std::string& alphabet,
                          uint32_t seed, int walks, int steps) {
  std::mt19937 rng(seed);
  int completed = 0;
  for (int walk = 0; walk < walks; ++walk) {
    JsonMatcher m(g);
    std::string text;
    for (int step = 0; step < steps && !m.finished(); ++step) {
      std::vector<char> options;
      for (char c : alphabet) {
        JsonMatcher probe(m);
        if (probe.advance(std::string_view(&c, 1))) options.push_back(c);
      }
      if (options.empty()) break;
      const char c = options[std::uniform_int_distribution<size_t>(0, options.size() - 1)(rng)];
      EXPECT_TRUE(m.advance(std::string_view(&c, 1)));
      text += c;
    }
    if (!m.finished()) continue;
    ++completed;
    json doc = json::parse(text, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << text;
    if (doc.is_discarded()) continue;
    auto violations = validator.validate(doc);
    EXPECT_TRUE(violations.empty())
        << text << "\n"
        << violations.front().path << ": " << violations.front().message;
  }
  return completed;
}

/// Printable ASCII plus `extra` (the bytes of some Hangul text).
std::string walk_alphabet(const std::string& extra) {
  std::string alphabet;
  for (char c = ' '; c <= '~'; ++c) alphabet += c;
  return alphabet + extra;
}

/// Random walks over the matcher's accepted bytes: every completed value parses and validates.
TEST(JsonGrammarTest, RandomWalksProduceValidDocuments) {
  auto validator = app::JsonSchema::compile(json::parse(kMedication));
  ASSERT_TRUE(validator.ok());
  EXPECT_GT(random_walks_validate(grammar(kMedication), *validator, walk_alphabet("\n식전후취침"),
                                  7, 300, 400),
            50);
}

/// The trie walk must give exactly what checking every token on its own gives.
void expect_mask_matches_brute_force(const Tokenizer& tok, const std::string& schema,
                                     const std::vector<std::string>& prefixes) {
  auto g = grammar(schema);
  TokenMask mask(tok);
  std::vector<uint8_t> allowed;
  for (const auto& prefix : prefixes) {
    JsonMatcher m(g);
    ASSERT_TRUE(m.advance(prefix)) << prefix;
    const size_t n = mask.allowed(m, allowed);
    size_t brute = 0;
    for (TokenId id = 0; id < tok.vocab_size(); ++id) {
      const std::string bytes = tok.token_bytes(id);
      bool ok = !tok.is_special(id) && !bytes.empty();
      if (ok) {
        JsonMatcher probe(g);
        probe.assign(m);
        ok = probe.advance(bytes);
      }
      brute += ok;
      ASSERT_EQ(allowed[static_cast<size_t>(id)], ok ? 1 : 0)
          << "prefix " << prefix << " token " << id << " '" << bytes << "'";
    }
    EXPECT_EQ(n, brute);
  }
}

TEST(TokenMaskTest, MatchesBruteForceOnTheTinyTokenizer) {
  const auto path = fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle" / "tokenizer.json";
  auto tok = load_tokenizer(path.string());
  ASSERT_TRUE(tok.ok()) << tok.error().message();
  expect_mask_matches_brute_force(**tok, kMedication,
                                  {"", "{", R"({"name":"ab)", R"({"name":"a","times_per_day":2)",
                                   "{\"name\":\"a\",\"times_per_day\":3,\"timing\":\"\xEC\x8B"});
}

TEST(TokenMaskTest, MatchesBruteForceOnSmolLm2Tokenizer) {
  const auto path = fs::path(DD_SOURCE_DIR) / ".cache" / "bundles" / "default" / "tokenizer.json";
  if (!fs::exists(path)) GTEST_SKIP() << "no default bundle (scripts/setup.sh makes it)";
  auto tok = load_tokenizer(path.string());
  ASSERT_TRUE(tok.ok()) << tok.error().message();
  expect_mask_matches_brute_force(
      **tok, kMedication,
      {"", "{ ", R"({"name":"Tylenol)", R"({"name":"a","times_per_day":)",
       R"({"name":"a","times_per_day":1)", R"({"name":"a","times_per_day":3,"timing":"식)",
       R"({"name":"a","times_per_day":3,"timing":null,"time_slots":["0)"});
}

// Strings are where TokenMask::allowed takes its shortcut (the tokens that stay in a string's
// body, the tails of those that leave it): free and bounded strings, before and past minLength,
// with room for any token and for a few characters, after a backslash, inside a character, in
// an array, and a pattern (no shortcut).
const char* kStrings = R"({
  "type": "object",
  "properties": {
    "a": {"type": "string"},
    "b": {"type": "string", "minLength": 3, "maxLength": 5},
    "c": {"type": "string", "maxLength": 40},
    "d": {"type": "array", "items": {"type": "string"}},
    "e": {"type": "string", "pattern": "^[a-z]+$"}
  },
  "required": ["a", "b", "c", "d", "e"],
  "additionalProperties": false
})";

const std::vector<std::string> kStringPrefixes = {
    R"({"a":")",
    R"({"a":"hello wor)",
    R"({"a":"x\)",
    R"({"a":"x\n)",
    "{\"a\":\"\xED\x95",
    R"({"a":"ok","b":")",
    R"({"a":"ok","b":"ab)",
    R"({"a":"ok","b":"abc)",
    R"({"a":"ok","b":"abcd)",
    R"({"a":"ok","b":"abc","c":")",
    R"({"a":"ok","b":"abc","c":"0123456789012345678901234567890123456)",
    R"({"a":"ok","b":"abc","c":"","d":["x)",
    R"({"a":"ok","b":"abc","c":"","d":["x",")",
    R"({"a":"ok","b":"abc","c":"","d":[],"e":"ab)"};

TEST(TokenMaskTest, StringShortcutMatchesBruteForceOnThreeVocabularies) {
  std::vector<fs::path> paths = {
      fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle" / "tokenizer.json",
      fs::path(DD_TEST_DATA_DIR) / "smollm2-135m-instruct" / "tokenizer.json",
      fs::path(DD_SOURCE_DIR) / ".cache" / "bundles" / "default" / "tokenizer.json"};
  for (const auto& path : paths) {
    if (!fs::exists(path)) {
      ADD_FAILURE() << "missing " << path << " (scripts/test.sh makes or finds it)";
      continue;
    }
    auto tok = load_tokenizer(path.string());
    ASSERT_TRUE(tok.ok()) << tok.error().message();
    SCOPED_TRACE(path.string());
    expect_mask_matches_brute_force(**tok, kStrings, kStringPrefixes);
  }
}

class ConstrainedRunnerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto dir = fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle";
    auto bundle = ModelBundle::open(dir.string());
    ASSERT_TRUE(bundle.ok()) << bundle.error().message();
    auto runner = Runner::from_bundle(*bundle);
    ASSERT_TRUE(runner.ok()) << runner.error().message();
    runner_ = std::move(*runner).release();
  }
  static void TearDownTestSuite() {
    delete runner_;
    runner_ = nullptr;
  }
  static Runner* runner_;
};
Runner* ConstrainedRunnerTest::runner_ = nullptr;

TEST_F(ConstrainedRunnerTest, RandomModelStillWritesSchemaValidJson) {
  const std::string schema = R"({"type":"object","properties":{
      "n":{"type":"integer","minimum":1,"maximum":24},
      "t":{"enum":["식전","식후",null]}},
    "required":["n","t"],"additionalProperties":false})";
  auto validator = app::JsonSchema::compile(json::parse(schema));
  ASSERT_TRUE(validator.ok());
  int complete = 0;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    GenerationRequest req;
    req.prompt = "hi";
    req.raw = true;  // the tiny model's context is 64 tokens: keep them for the answer
    req.temperature = 1.5f;
    req.top_k = 0;
    req.top_p = 1.0f;
    req.seed = seed;
    req.max_output_tokens = 60;  // clamped to what the 64-token context leaves
    req.json_schema = schema;
    std::string streamed;
    auto resp = runner_->generate(req, [&](std::string_view p) { streamed += p; });
    ASSERT_TRUE(resp.ok()) << resp.error().message();
    EXPECT_EQ(streamed, resp->text);
    if (resp->finish_reason == FinishReason::kLength) {  // the budget ran out mid-value
      std::cerr << "seed " << seed << ": length after " << resp->usage.output_tokens
                << " tokens: " << resp->text << "\n";
      continue;
    }
    ++complete;
    json doc = json::parse(resp->text, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << resp->text;
    EXPECT_TRUE(validator->validate(doc).empty()) << resp->text;
  }
  EXPECT_GE(complete, 6);
}

TEST_F(ConstrainedRunnerTest, GreedyConstrainedIsDeterministicAndPlainGenerationUnaffected) {
  GenerationRequest req;
  req.prompt = "hi";
  req.temperature = 0.0f;
  req.max_output_tokens = 40;
  req.json_schema = R"({"type":"array","items":{"type":"boolean"},"minItems":1,"maxItems":3})";
  auto a = runner_->generate(req);
  auto b = runner_->generate(req);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->text, b->text);
  EXPECT_EQ(a->finish_reason, FinishReason::kStop);
  json doc = json::parse(a->text, nullptr, false);
  ASSERT_TRUE(doc.is_array()) << a->text;
  EXPECT_GE(doc.size(), 1u);
  EXPECT_LE(doc.size(), 3u);
  req.json_schema.reset();
  auto plain = runner_->generate(req);
  ASSERT_TRUE(plain.ok());
  EXPECT_NE(plain->text, a->text);
}

TEST_F(ConstrainedRunnerTest, BadSchemaIsConfigurationInvalidBeforeAnyWork) {
  GenerationRequest req;
  req.prompt = "hi";
  req.json_schema = R"({"type":"string","format":"email","contentEncoding":"base64"})";
  auto r = runner_->generate(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kConfigurationInvalid);
  EXPECT_EQ(r.error().subject, "json_schema");
}

/// The app's validator is the reference for the grammar: on the scan result schema (the schema
/// both sides check in the product), every document the grammar lets a model write validates.
TEST(JsonGrammarTest, RandomWalksOverTheScanResultSchemaValidateWithTheAppValidator) {
  auto compiled = JsonGrammar::compile(std::string(app::scan_result_schema_text()));
  ASSERT_TRUE(compiled.ok()) << compiled.error().message();
  const auto& validator = app::scan_result_schema();
  ASSERT_TRUE(validator.ok());
  EXPECT_GT(
      random_walks_validate(*compiled, *validator, walk_alphabet("\n정mg일회식후"), 11, 200, 3000),
      20);
}

}  // namespace
}  // namespace dailydrug::llm

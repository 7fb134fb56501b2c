// Regression tests for the bugs the fuzzers (tests/fuzz) found, one case per bug, each with the
// input that showed it (docs/RELIABILITY.md lists them).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dailydrug/app/json_schema_check.h"
#include "dailydrug/app/prescription_scanner.h"
#include "dailydrug/app/scan_result.h"
#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/json_constraint.h"
#include "dailydrug/llm/tokenizer.h"
#include "reliability_util.h"

using namespace dailydrug::llm;
using namespace dailydrug::reliability;

namespace {

const fs::path kTinyBundle = fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle";

std::string stream_all(const Tokenizer& t, const std::vector<TokenId>& ids) {
  StreamingDecoder d(t, /*skip_special=*/true);
  std::string out;
  for (TokenId id : ids) out += d.push(id);
  return out + d.flush();
}

}  // namespace

// fuzz_tokenizer_spm: a control piece (</s>) between byte-fallback pieces ends the byte run in
// SentencePiece's decode, but the streaming decoder dropped skipped specials before decoding, so
// <0xDE> </s> <0xBE> streamed as U+07BE where decode() gives two U+FFFD. fuzz_tokenizer_hf, on
// the first fix: tokenizer.json drops specials *before* its decoders, so there the runs join
// (<0x69> <s> <0xC1> is one invalid run, two U+FFFD, as the reference decodes it), and the decoder
// must not emit "i" when the special arrives either.
TEST(FuzzRegressionTest, StreamingDecoderKeepsSpecialTokensBetweenByteTokens) {
  for (const char* file : {"spm_bpe.model", "llama2_style.tokenizer.json"}) {
    SCOPED_TRACE(file);
    auto t = load_tokenizer(std::string(DD_TEST_WORK_DIR) + "/tokenizer/" + file);
    ASSERT_TRUE(t.ok()) << t.error().message();
    const auto de = (*t)->token_to_id("<0xDE>"), be = (*t)->token_to_id("<0xBE>");
    const auto i = (*t)->token_to_id("<0x69>"), c1 = (*t)->token_to_id("<0xC1>");
    const auto eos = (*t)->eos_id();
    ASSERT_TRUE(de && be && i && c1 && eos);
    for (const std::vector<TokenId>& ids :
         {std::vector<TokenId>{*de, *eos, *be}, std::vector<TokenId>{*de, *de, *eos, *be, *de},
          std::vector<TokenId>{*eos, *de, *be}, std::vector<TokenId>{*de, *be, *eos},
          std::vector<TokenId>{*i, *eos, *c1}, std::vector<TokenId>{*i, *eos, *eos, *c1, *i}}) {
      auto whole = (*t)->decode(ids, /*skip_special=*/true);
      ASSERT_TRUE(whole.ok());
      EXPECT_EQ(stream_all(**t, ids), *whole);
    }
  }
}

// fuzz_model_config: numbers that do not fit the field were converted anyway — a float out of an
// integer's range is undefined behaviour (UBSan: "1e+300 is outside the range of representable
// values of type 'long'"), 3.7 was truncated to 3, 2^40 wrapped to 0 (a valid bos id), true
// became temperature 1.0. Each is now ConfigurationInvalid naming the key; 64.0 is still 64.
TEST(FuzzRegressionTest, ConfigNumbersThatDoNotFitAreConfigurationInvalid) {
  const auto good = nlohmann::json::parse(read_file(kTinyBundle / "model_config.json"));
  ASSERT_TRUE(ModelBundle::parse_config(good.dump()).ok());
  auto with = [&](const std::string& key, const nlohmann::json& value) {
    auto j = good;
    j[key] = value;
    return ModelBundle::parse_config(j.dump());
  };
  const std::vector<std::pair<std::string, nlohmann::json>> bad = {
      {"vocab_size", 1e300},
      {"vocab_size", 3.7},
      {"context_length", -1e300},
      {"max_tokens", 1e19},
      {"bos_id", int64_t{1} << 40},
      {"bos_id", 1.5},
      {"eos_ids", {int64_t{1} << 32}},
      {"eos_ids", {1e20}},
      {"eos_ids", {"2"}},
      {"top_k", 1e20},
      {"temperature", true},
      {"temperature", 1e300},
      {"top_p", "0.9"},
      {"vocab_size", uint64_t{18446744073709551615ull}},
  };
  for (const auto& [key, value] : bad) {
    auto r = with(key, value);
    ASSERT_FALSE(r.ok()) << key << " = " << value.dump();
    EXPECT_EQ(r.error().kind, ErrorKind::kConfigurationInvalid);
    EXPECT_EQ(r.error().subject, key) << r.error().message();
  }
  auto files = good;
  files["files"][0]["size_bytes"] = -1;
  EXPECT_EQ(ModelBundle::parse_config(files.dump()).error().subject, "size_bytes");
  auto mem = good;
  mem["memory_settings"]["max_cache_tokens"] = 1e300;
  EXPECT_EQ(ModelBundle::parse_config(mem.dump()).error().subject, "max_cache_tokens");
  // Integers still work, also written as 64.0 (as some JSON writers do), and an integer
  // temperature.
  EXPECT_TRUE(with("context_length", 64).ok());
  EXPECT_TRUE(with("context_length", 64.0).ok());
  EXPECT_TRUE(with("temperature", 0).ok());
}

// The bundle and tokenizer.json format versions are checked (fault matrix, wrong-version case):
// a newer bundle is ConfigurationInvalid("format_version"), a tokenizer.json other than "1.0"
// TokenizerNotInitialized, as the reference `tokenizers` package refuses it.
TEST(FuzzRegressionTest, UnknownFormatVersionsAreRefused) {
  auto cfg = nlohmann::json::parse(read_file(kTinyBundle / "model_config.json"));
  cfg["format_version"] = 2;
  auto r = ModelBundle::parse_config(cfg.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().subject, "format_version");
  cfg.erase("format_version");
  EXPECT_TRUE(ModelBundle::parse_config(cfg.dump()).ok()) << "bundles from before the key";
  ScratchDir dir;
  auto tok = nlohmann::json::parse(read_file(kTinyBundle / "tokenizer.json"));
  for (const nlohmann::json& v : {nlohmann::json("2.0"), nlohmann::json(1)}) {
    tok["version"] = v;
    write_file(dir / "tokenizer.json", tok.dump());
    auto t = load_tokenizer((dir / "tokenizer.json").string());
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().kind, ErrorKind::kTokenizerNotInitialized);
  }
}

// fuzz_scan: an interval abbreviation with a huge number ("q555…5h" in garbled OCR text) made the
// dosage lexer call std::stoi past INT_MAX, which threw std::out_of_range through scan() and
// terminated `dailydrug scan`. Such a number is read as an ordinary word, and the rest of the line
// still reads.
TEST(FuzzRegressionTest, HugeIntervalNumberInOcrTextIsAWordNotACrash) {
  const dailydrug::app::PrescriptionScanner scanner;
  const std::string fuzz_input =
      "Rx: Metimes_per_d 249mg  1T q555555555555555555555555555555555555555555555555555555555555"
      "555555555555555555555512h pc x 7 days";
  auto r = scanner.scan(fuzz_input);
  ASSERT_TRUE(r.ok()) << r.error().message();
  for (const char* text : {"아목시실린 500mg 1T q99999999999h 5일분", "타이레놀 1정 q8h 3일분"}) {
    auto s = scanner.scan(text);
    ASSERT_TRUE(s.ok()) << text;
    ASSERT_EQ(s->medications.size(), 1u) << text;
    EXPECT_EQ(s->medications[0].duration_days, std::string(text).find("5일") != std::string::npos
                                                   ? std::optional<int>(5)
                                                   : std::optional<int>(3));
  }
}

// fuzz_json_constraint: in an object whose keys are free (no "properties"), the matcher checked
// only that continuation bytes were 0x80–0xBF, so it accepted the overlong E0 84 8B in a key and
// constrained decoding could emit a reply that is not JSON (ill-formed UTF-8). Keys now get the
// same well-formedness check as string values.
TEST(FuzzRegressionTest, ConstrainedObjectKeysAreWellFormedUtf8) {
  auto g = JsonGrammar::compile(R"({"type":"object"})");
  ASSERT_TRUE(g.ok()) << g.error().message();
  for (const char* bad : {"\xE0\x84", "\xED\xA0", "\xF0\x80", "\xF4\x90"}) {
    JsonMatcher m(*g);
    ASSERT_TRUE(m.advance("{\"k"));
    ASSERT_TRUE(m.advance_byte(static_cast<uint8_t>(bad[0])));
    EXPECT_FALSE(m.advance_byte(static_cast<uint8_t>(bad[1])))
        << "accepted " << ::testing::PrintToString(bad);
  }
  JsonMatcher ok(*g);
  EXPECT_TRUE(ok.advance("{\"\xED\x95\x9C\xF0\x9F\x92\x8A\":1}"));  // 한💊
  EXPECT_TRUE(ok.can_end());
}

// fuzz_json_constraint: a client's schema with a non-boolean "nullable" ({"nullable": 3}) made
// JsonGrammar::compile throw nlohmann's type_error out of the library — through `dailydrug serve`
// (response_format json_schema) that terminated the server. Now ConfigurationInvalid.
TEST(FuzzRegressionTest, NonBooleanNullableIsConfigurationInvalidNotAnException) {
  for (const char* schema :
       {R"({"type":"string","nullable":3})", R"({"type":"integer","nullable":"yes"})",
        R"({"type":"array","items":{"type":"string","pattern":"^[0-9]{2}$"},"nullable":3})"}) {
    auto g = JsonGrammar::compile(schema);
    ASSERT_FALSE(g.ok()) << schema;
    EXPECT_EQ(g.error().kind, ErrorKind::kConfigurationInvalid);
    EXPECT_EQ(g.error().subject, "json_schema");
  }
  EXPECT_TRUE(JsonGrammar::compile(R"({"type":"string","nullable":true})").ok());
}

// fuzz_scan_schema (found by the CI smoke pass): a scan result whose line number is
// 184467440737095516152 (past uint64, so nlohmann reads it as the double 1.8e20) is an integer by
// JSON Schema's rule, had no maximum, and reached `get<int>()`: a float-to-int conversion out of
// range (undefined behaviour, UBSan). Line numbers are bounded by the schema (1 MiB of input
// has at most 1,048,576 lines; a warning's medication index is below the 64 medications).
TEST(FuzzRegressionTest, LineNumbersBeyondIntAreInvalidNotUndefinedBehaviour) {
  const std::string med =
      R"({"name": "타이레놀정500mg", "dose": "1정", "times_per_day": 3, "duration_days": 7,
          "timing": null, "time_slots": [], "notes": [], "source_line": 1,
          "field_lines": {"dose": LINE, "times_per_day": 1, "duration_days": 1, "timing": null}})";
  for (const char* line : {"184467440737095516152", "1e20", "2147483648", "1048577"}) {
    std::string m = med;
    m.replace(m.find("LINE"), 4, line);
    auto r =
        dailydrug::app::parse_scan_result(R"({"medications": [)" + m + R"(], "warnings": []})");
    ASSERT_FALSE(r.ok()) << line;
    EXPECT_EQ(r.error().kind, dailydrug::app::ErrorKind::kInvalid) << line;
  }
  std::string ok = med;
  ok.replace(ok.find("LINE"), 4, "1048576");
  EXPECT_TRUE(
      dailydrug::app::parse_scan_result(R"({"medications": [)" + ok + R"(], "warnings": []})")
          .ok());
  const std::string warning =
      R"({"medications": [], "warnings": [{"code": "missing", "field": null, "medication": 64,
          "line": null, "message": "m"}]})";
  EXPECT_FALSE(dailydrug::app::parse_scan_result(warning).ok());
}

// fuzz_scan_schema: a client schema's "pattern" with a huge backreference ("\\888…8", also
// behind a control escape, whose letter may be a backslash: "\\c\\\\888…8") or repetition
// count made libstdc++'s <regex> compiler overflow a long (UBSan: signed integer overflow in
// regex_compiler.tcc). Such patterns are refused as Invalid before <regex> sees them; ordinary
// patterns and counts still compile.
TEST(FuzzRegressionTest, PatternsThatOverflowTheRegexCompilerAreInvalid) {
  using dailydrug::app::JsonSchema;
  for (const char* pattern :
       {R"(^-[89]+\88888888888888888888886$)", R"(^(a)\1$)", R"(^a{88888888888}$)",
        R"(^a{1,99999999999}$)", R"(\c\\88888888888888888888)"}) {
    const nlohmann::json schema = {{"type", "string"}, {"pattern", pattern}};
    auto r = JsonSchema::compile(schema);
    ASSERT_FALSE(r.ok()) << pattern;
    EXPECT_EQ(r.error().kind, dailydrug::app::ErrorKind::kInvalid) << pattern;
  }
  for (const char* pattern : {R"(^a{2,24}$)", R"(^\{literal\}$)", R"(^[0-9]{1,3}\.[0-9]$)"}) {
    const nlohmann::json schema = {{"type", "string"}, {"pattern", pattern}};
    EXPECT_TRUE(JsonSchema::compile(schema).ok()) << pattern;
  }
}

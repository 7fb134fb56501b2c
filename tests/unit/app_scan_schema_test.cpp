// The scan result schema (file and embedded copy), the JSON Schema subset validator, reading a
// result back from JSON (a model's output), and the traceability check that rejects values not
// written in the input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "dailydrug/app/json_schema_check.h"
#include "dailydrug/app/ocr_normalizer.h"
#include "dailydrug/app/prescription_scanner.h"
#include "dailydrug/app/scan_result.h"
#include "dailydrug/app/scan_schema.h"
#include "dailydrug/app/scan_traceability.h"

namespace dd = dailydrug::app;
using nlohmann::json;

namespace {

constexpr const char* kBag =
    "온누리약국\n"
    "타이레놀정500mg 1정 1일 3회 식후 30분 5일분 (졸음 주의)\n"
    "아침 저녁 식전 1캡슐씩 7일분\n"
    "에소메졸캡슐20mg\n";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

json scanned(const std::string& text) {
  auto r = dd::PrescriptionScanner().scan(text);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? json(*r) : json();
}

std::vector<std::string> paths(const std::vector<dd::SchemaViolation>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& x : v) {
    out.push_back(x.path);
  }
  return out;
}

TEST(ScanSchema, EmbeddedCopyEqualsTheShippedFile) {
  const auto file = std::filesystem::path(DD_SOURCE_DIR) / "app/schemas/scan_result.schema.json";
  const json shipped = json::parse(read_file(file), nullptr, false);
  ASSERT_FALSE(shipped.is_discarded()) << file;
  EXPECT_EQ(json::parse(dd::scan_result_schema_text()), shipped)
      << "app/src/scan_schema.cpp embeds an outdated copy of " << file;
}

TEST(ScanSchema, ScannerOutputValidates) {
  const json result = scanned(kBag);
  EXPECT_TRUE(dd::validate_scan_result_json(result).empty());
  EXPECT_EQ(result["medications"].size(), 2u);
}

TEST(ScanSchema, EachKindOfViolationIsReportedAtItsPath) {
  const json valid = scanned(kBag);
  const auto violations_after = [&](auto mutate) {
    json j = valid;
    mutate(j);
    return paths(dd::validate_scan_result_json(j));
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(violations_after([](json& j) { j["medications"][0]["dose"] = "1알"; }),
            V{"/medications/0/dose"});
  EXPECT_EQ(violations_after([](json& j) { j["medications"][0]["timing"] = "아침"; }),
            V{"/medications/0/timing"});
  EXPECT_EQ(violations_after([](json& j) { j["medications"][0]["times_per_day"] = 0; }),
            V{"/medications/0/times_per_day"});
  EXPECT_EQ(violations_after([](json& j) { j["medications"][0]["duration_days"] = 2.5; }),
            V{"/medications/0/duration_days"});
  EXPECT_EQ(violations_after([](json& j) { j["medications"][0]["time_slots"][0] = "8:30"; }),
            V{"/medications/0/time_slots/0"});
  EXPECT_EQ(violations_after([](json& j) {
              j["medications"][0]["time_slots"] = {"08:30", "08:30"};
            }),
            V{"/medications/0/time_slots"});
  EXPECT_EQ(violations_after([](json& j) { j["medications"][0]["confidence"] = 0.9; }),
            V{"/medications/0/confidence"});
  EXPECT_EQ(violations_after([](json& j) { j["medications"][1].erase("field_lines"); }),
            V{"/medications/1"});
  EXPECT_EQ(
      violations_after([](json& j) { j["medications"][0]["field_sources"]["dose"] = "guessed"; }),
      V{"/medications/0/field_sources/dose"});
  EXPECT_TRUE(violations_after([](json& j) {
                j["medications"][1].erase("field_sources");
              }).empty());  // optional: a result written by hand or by a model may omit it
  EXPECT_EQ(violations_after([](json& j) { j["medications"][0]["name"] = ""; }),
            V{"/medications/0/name"});
  EXPECT_EQ(violations_after([](json& j) { j["medications"][0]["source_line"] = 0; }),
            V{"/medications/0/source_line"});
  EXPECT_EQ(violations_after([](json& j) {
              j["warnings"] = {{{"code", "guess"},
                                {"field", nullptr},
                                {"medication", nullptr},
                                {"line", nullptr},
                                {"message", ""}}};
            }),
            V{"/warnings/0/code"});
  EXPECT_EQ(violations_after([](json& j) { j = json::array(); }), V{""});
}

TEST(ScanSchema, ReadsAResultBackOrExplainsWhyNot) {
  const json valid = scanned(kBag);
  auto back = dd::scan_result_from_json(valid);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(json(*back), valid);

  json model_output = valid;
  model_output["medications"][0]["dose"] = "one tablet";
  auto refused = dd::scan_result_from_json(model_output);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().subject, "scan_result");
  EXPECT_NE(refused.error().detail.find("/medications/0/dose"), std::string::npos);
  EXPECT_FALSE(dd::parse_scan_result("{not json").ok());
}

TEST(ScanJsonSchemaSubset, RejectsKeywordsItDoesNotCheck) {
  auto one_of = dd::JsonSchema::compile(json{{"oneOf", json::array()}});
  ASSERT_FALSE(one_of.ok());
  EXPECT_NE(one_of.error().detail.find("unsupported keyword 'oneOf'"), std::string::npos);
  EXPECT_FALSE(dd::JsonSchema::compile(json{{"$ref", "#/$defs/missing"}}).ok());
  EXPECT_FALSE(dd::JsonSchema::compile(json{{"pattern", "("}}).ok());
  EXPECT_FALSE(dd::JsonSchema::compile(json{{"type", "float"}}).ok());
}

TEST(ScanJsonSchemaSubset, AppliesEachKeyword) {
  auto schema = dd::JsonSchema::compile(json::parse(R"({
    "type": "object", "required": ["a"], "additionalProperties": {"type": "integer"},
    "properties": {
      "a": {"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^정"},
      "b": {"type": ["array", "null"], "minItems": 1, "maxItems": 2, "uniqueItems": true,
            "items": {"$ref": "#/$defs/n"}},
      "c": {"const": 7}, "d": {"enum": ["x", null]}
    },
    "$defs": {"n": {"type": "number", "minimum": 0, "maximum": 10}}
  })"));
  ASSERT_TRUE(schema.ok()) << schema.error().message();
  const auto check = [&](const char* text) { return paths(schema->validate(json::parse(text))); };
  using V = std::vector<std::string>;
  EXPECT_EQ(check(R"({"a": "정정", "b": [1, 2], "c": 7, "d": null, "e": 3})"), V{});
  EXPECT_EQ(check(R"({"a": "정정정정"})"), V{"/a"});           // 4 code points > 3
  EXPECT_EQ(check(R"({"a": "약정"})"), V{"/a"});               // pattern
  EXPECT_EQ(check(R"({"b": null})"), V{""});                   // required a
  EXPECT_EQ(check(R"({"a": "정정", "b": []})"), V{"/b"});      // minItems
  EXPECT_EQ(check(R"({"a": "정정", "b": [1, 1]})"), V{"/b"});  // uniqueItems
  EXPECT_EQ(check(R"({"a": "정정", "b": [11]})"), V{"/b/0"});  // $ref maximum
  EXPECT_EQ(check(R"({"a": "정정", "c": 8, "d": "y"})"), (V{"/c", "/d"}));
  EXPECT_EQ(check(R"({"a": "정정", "e": "text"})"), V{"/e"});  // additionalProperties schema
}

class ScanTraceability : public ::testing::Test {
 protected:
  void SetUp() override {
    auto doc = dd::normalize_ocr_text(kBag);
    ASSERT_TRUE(doc.ok());
    doc_ = std::move(doc).value();
    auto r = dd::PrescriptionScanner().scan(kBag);
    ASSERT_TRUE(r.ok());
    result_ = std::move(r).value();
    ASSERT_EQ(result_.medications.size(), 2u);
  }

  /// The fields the check rejects after `mutate`.
  std::vector<std::string> rejected(const std::function<void(dd::ScanResult&)>& mutate) {
    dd::ScanResult r = result_;
    mutate(r);
    std::vector<std::string> fields;
    for (const auto& issue : dd::check_traceability(r, doc_)) {
      fields.push_back(std::to_string(issue.medication) + "." + issue.field);
    }
    return fields;
  }

  dd::OcrDocument doc_;
  dd::ScanResult result_;
};

TEST_F(ScanTraceability, TheScannersOwnResultIsTraceable) {
  EXPECT_TRUE(rejected([](dd::ScanResult&) {}).empty());
  // The second medication's fields come from the shared line above it.
  EXPECT_EQ(result_.medications[1].field_lines.dose, 3);
  EXPECT_EQ(result_.medications[1].source_line, 4);
}

TEST_F(ScanTraceability, RejectsEveryInventedValue) {
  using V = std::vector<std::string>;
  EXPECT_EQ(rejected([](auto& r) { r.medications[0].name = "아스피린정"; }), V{"0.name"});
  EXPECT_EQ(rejected([](auto& r) { r.medications[0].dose = "2정"; }), V{"0.dose"});
  EXPECT_EQ(rejected([](auto& r) { r.medications[0].dose = "1캡슐"; }), V{"0.dose"});
  EXPECT_EQ(rejected([](auto& r) { r.medications[0].duration_days = 10; }), V{"0.duration_days"});
  EXPECT_EQ(rejected([](auto& r) { r.medications[0].timing = dd::Timing::kBeforeMeal; }),
            (V{"0.timing", "0.time_slots"}));
  EXPECT_EQ(rejected([](auto& r) { r.medications[1].times_per_day = 3; }),
            (V{"1.times_per_day", "1.time_slots"}));
  EXPECT_EQ(rejected([](auto& r) { r.medications[0].time_slots.pop_back(); }), V{"0.time_slots"});
  EXPECT_EQ(rejected([](auto& r) { r.medications[0].notes.push_back("운전 금지"); }), V{"0.notes"});
  EXPECT_EQ(rejected([](auto& r) { r.medications[0].field_lines.dose.reset(); }), V{"0.dose"});
  EXPECT_EQ(rejected([](auto& r) { r.medications[0].field_lines.dose = 99; }), V{"0.dose"});
  EXPECT_EQ(rejected([](auto& r) { r.medications[1].source_line = 1; }), V{"1.name"});
  EXPECT_EQ(rejected([](auto& r) { r.medications[1].source_line = 40; }), V{"1.source_line"});
}

TEST_F(ScanTraceability, AcceptsTheSameValueWrittenDifferently) {
  // A dose from a table cell takes its unit from the name's dosage form.
  const std::string table = "약품명 1회 투약량 1일 투여횟수 총 투약일수\n코대원정 1 3 3\n";
  auto doc = dd::normalize_ocr_text(table);
  ASSERT_TRUE(doc.ok());
  auto r = dd::PrescriptionScanner().scan(table);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->medications.size(), 1u);
  EXPECT_EQ(r->medications[0].dose, "1정");
  EXPECT_TRUE(dd::check_traceability(*r, *doc).empty());
  r->medications[0].dose = "1캡슐";  // no capsule on that line
  EXPECT_EQ(dd::check_traceability(*r, *doc).size(), 1u);
}

}  // namespace

TEST(ScanSchema, TheEmbeddedSchemaCompiles) {
  // validate_scan_result_json() refuses every result if it did not: this is what keeps that
  // from happening (the library has no abort to fall back on).
  const auto& schema = dd::scan_result_schema();
  ASSERT_TRUE(schema.ok()) << schema.error().message();
}

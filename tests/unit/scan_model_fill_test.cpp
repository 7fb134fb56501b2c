// The model-assisted scan: the model is asked only about fields the rules left unknown, only
// among values its lines contain, and the result passes the same checks as the rules' own. The
// tiny random model stands in for a real one: whatever it picks must still be traceable.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "dailydrug/app/json_codec.h"
#include "dailydrug/app/scan_model_fill.h"
#include "dailydrug/app/scan_model_find.h"
#include "dailydrug/app/scan_schema.h"
#include "dailydrug/app/scan_traceability.h"
#include "dailydrug/llm/local_llm.h"

namespace dd = dailydrug::app;
namespace llm = dailydrug::llm;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<llm::LocalLlm> load(const fs::path& dir) {
  auto model = llm::LocalLlm::open(dir.string());
  EXPECT_TRUE(model.ok()) << dir << ": " << (model.ok() ? "" : model.error().message());
  return model.ok() ? std::move(model).value() : nullptr;
}
std::unique_ptr<llm::LocalLlm> tiny_runner() {
  return load(fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle");
}

const std::string kAmbiguous = "부루펜정 1정 1일 2회 아침 점심 저녁\n코대원정 1 3\n";

TEST(ScanModelFill, AsksNothingWhenTheRulesKnowEveryField) {
  auto runner = tiny_runner();
  ASSERT_TRUE(runner);
  auto draft = dd::PrescriptionScanner().draft("타이레놀정 500mg 1정 1일 3회 식후 5일분\n");
  ASSERT_TRUE(draft.ok());
  ASSERT_TRUE(draft->medications[0].times_field.known());
  auto report = dd::fill_unknown_fields(*runner, *draft);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->steps.empty());
  EXPECT_EQ(report->fields_asked, 0);
}

TEST(ScanModelFill, AQuestionBeyondTheContextIsATypedErrorAndTheDraftIsUntouched) {
  auto runner = tiny_runner();  // 64-token context: the numbered lines do not fit
  ASSERT_TRUE(runner);
  auto draft = dd::PrescriptionScanner().draft(kAmbiguous);
  ASSERT_TRUE(draft.ok());
  auto report = dd::fill_unknown_fields(*runner, *draft);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().kind, llm::ErrorKind::kContextLengthExceeded);
  EXPECT_FALSE(draft->medications[0].times_field.known());
}

// The real default bundle (scripts/setup.sh makes it): whatever it answers is one of the text's
// values and passes the traceability check and the schema.
TEST(ScanModelFillDefaultBundle, ChoicesComeFromTheTextAndPassTheChecks) {
  const fs::path dir = fs::path(DD_SOURCE_DIR) / ".cache" / "bundles" / "default";
  if (!fs::exists(dir / "model_config.json")) GTEST_SKIP() << "no default bundle";
  auto runner = load(dir);
  ASSERT_TRUE(runner);
  auto draft = dd::PrescriptionScanner().draft(kAmbiguous);
  ASSERT_TRUE(draft.ok());
  ASSERT_EQ(draft->medications.size(), 2u);
  ASSERT_FALSE(draft->medications[0].times_field.known());  // 2회 vs three named parts
  auto report = dd::fill_unknown_fields(*runner, *draft);
  ASSERT_TRUE(report.ok()) << report.error().message();
  ASSERT_EQ(report->steps.size(), 2u);
  const auto& asked = report->steps[0].fields_asked;
  EXPECT_NE(std::find(asked.begin(), asked.end(), "times_per_day"), asked.end());
  for (const auto& step : report->steps) {
    EXPECT_TRUE(nlohmann::json::parse(step.answer, nullptr, false).is_object()) << step.answer;
  }
  // The bundle is asked greedily, so what it answers is fixed: it fills the field (measured),
  // and then with one of the text's two readings, from the line that says it.
  const auto& m = draft->medications[0];
  ASSERT_EQ(m.times_field.source, dd::FieldSource::kModel) << report->steps[0].answer;
  ASSERT_TRUE(m.times_per_day);
  EXPECT_TRUE(*m.times_per_day == 1 || *m.times_per_day == 2) << *m.times_per_day;
  EXPECT_EQ(m.times_field.line, 1);
  const dd::ScanResult result = dd::PrescriptionScanner::finalize(*draft);
  EXPECT_TRUE(dd::validate_scan_result_json(nlohmann::json(result)).empty());
  auto doc = dd::normalize_ocr_text(kAmbiguous);
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE(dd::check_traceability(result, *doc).empty());
}

TEST(ScanModelFind, AsksAboutNoLineWhenTheRulesReadEveryMedicationLine) {
  auto runner = tiny_runner();
  ASSERT_TRUE(runner);
  auto draft = dd::PrescriptionScanner().draft(
      "행복약국 ☎ 02-123-4567\n타이레놀정 500mg 1정 1일 3회\n모양: 흰색 원형 필름코팅정\n");
  ASSERT_TRUE(draft.ok());
  auto report = dd::find_missed_medications(*runner, *draft);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->lines_asked,
            0);  // the name line is read; the notice and label lines are not asked
  EXPECT_EQ(draft->medications.size(), 1u);
}

// With the default bundle: when the rules' medications are taken away, whatever the model finds
// is a name printed on its line, marked as the model's, and passes the checks.
TEST(ScanModelFindDefaultBundle, FoundNamesAreSpansOfTheirLineAndPassTheChecks) {
  const fs::path dir = fs::path(DD_SOURCE_DIR) / ".cache" / "bundles" / "default";
  if (!fs::exists(dir / "model_config.json")) GTEST_SKIP() << "no default bundle";
  auto runner = load(dir);
  ASSERT_TRUE(runner);
  const std::string text = "무코스타정100mg 1정 1일 3회 5일분\n";
  auto draft = dd::PrescriptionScanner().draft(text);
  ASSERT_TRUE(draft.ok());
  draft->medications.clear();  // as if the rules had missed it
  auto report = dd::find_missed_medications(*runner, *draft);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->lines_asked, 1);
  for (const auto& m : draft->medications) {
    EXPECT_NE(text.find(m.name), std::string::npos) << m.name;
    EXPECT_EQ(m.name_source, dd::FieldSource::kModel);
  }
  const dd::ScanResult result = dd::PrescriptionScanner::finalize(*draft);
  EXPECT_TRUE(dd::validate_scan_result_json(nlohmann::json(result)).empty());
  for (const auto& m : result.medications) {
    EXPECT_EQ(m.field_sources.name, dd::FieldOrigin::kModel);
  }
  auto doc = dd::normalize_ocr_text(text);
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE(dd::check_traceability(result, *doc).empty());
}

}  // namespace

// Assistant (assistant.h) on an in-memory store: without a model (deterministic answers), and on
// the tiny random-weight bundle whose 64-token context cannot hold a grounded prompt (so the
// answer must come from the facts, with a notice, never from an ungrounded model call).
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "dailydrug/app/assistant.h"
#include "dailydrug/app/clock.h"
#include "dailydrug/app/medication_store.h"
#include "dailydrug/app/schedule_params.h"
#include "dailydrug/llm/bundle.h"

namespace dd = dailydrug::app;
namespace llm = dailydrug::llm;
using dd::Language;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

class AssistantTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ =
        std::make_shared<dd::FixedClock>(dd::parse_local_date_time("2026-11-24T13:00").value());
    auto s = dd::MedicationStore::open_in_memory(clock_);
    ASSERT_TRUE(s.ok());
    store_ = std::make_unique<dd::MedicationStore>(std::move(s).value());
  }

  void add(const char* name, const char* start, const std::vector<const char*>& times) {
    dd::CreateScheduleParams::Fields f;
    f.name = name;
    f.dosage = "1정";
    f.start_date = dd::parse_date(start).value();
    for (const char* t : times) f.time_slots.push_back(dd::parse_time_of_day(t).value());
    auto p = dd::CreateScheduleParams::create(std::move(f));
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(store_->save_schedule(*p).ok());
  }

  dd::Assistant make(llm::LocalLlm* model = nullptr, dd::AssistantOptions o = {}) {
    return dd::Assistant(model, *store_, *clock_, dd::MedicineFacts::builtin(), std::move(o));
  }

  std::shared_ptr<dd::FixedClock> clock_;
  std::unique_ptr<dd::MedicationStore> store_;
};

}  // namespace

TEST_F(AssistantTest, KoreanTylenolDrivingWithoutAModelIsComposedFromFactsAndStreamed) {
  auto a = make();
  std::string streamed;
  auto r = a.ask("타이레놀 복용 후 운전해도 될까요?", Language::kKorean,
                 [&](std::string_view s) { streamed += s; });
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(streamed, r->text);
  EXPECT_TRUE(contains(r->text, "운전")) << r->text;
  EXPECT_TRUE(contains(r->text, "의사")) << r->text;
  EXPECT_FALSE(r->model_text_used);
  EXPECT_FALSE(r->notice.empty());
  EXPECT_EQ(r->facts_used, std::vector<std::string>{"acetaminophen.driving"});
  EXPECT_EQ(r->medicines, std::vector<std::string>{"acetaminophen"});
  EXPECT_EQ(r->usage.total_tokens, 0);
}

TEST_F(AssistantTest, AskWithoutANameUsesTheSavedMedicines) {
  add("타이레놀정500mg", "2026-11-20", {"08:00"});
  add("비타민D", "2026-11-20", {"08:00"});
  auto a = make();
  auto r = a.ask("술 마셔도 되나요?", Language::kKorean);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->facts_used, std::vector<std::string>{"acetaminophen.alcohol"});
  EXPECT_TRUE(contains(r->text, "저장된 약을 기준으로")) << r->text;
  EXPECT_TRUE(contains(r->text, "'비타민D'")) << r->text;
}

TEST_F(AssistantTest, BlankQuestionIsInvalidAndUnknownFaqIsNotFound) {
  auto a = make();
  auto blank = a.ask("  \u3000", Language::kKorean);
  ASSERT_FALSE(blank.ok());
  EXPECT_EQ(blank.error().kind_name(), "Invalid");
  auto unknown = a.faq("없는약", Language::kKorean);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind_name(), "NotFound");
  EXPECT_TRUE(contains(unknown.error().message(), "없는약"));
  EXPECT_FALSE(unknown.error().is_llm());
}

TEST_F(AssistantTest, FaqListsEveryTopicWithSources) {
  auto a = make();
  auto r = a.faq("스틸녹스", Language::kKorean);
  ASSERT_TRUE(r.ok());
  // Its own seven-plus topics and its class's (sleeping pills) where it has none of its own.
  EXPECT_GE(r->facts_used.size(), 7u);
  EXPECT_TRUE(contains(r->text, "■ 스틸녹스 (졸피뎀 · 수면제)")) << r->text;
  EXPECT_TRUE(contains(r->text, "• 운전:")) << r->text;
  EXPECT_TRUE(contains(r->text, "출처:")) << r->text;
  auto en = a.faq("Ambien", Language::kEnglish);
  ASSERT_TRUE(en.ok());
  EXPECT_TRUE(contains(en->text, "• Driving:")) << en->text;
}

TEST_F(AssistantTest, CoachSummarisesTodayAndTheLastWeekFromTheStore) {
  add("타이레놀", "2026-11-20", {"08:00", "20:00"});
  // 11-20..11-23: 8 past doses; take 6 of them.
  auto past = store_->history({});
  ASSERT_TRUE(past.ok());
  int taken = 0;
  for (const auto& d : *past) {
    if (dd::date_of(d.record.scheduled_at) < dd::parse_date("2026-11-24").value() && taken < 6) {
      ASSERT_TRUE(store_->take_dose(d.record.id).ok());
      ++taken;
    }
  }
  auto today = store_->doses_on(dd::parse_date("2026-11-24").value());
  ASSERT_TRUE(today.ok());
  ASSERT_TRUE(store_->take_dose(today->front().record.id).ok());

  auto a = make();
  auto r = a.coach(Language::kKorean);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(contains(r->text, "복용 일정은 2회예요. 1회 복용했고, 1회 남았어요.")) << r->text;
  EXPECT_TRUE(contains(r->text, "8회 중 6회 복용했어요(75%)")) << r->text;
  EXPECT_TRUE(contains(r->text, "의사 또는 약사")) << r->text;
  EXPECT_FALSE(r->model_text_used);
}

TEST_F(AssistantTest, ChatFollowUpsStayOnTheMedicineAndResetForgetsIt) {
  auto a = make();
  auto first = a.chat("판콜에이 먹고 운전해도 돼요?", Language::kKorean);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->facts_used, std::vector<std::string>{"cold_combination.driving"});
  auto follow = a.chat("술은요?", Language::kKorean);
  ASSERT_TRUE(follow.ok());
  EXPECT_EQ(follow->facts_used, std::vector<std::string>{"cold_combination.alcohol"});
  a.reset_chat();
  // Forgotten: only the rule for any medicine is left to say about alcohol.
  auto after = a.chat("술은요?", Language::kKorean);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->facts_used, std::vector<std::string>{"general.alcohol"});
  EXPECT_TRUE(after->medicines.empty());
}

TEST(AssistantErrorTest, KindNamesAndMessagesComeFromTheirLayer) {
  const dd::AssistantError app{dd::Error::storage("db", "disk I/O error")};
  EXPECT_FALSE(app.is_llm());
  EXPECT_EQ(app.kind_name(), "Storage");
  EXPECT_EQ(app.message(), dd::Error::storage("db", "disk I/O error").message());
  const dd::AssistantError gen{llm::Error::generation_timeout(5)};
  EXPECT_TRUE(gen.is_llm());
  EXPECT_EQ(gen.kind_name(), "GenerationTimeout");
  EXPECT_EQ(gen.message(), llm::Error::generation_timeout(5).message());
}

// The tiny bundle writes "English" (no languages key) but its 64-token context cannot hold the
// grounded prompt: the assistant must not call the model without the facts.
TEST_F(AssistantTest, TinyModelContextTooSmallFallsBackToTheFactsWithANotice) {
  const std::string dir = std::string(DD_TEST_WORK_DIR) + "/tiny/bundle";
  auto runner = llm::LocalLlm::open(dir);
  ASSERT_TRUE(runner.ok()) << runner.error().message();
  dd::AssistantOptions options;
  options.use_model = true;
  auto a = make(runner->get(), options);
  EXPECT_TRUE(a.can_write(Language::kEnglish));
  EXPECT_FALSE(a.can_write(Language::kKorean));
  auto r = a.ask("Can I drive after taking Tylenol?", Language::kEnglish);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->model_text_used);
  EXPECT_TRUE(contains(r->notice, "does not fit")) << r->notice;
  EXPECT_TRUE(contains(r->text, "doctor")) << r->text;
  auto c = a.coach(Language::kEnglish);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(contains(c->notice, "does not fit")) << c->notice;
  // Off (the default): answers never ask the model; the notice says so.
  auto off = make(runner->get());
  auto r2 = off.ask("Can I drive after taking Tylenol?", Language::kEnglish);
  ASSERT_TRUE(r2.ok());
  EXPECT_FALSE(r2->model_text_used);
  EXPECT_TRUE(contains(r2->notice, "model is off")) << r2->notice;
  EXPECT_EQ(r2->text, r->text);
}

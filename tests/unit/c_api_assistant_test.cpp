// ddllm_assistant_ask: the curated medication assistant through the C API (no runner): answers,
// triage, the user's saved medicines, and typed errors for every bad argument.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "dailydrug/dailydrug_llm.h"

namespace {

using nlohmann::json;

struct Asked {
  int rc = 0;
  json reply;
  std::string subject;
};

Asked ask(const char* question, const char* lang = nullptr, const char* saved = nullptr) {
  Asked a;
  char* out = nullptr;
  ddllm_error err{};
  a.rc = ddllm_assistant_ask(question, lang, saved, &out, &err);
  if (a.rc == 0) {
    a.reply = json::parse(out);
    ddllm_string_free(out);
  } else {
    EXPECT_EQ(out, nullptr);
    a.subject = err.subject ? err.subject : "";
    ddllm_error_free(&err);
  }
  return a;
}

bool has(const json& j, const std::string& key, const std::string& part) {
  return j[key].get<std::string>().find(part) != std::string::npos;
}

}  // namespace

TEST(CApiAssistantTest, AnswersTheAcceptanceQuestionWithDrivingAndDoctor) {
  const Asked a = ask("타이레놀 복용 후 운전해도 될까요?");
  ASSERT_EQ(a.rc, 0);
  EXPECT_TRUE(has(a.reply, "text", "운전")) << a.reply.dump();
  EXPECT_TRUE(has(a.reply, "text", "의사")) << a.reply.dump();
  EXPECT_TRUE(a.reply["emergency"].is_null());
  EXPECT_EQ(a.reply["medicines"], json::array({"acetaminophen"}));
  EXPECT_TRUE(has(a.reply, "content_review", "약사"));
  const Asked en = ask("Can I drive after taking Tylenol?", "en");
  ASSERT_EQ(en.rc, 0);
  EXPECT_TRUE(has(en.reply, "text", "doctor")) << en.reply.dump();
  EXPECT_EQ(ask("타이레놀 복용 후 운전해도 될까요?").reply, a.reply);  // always the same
}

TEST(CApiAssistantTest, EmergenciesOpenWith119) {
  const Asked a = ask("약 먹고 입술이 붓고 숨쉬기가 힘들어요");
  ASSERT_EQ(a.rc, 0);
  EXPECT_EQ(a.reply["emergency"], "breathing");
  EXPECT_EQ(a.reply["text"].get<std::string>().rfind("응급 상황일 수 있어요. 지금 바로 119", 0),
            0u);
}

TEST(CApiAssistantTest, SavedMedicinesAreCheckedForTheSameIngredient) {
  const Asked a = ask("내가 먹는 약 같이 먹어도 돼요?", "ko",
                      R"([{"name": "타이레놀정500mg", "dosage": "1정"}, {"name": "판콜에이"}])");
  ASSERT_EQ(a.rc, 0);
  const auto& facts = a.reply["facts_used"];
  EXPECT_NE(std::find(facts.begin(), facts.end(), "duplicate.acetaminophen"), facts.end())
      << a.reply.dump();
  EXPECT_TRUE(has(a.reply, "text", "아세트아미노펜 성분")) << a.reply.dump();
}

TEST(CApiAssistantTest, BadArgumentsAreConfigurationInvalidWithTheirSubject) {
  char* out = nullptr;
  ddllm_error err{};
  EXPECT_EQ(ddllm_assistant_ask(nullptr, nullptr, nullptr, &out, &err),
            DDLLM_ERR_CONFIGURATION_INVALID);
  ddllm_error_free(&err);
  EXPECT_EQ(ddllm_assistant_ask("q", nullptr, nullptr, nullptr, &err),
            DDLLM_ERR_CONFIGURATION_INVALID);
  ddllm_error_free(&err);
  EXPECT_EQ(ask("").subject, "question");
  EXPECT_EQ(ask("\xff\xfe 약").subject, "question");
  EXPECT_EQ(ask(std::string(4097, 'a').c_str()).subject, "question");
  EXPECT_EQ(ask("타이레놀", "fr").subject, "lang");
  EXPECT_EQ(ask("타이레놀", "ko", "{}").subject, "saved_medicines");
  EXPECT_EQ(ask("타이레놀", "ko", "[{\"dosage\": \"1정\"}]").subject, "saved_medicines");
  std::string many = "[";
  for (int i = 0; i < 51; ++i) {
    many += std::string(i ? "," : "") + "{\"name\": \"약" + std::to_string(i) + "\"}";
  }
  EXPECT_EQ(ask("타이레놀", "ko", (many + "]").c_str()).subject, "saved_medicines");
  EXPECT_EQ(ask("   ").rc, DDLLM_ERR_CONFIGURATION_INVALID);  // blank
  ddllm_string_free(nullptr);
}

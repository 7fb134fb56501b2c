// MedicineFacts: the built-in knowledge base is valid and broad; malformed files give typed
// errors; matching finds brand, ingredient, Korean, English and OCR-spaced names.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "dailydrug/app/json_schema_check.h"
#include "dailydrug/app/medicine_facts.h"

namespace dd = dailydrug::app;
using nlohmann::json;

namespace {

const dd::MedicineFacts& kb() {
  return dd::MedicineFacts::builtin();
}

std::string id_of(std::string_view text) {
  auto m = kb().match_one(text);
  return m ? m->entry->id : "";
}

json minimal() {
  return json::parse(R"({
    "schema_version": 2,
    "review_status": {"ko": "검토 전", "en": "not reviewed"},
    "sources": {"s": {"ko": "출처", "en": "source"}},
    "general": {"facts": [{"topic": "missed_dose", "ko": "두 배로 드시지 마세요.",
                           "en": "Do not double up.", "source": "s", "referral": true}]},
    "categories": [{
      "id": "painkiller", "name": {"ko": "진통제", "en": "painkiller"}, "aliases": ["진통제"],
      "facts": [{"topic": "alcohol", "ko": "술을 피하세요.", "en": "Avoid alcohol.",
                 "source": "s", "referral": false}]
    }],
    "medicines": [{
      "id": "acetaminophen",
      "name": {"ko": "아세트아미노펜", "en": "acetaminophen"},
      "category": {"ko": "해열진통제", "en": "pain reliever"},
      "classes": ["painkiller"],
      "aliases": ["타이레놀", "Tylenol"],
      "sedating": false,
      "facts": [{"topic": "use", "ko": "통증을 줄여요.", "en": "Eases pain.", "source": "s",
                 "referral": false}]
    }],
    "interactions": [{"between": ["painkiller", "acetaminophen"], "ko": "확인하세요.",
                      "en": "Check.", "source": "s"}]})");
}

std::string parse_error(const json& doc) {
  auto r = dd::MedicineFacts::parse(doc.dump());
  if (r.ok()) return "";
  EXPECT_EQ(r.error().kind, dd::ErrorKind::kInvalid);
  EXPECT_EQ(r.error().subject, "medicine_facts");
  return r.error().detail;
}

}  // namespace

TEST(MedicineFactsTest, BuiltinIsValidBroadAndBilingual) {
  const auto& entries = kb().entries();
  ASSERT_GE(entries.size(), 100u);  // the medicines most prescribed or sold in Korea
  // The general entry answers every topic for any medicine; every category says what it is.
  for (size_t t = 0; t < dd::kFactTopicCount; ++t) {
    EXPECT_NE(kb().general().fact(static_cast<dd::FactTopic>(t)), nullptr) << t;
  }
  ASSERT_GE(kb().categories().size(), 20u);
  for (const auto& c : kb().categories()) {
    EXPECT_NE(c.fact(dd::FactTopic::kUse), nullptr) << c.id;
    EXPECT_FALSE(c.aliases.empty()) << c.id;
  }
  EXPECT_FALSE(kb().interactions().empty());
  EXPECT_FALSE(kb().review_status().ko.empty());
  for (const auto& e : entries) {
    EXPECT_NE(e.fact(dd::FactTopic::kUse), nullptr) << e.id;
    EXPECT_NE(e.fact(dd::FactTopic::kSideEffects), nullptr) << e.id;
    EXPECT_NE(e.fact(dd::FactTopic::kSerious), nullptr) << e.id;
    for (const auto& f : e.facts) {
      EXPECT_FALSE(f.text.ko.empty());
      EXPECT_FALSE(f.text.en.empty());
      EXPECT_NE(kb().source_label(f.source, dd::Language::kKorean), f.source) << e.fact_id(f.topic);
      // Serious symptoms always point to urgent care: a doctor, the ER or 119.
      if (f.topic == dd::FactTopic::kSerious) {
        const auto& ko = f.text.ko;
        EXPECT_TRUE(ko.find("의사") != std::string::npos || ko.find("진료") != std::string::npos ||
                    ko.find("응급실") != std::string::npos || ko.find("119") != std::string::npos)
            << e.id;
      }
    }
    if (e.sedating) {
      const auto* driving = e.fact(dd::FactTopic::kDriving);
      ASSERT_NE(driving, nullptr) << e.id;
      EXPECT_TRUE(driving->referral) << e.id;
    }
  }
}

TEST(MedicineFactsTest, BuiltinFileMatchesItsSchemaFile) {
  std::ifstream data(std::string(DD_SOURCE_DIR) + "/app/data/medicine_facts.json");
  std::ifstream schema(std::string(DD_SOURCE_DIR) + "/app/schemas/medicine_facts.schema.json");
  ASSERT_TRUE(data && schema);
  auto compiled = dd::JsonSchema::compile(json::parse(schema));
  ASSERT_TRUE(compiled.ok()) << compiled.error().message();
  EXPECT_TRUE(compiled->validate(json::parse(data)).empty());
  std::ifstream schema2(std::string(DD_SOURCE_DIR) + "/app/schemas/medicine_facts.schema.json");
  EXPECT_EQ(json::parse(schema2), json::parse(dd::MedicineFacts::schema_text()));
}

TEST(MedicineFactsTest, CoversTheCommonKoreanMedicines) {
  for (const char* name :
       {"타이레놀",     "아세트아미노펜", "이부프로펜", "부루펜",         "애드빌",
        "아스피린",     "판콜에이",       "판피린티",   "클로르페니라민", "지르텍",
        "세티리진",     "알레그라",       "아목시실린", "메트포르민",     "암로디핀",
        "로수바스타틴", "아토르바스타틴", "오메프라졸", "에소메프라졸",   "레보티록신",
        "와파린",       "졸피뎀",         "로라제팜",   "알프라졸람",     "프레드니솔론",
        "겔포스"}) {
    EXPECT_FALSE(id_of(name).empty()) << name;
  }
}

TEST(MedicineFactsTest, MatchesBrandIngredientKoreanEnglishAndSpacing) {
  EXPECT_EQ(id_of("타이레놀"), "acetaminophen");
  EXPECT_EQ(id_of("Tylenol 500mg"), "acetaminophen");
  EXPECT_EQ(id_of("TYLENOL"), "acetaminophen");
  EXPECT_EQ(id_of("paracetamol"), "acetaminophen");
  EXPECT_EQ(id_of("타 이레놀 정"), "acetaminophen");           // OCR spacing
  EXPECT_EQ(id_of("타이레놀정500밀리그램"), "acetaminophen");  // saved product name
  EXPECT_EQ(id_of("아세트아미노펜"), "acetaminophen");
  EXPECT_EQ(id_of("애드빌 리퀴겔"), "ibuprofen");
  EXPECT_EQ(id_of("Advil"), "ibuprofen");
  EXPECT_EQ(id_of("판콜·에이"), "cold_combination");
  EXPECT_EQ(id_of("zyrtec"), "cetirizine");
  EXPECT_EQ(id_of("스틸녹스CR 정"), "zolpidem");
  EXPECT_EQ(id_of("비타민D"), "");
  EXPECT_EQ(id_of(""), "");
}

TEST(MedicineFactsTest, LongerAliasWinsOverOneItContains) {
  EXPECT_EQ(id_of("레보세티리진"), "levocetirizine");  // contains 세티리진
  EXPECT_EQ(id_of("levocetirizine"), "levocetirizine");
  EXPECT_EQ(id_of("에스오메프라졸"), "esomeprazole");  // contains 오메프라졸
  auto all = kb().match("레보세티리진 먹어요");
  ASSERT_EQ(all.size(), 1u);
}

TEST(MedicineFactsTest, MatchListsEveryNamedMedicineInTextOrder) {
  auto m = kb().match("타이레놀이랑 와파린 같이 먹어도 돼요? 타이레놀은 하루 몇 번?");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].entry->id, "acetaminophen");
  EXPECT_EQ(m[0].alias, "타이레놀");
  EXPECT_EQ(m[1].entry->id, "warfarin");
}

TEST(MedicineFactsTest, NormalizeDropsSpacesAndPunctuationAndLowercases) {
  EXPECT_EQ(dd::MedicineFacts::normalize(" Tylenol-ER\u3000 정·"), "tylenoler정");
  EXPECT_EQ(dd::MedicineFacts::normalize("A\u00a0b"), "ab");
}

TEST(MedicineFactsTest, ParsesAMinimalFile) {
  auto r = dd::MedicineFacts::parse(minimal().dump());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->entries().size(), 1u);
  EXPECT_EQ(r->match_one("타이레놀")->entry->id, "acetaminophen");
  EXPECT_EQ(r->source_label("s", dd::Language::kEnglish), "source");
  // Topic lookup: own fact, then the class's, then the general rule, then nothing.
  const dd::MedicineEntry& e = r->entries().front();
  const dd::MedicineEntry* owner = nullptr;
  EXPECT_EQ(r->lookup(e, dd::FactTopic::kUse, &owner)->text.en, "Eases pain.");
  EXPECT_EQ(owner, &e);
  EXPECT_EQ(r->lookup(e, dd::FactTopic::kAlcohol, &owner)->text.en, "Avoid alcohol.");
  EXPECT_EQ(owner->id, "painkiller");
  EXPECT_EQ(r->lookup(e, dd::FactTopic::kMissedDose, &owner)->text.en, "Do not double up.");
  EXPECT_EQ(owner, &r->general());
  EXPECT_EQ(r->lookup(e, dd::FactTopic::kStorage), nullptr);
  // A category is matched by its words; a rule names either side by medicine or category id.
  EXPECT_EQ(r->match_one("진통제 먹어도 돼요?")->entry->id, "painkiller");
  EXPECT_EQ(r->interactions_between(e, *r->find_id("painkiller")).size(), 1u);
  EXPECT_EQ(e.ingredients, std::vector<std::string>{"acetaminophen"});
}

TEST(MedicineFactsTest, MalformedFilesGiveTypedErrors) {
  EXPECT_NE(dd::MedicineFacts::parse("{not json").error().detail.find("not valid JSON"),
            std::string::npos);
  EXPECT_FALSE(dd::MedicineFacts::parse("[]").ok());

  json d = minimal();
  d["medicines"][0].erase("aliases");
  EXPECT_NE(parse_error(d).find("/medicines/0"), std::string::npos);

  d = minimal();
  d["medicines"][0]["facts"][0]["topic"] = "dosage";  // not a topic
  EXPECT_NE(parse_error(d).find("/medicines/0/facts/0/topic"), std::string::npos);

  d = minimal();
  d["medicines"][0]["facts"][0]["source"] = "nowhere";
  EXPECT_NE(parse_error(d).find("unknown source"), std::string::npos);

  d = minimal();
  d["medicines"][0]["facts"].push_back(d["medicines"][0]["facts"][0]);
  EXPECT_NE(parse_error(d).find("second fact"), std::string::npos);

  d = minimal();
  d["medicines"].push_back(d["medicines"][0]);
  EXPECT_NE(parse_error(d).find("duplicate id"), std::string::npos);

  d = minimal();
  json other = d["medicines"][0];
  other["id"] = "other";
  other["aliases"] = json::array({"타 이레놀"});  // the same alias once spaces are dropped
  d["medicines"].push_back(other);
  EXPECT_NE(parse_error(d).find("duplicate alias"), std::string::npos);

  d = minimal();
  d["medicines"][0]["facts"][0]["ko"] = "   ";
  EXPECT_NE(parse_error(d).find("blank"), std::string::npos);

  d = minimal();
  d["schema_version"] = 1;
  EXPECT_FALSE(parse_error(d).empty());

  d = minimal();
  d["medicines"][0]["classes"] = json::array({"nowhere"});
  EXPECT_NE(parse_error(d).find("unknown category"), std::string::npos);

  d = minimal();
  d["medicines"][0]["ingredients"] = json::array({"nowhere"});
  EXPECT_NE(parse_error(d).find("unknown ingredient"), std::string::npos);

  d = minimal();
  d["interactions"][0]["between"][1] = "nowhere";
  EXPECT_NE(parse_error(d).find("unknown id"), std::string::npos);

  d = minimal();
  d["categories"][0]["aliases"] = json::array({"Tylenol"});  // a medicine's alias
  EXPECT_NE(parse_error(d).find("duplicate alias"), std::string::npos);

  d = minimal();
  d["medicines"][0]["extra"] = 1;
  EXPECT_FALSE(parse_error(d).empty());
}

TEST(MedicineFactsTest, LoadReportsUnreadableFilesAsStorage) {
  auto r = dd::MedicineFacts::load("/nonexistent/medicine_facts.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, dd::ErrorKind::kStorage);
}

TEST(MedicineFactsTest, LanguageAndTopicNamesRoundTrip) {
  EXPECT_EQ(dd::parse_language("KO"), dd::Language::kKorean);
  EXPECT_EQ(dd::parse_language("english"), dd::Language::kEnglish);
  EXPECT_FALSE(dd::parse_language("ja"));
  for (size_t i = 0; i < dd::kFactTopicCount; ++i) {
    const auto t = static_cast<dd::FactTopic>(i);
    EXPECT_EQ(dd::parse_fact_topic(dd::to_string(t)), t);
  }
}

namespace {

// The fact `entry` answers `topic` with: its own, else its first class's that has one.
const dd::MedicineFact* own_or_class(const dd::MedicineEntry& entry, dd::FactTopic topic) {
  const dd::MedicineEntry* owner = nullptr;
  const auto* f = kb().lookup(entry, topic, &owner);
  return owner == &kb().general() ? nullptr : f;
}

bool says_any(const std::string& text, std::initializer_list<const char*> words) {
  for (const char* w : words) {
    if (text.find(w) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

// "임신인 줄 모르고 먹었어요" is answered by the rule for any medicine ("most common medicines
// taken briefly carry low risk") only where that holds: a medicine or category whose pregnancy
// fact says to avoid it has its own answer, or its class's.
TEST(MedicineFactsTest, APregnancyFoundOutLaterIsNotReassuredForMedicinesToAvoid) {
  std::vector<const dd::MedicineEntry*> all;
  for (const auto* list : {&kb().entries(), &kb().categories()}) {
    for (const auto& e : *list) all.push_back(&e);
  }
  for (const auto* e : all) {
    const auto* pregnancy = own_or_class(*e, dd::FactTopic::kPregnancy);
    if (!pregnancy || !says_any(pregnancy->text.ko, {"쓰지 않", "쓰는 약이 아니", "금기", "먹지 마",
                                                     "기형", "복용하지 마", "복용하지 않", "피하",
                                                     "드시지 마", "태아에게 영향", "쓰지 마"})) {
      continue;
    }
    EXPECT_NE(own_or_class(*e, dd::FactTopic::kPregnancyExposure), nullptr) << e->id;
  }
}

// A medicine that comes as an extended-release or enteric-coated form says so when asked about
// crushing or splitting it.
TEST(MedicineFactsTest, ExtendedReleaseAndEntericFormsAnswerCrushing) {
  for (const auto& e : kb().entries()) {
    bool special = false;
    for (const auto& f : e.facts) {
      special = special || says_any(f.text.ko, {"서방정", "서방형", "장용정", "캡슐은 열"});
    }
    if (special) {
      EXPECT_NE(e.fact(dd::FactTopic::kCrushing), nullptr) << e.id;
    }
  }
}

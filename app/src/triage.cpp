#include "dailydrug/app/triage.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dailydrug/app/utf8_text.h"
#include "triage_model.h"
#include "triage_readings.h"
#include "triage_words.h"

namespace dailydrug::app {

namespace {

using triage_readings::reading_out_of_range;
using triage_words::near_rules;
using triage_words::NearRule;
using triage_words::sign_rules;
using triage_words::SignRule;

// "숨쉬기 힘들지는 않아요", "쓰러질 정도는 아니에요": a Korean negation right after the sign.
// "숨쉬기 힘들 때 쓰는 흡입기", "경기를 한 적이 있는데": the sign names what a medicine is for, or
// something in the past, not what is happening now.
bool negated_korean(const std::string& text, size_t end) {
  struct Negation {
    std::string_view text;
    size_t within;  // bytes after the sign where it may start
  };
  static constexpr auto kNegations = std::to_array<Negation>({
      {"지않", 6},    {"적은없", 12},  // "쓰러진 적은 없고"
      {"적도없", 12}, {"적있", 6},    {"은없", 3},       {"는없", 3},       {"도없", 3},
      {"적없", 12},   {"전혀없", 18},  // "숨차거나 그런 건 전혀 없음"
      {"었었", 6},                     // "부었었어요": over
      {"았었", 6},    {"했었", 6},    {"였었", 6},       {"지는않", 6},     {"진않", 6},
      {"지도않", 6},  {"않", 6},      {"정도는아니", 9}, {"정도는아닌", 9}, {"정도아니", 9},
      {"건아니", 9},  {"때", 6},  // "발작할 때": when, not now
      {"때쓰", 9},    {"때먹", 9},    {"때사용", 9},     {"때뿌리", 9},     {"적이있", 12},
  });
  const std::string_view rest = std::string_view(text).substr(end, 24);
  // "숨차거나 아프진 않아요": neither this nor that.
  if (rest.substr(0, 6) == "거나" &&
      (rest.find("않") != std::string_view::npos || rest.find("없") != std::string_view::npos)) {
    return true;
  }
  // "쓰러지겠음ㅋㅋ": laughed off (unless "웃을 일 아니고" takes the laugh back).
  if (rest.substr(0, 21).find("ㅋㅋ") != std::string_view::npos &&
      text.find("웃을일") == std::string::npos && text.find("장난아니") == std::string::npos) {
    return true;
  }
  for (const auto& n : kNegations) {
    const size_t at = rest.find(n.text);
    if (at != std::string_view::npos && at <= n.within) return true;
  }
  return false;
}

// "발목이 부어요" holds "목이부": a sign about the throat read inside a longer word.
bool inside_longer_word(const std::string& text, size_t at, std::string_view sign) {
  static constexpr auto kBefore = std::to_array<std::string_view>({"발", "손", "길"});
  if (sign.substr(0, 3) != "목" || at < 3) return false;
  const std::string_view before = std::string_view(text).substr(at - 3, 3);
  return std::find(kBefore.begin(), kBefore.end(), before) != kBefore.end();
}

// "경련약", "발작 예방약", "흉통 치료제": the sign names a medicine (what it is for), not a
// symptom. A self-harm word is never read so: "자살예방 상담전화" is answered with the crisis line.
bool names_a_medicine(const std::string& text, size_t end, EmergencyKind kind) {
  if (kind == EmergencyKind::kSelfHarm) return false;
  const std::string_view rest = std::string_view(text).substr(end, 9);
  return rest.substr(0, 3) == "약" || rest.substr(0, 6) == "예방" || rest == "치료제";
}

// "no trouble breathing", "not short of breath", "never fainted", "no swelling or trouble
// breathing" (one negation over a list).
bool negated_english(const std::string& text, size_t begin) {
  const size_t from = begin > 12 ? begin - 12 : 0;
  const std::string before = text.substr(from, begin - from);
  if (before.find("no ") != std::string::npos || before.find("not ") != std::string::npos ||
      before.find("n't ") != std::string::npos || before.find("never ") != std::string::npos) {
    return true;
  }
  // "what should I do if someone has a seizure?", "I get short of breath when I run": a
  // hypothetical or a habit, not what is happening now.
  // Only a question's "what ... if" counts: "if I lie down I can't breathe" is a sign.
  static constexpr auto kWhatIf =
      std::to_array<std::string_view>({"what if ", "do if ", "in case ", "happens if "});
  const size_t clause_from = begin > 24 ? begin - 24 : 0;
  const std::string clause = text.substr(clause_from, begin - clause_from);
  if (contains_any(clause, kWhatIf) || before.find("i get ") != std::string::npos ||
      before.find("i usually get ") != std::string::npos) {
    return true;
  }
  const size_t list_from = begin > 32 ? begin - 32 : 0;
  const std::string list = text.substr(list_from, begin - list_from);
  const size_t no = list.rfind("no ");
  return no != std::string::npos && list.find(" or ", no) != std::string::npos;
}

// "지금", "now": something is happening as the user writes, unless it is "지금은 괜찮아요" (it
// was, and has passed).
bool happening_now(std::string_view text) {
  static constexpr auto kNow = std::to_array<std::string_view>(
      {"지금", "방금", "현재", "오늘", "now", "today", "just", "again"});
  static constexpr auto kPassed =
      std::to_array<std::string_view>({"잘지내", "괜찮", "멀쩡", "잘놀", "나았", "가라앉"});
  for (auto word : kNow) {
    for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
      const std::string_view after = text.substr(at + word.size(), 45);  // 15 syllables
      if (!(word == "지금" && after.substr(0, 3) == "은" && contains_any(after, kPassed))) {
        return true;
      }
    }
  }
  return false;
}

// "I had a bad reaction to amoxicillin as a kid (my face swelled up)", "어릴 때 입술이 부었는데":
// a sign told as a childhood event is history to tell the prescriber, not what is happening
// now, unless the question also says something is happening now. Only childhood markers close
// to the sign count: "started it years ago ... my lips are swelling" is happening now.
bool distant_past(const std::string& text, size_t at) {
  static constexpr auto kPast = std::to_array<std::string_view>({"as a kid",
                                                                 "last week",
                                                                 "last month",
                                                                 "last year",
                                                                 "지난주",
                                                                 "지난달",
                                                                 "저번달",
                                                                 "저번주",
                                                                 "지난번",
                                                                 "as a child",
                                                                 "when i was a kid",
                                                                 "when i was little",
                                                                 "when i was young",
                                                                 "in childhood",
                                                                 "once had",
                                                                 "years ago",
                                                                 "어렸을때",
                                                                 "어릴때",
                                                                 "어릴적",
                                                                 "작년",
                                                                 "년전",
                                                                 "지난해",
                                                                 "예전에"});
  constexpr size_t kWindow = 48;  // bytes either side: a clause, not the whole question
  const size_t from = at > kWindow ? at - kWindow : 0;
  const std::string_view clause = std::string_view(text).substr(from, 2 * kWindow);
  return contains_any(clause, kPast) && !happening_now(text);
}

// "my seizure medicine", "nitroglycerin for chest pain": what a medicine is for, not a symptom.
bool names_a_medicine_english(const std::string& text, size_t begin, size_t end) {
  static const std::regex kAfter(R"(^\s*(medicine|medication|meds|pills?|drugs?|tablets?)\b)");
  if (begin >= 4 && text.compare(begin - 4, 4, "for ") == 0) return true;
  return std::regex_search(text.substr(end, 16), kAfter);
}

// "네 살 아들이 아빠 당뇨약을 먹은 것 같아요": a child, someone else's (or an adult's) medicine,
// and taking it.
bool child_took_someone_elses(const std::string& k, const std::string& e) {
  static constexpr auto kChild = std::to_array<std::string_view>(
      {"아이가", "애가",   "아기가", "애기가", "아들이", "딸이",  "손주가", "손자가",
       "손녀가", "조카가", "유아",   "살아이", "살아들", "살딸",  "살짜리", "개월아기",
       "둘째가", "첫째가", "막내가", "셋째가", "돌쟁이", "꼬맹이"});
  static constexpr auto kOwner =
      std::to_array<std::string_view>({"아빠", "엄마", "할머니", "할아버지", "어른", "남편", "아내",
                                       "부모님", "언니", "오빠", "누나", "형"});
  static constexpr auto kTook =
      std::to_array<std::string_view>({"먹었", "먹은", "먹어", "먹엇", "삼켰", "삼킨", "씹어",
                                       "씹었", "입에", "마셨", "마셔", "깨물", "핥"});
  auto any = [&](std::span<const std::string_view> list) { return contains_any(k, list); };
  // "딸이 제 수면제 통을 열어놓고 있었는데 몇 알 없어진 것 같아요": pills gone while a child had
  // them.
  static constexpr auto kGone = std::to_array<std::string_view>(
      {"없어진", "없어졌", "사라진", "사라졌", "비어있", "모자라", "열어놓", "열어놨", "열었",
       "뜯어놓", "뜯어놨", "흩어져", "갖고놀", "가지고놀", "비었", "꺼내서", "꺼내먹"});
  static constexpr auto kPills =
      std::to_array<std::string_view>({"약", "알", "제통", "캡슐", "시럽", "물약"});
  if (any(kChild) && any(kGone) && any(kPills)) return true;
  // "사탕인 줄 알고 여러 알 먹었어요": a child took tablets by mistake, whoever they belong to.
  static constexpr auto kByMistake = std::to_array<std::string_view>(
      {"사탕인줄", "젤리인줄", "여러알", "몇알", "한움큼", "바닥에떨어진", "떨어진약", "주워"});
  if (any(kChild) && any(kByMistake) && any(kTook)) return true;
  if (any(kChild) && any(kTook)) {
    for (auto o : kOwner) {  // "아빠 당뇨약", "할머니 약", "엄마가 먹는 약"
      for (size_t at = k.find(o); at != std::string::npos; at = k.find(o, at + 1)) {
        const size_t pill = k.find("약", at);
        if (pill != std::string::npos && pill - at <= 30) return true;
      }
    }
  }
  static const std::regex kEnglish(
      R"(\b(child|kid|toddler|son|daughter|baby|grandson|granddaughter|year old|year-old|yo)\b.{0,40}\b(ate|took|swallowed|chewed|got into)\b.{0,30}\b(my|dad'?s|mom'?s|grandma'?s|grandpa'?s|grandmother'?s|grandfather'?s|someone'?s|adult|the bottle)\b)");
  static const std::regex kEnglishGone(
      R"(\b(child|kid|toddler|son|daughter|baby|grandson|granddaughter)\b.{0,60}\b(pills?|tablets?|medicines?|bottle)\b.{0,40}\b(missing|gone|opened|open|chewing|chewed)\b)");
  return std::regex_search(e, kEnglish) || std::regex_search(e, kEnglishGone);
}

// "10알", "12 tablets", "20정을 먹었": a count of five or more tablets taken at once.
bool many_tablets(std::string_view question) {
  static const std::regex kCount(
      R"((\d+)\s*(알|정|개|캡슐|tablets|pills|capsules|tabs)(?!월|도|상|확))",
      std::regex::ECMAScript | std::regex::icase);
  const std::string q(question);
  static const std::regex kTookCount(
      R"(\b(took|swallowed|ate|taken)\s+(?:like\s+|about\s+|around\s+|maybe\s+|over\s+)?(\d+)\b)",
      std::regex::ECMAScript | std::regex::icase);
  std::smatch took;
  if (std::regex_search(q, took, kTookCount) &&
      (took[2].str().size() > 3 || std::stoi(took[2].str()) >= 5)) {
    return true;
  }
  // "한 번에 다섯 알씩": five or more in words.
  static const std::regex kWords(R"((다섯|여섯|일곱|여덟|아홉|스무|서른|수십)\s*(알|개|정|캡슐))");
  if (std::regex_search(q, kWords)) return true;
  for (std::sregex_iterator it(q.begin(), q.end(), kCount), end; it != end; ++it) {
    // "하루 12알": how many a day, not how many at once.
    const size_t at = static_cast<size_t>(it->position(0));
    const std::string before = q.substr(at > 12 ? at - 12 : 0, at > 12 ? 12 : at);
    if (before.find("하루") != std::string::npos || before.find("1일") != std::string::npos ||
        before.find("매일") != std::string::npos || before.find("daily") != std::string::npos) {
      continue;
    }
    const std::string digits = (*it)[1].str();
    if (digits.size() > 3) return true;
    if (std::stoi(digits) >= 5) return true;
  }
  return false;
}

// "notonanybloodthinners": an English word in the spaceless text with a negation just before it.
bool negated_ascii(const std::string& k, size_t at) {
  if (at >= k.size() || (static_cast<unsigned char>(k[at]) & 0x80U) != 0) return false;
  const std::string before = k.substr(at > 12 ? at - 12 : 0, at > 12 ? 12 : at);
  return before.find("not") != std::string::npos || before.find("n't") != std::string::npos ||
         before.find("never") != std::string::npos || before.find("without") != std::string::npos;
}

bool near(const std::string& k, const NearRule& rule) {
  const size_t near_bytes = rule.within * 3;  // a Hangul syllable is three bytes
  if (!rule.also.empty() && !contains_any(k, rule.also)) return false;
  if (contains_any(k, rule.unless)) return false;
  for (auto f : rule.first) {
    for (size_t a = k.find(f); a != std::string::npos; a = k.find(f, a + 1)) {
      if (distant_past(k, a)) continue;
      for (auto s : rule.second) {
        if (rule.anywhere) {
          const size_t c = k.find(s);
          if (c != std::string::npos && !negated_ascii(k, c) && !negated_korean(k, c + s.size())) {
            return true;
          }
        }
        for (size_t c = k.find(s, a + f.size()); c != std::string::npos; c = k.find(s, c + 1)) {
          if (negated_ascii(k, c)) continue;
          if (c - a > near_bytes) break;
          if (!negated_korean(k, c + s.size())) return true;
        }
      }
    }
  }
  return false;
}

// Every `word` in `k` becomes "_", so no sign can be read in it.
void mark_out(std::string& k, std::string_view word) {
  std::string out;
  size_t from = 0;
  for (size_t at = k.find(word); at != std::string::npos; at = k.find(word, from)) {
    out.append(k, from, at - from).append("_");
    from = at + word.size();
  }
  if (from == 0) return;  // not there
  k = out.append(k, from);
}

// Words that hold a sign but say something else, erased before the signs are looked for: a
// figure of speech ("숨 막혀 죽겠다", "피 토할 것 같음"), a medicine's name (리피토 holds 피토), a
// panic attack's "발작", a school project about suicide prevention, and dark stool on iron with
// no sign of bleeding (expected).
std::string without_figures_of_speech(std::string k) {
  static constexpr auto kIdioms = std::to_array<std::string_view>(
      {"숨막혀죽겠", "숨막혀서죽겠", "피토할것같", "피를토할것같", "죽을것같음ㅋ", "공황발작",
       "배고파죽", "쓰러지기직전", "배고파서죽", "리피토"});
  for (auto idiom : kIdioms) mark_out(k, idiom);
  static constexpr auto kSchoolwork =
      std::to_array<std::string_view>({"수업", "과제", "교육", "자료", "조사", "발표", "캠페인"});
  if (contains_any(k, kSchoolwork)) mark_out(k, "자살예방");
  static constexpr auto kIron =
      std::to_array<std::string_view>({"철분", "iron", "비스무트", "bismuth", "pepto"});
  static constexpr auto kBleedingToo = std::to_array<std::string_view>(
      {"와파린", "아스피린", "소염진통", "항응고", "피묽", "혈전", "어지러", "어지럽", "토했",
       "피가", "빨간", "타르", "끈적", "dizz"});
  auto said = [&k](std::string_view word) {  // "어지럽거나 배 아픈 건 없어요" does not say it
    for (size_t at = k.find(word); at != std::string::npos; at = k.find(word, at + 1)) {
      const std::string_view after = std::string_view(k).substr(at + word.size(), 21);
      if (after.find("없") == std::string_view::npos &&
          after.find("않") == std::string_view::npos) {
        return true;
      }
    }
    return false;
  };
  if (contains_any(k, kIron) && std::none_of(kBleedingToo.begin(), kBleedingToo.end(), said)) {
    static constexpr auto kDark = std::to_array<std::string_view>(
        {"까맣", "까만", "검은", "검게", "새까", "시커", "black", "dark"});
    for (auto dark : kDark) mark_out(k, dark);
  }
  return k;
}

// A question asked to learn (a training, a school project, a TV scene, "just curious") while
// nothing is happening now: the signs in it describe someone else, somewhere else.
bool asked_to_learn(const std::string& k) {
  static constexpr auto kLearning = std::to_array<std::string_view>(
      {"training", "firstaid", "justcurious", "episode", "다큐", "드라마", "뉴스에서", "교육",
       "응급처치", "미리알아", "알아두", "궁금해서", "과제", "leaflet", "howcommon", "haventtaken",
       "haven'ttaken", "아직안먹"});
  if (!contains_any(k, kLearning)) return false;
  std::string rest = k;
  mark_out(rest, "justcurious");  // its "just" is not "now"
  return !happening_now(rest);
}

// "모아둔 수면제를 한번에 먹으면 편해질까": taking too much as a plan, not as a mistake, is a
// thought of self-harm (the answer then gives the crisis line too).
bool planned(const std::string& k, const std::string& e) {
  static constexpr auto kKorean = std::to_array<std::string_view>(
      {"먹으면", "먹을까", "먹어버릴까", "먹을거", "먹고싶", "먹으려", "편해질", "죽", "끝내"});
  static constexpr auto kEnglish = std::to_array<std::string_view>(
      {"thinking of", "thinking about", "what if i took", "going to take", "want to take"});
  return contains_any(k, kKorean) || contains_any(e, kEnglish);
}

std::optional<Emergency> first_sign(const std::string& k, const std::string& e,
                                    std::string_view question);

// What the sign may mean, so the reader knows why it cannot wait ("" when the kind says it).
std::string what_it_may_be(EmergencyKind kind, Language language) {
  const bool ko = language == Language::kKorean;
  switch (kind) {
    case EmergencyKind::kBreathing:
      return ko ? "심한 알레르기 반응(아나필락시스)일 수 있어요.\n"
                : "This can be a severe allergic reaction (anaphylaxis).\n";
    case EmergencyKind::kChestPain:
      return ko ? "심장에 문제가 생긴 것일 수 있어요.\n" : "This can be a heart problem.\n";
    case EmergencyKind::kBleeding:
      return ko ? "몸 안에서 출혈이 생긴 것일 수 있어요.\n"
                : "This can be bleeding inside the body.\n";
    case EmergencyKind::kStroke:
      return ko ? "뇌졸중 증상일 수 있어요. 증상이 시작된 시각을 기억해 두세요.\n"
                : "These can be signs of a stroke. Note the time the symptoms started.\n";
    case EmergencyKind::kFainting:
      return ko ? "당뇨약이나 인슐린을 쓰는 분이면 저혈당일 수 있어요. 깨어 있고 삼킬 수 있을 때만 "
                  "사탕이나 주스를 드리고, 의식이 흐리거나 삼키기 어려우면 억지로 먹이지 말고 입에 "
                  "아무것도 넣지 마세요.\n"
                : "On a diabetes medicine or insulin this can be low blood sugar: give sugar or "
                  "juice only if they are awake and can swallow; if not, put nothing in the "
                  "mouth.\n";
    case EmergencyKind::kSeizure:
      return ko ? "경련 중에는 입에 아무것도 넣지 말고, 다치지 않게 주변의 물건을 치워 주세요.\n"
                : "During a seizure, put nothing in the mouth and move hard objects away.\n";
    case EmergencyKind::kSevereSkin:
      return ko ? "심한 피부 반응일 수 있어요.\n" : "This can be a severe skin reaction.\n";
    case EmergencyKind::kVisionLoss:
      return ko ? "갑자기 시력을 잃는 것은 눈이나 뇌의 혈관 문제일 수 있고, 빨리 치료할수록 "
                  "회복 가능성이 높아요.\n"
                : "Sudden loss of sight can be a blocked blood vessel in the eye or brain; the "
                  "sooner it is treated, the better the chance of recovery.\n";
    case EmergencyKind::kAbdomen:
      return ko ? "배 안에 급한 문제(천공, 장폐색, 맹장염 등)가 생긴 것일 수 있어요. 진료 전까지 "
                  "진통제로 참지 말고 아무것도 드시지 마세요.\n"
                : "This can be an urgent problem inside the belly (a perforation, a blocked "
                  "bowel, appendicitis). Do not mask it with painkillers, and eat or drink "
                  "nothing until a doctor has seen you.\n";
    case EmergencyKind::kSevereInfection:
      return ko ? "뇌수막염이나 패혈증 같은 심한 감염일 수 있어요. 해열제로 지켜보지 마세요.\n"
                : "This can be a serious infection such as meningitis or sepsis. Do not wait "
                  "and watch it with fever medicine.\n";
    case EmergencyKind::kDehydration:
      return ko ? "심한 탈수 상태일 수 있어요. 수액 치료가 필요할 수 있어요.\n"
                : "This can be severe dehydration, which may need fluids by drip.\n";
    case EmergencyKind::kPulse:
      return ko ? "맥박이 위험할 만큼 느리거나 빨라요. 심장약(디곡신, 베타차단제 등)을 드신다면 "
                  "다음 약은 드리지 마세요.\n"
                : "The pulse is dangerously slow or fast; if a heart medicine (digoxin, a beta "
                  "blocker) is taken, give no further dose.\n";
    case EmergencyKind::kBloodPressure:
      return ko ? "혈압이 매우 높고 증상이 있어 위험할 수 있어요. 혈압약을 임의로 더 드시지 "
                  "마세요.\n"
                : "Blood pressure this high with symptoms can be dangerous. Do not take extra "
                  "blood pressure medicine on your own.\n";
    case EmergencyKind::kHighBloodSugar:
      return ko ? "혈당이 매우 높아 당뇨병성 케톤산증 같은 위급한 상태일 수 있어요.\n"
                : "Blood sugar this high can be a dangerous state such as diabetic "
                  "ketoacidosis.\n";
    case EmergencyKind::kClot:
      return ko ? "다리의 혈전이 폐로 간 것(폐색전증)일 수 있어요.\n"
                : "This can be a blood clot that has travelled to the lungs.\n";
    case EmergencyKind::kPregnancy:
      return ko ? "임신 중 응급 상황일 수 있어요. 다니는 산부인과에도 알리세요.\n"
                : "This can be an emergency in pregnancy; tell your maternity unit too.\n";
    case EmergencyKind::kPriapism:
      return ko ? "4시간 넘게 지속되는 발기는 조직이 손상될 수 있어 바로 치료가 필요해요.\n"
                : "An erection lasting four hours or more can damage tissue and needs "
                  "treatment now.\n";
    default:
      return "";
  }
}

}  // namespace

std::string_view to_string(EmergencyKind kind) {
  switch (kind) {
    case EmergencyKind::kBreathing:
      return "breathing";
    case EmergencyKind::kChestPain:
      return "chest_pain";
    case EmergencyKind::kFainting:
      return "fainting";
    case EmergencyKind::kSeizure:
      return "seizure";
    case EmergencyKind::kBleeding:
      return "bleeding";
    case EmergencyKind::kOverdose:
      return "overdose";
    case EmergencyKind::kChildIngestion:
      return "child_ingestion";
    case EmergencyKind::kSelfHarm:
      return "self_harm";
    case EmergencyKind::kSevereSkin:
      return "severe_skin";
    case EmergencyKind::kStroke:
      return "stroke";
    case EmergencyKind::kHeadInjury:
      return "head_injury";
    case EmergencyKind::kPoisoning:
      return "poisoning";
    case EmergencyKind::kVisionLoss:
      return "vision_loss";
    case EmergencyKind::kAbdomen:
      return "abdomen";
    case EmergencyKind::kSevereInfection:
      return "severe_infection";
    case EmergencyKind::kDehydration:
      return "dehydration";
    case EmergencyKind::kPulse:
      return "pulse";
    case EmergencyKind::kBloodPressure:
      return "blood_pressure";
    case EmergencyKind::kHighBloodSugar:
      return "high_blood_sugar";
    case EmergencyKind::kClot:
      return "clot";
    case EmergencyKind::kPregnancy:
      return "pregnancy";
    case EmergencyKind::kPriapism:
      return "priapism";
    case EmergencyKind::kUnspecified:
      return "unspecified";
  }
  return "emergency";
}

namespace {

// The question without the words of any sign the rules know: where the rules saw a sign and set
// it aside (negated, in the past, a medicine's purpose), the second opinion must not read it
// again; it judges the rest.
std::string without_sign_words(std::string k) {
  // Every sign word as it appears in the spaceless text, made once: most questions reach here.
  static const std::vector<std::string> kWords = [] {
    std::vector<std::string> words;
    for (const SignRule& rule : sign_rules()) {
      words.insert(words.end(), rule.korean.begin(), rule.korean.end());
      for (auto sign : rule.english) words.push_back(ascii_lower_without_spaces(sign));
    }
    return words;
  }();
  for (const auto& word : kWords) mark_out(k, word);
  return k;
}

// "만약 아이가 삼키면", "what happens if": a question about what might happen, not what is.
bool hypothetical(const std::string& k, const std::string& e) {
  static constexpr auto kKorean = std::to_array<std::string_view>(
      {"만약", "만일", "할경우", "될경우", "을경우", "를경우", "대비해", "미리"});
  static constexpr auto kEnglish = std::to_array<std::string_view>(
      {"what if", "what happens if", "what would happen", "in case", "hypothetically"});
  return contains_any(k, kKorean) || contains_any(e, kEnglish);
}

// No rule matched: the learnt second opinion (triage_model.h) on `k`, in which figures of speech
// are already erased.
std::optional<Emergency> second_opinion(const std::string& k, const std::string& e) {
  if (hypothetical(k, e) ||
      triage_model::decision_value(without_sign_words(k)) <= triage_model::threshold()) {
    return std::nullopt;
  }
  return Emergency{EmergencyKind::kUnspecified, "reads like an emergency message"};
}

}  // namespace

std::optional<Emergency> triage(std::string_view question) {
  const std::string k = without_figures_of_speech(ascii_lower_without_spaces(question));
  const std::string e = ascii_lower(question);
  if (asked_to_learn(k)) return std::nullopt;
  auto sign = first_sign(k, e, question);
  if (!sign) sign = reading_out_of_range(k);
  if (!sign) sign = second_opinion(k, e);
  if (sign && sign->kind == EmergencyKind::kOverdose && planned(k, e)) {
    sign->kind = EmergencyKind::kSelfHarm;
  }
  return sign;
}

namespace {

// "hives all over and my throat feels funny", "hives and my chest feels tight": hives or itching
// with the airway or chest is anaphylaxis (a tight chest with hives is not a heart problem).
std::optional<Emergency> hives_with_airway(const std::string& e) {
  static const std::regex kHives(
      R"(\b(hives|itching|itchy|rash)\b.{0,60}\b(throat|breath\w*|wheez\w*|chest|tongue|lips?)\b)");
  std::smatch m;
  if (std::regex_search(e, m, kHives) && !negated_english(e, static_cast<size_t>(m.position(2)))) {
    return Emergency{EmergencyKind::kBreathing, "hives with throat, breathing or chest signs"};
  }
  return std::nullopt;
}

std::optional<Emergency> first_sign(const std::string& k, const std::string& e,
                                    std::string_view question) {
  std::optional<Emergency> hives = hives_with_airway(e);  // returned by value: not const
  for (const SignRule& rule : sign_rules()) {
    if (rule.kind == EmergencyKind::kChestPain && hives) return hives;
    for (auto sign : rule.korean) {
      for (size_t at = k.find(sign); at != std::string::npos; at = k.find(sign, at + 1)) {
        if (negated_korean(k, at + sign.size()) || inside_longer_word(k, at, sign) ||
            names_a_medicine(k, at + sign.size(), rule.kind) ||
            (rule.kind != EmergencyKind::kSelfHarm && distant_past(k, at))) {
          continue;
        }
        return Emergency{rule.kind, std::string(sign)};
      }
    }
    for (auto sign : rule.english) {
      for (size_t at = e.find(sign); at != std::string::npos; at = e.find(sign, at + 1)) {
        if (negated_english(e, at) ||
            (rule.kind != EmergencyKind::kSelfHarm &&
             (names_a_medicine_english(e, at, at + sign.size()) || distant_past(e, at)))) {
          continue;
        }
        return Emergency{rule.kind, std::string(sign)};
      }
    }
  }
  if (hives) return hives;
  // "my lips and tongue are swelling", "her face is puffy".
  static const std::regex kSwelling(
      R"(\b(lips?|tongue|face|throat|mouth)\b.{0,24}\b(swell|swelling|swollen|puffy|puffing)\b)");
  std::smatch swelling;
  if (std::regex_search(e, swelling, kSwelling) &&
      !negated_english(e, static_cast<size_t>(swelling.position(0))) &&
      !distant_past(e, static_cast<size_t>(swelling.position(0)))) {
    return Emergency{EmergencyKind::kBreathing, "swelling of the lips, tongue, face or throat"};
  }
  for (const NearRule& rule : near_rules()) {
    if (near(k, rule)) return Emergency{rule.kind, std::string(rule.name)};
  }
  if (child_took_someone_elses(k, e)) {
    return Emergency{EmergencyKind::kChildIngestion, "a child took someone else's medicine"};
  }
  if (many_tablets(question)) return Emergency{EmergencyKind::kOverdose, "count >= 5"};
  return std::nullopt;
}

}  // namespace

std::string emergency_lines(const Emergency& emergency, Language language) {
  const bool ko = language == Language::kKorean;
  // A sign no rule names is less certain than one a rule found, and the answer says so; the
  // instruction itself is the same.
  const bool unspecified = emergency.kind == EmergencyKind::kUnspecified;
  std::string out;
  if (unspecified) {
    out = ko ? "지금 이런 증상이 있다면 응급 상황일 수 있어요. 바로 119에 전화하거나 가까운 "
               "응급실로 가세요.\n"
             : "If this is happening now, it may be an emergency: call your local emergency "
               "number (119 in Korea, 911 in the US) or go to the nearest emergency room.\n";
  } else {
    out = ko ? "응급 상황일 수 있어요. 지금 바로 119에 전화하거나 가까운 응급실로 가세요.\n"
             : "This may be an emergency: call your local emergency number (119 in Korea, 911 "
               "in the US) or go to the nearest emergency room now.\n";
  }
  out += what_it_may_be(emergency.kind, language);
  switch (emergency.kind) {
    case EmergencyKind::kBreathing:
    case EmergencyKind::kSevereSkin:
      out += ko ? "의심되는 약은 더 드시지 마세요. 드신 약의 포장이나 약 봉투를 가지고 가세요.\n"
                : "Do not take any more of the medicine you suspect, and take its package "
                  "with you.\n";
      break;
    // Painkillers, aspirin and blood thinners add to a bleed; the doctor decides what comes next.
    case EmergencyKind::kBleeding:
      out += ko ? "진료를 받기 전까지 출혈을 늘릴 수 있는 약(소염진통제, 아스피린, 피를 묽게 하는 "
                  "약)은 더 드시지 마세요. 드시고 있는 약의 이름이나 약 봉투를 가지고 가세요.\n"
                : "Until a doctor has seen you, take no more of a medicine that can add to "
                  "bleeding (anti-inflammatory painkillers, aspirin, blood thinners), and take "
                  "the names or packages of your medicines with you.\n";
      break;
    case EmergencyKind::kOverdose:
    case EmergencyKind::kChildIngestion:
    case EmergencyKind::kPoisoning:
      out += ko ? "지금 아무렇지 않아도 증상이 나중에 나타날 수 있으니 기다리지 마세요. 드신 약의 "
                  "포장이나 약 봉투를 가지고 가고, 억지로 토하게 하지 마세요.\n"
                : "Do not wait: even if there are no symptoms yet, they can appear later. Take the "
                  "medicine's package with you, and do not try to make them vomit.\n";
      break;
    case EmergencyKind::kSelfHarm:
      out += ko ? "혼자 있지 마세요. 자살예방 상담전화 109(24시간)에서도 도움을 받을 수 "
                  "있어요.\n"
                : "Please do not stay alone. You can also call a crisis line (109 in Korea, "
                  "988 in the US), day or night.\n";
      break;
    default:
      out += ko ? "드시고 있는 약의 이름이나 약 봉투를 가지고 가세요.\n"
                : "Take the names or packages of the medicines you take with you.\n";
      break;
  }
  return out;
}

}  // namespace dailydrug::app

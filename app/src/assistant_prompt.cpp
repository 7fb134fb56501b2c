#include "dailydrug/app/assistant_prompt.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <span>

#include "dailydrug/app/schedule_params.h"
#include "dailydrug/app/time_period.h"
#include "dailydrug/app/triage.h"
#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {

namespace {

bool ko(Language l) {
  return l == Language::kKorean;
}

struct TopicKeywords {
  FactTopic topic;
  std::vector<std::string_view> korean;  // matched with spaces removed
  // Whole words on lower-case text with single spaces: English, and the Korean word "술" alone
  // (as a substring it would match 수술, 기술).
  std::vector<std::string_view> english;
  // Phrases that hold a keyword without meaning the topic ("콧물이 줄줄이라" holds 줄이, "차에 두고
  // 깜빡" is a pen left behind, "before i could stop him"): removed before this topic's keywords
  // are looked for. Korean without spaces, English as written in `english`.
  std::vector<std::string_view> not_korean = {};
  std::vector<std::string_view> not_english = {};
  // A topic that only counts alongside another ("모르고 먹었어요" is about a pregnancy only when
  // the question says one).
  std::optional<FactTopic> needs = std::nullopt;
};

// In the order a direct answer prefers them: what the user is about to do with a dose, or has
// just done, comes before background topics.
const std::vector<TopicKeywords>& topic_keywords() {
  static const std::vector<TopicKeywords> k = {
      {FactTopic::kDoubleDose,
       {"두번먹",   "두번복용", "두번드",     "두번이나",   "두개먹",     "두개를",
        "두알",     "두배",     "2배",        "한꺼번에",   "한번에두",   "또먹",
        "또드셨",   "또드신",   "또복용",     "또먹였",     "다시먹",     "다시드셨",
        "중복으로", "중복복용", "한번더먹",   "한번더드셨", "이중으로",   "실수로먹",
        "잘못먹었", "잘못먹은", "약을바꿔먹", "남의약",     "다른사람약", "핥"},
       {"double", "twice", "two doses", "extra dose", "took it again", "another dose", "took two",
        "take two", "by mistake", "accidentally took", "took the wrong", "wrong pill",
        "wrong medicine", "took another", "took an extra", "licked"},
       // A regimen, not a dose taken twice.
       {"하루두번", "하루에두번", "하루두알", "하루에두알", "두번씩", "두알씩", "두개씩", "1일2회"},
       {"twice a day", "twice daily", "twice-daily"}},
      {FactTopic::kMissedDose,
       {"깜빡", "깜박", "잊어버", "잊었", "잊고", "까먹", "놓쳤", "놓친", "못먹었", "못먹은",
        "안먹었", "못챙", "빼먹", "빠뜨", "거르고", "걸렀", "못드셨", "안드셨", "못마셨",
        // A dose vomited soon after ("먹고 30분 뒤에 토했어요"): is it to be taken again.
        "바로토했", "바로토해", "바로토하", "시간안에토", "시간만에토", "분만에토", "분뒤에토",
        "분후에토", "분있다토", "토했는데다시", "토해서다시", "토했어요다시", "토하면다시"},
       {"forgot", "forget", "missed", "miss a dose", "skipped a dose", "didn't take", "threw it up",
        "threw up after", "vomited after", "vomited it", "vomited within", "minutes after taking",
        "threw up right after", "vomited right after", "threw up soon after", "vomited soon after",
        "take it again"},
       // Something left behind, not a dose.
       {"두고깜빡", "놓고깜빡", "두고까먹", "놓고까먹", "두고잊", "놓고잊", "깜빡하고두고",
        "깜빡하고놓고"}},
      {FactTopic::kPregnancyExposure,
       // Not knowing, or a medicine already taken ("임테기 두 줄인데 지난주에 부루펜 먹었어요").
       {"모르고", "몰랐", "알기전", "알게됐", "알았는데", "인걸알", "확인하기전", "먹었어",
        "먹었는데", "먹었거든", "먹었던", "복용했", "드셨", "먹어버렸"},
       {"before i knew", "didn't know i was", "didnt know i was", "did not know i was",
        "found out i", "find out i", "just found out", "before finding out", "took", "been taking"},
       {},
       {},
       FactTopic::kPregnancy},
      {FactTopic::kPregnancy,
       {"임신", "임산부", "임부", "가임", "아기를갖", "아이를갖", "태아", "입덧", "임테기",
        "테스트기두줄"},
       {"pregnant", "pregnancy", "trying to conceive", "expecting a baby"}},
      {FactTopic::kBreastfeeding,
       {"모유", "수유", "젖을", "젖먹", "유축"},
       {"breastfeed", "breastfeeding", "breast-feeding", "breast feeding", "breastfed", "nursing",
        "breast milk"}},
      {FactTopic::kDisposal,
       {"버려", "버리", "버릴", "버린", "폐의약품", "폐기", "처분", "수거", "쓰레기", "종량제",
        "흘려보내", "하수구에", "하수구로", "변기에", "변기로", "싱크대에"},
       {"dispose", "disposal", "throw away", "throw out", "throwing away", "throw them", "throw it",
        "get rid of", "flush", "trash", "garbage", "sharps"},
       // "다 먹어버리면": done with, not thrown away.
       {"어버리", "아버리", "해버리", "어버려", "아버려", "해버려", "져버리"}},
      {FactTopic::kCrushing,
       {"빻",           "갈아서",   "갈아먹",       "갈아드",         "갈아줘",
        "가루로",       "가루를내", "부숴",         "부수",           "으깨",
        "씹어",         "캡슐을열", "캡슐열",       "캡슐을까",       "캡슐까",
        "캡슐을벗",     "캡슐벗",   "알약을못삼키", "알약을잘못삼키", "약을못삼키",
        "약을잘못삼키", "알약삼키", "알약을삼키",   "서방정",         "서방형",
        "장용정",       "장용코팅", "콧줄",         "죽에섞",         "밥에섞"},
       {"crush",
        "crushed",
        "crushing",
        "chew",
        "chewing",
        "open the capsule",
        "open the capsules",
        "opening the capsule",
        "sprinkle",
        "swallow pills",
        "swallowing pills",
        "swallow tablets",
        "swallow the pill",
        "swallow the tablet",
        "extended release",
        "extended-release",
        "slow release",
        "slow-release",
        "enteric",
        "feeding tube"},
       // Two medicines taken in turn ("번갈아 먹여도"), not ground.
       {"번갈아"}},
      {FactTopic::kStopping,
       {"끊어",     "끊으",     "끊고",     "끊었",     "끊어도",     "그만먹",     "그만복용",
        "그만드",   "중단",     "안먹어도", "안먹으면", "다먹어야",   "끝까지",     "남은거",
        "남은약",   "남았",     "나아졌",   "괜찮아졌", "좋아졌는데", "좋아졌으니", "계속먹어야",
        "평생먹",   "언제까지", "끊을",     "안먹고싶", "빼도",       "빼고먹",     "줄여도",
        "안먹고",   "안먹은지", "먹지않고", "끊은지",   "매일먹어도", "오래먹어도", "계속먹어도",
        "장기복용", "이뽑",     "이를뽑",   "발치",     "임플란트"},
       {"stop",           "stopped",        "stopping",         "quit",
        "quitting",       "come off",       "coming off",       "taper",
        "wean",           "finish",         "the course",       "full course",
        "leftover",       "left over",      "feel better",      "keep taking",
        "how long",       "tooth pulled",   "tooth extraction", "dental work",
        "before surgery", "having surgery", "have surgery"},
       {},
       // Someone stopped, or a symptom that will not stop: not the medicine.
       {"stop him", "stop her", "stop them", "can't stop", "cant stop", "won't stop", "wont stop",
        "doesn't stop", "doesnt stop", "does not stop", "didn't stop", "didnt stop",
        "wouldn't stop", "wouldnt stop", "non-stop", "nonstop"}},
      // A child's dose is the children's fact ("반 쪼개서 먹여도", "몇 ml"), so before dose
      // changes.
      {FactTopic::kChildren,
       {"아이",   "애기",   "아기",   "어린이", "소아", "유아",   "초등",   "중학생",
        "살짜리", "개월",   "우리애", "아들",   "딸이", "딸한테", "딸에게", "키즈",
        "신생아", "영아",   "한살",   "두살",   "세살", "네살",   "다섯살", "여섯살",
        "일곱살", "여덟살", "아홉살", "열살",   "애가", "애한테", "애에게", "애들"},
       {"child", "kid", "toddler", "baby", "infant", "son", "daughter", "teen", "child's", "kid's",
        "toddler's", "baby's", "infant's", "son's", "daughter's"}},
      {FactTopic::kDoseChange,
       {"반만", "반알",     "반으로",   "반쪽",     "절반",    "줄여",     "줄이",
        "늘려", "늘리",     "더먹",     "더많이",   "하나더",  "한알더",   "용량을",
        "양을", "쪼개",     "잘라서",   "몇알",     "몇정",    "몇개까지", "몇번까지",
        "최대", "하루에몇", "얼마나먹", "얼마나드", "얼마까지"},
       {"half", "cut in", "split", "increase", "reduce", "lower the dose", "higher dose",
        "more than", "less than", "change the dose", "adjust", "how many", "how much", "maximum",
        "max dose"},
       {"줄줄이", "한번더먹", "한번더드"}},  // "콧물이 줄줄이라"; another dose, not a bigger one
      {FactTopic::kKidneyLiver,
       {"신장", "콩팥", "투석", "신부전", "간이나빠", "간이안좋", "간질환", "간수치", "간염",
        "간경화", "지방간", "간기능", "신기능", "간이약", "간에무리", "간에안좋", "간이상",
        // A scan with contrast dye ahead (one already had with a sign is the sign's).
        "조영제ct찍", "조영제CT찍", "조영제ct를찍", "조영제CT를찍", "조영제검사를앞",
        "조영제검사앞", "조영제검사전", "조영제검사예정", "조영제찍", "조영제를쓴다", "조영제쓴다"},
       {"kidney", "renal", "dialysis", "liver", "hepatitis", "cirrhosis", "scan with contrast"}},
      {FactTopic::kInteractions,
       {"같이", "함께", "병용", "상호작용", "다른약", "겹치", "동시에", "섞어", "띄워", "띄어서"},
       {"together", "interaction", "interact", "combine", "with other", "at the same time", "mix",
        "along with", "with my", "on top of"}},
      {FactTopic::kAlcohol,
       {"술을",   "술과",   "술이랑", "술하고", "술마",   "술먹",  "술드",   "술한", "술은",
        "음주",   "알코올", "알콜",   "맥주",   "소주",   "와인",  "막걸리", "회식", "술자리",
        "소맥",   "숙취",   "과음",   "폭음",   "만취",   "취했",  "해장",   "양주", "위스키",
        "보드카", "하이볼", "칵테일", "고량주", "샴페인", "술약속"},
       {"alcohol",     "beer",     "wine",     "liquor",     "drinking",         "a drink",
        "drunk",       "hangover", "hungover", "few drinks", "couple of drinks", "couple drinks",
        "some drinks", "binge",    "cocktail", "vodka",      "whiskey",          "whisky",
        "tequila",     "soju",     "술"}},
      {FactTopic::kDriving,
       {"운전", "운행", "졸음", "졸려", "졸리", "졸린", "기계조작", "차를몰"},
       {"drive", "driving", "operate machinery"}},
      {FactTopic::kFood,
       {"식전",       "식후",      "공복",     "빈속",     "식사",   "밥",       "음식",
        "우유",       "자몽",      "커피",     "주스",     "언제먹", "언제복용", "언제드",
        "몇시",       "시간에",    "아침에먹", "저녁에먹", "자기전", "어떻게먹", "어떻게드",
        "어떻게복용", "먹는방법",  "먹는법",   "복용방법", "복용법", "채소",     "야채",
        "나물",       "녹즙",      "청국장",   "낫토",     "영양제", "요거트",   "요구르트",
        "요플레",     "치즈",      "라떼",     "유제품",   "두유",   "금식",     "굶",
        "단식",       "라마단",    "내시경",   "검진",     "시차",   "먹고누워", "먹고바로누",
        "먹고눕",     "먹고바로눕"},
       {"food",
        "meal",
        "empty stomach",
        "eat",
        "grapefruit",
        "milk",
        "coffee",
        "juice",
        "when should i take",
        "what time",
        "bedtime",
        "how do i take",
        "how to take",
        "how should i take",
        "breakfast",
        "lunch",
        "dinner",
        "latte",
        "yogurt",
        "yoghurt",
        "dairy",
        "cheese",
        "when i take it",
        "when to take",
        "time of day",
        "fasting",
        "fast for",
        "ramadan",
        "endoscopy",
        "colonoscopy",
        "time zone",
        "time zones",
        "jet lag",
        "lie down"},
       {"몇시간"}},  // "몇 시간 띄워야": spacing from another medicine
      {FactTopic::kStorage,
       {"보관",   "냉장",   "냉동",     "실온",     "유통기한", "사용기한", "개봉", "뜯은",
        "뜯고",   "차안",   "차에두",   "차에놓",   "트렁크",   "더운",     "더위", "폭염",
        "한여름", "여름에", "뜨거운곳", "뜨거운차", "땡볕",     "햇빛",     "얼었", "녹았",
        "상온",   "비행기", "기내",     "수하물",   "색이변",   "색깔이변", "변색", "곰팡"},
       {"store",        "storage",    "fridge",      "refrigerator",
        "refrigerate",  "freeze",     "frozen",      "freezer",
        "expired",      "expire",     "expiry",      "opened",
        "hot car",      "in the car", "heat",        "keep my",
        "keep it",      "keep them",  "keep the",    "after opening",
        "left it in",   "summer",     "flight",      "flying",
        "luggage",      "carry-on",   "fly",         "plane",
        "airport",      "discolored", "discoloured", "changed colour",
        "changed color"}},
      // A danger sign told with a side effect ("두드러기가 번지고 핑 돌아요") comes first.
      {FactTopic::kSerious,
       {"응급", "위험한증상", "숨이", "숨쉬", "호흡", "발진", "두드러기", "출혈", "피가", "검은변",
        "가슴통증", "의식", "병원에가", "응급실"},
       {"serious", "emergency", "breath", "rash", "bleeding", "chest pain", "hospital"}},
      {FactTopic::kSideEffects,
       {"부작용",   "이상반응", "속쓰",     "속이쓰",     "어지러", "어지럼", "붓고",   "부었",
        "부어요",   "기침이",   "마른기침", "메스꺼",     "울렁",   "가려",   "졸음이", "발목이",
        "다리가붓", "근육통",   "멍이",     "잇몸에서피", "저혈당", "핑돌",   "핑도",   "어질",
        "휘청",     "목소리가", "목이쉬",   "쉰목소리",   "목쉼",   "하얀게", "하얀것", "백태"},
       {"side effect",      "side-effect",    "adverse",         "dizzy",
        "swollen ankle",    "ankles",         "cough",           "nausea",
        "nauseous",         "diarrhea",       "diarrhoea",       "constipation",
        "constipated",      "itch",           "itchy",           "bruise",
        "bruising",         "upset stomach",  "sleepy",          "drowsy",
        "dizziness",        "since starting", "since i started", "makes me",
        "making me",        "gives me",       "giving me",       "stomach upset",
        "upset my stomach", "stomach ache",   "stomachache",     "hoarse",
        "white patches",    "thrush"}},
      {FactTopic::kElderly,
       {"어르신", "노인", "할머니", "할아버지", "부모님", "어머니", "아버지", "고령", "70대",
        "80대", "90대", "노부모", "시어머니", "장모님"},
       {"elderly", "older adult", "grandmother", "grandfather", "grandma", "grandpa", "my mother",
        "my father", "my mom", "my dad", "aged"}},
      {FactTopic::kUse,
       {"효능", "효과", "무슨약", "어떤약", "뭐에쓰", "무엇에쓰", "용도", "어디에좋", "왜먹",
        "차이"},
       {"what is", "what's", "used for", "what does", "what for", "difference between"}},
  };
  return k;
}

std::string lower_spaced(std::string_view s) {
  std::string out = " ";
  bool space = false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u) || c == '?' || c == '!' || c == '.' || c == ',') {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(u));
  }
  return out + " ";
}

bool english_word_hit(const std::string& spaced, std::string_view kw) {
  // Whole words at the start ("car" must not match "careful"); a keyword may end mid-word
  // only when it is a phrase ("side effect" -> "side effects").
  for (size_t pos = spaced.find(kw); pos != std::string::npos; pos = spaced.find(kw, pos + 1)) {
    if (pos == 0 || spaced[pos - 1] != ' ') continue;
    const size_t end = pos + kw.size();
    const bool phrase = kw.find(' ') != std::string_view::npos;
    if (phrase || end >= spaced.size() || spaced[end] == ' ' || spaced[end] == 's' ||
        (kw == "drive" && spaced.compare(end, 1, "r") == 0)) {
      return true;
    }
  }
  return false;
}

std::string heading(const MedicineEntry& e, const std::string& shown, Language l) {
  const std::string& name = e.name.in(l);
  const std::string& cat = e.category.in(l);
  if (cat.empty()) return shown.empty() ? name : shown;  // a category the user named
  if (shown.empty() || MedicineFacts::normalize(shown) == MedicineFacts::normalize(name)) {
    return name + (ko(l) ? " · " : ", ") + cat;  // the category may hold parentheses itself
  }
  return shown + (ko(l) ? " (" + name + " · " + cat + ")" : " (" + name + ", " + cat + ")");
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

bool has_topic(const Grounding& g, FactTopic t) {
  return std::find(g.topics.begin(), g.topics.end(), t) != g.topics.end();
}

std::string dose_status_text(const ScheduledDose& d, LocalDateTime now, Language l) {
  switch (d.status()) {
    case DoseStatus::kTaken:
      return ko(l) ? "복용 완료" : "taken";
    case DoseStatus::kSkipped:
      return ko(l) ? "건너뜀" : "skipped";
    case DoseStatus::kPending:
      if (d.record.scheduled_at > now) return ko(l) ? "예정" : "upcoming";
      return ko(l) ? "아직 안 드심" : "not taken yet";
  }
  return {};
}

std::string md(Date d) {  // "11-24"
  return format_date(d).substr(5);
}

}  // namespace

std::vector<Language> model_languages(const std::vector<std::string>& codes) {
  std::vector<Language> out;
  for (const auto& code : codes) {
    const auto l = parse_language(code);
    if (l && std::find(out.begin(), out.end(), *l) == out.end()) out.push_back(*l);
  }
  // A bundle that declares none (the exporter writes [] when the checkpoint says nothing) is
  // taken to write English, as every model the exporter takes does.
  if (codes.empty()) out.push_back(Language::kEnglish);
  return out;
}

namespace {

// "6살 애", "8세", "a 4 year old", "my 7yo": an age in years said with a number (the child's or the
// older adult's, for the topic a pharmacist would add); nullopt when none is said.
std::optional<int> stated_age(std::string_view question) {
  static const std::regex kAge(
      R"((\d{1,3})\s*(살|세(?!대)|-?\s*years?[- ]old|-?\s*yrs?[- ]old|yo\b))",
      std::regex::ECMAScript | std::regex::icase);
  // "my two year old", "a one-year-old": English numbers up to twelve, in words.
  static const std::regex kWords(
      R"(\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)[- ]years?[- ]old\b)",
      std::regex::ECMAScript | std::regex::icase);
  static constexpr std::array<std::string_view, 12> kNumbers = {"one",  "two", "three",  "four",
                                                                "five", "six", "seven",  "eight",
                                                                "nine", "ten", "eleven", "twelve"};
  const std::string q(question);
  std::smatch m;
  if (std::regex_search(q, m, kAge)) return std::stoi(m[1].str());
  if (!std::regex_search(q, m, kWords)) return std::nullopt;
  const std::string word = ascii_lower(m[1].str());
  return static_cast<int>(std::find(kNumbers.begin(), kNumbers.end(), word) - kNumbers.begin()) + 1;
}

// "항생제 먹고 설사해요", "먹은 뒤로 잠이 안 와요": a symptom told after taking a medicine is a
// side effect; the same word alone ("설사할 때 먹는 약", "머리가 아파서") is what the medicine is
// for.
bool symptom_after_taking(const std::string& k) {
  static constexpr std::array<std::string_view, 12> kAfter = {
      "먹고",   "먹은뒤",   "먹은후", "먹은다음", "먹었더니", "먹으니까",
      "먹은지", "먹고나서", "복용후", "복용하고", "드시고",   "드신뒤"};
  static constexpr std::array<std::string_view, 22> kSymptom = {
      "설사",     "변비",     "구토",   "토해",     "토했",   "두근",    "떨려",   "떨리",
      "입이마르", "입마름",   "잠이안", "불면",     "피곤",   "나른",    "살이쪄", "살이찌",
      "탈모",     "머리가빠", "두통",   "머리가아", "배가아", "속이안좋"};
  constexpr size_t kNear = 12 * 3;  // about twelve Hangul syllables
  for (std::string_view a : kAfter) {
    for (size_t at = k.find(a); at != std::string::npos; at = k.find(a, at + 1)) {
      const std::string_view rest = std::string_view(k).substr(at + a.size(), kNear);
      for (std::string_view sym : kSymptom) {
        if (rest.find(sym) != std::string_view::npos) return true;
      }
    }
  }
  return false;
}

bool has_topic_in(const std::vector<FactTopic>& topics, FactTopic t) {
  return std::find(topics.begin(), topics.end(), t) != topics.end();
}

// Adds `t` where topic_keywords() would have put it (the order a direct answer prefers).
void insert_in_order(std::vector<FactTopic>& topics, FactTopic t) {
  const auto& order = topic_keywords();
  const auto rank = [&](FactTopic x) {
    return std::find_if(order.begin(), order.end(), [&](const auto& k) { return k.topic == x; }) -
           order.begin();
  };
  const auto at =
      std::find_if(topics.begin(), topics.end(), [&](FactTopic x) { return rank(x) > rank(t); });
  topics.insert(at, t);
}

// `text` with every occurrence of the phrases replaced by `gap`.
std::string without(std::string text, std::span<const std::string_view> phrases,
                    std::string_view gap) {
  for (std::string_view p : phrases) {
    std::string kept;
    size_t from = 0;
    for (size_t at = text.find(p); at != std::string::npos; at = text.find(p, from)) {
      kept.append(text, from, at - from).append(gap);
      from = at + p.size();
    }
    text = kept.append(text, from);
  }
  return text;
}

// "as a kid", "when I was little": the asker's own childhood, not a child's medicine.
std::string without_own_childhood(std::string e) {
  static constexpr std::array<std::string_view, 6> kPhrases = {
      " as a kid ",         " as a child ",        " as a baby ",
      " when i was a kid ", " when i was little ", " when i was young "};
  return without(std::move(e), kPhrases, " ");
}

// Any of the Korean words (matched with spaces removed) or English ones (whole words).
bool says_any(const std::string& k, const std::string& e, std::span<const std::string_view> korean,
              std::span<const std::string_view> english) {
  return contains_any(k, korean) || std::any_of(english.begin(), english.end(),
                                                [&](auto w) { return english_word_hit(e, w); });
}

bool topic_hit(const TopicKeywords& t, const std::string& k, const std::string& e) {
  const std::string kt = without(k, t.not_korean, "|");
  return says_any(kt, without(e, t.not_english, " "), t.korean, t.english);
}

const TopicKeywords& keywords_of(FactTopic topic) {
  const auto& all = topic_keywords();
  return *std::find_if(all.begin(), all.end(), [&](const auto& t) { return t.topic == topic; });
}

// "두 알 먹었어요", "또 드셨대요", "took it twice": a double dose that happened, not one asked
// about ("내일 두 개 먹을까", "can I take two").
bool double_dose_taken(const std::string& k, const std::string& e) {
  static constexpr std::array<std::string_view, 6> kTaken = {"실수로",     "잘못먹",     "남의약",
                                                             "다른사람약", "약을바꿔먹", "핥"};
  static constexpr std::array<std::string_view, 7> kPast = {"었", "셨", "였", "했",
                                                            "줬", "켰", "렸"};
  static constexpr std::array<std::string_view, 7> kEnglish = {
      "took", "taken", "accidentally", "by mistake", "already", "doubled", "licked"};
  if (says_any(k, e, kTaken, kEnglish)) return true;
  const TopicKeywords& t = keywords_of(FactTopic::kDoubleDose);
  const std::string kt = without(k, t.not_korean, "|");
  constexpr size_t kNear = 4 * 3;  // the verb's ending, about four Hangul syllables on
  for (std::string_view w : t.korean) {
    for (size_t at = kt.find(w); at != std::string::npos; at = kt.find(w, at + 1)) {
      if (contains_any(std::string_view(kt).substr(at, w.size() + kNear), kPast)) return true;
    }
  }
  return false;
}

// Moves `t` (if present) to just after the last of `after` that is present.
void move_after(std::vector<FactTopic>& topics, FactTopic t, std::span<const FactTopic> after) {
  auto it = std::find(topics.begin(), topics.end(), t);
  if (it == topics.end()) return;
  topics.erase(it);
  auto at = topics.begin();
  for (auto i = topics.begin(); i != topics.end(); ++i) {
    if (std::find(after.begin(), after.end(), *i) != after.end()) at = i + 1;
  }
  topics.insert(at, t);
}

// Moves `t` to just before `before` (both present).
void move_before(std::vector<FactTopic>& topics, FactTopic t, FactTopic before) {
  topics.erase(std::find(topics.begin(), topics.end(), t));
  topics.insert(std::find(topics.begin(), topics.end(), before), t);
}

// "두 알 먹어도 돼요?", "can I take two": more in one dose, a question about the dose (not "한 번
// 더", another dose).
bool asks_for_more_per_dose(const std::string& k, const std::string& e) {
  static constexpr std::array<std::string_view, 7> kKorean = {"두알",     "두개",     "두배", "2배",
                                                              "한번에두", "한꺼번에", "두정"};
  static constexpr std::array<std::string_view, 4> kEnglish = {"take two", "double the dose",
                                                               "two pills", "two tablets"};
  return says_any(k, e, kKorean, kEnglish);
}

// "끊어도 돼요?", "thinking of quitting": a wish to stop (not "남은 약", "how long", "계속 써도").
bool asks_to_stop(const std::string& k, const std::string& e) {
  static constexpr std::array<std::string_view, 8> kKorean = {"끊",   "중단", "그만",   "안먹",
                                                              "안드", "빼도", "줄여도", "먹지않"};
  static constexpr std::array<std::string_view, 12> kEnglish = {
      "stop",       "stopped", "stopping", "quit",   "quitting",   "come off",
      "coming off", "taper",   "wean",     "finish", "the course", "full course"};
  return says_any(k, e, kKorean, kEnglish);
}

// "계속 먹어도 돼요?", "keep taking": whether to go on, not a wish to stop.
bool asks_whether_to_go_on(const std::string& k, const std::string& e) {
  static constexpr std::array<std::string_view, 4> kKorean = {"계속먹어", "계속복용", "계속드",
                                                              "계속써"};
  static constexpr std::array<std::string_view, 3> kEnglish = {"keep taking", "continue taking",
                                                               "keep using"};
  return says_any(k, e, kKorean, kEnglish);
}

// The order of topic_keywords(), adjusted to what the question is after. A double dose asked
// about rather than taken comes after the missed dose ("깜빡했는데 내일 두 개 먹을까"), the child
// ("애기 해열제 한 번 더 먹여도") and the dose ("두 알 먹어도 돼요?" is a dose change); a symptom
// told with "계속 먹어도 돼요?" comes before whether to go on, and keeping a medicine before
// stopping it when nobody asks to stop ("유통기한 남았으면 계속 써도", "how long are they good").
void order_by_intent(std::vector<FactTopic>& out, const std::string& k, const std::string& e) {
  const auto has = [&](FactTopic t) { return has_topic_in(out, t); };
  if (has(FactTopic::kDoubleDose) && !double_dose_taken(k, e)) {
    if (!has(FactTopic::kMissedDose) && !has(FactTopic::kDoseChange) &&
        asks_for_more_per_dose(k, e)) {
      insert_in_order(out, FactTopic::kDoseChange);
    }
    static constexpr std::array<FactTopic, 3> kFirst = {
        FactTopic::kMissedDose, FactTopic::kChildren, FactTopic::kDoseChange};
    move_after(out, FactTopic::kDoubleDose, kFirst);
  }
  if (has(FactTopic::kSideEffects) && has(FactTopic::kStopping) && asks_whether_to_go_on(k, e)) {
    move_before(out, FactTopic::kSideEffects, FactTopic::kStopping);
  }
  if (has(FactTopic::kStorage) && has(FactTopic::kStopping) && !asks_to_stop(k, e)) {
    move_before(out, FactTopic::kStorage, FactTopic::kStopping);
  }
}

}  // namespace

std::vector<FactTopic> detect_topics(std::string_view question) {
  const std::string k = ascii_lower_without_spaces(question);
  const std::string e = without_own_childhood(lower_spaced(question));
  const std::optional<int> age = stated_age(question);
  std::vector<FactTopic> out;
  for (const auto& t : topic_keywords()) {
    const bool by_age = age && ((t.topic == FactTopic::kChildren && *age <= 12) ||
                                (t.topic == FactTopic::kElderly && *age >= 65));
    if (by_age || topic_hit(t, k, e)) out.push_back(t.topic);
  }
  const std::vector<FactTopic> found = out;
  std::erase_if(out, [&](FactTopic t) {
    const auto needs = keywords_of(t).needs;
    return needs && !has_topic_in(found, *needs);
  });
  if (!has_topic_in(out, FactTopic::kSideEffects) && symptom_after_taking(k)) {
    insert_in_order(out, FactTopic::kSideEffects);
  }
  // "술이랑 같이", "우유와 함께": the together is about the drink or food, not another medicine
  // (two medicines named still get their pair warnings).
  const auto has = [&](FactTopic t) { return std::find(out.begin(), out.end(), t) != out.end(); };
  if (has(FactTopic::kInteractions) && (has(FactTopic::kAlcohol) || has(FactTopic::kFood))) {
    out.erase(std::find(out.begin(), out.end(), FactTopic::kInteractions));
  }
  order_by_intent(out, k, e);
  return out;
}

bool asks_about_saved_medicines(std::string_view question) {
  static const std::vector<std::string_view> kKorean = {
      "내약",       "제가먹는",   "내가먹는", "먹는약", "먹고있는약",
      "복용중인약", "복용하는약", "드시는약", "오늘약", "저장된약",
      "등록한약",   "등록된약",   "제약중",   "내약중", "먹는것중"};
  static const std::vector<std::string_view> kEnglish = {
      "my medicines",  "my meds",     "my pills",   "my medications",
      "my medication", "what i take", "i'm taking", "i am taking"};
  const std::string k = ascii_lower_without_spaces(question);
  const std::string e = lower_spaced(question);
  return contains_any(k, kKorean) || contains_any(e, kEnglish);
}

bool Grounding::needs_referral() const {
  for (const auto* f : all_facts()) {
    if (f->fact->referral) return true;
  }
  for (const auto* m : medicines) {
    if (m->sedating && has_topic(*this, FactTopic::kDriving)) return true;
  }
  return emergency.has_value() || !warnings.empty() || has_topic(*this, FactTopic::kSideEffects) ||
         has_topic(*this, FactTopic::kSerious) || has_topic(*this, FactTopic::kInteractions);
}

std::vector<const GroundedFact*> Grounding::all_facts() const {
  std::vector<const GroundedFact*> out;
  if (direct) out.push_back(&*direct);
  for (const auto& f : facts) out.push_back(&f);
  for (const auto& f : rules) out.push_back(&f);
  return out;
}

std::vector<std::string> Grounding::fact_ids() const {
  std::vector<std::string> ids;
  if (emergency) ids.push_back("triage." + std::string(to_string(emergency->kind)));
  if (warning_first) ids.push_back(warnings.front().id);
  if (direct) ids.push_back(direct->id);
  for (const auto& f : facts) ids.push_back(f.id);
  for (size_t i = warning_first ? 1 : 0; i < warnings.size(); ++i) ids.push_back(warnings[i].id);
  for (const auto& f : rules) ids.push_back(f.id);
  return ids;
}

namespace {

// Topics whose general rule holds for every medicine and is worth saying even when a specific
// fact was shown ("never take two doses at once").
bool universal_rule(FactTopic t) {
  switch (t) {
    case FactTopic::kMissedDose:
    case FactTopic::kDoubleDose:
    case FactTopic::kStopping:
    case FactTopic::kDoseChange:
    case FactTopic::kPregnancy:
    case FactTopic::kBreastfeeding:
    case FactTopic::kChildren:
    case FactTopic::kElderly:
      return true;
    default:
      return false;
  }
}

// The rule a pharmacist adds to an answer on `t`: a double dose is also a dose changed on one's
// own; a side effect is no reason to stop a prescribed medicine without the prescriber; what a
// medicine is for comes with what to watch for ("타이레놀이랑 애드빌 차이").
std::optional<FactTopic> companion_rule(FactTopic t) {
  switch (t) {
    case FactTopic::kDoubleDose:
      return FactTopic::kDoseChange;
    case FactTopic::kSideEffects:
      return FactTopic::kStopping;
    case FactTopic::kUse:
      return FactTopic::kSideEffects;
    default:
      return std::nullopt;
  }
}

// Topics on which a class's advice adds to a medicine's own fact (alternatives in pregnancy,
// what to do about a side effect); on the others the medicine's own fact says it all.
bool class_advice_adds(FactTopic t) {
  return universal_rule(t) || t == FactTopic::kSideEffects;
}

// Asked topics whose answer comes before a warning about the medicines in play: what happened to a
// dose, a pregnancy or breastfeeding, a kidney or liver disease, and what is asked about other
// than taking them together (a drink, driving, keeping, throwing away or crushing a medicine). On
// the others ("와파린 드시는 엄마가 부루펜 사다 달래요", "판피린 마셨는데 게보린 먹어도") the
// warning is the answer.
bool leads_over_warnings(FactTopic t) {
  switch (t) {
    case FactTopic::kDoubleDose:
    case FactTopic::kMissedDose:
    case FactTopic::kPregnancy:
    case FactTopic::kPregnancyExposure:
    case FactTopic::kBreastfeeding:
    case FactTopic::kAlcohol:
    case FactTopic::kDriving:
    case FactTopic::kStorage:
    case FactTopic::kDisposal:
    case FactTopic::kCrushing:
    case FactTopic::kKidneyLiver:
      return true;
    default:
      return false;
  }
}

// Classes of which two at once is itself a risk (bleeding, sedation, stomach).
bool no_double_class(const std::string& id) {
  static const std::set<std::string> k = {"nsaid",         "antihistamine", "benzodiazepine",
                                          "sleeping_pill", "anticoagulant", "antiplatelet",
                                          "opioid",        "antidepressant"};
  return k.count(id) > 0;
}

GroundedFact make_fact(const MedicineEntry* about, const MedicineEntry* owner,
                       const MedicineFact* f) {
  return {about, owner, f, owner->id + "." + std::string(to_string(f->topic))};
}

std::string shown_name(const Grounding& g, const MedicineEntry* e, Language l) {
  for (size_t i = 0; i < g.medicines.size(); ++i) {
    if (g.medicines[i] == e && !g.names[i].empty()) return g.names[i];
  }
  return e->name.in(l);
}

std::set<std::string> class_ids(const MedicineEntry& e) {
  std::set<std::string> out;
  if (e.kind == MedicineEntry::Kind::kCategory) out.insert(e.id);
  for (const auto* c : e.classes) out.insert(c->id);
  return out;
}

void add_pair_warnings(const MedicineFacts& kb, Grounding& g) {
  const auto& m = g.medicines;
  for (size_t i = 0; i < m.size(); ++i) {
    for (size_t j = i + 1; j < m.size(); ++j) {
      const MedicineEntry& a = *m[i];
      const MedicineEntry& b = *m[j];
      const std::string an = shown_name(g, &a, Language::kKorean);
      const std::string bn = shown_name(g, &b, Language::kKorean);
      const std::string ae = shown_name(g, &a, Language::kEnglish);
      const std::string be = shown_name(g, &b, Language::kEnglish);
      bool warned = false;
      for (const auto& ing : a.ingredients) {
        if (a.is_category() || b.is_category()) break;
        if (std::find(b.ingredients.begin(), b.ingredients.end(), ing) == b.ingredients.end()) {
          continue;
        }
        const MedicineEntry* ie = kb.find_id(ing);
        const std::string ik = ie ? ie->name.ko : ing;
        const std::string ien = ie ? ie->name.en : ing;
        g.warnings.push_back(
            {&a,
             &b,
             {an + ", " + bn + " 둘 다 " + ik +
                  " 성분이 들어 있어요. 함께 먹으면 같은 성분을 겹쳐 먹게 되어 하루 최대량을 "
                  "넘기기 "
                  "쉬우니(과량), 먹기 전에 약사에게 확인하세요.",
              ae + " and " + be + " both contain " + ien +
                  ". Taking both doubles up on the same ingredient and can take you over its daily "
                  "maximum (an overdose); check with a pharmacist first."},
             "pharm_guidance",
             "duplicate." + ing});
        warned = true;
      }
      if (!warned) {
        const auto ca = class_ids(a);
        for (const auto& c : class_ids(b)) {
          if (!ca.count(c) || !no_double_class(c)) continue;
          const MedicineEntry* ce = kb.find_id(c);
          if (!ce) continue;
          g.warnings.push_back(
              {&a,
               &b,
               {an + ", " + bn + " 둘 다 " + ce->name.ko +
                    " 종류예요. 같은 종류의 약을 함께 먹으면 부작용 위험이 커질 수 있으니, 먹기 "
                    "전에 의사 또는 약사에게 확인하세요.",
                ae + " and " + be + " are both " + ce->name.en +
                    ". Two of the same kind together can raise the risk of side effects; check "
                    "with your doctor or pharmacist first."},
               "pharm_guidance",
               "same_class." + c});
          break;
        }
      }
      for (const InteractionRule* r : kb.interactions_between(a, b)) {
        g.warnings.push_back({&a, &b, r->text, r->source, "interaction." + r->a + "+" + r->b});
      }
    }
  }
}

// True when the question names `category` right next to `member` as its description: "흡입기
// (심비코트)", "이지엔6 같은 진통제", "노바스크라는 혈압약", "a painkiller like Advil" (not
// "아스피린이랑 진통제", two medicines).
bool describes(std::string_view question, const std::string& category, const std::string& member) {
  static constexpr std::array<std::string_view, 10> kLinks = {
      "", "같은", "인", "라는", "이라는", "계열", "종류", "like", "suchas", "eg"};
  const std::string q = MedicineFacts::normalize(question);
  const std::string c = MedicineFacts::normalize(category);
  const std::string m = MedicineFacts::normalize(member);
  const size_t ci = q.find(c), mi = q.find(m);
  if (c.empty() || m.empty() || ci == std::string::npos || mi == std::string::npos) return false;
  const size_t from = std::min(ci + c.size(), mi + m.size()), to = std::max(ci, mi);
  const std::string_view gap = from <= to ? std::string_view(q).substr(from, to - from) : "";
  return std::find(kLinks.begin(), kLinks.end(), gap) != kLinks.end();
}

// A category named as the description of one of its members is not a second medicine: no pair
// warnings between them, and the member's own facts answer (its class's where it has none).
void drop_described_classes(std::string_view question, std::vector<const MedicineEntry*>& medicines,
                            std::vector<std::string>& names) {
  for (size_t i = medicines.size(); i-- > 0;) {
    const MedicineEntry* c = medicines[i];
    if (!c->is_category()) continue;
    bool described = false;
    for (size_t j = 0; j < medicines.size() && !described; ++j) {
      const auto& cls = medicines[j]->classes;
      described = std::find(cls.begin(), cls.end(), c) != cls.end() &&
                  describes(question, names[i], names[j]);
    }
    if (!described) continue;
    medicines.erase(medicines.begin() + static_cast<std::ptrdiff_t>(i));
    names.erase(names.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

}  // namespace

Grounding ground(const MedicineFacts& kb, std::string_view question,
                 std::vector<const MedicineEntry*> medicines, std::vector<std::string> names,
                 std::vector<FactTopic> topics, bool all_topics) {
  Grounding g;
  g.emergency = triage(question);
  // An emergency answer says what to do now and which symptoms need care; advice that fits an
  // ordinary question ("finish the course", "do not stop on your own") would contradict "take no
  // more of the medicine you suspect".
  // A sign no rule names (triage's second opinion) is less certain: the question is still
  // answered, after the serious-symptom facts.
  if (g.emergency && g.emergency->kind == EmergencyKind::kUnspecified) {
    if (std::find(topics.begin(), topics.end(), FactTopic::kSerious) == topics.end()) {
      topics.insert(topics.begin(), FactTopic::kSerious);
    }
  } else if (g.emergency) {
    const bool too_much = g.emergency->kind == EmergencyKind::kOverdose ||
                          g.emergency->kind == EmergencyKind::kChildIngestion;
    topics = too_much ? std::vector<FactTopic>{FactTopic::kDoubleDose, FactTopic::kSerious}
                      : std::vector<FactTopic>{FactTopic::kSerious};
  }
  names.resize(medicines.size());
  drop_described_classes(question, medicines, names);
  g.medicines = std::move(medicines);
  g.names = std::move(names);
  g.topics = topics;

  // The rules a pharmacist adds (companion_rule) count as asked, after the asked ones.
  for (size_t i = 0, n = topics.size(); i < n; ++i) {
    const auto c = companion_rule(topics[i]);
    if (c && std::find(topics.begin(), topics.end(), *c) == topics.end()) topics.push_back(*c);
  }
  std::vector<FactTopic> wanted;
  if (all_topics) {
    for (size_t i = 0; i < kFactTopicCount; ++i) wanted.push_back(static_cast<FactTopic>(i));
  } else if (topics.empty()) {
    wanted = {FactTopic::kUse, FactTopic::kSideEffects};
  } else {
    wanted = topics;
  }
  if (std::find(wanted.begin(), wanted.end(), FactTopic::kSideEffects) != wanted.end() &&
      std::find(wanted.begin(), wanted.end(), FactTopic::kSerious) == wanted.end()) {
    wanted.push_back(FactTopic::kSerious);
  }

  std::set<const MedicineFact*> shown;
  const MedicineEntry* general = &kb.general();
  if (!topics.empty() && !all_topics) {  // the direct answer: the first asked topic
    const MedicineEntry* about = g.medicines.empty() ? nullptr : g.medicines.front();
    const MedicineEntry* owner = general;
    const MedicineFact* f =
        about ? kb.lookup(*about, topics.front(), &owner) : general->fact(topics.front());
    if (f) {
      g.direct = make_fact(about, owner, f);
      shown.insert(f);
    }
  }
  std::vector<FactTopic> general_topics;  // asked topics answered by the general rule
  for (const MedicineEntry* e : g.medicines) {
    for (FactTopic t : wanted) {
      const MedicineEntry* owner = nullptr;
      const MedicineFact* f = kb.lookup(*e, t, &owner);
      if (f && owner == general) {
        if (!all_topics) general_topics.push_back(t);
        continue;
      }
      if (f) {
        // Shown already (the direct answer, or a class fact of another medicine): not again.
        if (shown.insert(f).second) g.facts.push_back(make_fact(e, owner, f));
        // An asked topic: the class's own advice too (a medicine's pregnancy fact, then what
        // its class says about alternatives).
        const bool asked = std::find(topics.begin(), topics.end(), t) != topics.end();
        if (asked && !all_topics && class_advice_adds(t)) {
          for (const MedicineEntry* c : e->classes) {  // the first class that says something
            const MedicineFact* cf = c->fact(t);
            if (cf && cf != f) {
              if (shown.insert(cf).second) g.facts.push_back(make_fact(e, c, cf));
              break;
            }
          }
        }
      } else if (!all_topics && std::find(topics.begin(), topics.end(), t) != topics.end()) {
        g.missing.push_back({e, t});
      }
    }
  }
  for (FactTopic t : topics) {
    if (universal_rule(t) || g.medicines.empty()) general_topics.push_back(t);
  }
  for (FactTopic t : general_topics) {
    const MedicineFact* f = general->fact(t);
    if (f && shown.insert(f).second) g.rules.push_back(make_fact(nullptr, general, f));
  }
  add_pair_warnings(kb, g);
  g.warning_first = !g.emergency && !g.warnings.empty() &&
                    (g.topics.empty() || !leads_over_warnings(g.topics.front()));
  return g;
}

std::string referral_line(const Grounding& g, Language l) {
  const FactTopic first = g.topics.empty() ? FactTopic::kUse : g.topics.front();
  switch (first) {
    case FactTopic::kPregnancy:
    case FactTopic::kBreastfeeding:
      return ko(l) ? "임신 중이거나 수유 중이라면 어떤 약이든 먹기 전에 의사 또는 약사와 "
                     "상담하세요."
                   : "If you are pregnant or breastfeeding, ask your doctor or pharmacist before "
                     "taking any medicine.";
    case FactTopic::kChildren:
      return ko(l) ? "아이에게 먹이는 약과 양은 나이와 몸무게에 맞는지 의사 또는 약사에게 "
                     "확인하세요."
                   : "Check with your doctor or pharmacist that a medicine and its amount suit "
                     "the child's age and weight.";
    case FactTopic::kMissedDose:
    case FactTopic::kDoubleDose:
    case FactTopic::kStopping:
    case FactTopic::kDoseChange:
      return ko(l) ? "복용 방법을 바꾸거나 멈추기 전에 처방한 의사 또는 약사와 상담하세요."
                   : "Talk to the doctor who prescribed it or your pharmacist before you change "
                     "or stop how you take it.";
    default:
      break;
  }
  if (has_topic(g, FactTopic::kDriving)) {
    return ko(l) ? "졸리거나 어지러우면 운전하지 말고, 궁금한 점은 의사 또는 약사와 상담하세요."
                 : "If you feel drowsy or dizzy, do not drive, and ask your doctor or pharmacist "
                   "if you are unsure.";
  }
  if (has_topic(g, FactTopic::kSideEffects) || has_topic(g, FactTopic::kSerious)) {
    return ko(l) ? "부작용이나 평소와 다른 증상이 있으면 의사 또는 약사와 상담하세요."
                 : "If you notice side effects or unusual symptoms, talk to your doctor or "
                   "pharmacist.";
  }
  if (has_topic(g, FactTopic::kInteractions) || !g.warnings.empty()) {
    return ko(l) ? "함께 먹는 약은 의사 또는 약사에게 꼭 확인하세요."
                 : "Check the medicines you combine with your doctor or pharmacist.";
  }
  if (has_topic(g, FactTopic::kAlcohol)) {
    return ko(l) ? "음주와 복용이 걱정되면 의사 또는 약사와 상담하세요."
                 : "If you are worried about alcohol and your medicine, ask your doctor or "
                   "pharmacist.";
  }
  return ko(l) ? "이 내용은 일반 정보예요. 궁금한 점이나 이상 증상이 있으면 의사 또는 약사와 "
                 "상담하세요."
               : "This is general information. For questions or unusual symptoms, ask your "
                 "doctor or pharmacist.";
}

std::string_view model_text_label(Language l) {
  return ko(l) ? "AI 답변 (작은 온디바이스 모델이라 틀릴 수 있어요. 아래 확인된 정보를 "
                 "우선하세요):\n"
               : "AI answer (a small on-device model; it can be wrong, so the checked notes "
                 "below come first):\n";
}

std::string_view dose_change_referral(Language l) {
  return ko(l) ? "복용량 변경은 반드시 의사 또는 약사와 상담하세요."
               : "Talk to your doctor or pharmacist before changing a dose.";
}

std::string opening_block(const Grounding& g, Language l) {
  std::string out;
  if (g.emergency) out += emergency_lines(*g.emergency, l);
  if (g.warning_first) out += g.warnings.front().text.in(l) + "\n";
  if (!g.direct) return out;
  if (const MedicineEntry* e = g.direct->entry) {  // whom the answer is about, as asked
    const std::string shown = shown_name(g, e, l);
    const std::string& name = e->name.in(l);
    out += shown;
    if (!e->is_category() && MedicineFacts::normalize(shown) != MedicineFacts::normalize(name)) {
      out += "(" + name + ")";
    }
    out += ": ";
  }
  out += g.direct->fact->text.in(l) + "\n";
  return out;
}

std::string facts_block(const Grounding& g, const MedicineFacts& kb, Language l) {
  std::string out;
  std::vector<std::string> sources;
  auto cite = [&](const std::string& key) {
    const std::string& src = kb.source_label(key, l);
    if (std::find(sources.begin(), sources.end(), src) == sources.end()) sources.push_back(src);
  };
  auto bullet = [&](const GroundedFact& f) {
    cite(f.fact->source);
    return "• " + std::string(topic_label(f.fact->topic, l)) + ": " + f.fact->text.in(l) + "\n";
  };
  if (g.warning_first) cite(g.warnings.front().source);
  if (g.direct) cite(g.direct->fact->source);
  for (size_t m = 0; m < g.medicines.size(); ++m) {
    const MedicineEntry* e = g.medicines[m];
    std::string lines;
    for (const auto& f : g.facts) {
      if (f.entry == e) lines += bullet(f);
    }
    for (const auto& miss : g.missing) {
      if (miss.entry != e) continue;
      lines += "• " + std::string(topic_label(miss.topic, l)) + ": " +
               (ko(l) ? "DailyDrug 약 정보에 이 주제에 대한 내용이 없어요."
                      : "DailyDrug's medicine notes have nothing on this topic.") +
               "\n";
    }
    if (lines.empty()) continue;
    out += "■ " + heading(*e, g.names[m], l) + "\n" + lines;
  }
  const size_t first_warning = g.warning_first ? 1 : 0;  // the opening said the first
  if (g.warnings.size() > first_warning) {
    out += ko(l) ? "■ 함께 먹을 때 주의\n" : "■ Taking them together\n";
    for (size_t i = first_warning; i < g.warnings.size(); ++i) {
      cite(g.warnings[i].source);
      out += "• " + g.warnings[i].text.in(l) + "\n";
    }
  }
  if (!g.rules.empty()) {
    out += ko(l) ? "■ 모든 약에 해당하는 원칙\n" : "■ For any medicine\n";
    for (const auto& f : g.rules) out += bullet(f);
  }
  if (!sources.empty()) out += (ko(l) ? "출처: " : "Sources: ") + join(sources, ", ") + "\n";
  return out;
}

namespace {

std::string answer_notes(const Grounding& g, Language l) {
  std::string out;
  if (g.medicines.empty() && !g.direct && g.rules.empty() && !g.emergency) {
    out += ko(l) ? "질문에서 약 이름이나 궁금한 점을 찾지 못했어요. 약 이름(예: 타이레놀, "
                   "혈압약)과 궁금한 점(예: 술, 운전, 깜빡함)을 넣어 다시 질문해 주세요.\n"
                 : "I could not find a medicine or a concern in your question. Please ask again "
                   "with the medicine's name (for example Tylenol or a blood pressure medicine) "
                   "and what you want to know (alcohol, driving, a missed dose ...).\n";
  } else if (g.from_saved) {
    std::vector<std::string> shown;
    for (size_t i = 0; i < g.medicines.size(); ++i) {
      shown.push_back(g.names[i].empty() ? g.medicines[i]->name.in(l) : g.names[i]);
    }
    out += ko(l) ? "저장된 약을 기준으로 알려드릴게요: " + join(shown, ", ") + ".\n"
                 : "This is about your saved medicines (" + join(shown, ", ") + ").\n";
  }
  for (const auto& name : g.unmatched_names) {
    out += ko(l) ? "저장된 약 중 '" + name + "'은(는) DailyDrug 약 정보에 없어요.\n"
                 : "Your saved medicine '" + name + "' is not in DailyDrug's medicine notes.\n";
  }
  return out;
}

}  // namespace

std::string answer_body(const Grounding& g, const MedicineFacts& kb, Language l) {
  return answer_notes(g, l) + facts_block(g, kb, l) + referral_line(g, l) + "\n";
}

std::string compose_answer(const Grounding& g, const MedicineFacts& kb, Language l) {
  return opening_block(g, l) + answer_body(g, kb, l);
}

std::optional<int> AdherenceSummary::percent() const {
  if (total() == 0) return std::nullopt;
  return (taken * 100 + total() / 2) / total();
}

AdherenceSummary summarize_adherence(const std::vector<ScheduledDose>& doses, Date from, Date to) {
  AdherenceSummary s;
  s.from = from;
  s.to = to;
  for (const auto& d : doses) {
    const Date day = date_of(d.record.scheduled_at);
    if (day < from || day > to) continue;
    switch (d.status()) {
      case DoseStatus::kTaken:
        ++s.taken;
        break;
      case DoseStatus::kSkipped:
        ++s.skipped;
        break;
      case DoseStatus::kPending:
        ++s.missed;
        break;
    }
  }
  return s;
}

std::string coach_summary(const CoachData& data, Language l) {
  std::string out;
  int taken = 0, upcoming = 0, missed = 0;
  for (const auto& d : data.today_doses) {
    if (d.status() == DoseStatus::kTaken) ++taken;
    if (d.status() == DoseStatus::kPending) {
      (d.record.scheduled_at > data.now ? upcoming : missed) += 1;
    }
  }
  const int n = static_cast<int>(data.today_doses.size());
  if (n == 0) {
    out += ko(l) ? "오늘(" + format_date(data.today) + ")은 예정된 약이 없어요.\n"
                 : "You have no doses scheduled today (" + format_date(data.today) + ").\n";
  } else {
    out += ko(l) ? "오늘(" + format_date(data.today) + ") 복용 일정은 " + std::to_string(n) +
                       "회예요. " + std::to_string(taken) + "회 복용했고, " +
                       std::to_string(upcoming + missed) + "회 남았어요.\n"
                 : "Today (" + format_date(data.today) + ") you have " + std::to_string(n) +
                       (n == 1 ? " dose" : " doses") + ": " + std::to_string(taken) + " taken, " +
                       std::to_string(upcoming + missed) + " still to take.\n";
    for (const auto& d : data.today_doses) {
      const std::string time = format_time_of_day(time_of(d.record.scheduled_at));
      out += "• ";
      if (ko(l)) out += std::string(korean_label(d.time_period())) + " ";
      out += time + " " + std::string(utf8_prefix(d.medicine.name, kMaxNameChars));
      if (!d.medicine.dosage.empty()) {
        out += " " + std::string(utf8_prefix(d.medicine.dosage, kMaxDosageChars));
      }
      out += " — " + dose_status_text(d, data.now, l) + "\n";
    }
  }
  const AdherenceSummary& r = data.recent;
  if (r.total() > 0) {
    const std::string range = md(r.from) + "~" + md(r.to);
    out += ko(l) ? "최근 " + std::to_string(days_between(r.from, r.to) + 1) + "일(" + range +
                       ") 동안 예정된 " + std::to_string(r.total()) + "회 중 " +
                       std::to_string(r.taken) + "회 복용했어요(" + std::to_string(*r.percent()) +
                       "%).\n"
                 : "In the last " + std::to_string(days_between(r.from, r.to) + 1) + " days (" +
                       range + ") you took " + std::to_string(r.taken) + " of " +
                       std::to_string(r.total()) + " scheduled doses (" +
                       std::to_string(*r.percent()) + "%).\n";
  }
  return out;
}

std::string coach_encouragement(const CoachData& data, Language l) {
  std::string out;
  const auto pct = data.recent.percent();
  if (!pct && data.today_doses.empty()) {
    out += ko(l) ? "새로 먹게 될 약이 생기면 등록해 두세요. 복용 시간에 알려 드릴게요.\n"
                 : "When you start a new medicine, add it and DailyDrug will remind you.\n";
  } else if (pct && *pct >= 90) {
    out += ko(l) ? "아주 꾸준히 잘 챙기고 계세요! 지금처럼만 하시면 돼요.\n"
                 : "You are keeping up with your medicines really well. Keep it up!\n";
  } else if (pct && *pct >= 70) {
    out += ko(l) ? "잘하고 계세요. 알림을 켜 두면 잊지 않고 챙기기 더 쉬워요.\n"
                 : "You are doing well. Keeping reminders on makes it even easier.\n";
  } else if (pct) {
    out += ko(l) ? "놓친 약이 있어도 괜찮아요. 다음 복용 시간부터 평소대로 챙겨 보세요.\n"
                 : "It is fine to have missed some doses. Pick up again at your next scheduled "
                   "time.\n";
  }
  return out;
}

std::string coach_footer(const CoachData& data, Language l) {
  std::string out;
  int missed_today = 0, upcoming = 0;
  for (const auto& d : data.today_doses) {
    if (d.status() == DoseStatus::kPending) {
      (d.record.scheduled_at > data.now ? upcoming : missed_today) += 1;
    }
  }
  if (missed_today + data.recent.missed > 0) {
    out += ko(l) ? "놓친 약을 한 번에 두 배로 드시지 마세요. 놓쳤을 때 어떻게 할지는 약사에게 "
                   "물어보세요.\n"
                 : "Do not take a double dose to make up for a missed one; ask your pharmacist "
                   "what to do when you miss a dose.\n";
  }
  if (upcoming > 0) {
    out += ko(l) ? "남은 약도 시간에 맞춰 챙겨 드세요.\n"
                 : "Remember the doses still to come today.\n";
  }
  out += ko(l) ? "약을 드신 뒤 부작용이나 평소와 다른 증상이 있으면 의사 또는 약사와 상담하세요.\n"
               : "If you notice side effects or unusual symptoms, talk to your doctor or "
                 "pharmacist.\n";
  return out;
}

std::string compose_coach(const CoachData& data, Language l) {
  return coach_summary(data, l) + coach_encouragement(data, l) + coach_footer(data, l);
}

std::string assistant_system_prompt(Language l) {
  std::string s =
      "You are DailyDrug's medication assistant. Give short, general information only, using "
      "only the facts you are given. Never tell the user to change, double, skip or stop a dose. "
      "For side effects or serious symptoms, tell them to ask a doctor or pharmacist. Answer in "
      "2 or 3 short sentences";
  s += ko(l) ? ", in Korean (한국어로 답하세요)." : ", in English.";
  return s;
}

std::string ask_prompt(std::string_view question, const Grounding& g, size_t max_facts,
                       Language l) {
  std::string out;
  const auto facts = g.all_facts();
  const size_t n = std::min(max_facts, facts.size());
  if (n > 0) {
    out += "Facts:\n";
    for (size_t i = 0; i < n; ++i) {
      const auto& f = *facts[i];
      const MedicineEntry* about = f.entry ? f.entry : f.owner;
      out += "- " +
             (about->kind == MedicineEntry::Kind::kGeneral
                  ? std::string(ko(l) ? "모든 약" : "any medicine")
                  : about->name.in(l)) +
             ", " + std::string(topic_label(f.fact->topic, l)) + ": " + f.fact->text.in(l) + "\n";
    }
    out += "\n";
  }
  out += "Question: ";
  out += question;
  out += n > 0 ? "\nAnswer briefly, using only these facts." : "\nAnswer briefly.";
  return out;
}

std::string coach_prompt(const CoachData& data, size_t max_doses, Language l) {
  std::string out = "Today's doses (" + format_date(data.today) + "):\n";
  const size_t n = std::min(max_doses, data.today_doses.size());
  for (size_t i = 0; i < n; ++i) {
    const auto& d = data.today_doses[i];
    // Names saved before the bounds of CreateScheduleParams existed may be longer.
    out += "- " + format_time_of_day(time_of(d.record.scheduled_at)) + " " +
           std::string(utf8_prefix(d.medicine.name, kMaxNameChars)) + ": " +
           dose_status_text(d, data.now, Language::kEnglish) + "\n";
  }
  if (data.today_doses.empty()) out += "- none\n";
  const AdherenceSummary& r = data.recent;
  if (r.total() > 0) {
    out += "Last days: " + std::to_string(r.taken) + " of " + std::to_string(r.total()) +
           " doses taken (" + std::to_string(*r.percent()) + "%), " + std::to_string(r.missed) +
           " missed, " + std::to_string(r.skipped) + " skipped.\n";
  }
  out += "\nWrite a short, kind message (2 or 3 sentences) about these doses";
  out += ko(l) ? " in Korean." : ".";
  out += " Do not give medical advice.";
  return out;
}

}  // namespace dailydrug::app

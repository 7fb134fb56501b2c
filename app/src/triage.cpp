#include "dailydrug/app/triage.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>
#include <vector>

#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {

namespace {

struct SignRule {
  EmergencyKind kind;
  std::vector<std::string_view> korean;   // substrings of the question with spaces removed
  std::vector<std::string_view> english;  // substrings of the lower-cased question
};

const std::vector<SignRule>& sign_rules() {
  static const std::vector<SignRule> rules = {
      {EmergencyKind::kSelfHarm,
       {"죽고싶",     "자살",       "죽으려",     "죽을까",       "죽어버리",   "죽을래",
        "목숨을",     "극단적선택", "살기싫",     "사라지고싶",   "다먹고죽",   "먹고죽",
        "끝내고싶",   "자해",       "살고싶지않", "살고싶지가않", "살아서뭐해", "약을모으고",
        "약을모아두", "없어지고싶", "살이유가없", "살의미가없",   "그만살고싶", "더는못버티"},
       {"kill myself",
        "suicid",
        "end my life",
        "want to die",
        "self-harm",
        "self harm",
        "hurt myself",
        "take my life",
        "not want to live",
        "don't want to live",
        "don't want to wake up",
        "end it all",
        "stop feeling like this",
        "better off dead",
        "better off without me",
        "no reason to live",
        "can't go on",
        "cannot go on",
        "don't want to be here",
        "not want to be here"}},
      {EmergencyKind::kChildIngestion,
       {"아이가삼켰", "애가삼켰", "아기가삼켰", "애기가삼켰", "아들이삼켰", "딸이삼켰",
        "손주가삼켰", "조카가삼켰", "주워먹", "집어먹", "몰래먹", "모르고먹", "실수로먹",
        "먹어버렸", "삼켜버렸", "입에넣었", "꺼내먹"},
       {"swallowed", "got into my", "got into the", "ate some of my", "ate my pills", "ate a pill",
        "ate pills", "ate some pills"}},
      {EmergencyKind::kBreathing,
       {"숨쉬기힘",   "숨쉬기가힘", "숨쉬기어려", "숨쉬기가어려", "숨을못쉬", "숨이안쉬",
        "숨쉬기곤란", "숨이막",     "숨막",       "숨이차",       "숨차",     "호흡곤란",
        "호흡이힘",   "호흡이어려", "호흡하기",   "입술이부",     "입술이붓", "입술부",
        "입술붓",     "입술이퉁퉁", "얼굴이부",   "얼굴이붓",     "얼굴부",   "얼굴붓",
        "눈이부었",   "눈두덩이",   "혀가부",     "혀가붓",       "목이부",   "목이붓",
        "목구멍이부", "목구멍이붓", "목이조여",   "목이조이",     "쌕쌕",     "아나필락시스",
        "목이좁아",   "목구멍이좁", "목이막혀",   "목이막히",     "목이꽉막", "혀가두꺼",
        "혀가부풀",   "얼굴이퉁퉁", "얼굴이부풀"},
       {"trouble breathing",
        "difficulty breathing",
        "hard to breathe",
        "can't breathe",
        "cannot breathe",
        "can not breathe",
        "short of breath",
        "shortness of breath",
        "wheez",
        "lips swell",
        "lips are swell",
        "lip swell",
        "swollen lip",
        "swollen face",
        "face swell",
        "face is swell",
        "tongue swell",
        "swollen tongue",
        "throat swell",
        "swollen throat",
        "throat is closing",
        "throat closing up",
        "throat is tight",
        "throat feels tight",
        "throat closing",
        "anaphyla"}},
      {EmergencyKind::kChestPain,
       {"가슴이답답", "가슴답답", "가슴이아프", "가슴아프", "가슴이아파", "가슴통증", "흉통",
        "가슴을쥐어짜", "가슴이조이", "가슴이조여", "가슴이뻐근", "가슴압박", "가슴이짓눌",
        "가슴이터질"},
       {"chest pain", "chest tight", "tight chest", "chest pressure", "pressure in my chest",
        "pain in my chest", "chest hurts", "crushing chest", "chest feels tight", "chest is tight",
        "chest felt tight", "chest feels heavy", "chest is heavy"}},
      {EmergencyKind::kFainting,
       {"기절",       "실신",     "쓰러졌",     "쓰러져",       "쓰러지",   "쓰러질",
        "의식이없",   "의식을잃", "정신을잃",   "정신이없어요", "깨워도",   "깨지않",
        "반응이없",   "축처져",   "정신이아득", "눈앞이캄캄",   "흔들어도", "불러도대답",
        "불러도반응", "대답을못", "대답을잘못", "말을이상하게", "횡설수설", "의식이흐",
        "정신이혼미", "헛소리를", "정신이몽롱"},
       {"faint", "passed out", "unconscious", "unresponsive", "won't wake", "can't wake",
        "cannot wake", "collapsed", "blacked out", "not responding", "not making sense",
        "barely responding"}},
      {EmergencyKind::kSeizure,
       {"경련", "발작", "경기를", "경기해", "경기했", "경기가", "몸이뻣뻣", "거품을", "눈이돌아가",
        "눈이뒤집"},
       {"seizure", "convuls", "fitting", "having a fit"}},
      {EmergencyKind::kBleeding,
       {"검은변",     "검은색변",     "까만변",     "까만색변",     "변이검",   "변이까맣",
        "변이까만",   "짜장면같은변", "혈변",       "피가섞인변",   "변에피",   "피똥",
        "피를토",     "피토",         "토혈",       "각혈",         "피를토했", "커피색",
        "피가멈추지", "피가안멈",     "코피가안멈", "코피가멈추지", "피를쏟",   "피가계속",
        "피가자꾸",   "혈뇨",         "소변이빨갛", "소변이붉",     "빨간소변", "소변에피",
        "콜라색",     "피를한가득",   "피가한가득"},
       {"black stool", "black poop", "tarry", "bloody stool", "blood in my stool", "blood in stool",
        "blood in the stool", "vomiting blood", "vomited blood", "threw up blood",
        "throwing up blood", "coughing up blood", "coughed up blood", "bleeding won't stop",
        "bleeding will not stop", "won't stop bleeding", "coffee ground"}},
      {EmergencyKind::kOverdose,
       {"과다복용", "과량복용",         "한통을다",   "한통다",   "한통을전부", "한통을먹",
        "한통먹",   "한박스",           "통째로",     "몽땅먹",   "전부먹어버", "한주먹",
        "한움큼",   "수십알",           "수십개",     "열알",     "열개를",     "열정을",
        "스무알",   "여러알을한꺼번에", "한판을",     "전부먹었", "다먹어버렸", "모아둔",
        "털어넣",   "털어먹",           "한꺼번에다", "한줄을다", "한줄다"},
       {"overdose",
        "whole bottle",
        "whole pack",
        "whole box",
        "entire bottle",
        "entire pack",
        "too many pills",
        "too many tablets",
        "handful of",
        "took all my",
        "took all of my",
        "way too many",
        "a lot more than",
        "took all the",
        "swallowed all",
        "took the rest of",
        "taking all my",
        "take all my",
        "taking all of my",
        "take all of my",
        "all my pills at once",
        "all my sleeping pills at once"}},
      {EmergencyKind::kSevereSkin,
       {"물집이온몸", "온몸에물집", "피부가벗겨", "피부가벗겨지", "허물이벗겨", "입안이헐고발진",
        "점막", "발진과물집", "발진이랑물집", "물집과발진", "물집이랑발진", "물집이생기고"},
       {"blister", "skin peeling", "skin is peeling", "peeling skin"}},
      {EmergencyKind::kStroke,
       {"한쪽팔", "한쪽다리", "한쪽이마비", "한쪽마비", "편마비", "말이어눌", "발음이어눌",
        "말이잘안나", "얼굴한쪽", "입이돌아", "입꼬리가처", "한쪽힘이", "한쪽에힘이", "말이안나와",
        "팔다리에힘이"},
       {"one side of my body", "one side of my face", "slurred", "slurring", "face drooping",
        "drooping face", "face is drooping", "numb on one side", "weak on one side",
        "weakness on one side", "arm feels weak", "arm is weak", "arm went weak", "arm feels numb",
        "leg feels weak", "can't lift my arm", "can't lift his arm", "can't lift her arm"}},

  };
  return rules;
}

// "숨쉬기 힘들지는 않아요", "쓰러질 정도는 아니에요": a Korean negation right after the sign.
// "숨쉬기 힘들 때 쓰는 흡입기", "경기를 한 적이 있는데": the sign names what a medicine is for, or
// something in the past, not what is happening now.
bool negated_korean(const std::string& text, size_t end) {
  struct Negation {
    std::string_view text;
    size_t within;  // bytes after the sign where it may start
  };
  static constexpr std::array<Negation, 18> kNegations = {{{"지않", 6},
                                                           {"었었", 6},  // "부었었어요": over
                                                           {"았었", 6},
                                                           {"했었", 6},
                                                           {"였었", 6},
                                                           {"지는않", 6},
                                                           {"진않", 6},
                                                           {"지도않", 6},
                                                           {"않", 6},
                                                           {"정도는아니", 9},
                                                           {"정도는아닌", 9},
                                                           {"정도아니", 9},
                                                           {"건아니", 9},
                                                           {"때쓰", 9},
                                                           {"때먹", 9},
                                                           {"때사용", 9},
                                                           {"때뿌리", 9},
                                                           {"적이있", 12}}};
  const std::string_view rest = std::string_view(text).substr(end, 24);
  for (const auto& n : kNegations) {
    const size_t at = rest.find(n.text);
    if (at != std::string_view::npos && at <= n.within) return true;
  }
  return false;
}

// "발목이 부어요" holds "목이부": a sign about the throat read inside a longer word.
bool inside_longer_word(const std::string& text, size_t at, std::string_view sign) {
  static constexpr std::array<std::string_view, 3> kBefore = {"발", "손", "길"};
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
  static constexpr std::array<std::string_view, 4> kWhatIf = {"what if ", "do if ", "in case ",
                                                              "happens if "};
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

// "I had a bad reaction to amoxicillin as a kid (my face swelled up)", "어릴 때 입술이 부었는데":
// a sign told as a childhood event is history to tell the prescriber, not what is happening
// now, unless the question also says something is happening now. Only childhood markers close
// to the sign count: "started it years ago ... my lips are swelling" is happening now.
bool distant_past(const std::string& text, size_t at) {
  static constexpr std::array<std::string_view, 10> kPast = {
      "as a kid",         "as a child",   "when i was a kid", "when i was little",
      "when i was young", "in childhood", "once had",         "어렸을때",
      "어릴때",           "어릴적"};
  static constexpr std::array<std::string_view, 8> kNow = {"지금", "방금",  "현재", "오늘",
                                                           "now",  "today", "just", "again"};
  constexpr size_t kWindow = 48;  // bytes either side: a clause, not the whole question
  const size_t from = at > kWindow ? at - kWindow : 0;
  const std::string_view clause = std::string_view(text).substr(from, 2 * kWindow);
  return contains_any(clause, kPast) && !contains_any(text, kNow);
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
  static constexpr std::array<std::string_view, 16> kChild = {
      "아이가", "애가",   "아기가", "애기가", "아들이", "딸이", "손주가", "손자가",
      "손녀가", "조카가", "유아",   "살아이", "살아들", "살딸", "살짜리", "개월아기"};
  static constexpr std::array<std::string_view, 12> kOwner = {"아빠", "엄마", "할머니", "할아버지",
                                                              "어른", "남편", "아내",   "부모님",
                                                              "언니", "오빠", "누나",   "형"};
  static constexpr std::array<std::string_view, 8> kTook = {"먹었", "먹은", "먹어", "삼켰",
                                                            "삼킨", "씹어", "씹었", "입에"};
  auto any = [&](std::span<const std::string_view> list) { return contains_any(k, list); };
  // "딸이 제 수면제 통을 열어놓고 있었는데 몇 알 없어진 것 같아요": pills gone while a child had
  // them.
  static constexpr std::array<std::string_view, 12> kGone = {
      "없어진", "없어졌", "사라진", "사라졌", "비어있", "모자라",
      "열어놓", "열어놨", "뜯어놓", "뜯어놨", "갖고놀", "가지고놀"};
  static constexpr std::array<std::string_view, 4> kPills = {"약", "알", "제통", "캡슐"};
  if (any(kChild) && any(kGone) && any(kPills)) return true;
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
  static const std::regex kCount(R"((\d+)\s*(알|정|개|캡슐|tablets|pills|capsules|tabs)(?!월))",
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
  for (std::sregex_iterator it(q.begin(), q.end(), kCount), end; it != end; ++it) {
    const std::string digits = (*it)[1].str();
    if (digits.size() > 3) return true;
    if (std::stoi(digits) >= 5) return true;
  }
  return false;
}

// A sign said in words the lists above do not spell out: a first part followed closely by a
// second ("변이 짜장처럼 새까맣게", "가슴이 꽉 조이듯이", "토했더니 피가 섞여").
struct NearRule {
  EmergencyKind kind;
  std::string_view name;
  std::vector<std::string_view> first, second;
  bool anywhere = false;  // the second part may come anywhere in the question
};

const std::vector<NearRule>& near_rules() {
  static const std::vector<NearRule> rules = {
      {EmergencyKind::kBleeding,
       "black or bloody stool",
       {"변이", "대변", "똥"},
       {"까맣", "까만", "검은", "검게", "새까", "짜장", "피가", "피섞", "빨간"}},
      {EmergencyKind::kBleeding,
       "vomiting blood",
       {"토했", "토하", "토한", "구토"},
       {"피가", "피를", "피섞", "피같", "피도", "커피", "검은", "까만"}},
      // Hives or itching with the throat or breathing involved: anaphylaxis.
      {EmergencyKind::kBreathing,
       "hives with throat or breathing signs",
       {"두드러기", "가렵", "가려워"},
       {"목이", "목구멍", "숨이", "숨을", "숨쉬", "호흡", "쌕쌕"}},
      // Lips or tongue swelling, said any way ("입술 주변이 부풀어 올랐어요").
      {EmergencyKind::kBreathing,
       "swelling of the lips or tongue",
       {"입술", "혀가", "혀도", "입주변"},
       {"붓", "부어", "부었", "부풀", "퉁퉁", "두꺼"}},
      // Bleeding that does not stop ("코피가 30분째 안 멈춰요").
      {EmergencyKind::kBleeding,
       "bleeding that does not stop",
       {"코피", "피가", "출혈"},
       {"안멈", "멈추지않", "안그쳐", "그치지않"}},
      {EmergencyKind::kBleeding,
       "blood in the toilet",
       {"변기", "항문"},
       {"피가", "피로", "피를", "빨갛", "시뻘"}},
      // One side of the body weak or numb.
      {EmergencyKind::kStroke,
       "weakness on one side",
       {"오른쪽", "왼쪽", "한쪽"},
       {"힘이빠", "힘이없", "마비", "감각이없", "처졌", "처져"}},
      // A sudden, severe headache on a blood thinner: bleeding in the head until shown otherwise.
      {EmergencyKind::kStroke,
       "severe headache on a blood thinner",
       {"머리가깨질", "심한두통", "극심한두통", "두통이심", "worstheadache", "severeheadache"},
       {"와파린", "쿠마딘", "항응고", "혈전", "피묽", "엘리퀴스", "자렐토", "릭시아나", "프라닥사",
        "warfarin", "eliquis", "xarelto", "bloodthinner", "anticoagulant"},
       true},
      // Confusion on a medicine for diabetes: low blood sugar.
      {EmergencyKind::kFainting,
       "confusion on a diabetes medicine",
       {"인슐린", "당뇨", "혈당", "insulin", "diabet"},
       {"몽롱", "혼미", "정신이없", "정신이이상", "횡설수설", "confused", "confusion",
        "notmakingsense"},
       true},
      // "평소보다 훨씬 많이 드신 것 같아요": far more than prescribed, already taken.
      {EmergencyKind::kOverdose,
       "much more than usual",
       {"평소보다", "너무많이", "훨씬많이", "잔뜩"},
       {"먹었", "먹은", "드셨", "드신", "삼켰", "삼킨", "복용했"}},
      {EmergencyKind::kChestPain,
       "chest pain",
       {"가슴"},
       {"조이", "조여", "쥐어짜", "답답", "아프", "아파", "통증", "압박", "짓누", "뻐근", "터질"}},
      {EmergencyKind::kBreathing,
       "breathing",
       {"숨이", "숨을", "숨쉬", "호흡"},
       {"막혀", "막히", "안쉬어", "못쉬", "가빠", "가쁘", "곤란", "힘들", "어려", "차요", "차고",
        "차서", "차올"}},
      // Mouth sores or blisters with a rash, sore eyes or fever after a medicine: a severe
      // skin reaction (Stevens-Johnson syndrome) until a doctor says otherwise.
      {EmergencyKind::kSevereSkin,
       "mouth sores or blisters",
       {"입안이헐", "입안이다헐", "입안이허", "입술이헐", "물집", "피부가벗"},
       {"눈", "발진", "열이", "온몸", "피부", "물집", "입안", "입술"}},
      // A head injury on a blood thinner, or with vomiting or drowsiness afterwards.
      {EmergencyKind::kHeadInjury,
       "head injury",
       {"머리를부딪", "머리를박", "머리를다", "머리를찧", "머리부딪", "머리를세게", "머리가부딪",
        "hitmyhead", "hitherhead", "hithishead", "bumpedmyhead", "bumpedherhead", "bumpedhishead",
        "headinjury"},
       {"와파린",   "쿠마딘",   "항응고",       "혈전",     "피묽",   "엘리퀴스", "자렐토",
        "릭시아나", "프라닥사", "아스피린",     "플라빅스", "토하",   "토했",     "구토",
        "졸려",     "졸리",     "처지",         "의식",     "어지러", "두통",     "warfarin",
        "eliquis",  "xarelto",  "bloodthinner", "aspirin",  "plavix", "vomit",    "threwup",
        "drowsy",   "sleepy",   "confused"},
       true},
  };
  return rules;
}

bool near(const std::string& k, const NearRule& rule) {
  constexpr size_t kNear = 10 * 3;  // about ten Hangul syllables
  for (auto f : rule.first) {
    for (size_t a = k.find(f); a != std::string::npos; a = k.find(f, a + 1)) {
      for (auto s : rule.second) {
        if (rule.anywhere && k.find(s) != std::string::npos) return true;
        for (size_t c = k.find(s, a + f.size()); c != std::string::npos; c = k.find(s, c + 1)) {
          if (c - a > kNear) break;
          if (!negated_korean(k, c + s.size())) return true;
        }
      }
    }
  }
  return false;
}

// "모아둔 수면제를 한번에 먹으면 편해질까": taking too much as a plan, not as a mistake, is a
// thought of self-harm (the answer then gives the crisis line too).
bool planned(const std::string& k, const std::string& e) {
  static constexpr std::array<std::string_view, 9> kKorean = {
      "먹으면", "먹을까", "먹어버릴까", "먹을거", "먹고싶", "먹으려", "편해질", "죽", "끝내"};
  static constexpr std::array<std::string_view, 5> kEnglish = {
      "thinking of", "thinking about", "what if i took", "going to take", "want to take"};
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
                  "사탕이나 주스를 드리고, 의식이 흐리면 입에 아무것도 넣지 마세요.\n"
                : "On a diabetes medicine or insulin this can be low blood sugar: give sugar or "
                  "juice only if they are awake and can swallow; if not, put nothing in the "
                  "mouth.\n";
    case EmergencyKind::kSeizure:
      return ko ? "경련 중에는 입에 아무것도 넣지 말고, 다치지 않게 주변의 물건을 치워 주세요.\n"
                : "During a seizure, put nothing in the mouth and move hard objects away.\n";
    case EmergencyKind::kSevereSkin:
      return ko ? "심한 피부 반응일 수 있어요.\n" : "This can be a severe skin reaction.\n";
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
  }
  return "emergency";
}

std::optional<Emergency> triage(std::string_view question) {
  const std::string k = ascii_lower_without_spaces(question);
  const std::string e = ascii_lower(question);
  auto sign = first_sign(k, e, question);
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
  std::string out = ko ? "응급 상황일 수 있어요. 지금 바로 119에 전화하거나 가까운 응급실로 "
                         "가세요.\n"
                       : "This may be an emergency: call your local emergency number (119 in "
                         "Korea, 911 in the US) or go to the nearest emergency room now.\n";
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

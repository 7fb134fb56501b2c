#include "dailydrug/app/dosage_lexicon.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>
#include <vector>

#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {
namespace {

using K = TokenKind;
constexpr int T(Timing t) {
  return static_cast<int>(t);
}
constexpr int S(DaySlot s) {
  return static_cast<int>(s);
}

// clang-format off
constexpr KeywordEntry kKeywords[] = {
    // Timing relative to meals and sleep.
    {"식후", K::kTiming, 0, T(Timing::kAfterMeal)},
    {"식사후", K::kTiming, 0, T(Timing::kAfterMeal)},
    {"밥먹고", K::kTiming, 0, T(Timing::kAfterMeal)},
    {"밥먹은후", K::kTiming, 0, T(Timing::kAfterMeal)},
    {"식사와함께", K::kTiming, 0, T(Timing::kAfterMeal)},  // as "with meals"
    {"식사중", K::kTiming, 0, T(Timing::kAfterMeal)},
    {"pc", K::kTiming, 0, T(Timing::kAfterMeal), kLexAbbreviation},
    {"식전", K::kTiming, 0, T(Timing::kBeforeMeal)},
    {"식사전", K::kTiming, 0, T(Timing::kBeforeMeal)},
    {"밥먹기전", K::kTiming, 0, T(Timing::kBeforeMeal)},
    {"ac", K::kTiming, 0, T(Timing::kBeforeMeal), kLexAbbreviation},
    {"식간", K::kTiming, 0, T(Timing::kBetweenMeals)},
    {"식사사이", K::kTiming, 0, T(Timing::kBetweenMeals)},
    {"공복", K::kTiming, 0, T(Timing::kEmptyStomach)},
    {"공복시", K::kTiming, 0, T(Timing::kEmptyStomach)},
    {"빈속", K::kTiming, 0, T(Timing::kEmptyStomach)},
    {"emptystomach", K::kTiming, 0, T(Timing::kEmptyStomach)},
    {"취침전", K::kTiming, 0, T(Timing::kBedtime)},
    {"취침시", K::kTiming, 0, T(Timing::kBedtime)},
    {"취침", K::kTiming, 0, T(Timing::kBedtime)},
    {"취침직전", K::kTiming, 0, T(Timing::kBedtime)},
    {"자기전", K::kTiming, 0, T(Timing::kBedtime)},
    {"자기직전", K::kTiming, 0, T(Timing::kBedtime)},
    {"잠자기전", K::kTiming, 0, T(Timing::kBedtime)},
    {"잠들기전", K::kTiming, 0, T(Timing::kBedtime)},
    {"잘때", K::kTiming, 0, T(Timing::kBedtime)},
    {"bedtime", K::kTiming, 0, T(Timing::kBedtime)},
    {"hs", K::kTiming, 0, T(Timing::kBedtime), kLexAbbreviation | kLexImpliesOnce},
    {"qhs", K::kTiming, 0, T(Timing::kBedtime), kLexAbbreviation | kLexImpliesOnce},
    {"필요시", K::kTiming, 0, T(Timing::kAsNeeded)},
    {"필요할때", K::kTiming, 0, T(Timing::kAsNeeded)},
    {"필요한경우", K::kTiming, 0, T(Timing::kAsNeeded)},
    {"필요할경우", K::kTiming, 0, T(Timing::kAsNeeded)},
    {"prn", K::kTiming, 0, T(Timing::kAsNeeded), kLexAbbreviation},
    {"asneeded", K::kTiming, 0, T(Timing::kAsNeeded)},
    {"whenrequired", K::kTiming, 0, T(Timing::kAsNeeded)},
    {"ifneeded", K::kTiming, 0, T(Timing::kAsNeeded)},
    // Parts of the day.
    {"아침", K::kSlot, 0, S(DaySlot::kMorning)},
    {"조식", K::kSlot, 0, S(DaySlot::kMorning)},
    {"morning", K::kSlot, 0, S(DaySlot::kMorning)},
    {"점심", K::kSlot, 0, S(DaySlot::kNoon)},
    {"중식", K::kSlot, 0, S(DaySlot::kNoon)},
    {"lunch", K::kSlot, 0, S(DaySlot::kNoon)},
    {"저녁", K::kSlot, 0, S(DaySlot::kEvening)},
    {"석식", K::kSlot, 0, S(DaySlot::kEvening)},
    {"evening", K::kSlot, 0, S(DaySlot::kEvening)},
    {"breakfast", K::kSlot, 0, S(DaySlot::kMorning)},
    {"dinner", K::kSlot, 0, S(DaySlot::kEvening)}, {"supper", K::kSlot, 0, S(DaySlot::kEvening)},
    // Rhythm.
    {"하루", K::kPerDay}, {"매일", K::kPerDay},
    {"daily", K::kPerDay, 0, 0, kLexImpliesOnce},  // "1 capsule daily": once, unless counted
    {"주", K::kNonDaily}, {"매주", K::kNonDaily}, {"일주일에", K::kNonDaily},
    {"격일", K::kNonDaily}, {"이틀에", K::kNonDaily}, {"weekly", K::kNonDaily},
    {"everyotherday", K::kNonDaily}, {"alternatedays", K::kNonDaily},
    {"qod", K::kNonDaily, 0, 0, kLexAbbreviation},
    {"qd", K::kFrequency, 1, 0, kLexAbbreviation}, {"od", K::kFrequency, 1, 0, kLexAbbreviation},
    {"bid", K::kFrequency, 2, 0, kLexAbbreviation}, {"tid", K::kFrequency, 3, 0, kLexAbbreviation},
    {"qid", K::kFrequency, 4, 0, kLexAbbreviation},
    // British abbreviations: bd (twice), tds (three times), qds (four times), nocte (at night).
    {"bd", K::kFrequency, 2, 0, kLexAbbreviation}, {"tds", K::kFrequency, 3, 0, kLexAbbreviation},
    {"qds", K::kFrequency, 4, 0, kLexAbbreviation},
    {"nocte", K::kTiming, 0, T(Timing::kBedtime), kLexAbbreviation | kLexImpliesOnce},
    {"nightly", K::kTiming, 0, T(Timing::kBedtime), kLexImpliesOnce},
    {"night", K::kTiming, 0, T(Timing::kBedtime), kLexImpliesOnce},
    {"mane", K::kSlot, 0, S(DaySlot::kMorning), kLexAbbreviation},
    {"once", K::kTimes, 1, 0, kLexExplicit}, {"twice", K::kTimes, 2, 0, kLexExplicit},
    {"thrice", K::kTimes, 3, 0, kLexExplicit},
    // Durations written as words.
    {"일주일", K::kDays, 7, 0, kLexExplicit}, {"일주일간", K::kDays, 7, 0, kLexExplicit},
    {"일주일분", K::kDays, 7, 0, kLexExplicit}, {"일주일치", K::kDays, 7, 0, kLexExplicit},
    {"일주일동안", K::kDays, 7, 0, kLexExplicit},
    {"이틀", K::kDays, 2, 0, kLexExplicit}, {"이틀간", K::kDays, 2, 0, kLexExplicit},
    {"이틀분", K::kDays, 2, 0, kLexExplicit}, {"사흘", K::kDays, 3, 0, kLexExplicit},
    {"사흘간", K::kDays, 3, 0, kLexExplicit}, {"사흘분", K::kDays, 3, 0, kLexExplicit},
    // Pieces of "식사 30분 후", "식후 즉시", "최대 3회".
    {"식사", K::kMeal}, {"밥", K::kMeal}, {"meal", K::kMeal}, {"meals", K::kMeal},
    {"food", K::kMeal},
    {"후", K::kAfter}, {"뒤", K::kAfter}, {"after", K::kAfter},
    {"전", K::kBefore}, {"before", K::kBefore},
    {"즉시", K::kImmediately}, {"직후", K::kImmediately}, {"바로", K::kImmediately},
    {"최대", K::kMax}, {"까지", K::kMax, 0, 0, kLexMax}, {"이내", K::kMax}, {"max", K::kMax},
    {"exceed", K::kMax}, {"maximum", K::kMax}, {"morethan", K::kMax},
    // Amount words.
    {"적당량", K::kDose}, {"적량", K::kDose},
    // Words that must not split into smaller keywords ("주의" is not 주 + 의).
    {"주의", K::kWord, 0, 0, kLexCaution},
    {"주사", K::kWord},
    // Fillers: instruction words without a value, and particles.
    {"오전", K::kFiller, 0, 0, kLexAmPm}, {"오후", K::kFiller, 12, 0, kLexAmPm},
    {"씩", K::kFiller}, {"각", K::kFiller}, {"매", K::kFiller}, {"총", K::kFiller},
    {"복용", K::kFiller}, {"복용하세요", K::kFiller}, {"복용하십시오", K::kFiller},
    {"복용합니다", K::kFiller}, {"드세요", K::kFiller}, {"드십시오", K::kFiller},
    {"먹이세요", K::kFiller}, {"먹으세요", K::kFiller}, {"투여", K::kFiller},
    {"투약", K::kFiller}, {"도포", K::kFiller}, {"도포하세요", K::kFiller},
    {"바르세요", K::kFiller}, {"발라주세요", K::kFiller}, {"얇게", K::kFiller},
    {"점안", K::kFiller}, {"점안하세요", K::kFiller}, {"넣으세요", K::kFiller},
    {"부착", K::kFiller}, {"부착하세요", K::kFiller}, {"붙이세요", K::kFiller},
    {"사용", K::kFiller}, {"사용하세요", K::kFiller}, {"경구", K::kFiller},
    {"내복", K::kFiller}, {"외용", K::kFiller}, {"양쪽", K::kFiller}, {"양안", K::kFiller},
    {"환부", K::kFiller}, {"동안", K::kFiller}, {"정도", K::kFiller}, {"이상", K::kFiller},
    {"약", K::kFiller},
    {"po", K::kFiller}, {"for", K::kFiller}, {"a", K::kFiller}, {"per", K::kFiller},
    {"day", K::kFiller}, {"take", K::kFiller}, {"apply", K::kFiller}, {"by", K::kFiller},
    {"mouth", K::kFiller}, {"orally", K::kFiller}, {"with", K::kFiller}, {"then", K::kFiller},
    // English directions: verbs, sites and amounts in units the schema has no word for.
    {"give", K::kFiller}, {"use", K::kFiller}, {"inhale", K::kFiller}, {"instill", K::kFiller},
    {"in", K::kFiller}, {"into", K::kFiller}, {"each", K::kFiller}, {"to", K::kFiller},
    {"the", K::kFiller}, {"of", K::kFiller}, {"nostril", K::kFiller}, {"nostrils", K::kFiller},
    {"eye", K::kFiller}, {"eyes", K::kFiller}, {"ear", K::kFiller}, {"ears", K::kFiller},
    {"affected", K::kFiller}, {"area", K::kFiller}, {"thin", K::kFiller}, {"layer", K::kFiller},
    {"sprays", K::kFiller}, {"puffs", K::kFiller}, {"inhalations", K::kFiller},
    {"에", K::kFiller}, {"에는", K::kFiller}, {"엔", K::kFiller}, {"마다", K::kFiller},
    {"의", K::kFiller}, {"만", K::kFiller}, {"은", K::kFiller}, {"는", K::kFiller},
    {"이", K::kFiller}, {"가", K::kFiller}, {"을", K::kFiller}, {"를", K::kFiller},
    {"과", K::kFiller}, {"와", K::kFiller}, {"에서", K::kFiller}, {"부터", K::kFiller},
    {"로", K::kFiller}, {"으로", K::kFiller}, {"및", K::kFiller}, {"하고", K::kFiller},
    {"도", K::kFiller}, {"께", K::kFiller},
    // Conditions of an as-needed medicine.
    {"통증시", K::kPrnCondition}, {"통증이있을때", K::kPrnCondition},
    {"통증있을때", K::kPrnCondition}, {"통증발생시", K::kPrnCondition},
    {"아플때", K::kPrnCondition}, {"아플시", K::kPrnCondition}, {"아프면", K::kPrnCondition},
    {"열날때", K::kPrnCondition}, {"열이날때", K::kPrnCondition}, {"발열시", K::kPrnCondition},
    {"고열시", K::kPrnCondition}, {"두통시", K::kPrnCondition}, {"치통시", K::kPrnCondition},
    {"생리통시", K::kPrnCondition}, {"기침시", K::kPrnCondition},
    {"기침할때", K::kPrnCondition}, {"구토시", K::kPrnCondition},
    {"메스꺼울때", K::kPrnCondition}, {"구역시", K::kPrnCondition},
    {"불면시", K::kPrnCondition}, {"잠이안올때", K::kPrnCondition},
    {"변비시", K::kPrnCondition}, {"설사시", K::kPrnCondition},
    {"가려울때", K::kPrnCondition}, {"가려움시", K::kPrnCondition},
    {"어지러울때", K::kPrnCondition}, {"어지러움시", K::kPrnCondition},
    {"흉통시", K::kPrnCondition}, {"가슴통증시", K::kPrnCondition},
    {"불안시", K::kPrnCondition}, {"불안할때", K::kPrnCondition},
    {"콧물날때", K::kPrnCondition}, {"콧물시", K::kPrnCondition},
    {"속쓰릴때", K::kPrnCondition}, {"속쓰림시", K::kPrnCondition},
    {"경련시", K::kPrnCondition}, {"발작시", K::kPrnCondition},
    {"forpain", K::kPrnCondition}, {"forfever", K::kPrnCondition},
    {"forheadache", K::kPrnCondition}, {"fornausea", K::kPrnCondition},
    {"forsleep", K::kPrnCondition}, {"foritching", K::kPrnCondition},
    {"forshortnessofbreath", K::kPrnCondition}, {"forwheezing", K::kPrnCondition},
    {"호흡곤란시", K::kPrnCondition}, {"숨찰때", K::kPrnCondition},
    {"숨이찰때", K::kPrnCondition}, {"체했을때", K::kPrnCondition},
    {"소화불량시", K::kPrnCondition}, {"증상시", K::kPrnCondition},
    {"증상이있을때", K::kPrnCondition},
};

constexpr UnitEntry kUnits[] = {
    // Doses.
    {"정", K::kDose, DoseUnit::kTablet}, {"알", K::kDose, DoseUnit::kTablet},
    {"t", K::kDose, DoseUnit::kTablet}, {"tab", K::kDose, DoseUnit::kTablet},
    {"tabs", K::kDose, DoseUnit::kTablet}, {"tablet", K::kDose, DoseUnit::kTablet},
    {"tablets", K::kDose, DoseUnit::kTablet},
    {"캡슐", K::kDose, DoseUnit::kCapsule}, {"캅셀", K::kDose, DoseUnit::kCapsule},
    {"캡", K::kDose, DoseUnit::kCapsule}, {"c", K::kDose, DoseUnit::kCapsule},
    {"cap", K::kDose, DoseUnit::kCapsule}, {"caps", K::kDose, DoseUnit::kCapsule},
    {"capsule", K::kDose, DoseUnit::kCapsule}, {"capsules", K::kDose, DoseUnit::kCapsule},
    {"포", K::kDose, DoseUnit::kPacket}, {"包", K::kDose, DoseUnit::kPacket},
    {"봉", K::kDose, DoseUnit::kPacket}, {"팩", K::kDose, DoseUnit::kPacket},
    {"pk", K::kDose, DoseUnit::kPacket}, {"pack", K::kDose, DoseUnit::kPacket},
    {"packet", K::kDose, DoseUnit::kPacket}, {"packets", K::kDose, DoseUnit::kPacket},
    {"sachet", K::kDose, DoseUnit::kPacket},
    {"ml", K::kDose, DoseUnit::kMilliliter}, {"cc", K::kDose, DoseUnit::kMilliliter},
    {"밀리리터", K::kDose, DoseUnit::kMilliliter}, {"미리리터", K::kDose, DoseUnit::kMilliliter},
    {"시시", K::kDose, DoseUnit::kMilliliter}, {"미리", K::kDose, DoseUnit::kMilliliter},
    {"방울", K::kDose, DoseUnit::kDrop}, {"gtt", K::kDose, DoseUnit::kDrop},
    {"gtts", K::kDose, DoseUnit::kDrop}, {"drop", K::kDose, DoseUnit::kDrop},
    {"drops", K::kDose, DoseUnit::kDrop},
    {"매", K::kDose, DoseUnit::kPatch}, {"장", K::kDose, DoseUnit::kPatch},
    {"patch", K::kDose, DoseUnit::kPatch}, {"patches", K::kDose, DoseUnit::kPatch},
    {"개", K::kDose, DoseUnit::kPiece},
    // Strengths (part of a name, or a dose after "1회").
    {"mg", K::kStrength, DoseUnit::kMilligram}, {"밀리그램", K::kStrength, DoseUnit::kMilligram},
    {"밀리그람", K::kStrength, DoseUnit::kMilligram},
    {"미리그램", K::kStrength, DoseUnit::kMilligram},
    {"미리그람", K::kStrength, DoseUnit::kMilligram},
    {"mcg", K::kStrength, DoseUnit::kMicrogram}, {"ug", K::kStrength, DoseUnit::kMicrogram},
    {"마이크로그램", K::kStrength, DoseUnit::kMicrogram},
    {"g", K::kStrength, DoseUnit::kGram}, {"그램", K::kStrength, DoseUnit::kGram},
    {"그람", K::kStrength, DoseUnit::kGram},
    {"%", K::kStrength}, {"iu", K::kStrength}, {"단위", K::kStrength},
    // Counts.
    {"회", K::kTimes, DoseUnit::kNone, kLexExplicit}, {"번", K::kTimes},
    {"차례", K::kTimes}, {"times", K::kTimes, DoseUnit::kNone, kLexExplicit},
    {"time", K::kTimes, DoseUnit::kNone, kLexExplicit},
    {"doses", K::kTimes, DoseUnit::kNone, kLexExplicit},
    // Durations.
    {"일", K::kDays}, {"일분", K::kDays, DoseUnit::kNone, kLexExplicit},
    {"일븐", K::kDays, DoseUnit::kNone, kLexExplicit},  // OCR reads 분 as 븐
    {"일간", K::kDays, DoseUnit::kNone, kLexExplicit},
    {"일치", K::kDays, DoseUnit::kNone, kLexExplicit},
    {"일동안", K::kDays, DoseUnit::kNone, kLexExplicit},
    {"日", K::kDays, DoseUnit::kNone, kLexExplicit},
    {"d", K::kDays, DoseUnit::kNone, kLexExplicit}, {"day", K::kDays, DoseUnit::kNone, kLexExplicit},
    {"days", K::kDays, DoseUnit::kNone, kLexExplicit},
    {"주", K::kWeeks}, {"주분", K::kWeeks}, {"주간", K::kWeeks}, {"주일", K::kWeeks},
    {"주일분", K::kWeeks}, {"주일간", K::kWeeks}, {"주치", K::kWeeks}, {"주동안", K::kWeeks},
    // No bare "w": "7W" on a hospital slip is a ward.
    {"wk", K::kWeeks}, {"wks", K::kWeeks}, {"week", K::kWeeks},
    {"weeks", K::kWeeks},
    {"개월", K::kMonths}, {"개월분", K::kMonths}, {"개월간", K::kMonths}, {"개월치", K::kMonths},
    {"달", K::kMonths}, {"달분", K::kMonths}, {"달간", K::kMonths}, {"달치", K::kMonths},
    {"month", K::kMonths}, {"months", K::kMonths}, {"mo", K::kMonths},
    // Offsets, intervals and clock times.
    {"분", K::kMinutes}, {"분간", K::kMinutes}, {"min", K::kMinutes}, {"mins", K::kMinutes},
    {"minute", K::kMinutes}, {"minutes", K::kMinutes},
    {"분후", K::kMinutes, DoseUnit::kNone, kLexAfter}, {"분뒤", K::kMinutes, DoseUnit::kNone, kLexAfter},
    {"분전", K::kMinutes, DoseUnit::kNone, kLexBefore},
    {"시간", K::kHours}, {"hr", K::kHours}, {"hrs", K::kHours}, {"h", K::kHours},
    {"hour", K::kHours}, {"hours", K::kHours},
    {"시간후", K::kHours, DoseUnit::kNone, kLexAfter}, {"시간뒤", K::kHours, DoseUnit::kNone, kLexAfter},
    {"시간전", K::kHours, DoseUnit::kNone, kLexBefore},
    {"시간마다", K::kInterval}, {"시간간격", K::kInterval},
    {"시", K::kClock}, {"pm", K::kClock}, {"am", K::kClock},  // "9 pm": 21:00 (token_context)
    // Unrelated quantities: ages, temperatures, money, dates, addresses.
    {"세", K::kOther}, {"살", K::kOther}, {"도", K::kOther}, {"℃", K::kOther},
    {"kg", K::kOther}, {"cm", K::kOther}, {"번째", K::kOther}, {"호", K::kOther},
    {"층", K::kOther}, {"동", K::kOther}, {"번지", K::kOther}, {"년", K::kOther},
    {"원", K::kMoney}, {"월", K::kDate},
};

constexpr NumeralEntry kNumerals[] = {
    {"한", 1}, {"두", 2}, {"세", 3}, {"석", 3}, {"네", 4}, {"다섯", 5}, {"여섯", 6}, {"반", 0.5},
};

struct LabelEntry {
  std::string_view text;
  LabelKind kind;
};
constexpr LabelEntry kLabels[] = {
    {"약품명", LabelKind::kName}, {"약명", LabelKind::kName}, {"약이름", LabelKind::kName},
    {"제품명", LabelKind::kName}, {"품명", LabelKind::kName}, {"처방약", LabelKind::kName},
    {"처방약품", LabelKind::kName}, {"조제약", LabelKind::kName},
    {"약품", LabelKind::kName}, {"rx", LabelKind::kName}, {"drug", LabelKind::kName},
    {"medication", LabelKind::kName}, {"med", LabelKind::kName},
    {"용법", LabelKind::kInstruction}, {"복용법", LabelKind::kInstruction},
    {"복용방법", LabelKind::kInstruction}, {"사용법", LabelKind::kInstruction},
    {"사용방법", LabelKind::kInstruction}, {"용량", LabelKind::kInstruction},
    {"투약방법", LabelKind::kInstruction}, {"용법용량", LabelKind::kInstruction},
    {"복용", LabelKind::kInstruction}, {"sig", LabelKind::kInstruction},
    {"directions", LabelKind::kInstruction},
    // Field labels of a bag that states its directions once for a list ("복용 횟수: 1일 2회").
    {"횟수", LabelKind::kInstruction}, {"기간", LabelKind::kInstruction},
    {"시점", LabelKind::kInstruction}, {"복용량", LabelKind::kInstruction},
    {"투약량", LabelKind::kInstruction}, {"복용횟수", LabelKind::kInstruction},
    {"복용기간", LabelKind::kInstruction}, {"복용시점", LabelKind::kInstruction},
    {"일수", LabelKind::kInstruction}, {"복용일수", LabelKind::kInstruction},
    {"투약일수", LabelKind::kInstruction}, {"투여일수", LabelKind::kInstruction},
    {"목록", LabelKind::kName}, {"약목록", LabelKind::kName},
    {"이름", LabelKind::kOther},  // "약 이름:" before a product, "이름:" before a patient
    {"주의", LabelKind::kCaution}, {"주의사항", LabelKind::kCaution}, {"경고", LabelKind::kCaution},
    {"caution", LabelKind::kCaution}, {"warning", LabelKind::kCaution},
    {"효능", LabelKind::kInfo}, {"효과", LabelKind::kInfo}, {"성분", LabelKind::kInfo},
    {"성분명", LabelKind::kInfo}, {"색상", LabelKind::kInfo}, {"모양", LabelKind::kInfo},
    {"보관", LabelKind::kInfo},
};

// Words before an hour on a 12-hour clock, the hours they move and by how much.
struct DayWordHours {
  std::string_view word;
  int first_hour;
  int last_hour;
  int shift;
};
constexpr DayWordHours kDayWordHours[] = {
    {"오후", 1, 11, 12}, {"저녁", 5, 11, 12}, {"밤", 6, 11, 12}, {"밤", 12, 12, -12},
    {"낮", 1, 5, 12},    {"pm", 1, 11, 12},
};

// Symptoms and signs, as whole words without a particle.
constexpr std::string_view kSymptomWords[] = {
    "열", "발열", "고열", "미열", "체온", "통증", "두통", "치통", "복통", "생리통", "근육통",
    "관절통", "요통", "인후통", "기침", "가래", "콧물", "코막힘", "재채기", "구토", "구역",
    "메스꺼움", "설사", "변비", "가려움", "가려움증", "두드러기", "불면", "어지럼", "어지러움",
    "현기증", "속쓰림", "소화불량", "더부룩함", "경련", "발작", "호흡곤란", "흉통", "불안",
    "몸살", "오한", "부종", "붓기", "멀미", "편두통", "진물", "발진", "물집",
};
// Stems of what a medicine is for, as written in a bag's description ("(해열진통제)", "(위장보호)").
constexpr std::string_view kEfficacyStems[] = {
    "해열", "진통", "소염", "진해", "거담", "소화", "위장", "위보호", "제산", "항생", "지사",
    "완하", "수면", "혈압", "혈당", "당뇨", "항히스타민", "알레르기", "알러지", "감기", "비염",
    "영양", "비타민", "보호", "개선", "치료", "예방",
};
constexpr std::string_view kStopWords[] = {"중지", "중단", "상담", "연락", "병원", "응급", "의사",
                                           "약사", "끊"};

constexpr std::string_view kCautionKeywords[] = {
    "주의", "금지", "졸음", "졸릴", "운전", "금주", "음주", "흔들어", "냉장", "마세요",
    "마십시오", "삼가", "피하", "씹지", "삼키", "부작용", "어지러", "설사가",
};

struct FormEntry {
  std::string_view suffix;
  DoseUnit unit;
};
// Suffixes of Korean product names, longest first within a family.
constexpr FormEntry kFormSuffixes[] = {
    {"연질캡슐", DoseUnit::kCapsule}, {"캡슐", DoseUnit::kCapsule}, {"캅셀", DoseUnit::kCapsule},
    {"과립", DoseUnit::kPacket}, {"세립", DoseUnit::kPacket}, {"산제", DoseUnit::kPacket},
    {"가루", DoseUnit::kPacket}, {"분말", DoseUnit::kPacket},
    // Liquids taken by the spoon or cup, or gargled: a bare amount is in ml ("헥사메딘액 … 15").
    {"시럽", DoseUnit::kMilliliter}, {"현탁액", DoseUnit::kMilliliter},
    {"점안액", DoseUnit::kNone}, {"점이액", DoseUnit::kNone}, {"점비액", DoseUnit::kNone},
    {"흡입액", DoseUnit::kNone}, {"외용액", DoseUnit::kNone}, {"액", DoseUnit::kMilliliter},
    {"엘릭서", DoseUnit::kMilliliter}, {"드롭스", DoseUnit::kNone}, {"연고", DoseUnit::kNone},
    {"크림", DoseUnit::kNone}, {"겔", DoseUnit::kNone}, {"젤", DoseUnit::kNone},
    {"로션", DoseUnit::kNone}, {"스프레이", DoseUnit::kNone}, {"안약", DoseUnit::kNone},
    {"흡입기", DoseUnit::kNone}, {"흡입제", DoseUnit::kNone}, {"가글", DoseUnit::kMilliliter},
    {"분무제", DoseUnit::kNone}, {"점비제", DoseUnit::kNone},
    {"패치", DoseUnit::kPatch}, {"패취", DoseUnit::kPatch}, {"플라스타", DoseUnit::kPatch}, {"카타플라스마", DoseUnit::kPatch},
    {"첩부제", DoseUnit::kPatch}, {"파스", DoseUnit::kPatch},
    {"좌제", DoseUnit::kPiece}, {"좌약", DoseUnit::kPiece}, {"트로키", DoseUnit::kPiece},
    {"정", DoseUnit::kTablet},
};
constexpr FormEntry kFormWords[] = {
    {"tab", DoseUnit::kTablet}, {"tabs", DoseUnit::kTablet}, {"tablet", DoseUnit::kTablet},
    {"tablets", DoseUnit::kTablet}, {"cap", DoseUnit::kCapsule}, {"caps", DoseUnit::kCapsule},
    {"capsule", DoseUnit::kCapsule}, {"capsules", DoseUnit::kCapsule},
    {"syrup", DoseUnit::kNone}, {"suspension", DoseUnit::kNone}, {"solution", DoseUnit::kNone},
    {"ointment", DoseUnit::kNone}, {"cream", DoseUnit::kNone}, {"gel", DoseUnit::kNone},
    {"lotion", DoseUnit::kNone}, {"patch", DoseUnit::kPatch}, {"granules", DoseUnit::kPacket},
    {"inhaler", DoseUnit::kNone}, {"drops", DoseUnit::kNone}, {"spray", DoseUnit::kNone},
};
// Ordinary words ending in 정 (schedule, decision …) that are not tablets: whole words, and the
// suffixes of compounds such as "복용일정". Drug names end in …진정, …가정 too ("세티리진정"),
// so most of these must match the whole word only.
constexpr std::string_view kNotTabletWords[] = {
    "예정", "안정", "수정", "인정", "가정", "감정", "긍정", "부정", "사정", "추정", "확정",
    "열정", "진정", "검정", "정정", "특정", "산정", "선정", "판정", "책정", "한정", "개정",
    "공정", "경정", "적정", "협정", "표정", "우정", "행정", "교정", "작정", "걱정", "직정",
};
constexpr std::string_view kNotTabletSuffixes[] = {
    "일정", "예정", "결정", "측정", "설정", "조정", "과정", "규정", "지정", "액정", "금액",
    "총액", "잔액", "차액", "혈액",
};

constexpr std::string_view kNoticeKeywords[] = {
    "병원", "의원", "약국", "치과", "보건소", "의료기관", "요양기관", "환자", "성명", "주민",
    "생년월일", "등록번호", "조제", "교부", "처방", "발행", "금액", "총액", "부담", "보험",
    "급여", "합계", "수납", "영수", "카드", "현금", "결제", "전화", "팩스", "주소", "면허",
    "의사", "약사", "서명", "날인", "사용기간", "질병", "분류기호", "사업자", "연락처",
    "감사합니다", "번호", "약제비", "약품비", "조제료", "본인", "발급", "진료", "담당", "님", "작성", "상담", "검수",
    // the patient's measurements and lab values
    "mmhg", "mg/dl", "맥박", "체중", "당화혈색소", "hba1c", "egfr",
    // appointments, and the titles of instruction sheets
    "예약", "외래", "내원", "다음방문", "사용안내", "라벨", "설명서",
    // a dose worked out from the weight ("16kg x 0.5ml/kg = 8ml")
    "/kg",
    "clinic", "hospital", "pharmacy", "patient", "pt:", "dob:", "dr.", "lic#", "lic.",
    "license", "tel:", "tel.", "fax:", "fax.", "disp:", "dispense", "refill", "date:", "name:",
    "address", "phone", "signature",
};
constexpr std::string_view kSeveralMedicines[] = {
    "두약", "두가지약", "두안약", "두종류", "세가지약", "모든약", "모든안약", "각약", "약들",
    "여러약", "다른약", "다른안약", "약끼리", "안약사이", "약사이에",
};
// Families of dosage forms, for remarks about one form ("※ 흡입제 사용 후에는 …", "※ 패취는 …",
// "※ 시럽은 냉장 보관하세요"): the words a remark names the form by, and the pieces of the
// names of the medicines of that form (compact, Latin lower-case).
struct FormFamily {
  std::array<std::string_view, 6> subjects;     // unused slots are empty
  std::array<std::string_view, 8> name_pieces;  // unused slots are empty
};
constexpr FormFamily kFormFamilies[] = {
    {{"흡입제", "흡입기", "흡입약", "흡입용약", "inhalers"},
     {"흡입", "할러", "헬러", "레스피맷", "디스커스", "엘립타", "스윙헤일러", "inhaler"}},
    {{"패치", "패취", "파스", "첩부제", "patches"},
     {"패치", "패취", "플라스타", "카타플라스마", "첩부제", "파스", "patch"}},
    {{"시럽", "시럽제", "물약", "현탁액", "syrups"},
     {"시럽", "현탁액", "syrup", "suspension"}},
    {{"연고", "크림", "연고제", "바르는약", "외용제"},
     {"연고", "크림", "로션", "ointment", "cream", "lotion"}},
    {{"안약", "점안액", "점안제", "eyedrops"}, {"안약", "점안", "eyedrop"}},
    {{"좌약", "좌제"}, {"좌약", "좌제", "suppositor"}},
    {{"가루약", "산제", "과립"}, {"과립", "세립", "산제", "가루", "분말", "granules"}},
};

constexpr std::string_view kGuidanceKeywords[] = {
    "복약안내", "복약지도", "주의사항", "보관방법", "보관법", "안내문", "참고사항", "복약정보",
    "복용안내",
};

struct ColumnKeyword {
  std::string_view text;
  TableColumn column;
};
constexpr ColumnKeyword kColumnKeywords[] = {
    {"투약량", TableColumn::kDose},       {"투여량", TableColumn::kDose},
    {"1회량", TableColumn::kDose},        {"1회용량", TableColumn::kDose},
    {"용량", TableColumn::kDose},         {"dose", TableColumn::kDose},
    {"투여횟수", TableColumn::kTimesPerDay}, {"투약횟수", TableColumn::kTimesPerDay},
    {"횟수", TableColumn::kTimesPerDay},  {"freq", TableColumn::kTimesPerDay},
    {"회수", TableColumn::kTimesPerDay},  // a common misspelling of 횟수
    {"투약일수", TableColumn::kDays},     {"투여일수", TableColumn::kDays},
    {"일수", TableColumn::kDays},         {"총일수", TableColumn::kDays},
    {"days", TableColumn::kDays},         {"duration", TableColumn::kDays},
};
// Words naming the name column of a table ("약품명 1회 일수"): with one of them, one column
// keyword or a bare "1회" (the dose column) is enough for a header.
constexpr std::string_view kNameColumnKeywords[] = {"약품명", "명칭", "약이름", "약명"};
// Columns of numbers that are not dosing: the total quantity ("총투약량" is not the dose column),
// prices and amounts of a receipt or a bill. Blanked out before the others are looked for.
constexpr std::string_view kUnusedColumnKeywords[] = {
    "총투약량", "총투여량", "총수량", "총량", "수량", "조제량", "단가", "금액", "약가",
    "본인부담", "공단부담", "price", "amount",
};
// clang-format on

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

/// A digit other than those of "1회"/"1일": a row of values, not a header.
bool has_digits_besides_per(std::string_view compact_lower) {
  for (size_t i = 0; i < compact_lower.size(); ++i) {
    if (compact_lower[i] < '0' || compact_lower[i] > '9') {
      continue;
    }
    const std::string_view rest = compact_lower.substr(i);
    if (rest.starts_with("1회") || rest.starts_with("1일")) {
      continue;
    }
    return true;
  }
  return false;
}

}  // namespace

std::span<const KeywordEntry> keyword_entries() {
  return kKeywords;
}
std::span<const UnitEntry> unit_entries() {
  return kUnits;
}
std::span<const NumeralEntry> korean_numerals() {
  return kNumerals;
}

std::optional<LabelKind> label_kind(std::string_view word) {
  for (const LabelEntry& e : kLabels) {
    if (e.text == word) {
      return e.kind;
    }
  }
  return std::nullopt;
}

int hour_after_day_word(std::string_view word, int hour) {
  for (const DayWordHours& d : kDayWordHours) {
    if (d.word == word && hour >= d.first_hour && hour <= d.last_hour) {
      return hour + d.shift;
    }
  }
  return hour;
}

bool is_symptom_word(std::string_view word) {
  return std::find(std::begin(kSymptomWords), std::end(kSymptomWords), word) !=
         std::end(kSymptomWords);
}

bool names_efficacy(std::string_view word) {
  return contains_any(word, kEfficacyStems);
}

bool is_stop_word(std::string_view word) {
  return contains_any(word, kStopWords);
}

bool contains_caution_keyword(std::string_view word) {
  return contains_any(word, kCautionKeywords);
}

std::optional<DosageForm> dosage_form_of(std::string_view word) {
  for (const FormEntry& e : kFormWords) {
    if (e.suffix == word) {
      return DosageForm{e.unit};
    }
  }
  if (word == "정") {
    return DosageForm{DoseUnit::kTablet};  // "타이레놀 정"
  }
  for (const std::string_view w : kNotTabletWords) {
    if (word == w) {
      return std::nullopt;
    }
  }
  for (const std::string_view w : kNotTabletSuffixes) {
    if (ends_with(word, w)) {
      return std::nullopt;
    }
  }
  for (const FormEntry& e : kFormSuffixes) {
    // A suffix ends a longer word ("아목시실린캡슐"); a form word of two or more syllables may
    // also stand alone ("에리스로마이신 과립"). Single syllables alone (액, 겔) are too
    // ambiguous, except 정 (above).
    if ((word.size() > e.suffix.size() && ends_with(word, e.suffix)) ||
        (word == e.suffix && e.suffix.size() >= 6)) {
      return DosageForm{e.unit};
    }
  }
  return std::nullopt;
}

bool has_notice_keyword(std::string_view compact_lower) {
  return contains_any(compact_lower, kNoticeKeywords);
}

bool refers_to_several_medicines(std::string_view compact_lower) {
  return contains_any(compact_lower, kSeveralMedicines);
}

std::optional<size_t> form_family_of(std::string_view subject) {
  for (size_t f = 0; f < std::size(kFormFamilies); ++f) {
    for (const std::string_view w : kFormFamilies[f].subjects) {
      if (!w.empty() && subject == w) {
        return f;
      }
    }
  }
  return std::nullopt;
}

bool in_form_family(size_t family, std::string_view name) {
  if (family >= std::size(kFormFamilies)) {
    return false;
  }
  const auto& pieces = kFormFamilies[family].name_pieces;
  return std::any_of(pieces.begin(), pieces.end(), [&](std::string_view w) {
    return !w.empty() && name.find(w) != std::string_view::npos;
  });
}

bool has_guidance_keyword(std::string_view compact_lower) {
  return contains_any(compact_lower, kGuidanceKeywords);
}

std::optional<TableHeader> parse_table_header(std::string_view original) {
  // Each column at the position of its earliest keyword; the header lists them in that order.
  std::string blanked(original);
  std::vector<size_t> unused;
  for (const std::string_view k : kUnusedColumnKeywords) {
    for (size_t at = blanked.find(k); at != std::string::npos; at = blanked.find(k, at)) {
      unused.push_back(at);
      blanked.replace(at, k.size(), std::string(k.size(), ' '));
    }
  }
  const std::string_view compact_lower = blanked;
  std::vector<std::pair<size_t, TableColumn>> found;
  for (const TableColumn column :
       {TableColumn::kDose, TableColumn::kTimesPerDay, TableColumn::kDays}) {
    size_t best = std::string_view::npos;
    for (const ColumnKeyword& k : kColumnKeywords) {
      if (k.column == column) {
        best = std::min(best, compact_lower.find(k.text));
      }
    }
    if (best != std::string_view::npos) {
      found.emplace_back(best, column);
    }
  }
  const bool name_column = contains_any(compact_lower, kNameColumnKeywords);
  if (name_column && !has_digits_besides_per(compact_lower)) {
    // "약품명 1회 1일 일수": bare 1회 and 1일 head the dose and count columns.
    for (const auto& heading : {std::pair{std::string_view("1회"), TableColumn::kDose},
                                std::pair{std::string_view("1일"), TableColumn::kTimesPerDay}}) {
      // A named copy, not a structured binding: clang before 16 cannot capture those.
      const TableColumn column = heading.second;
      const size_t at = compact_lower.find(heading.first);
      if (at != std::string_view::npos &&
          std::none_of(found.begin(), found.end(),
                       [&](const auto& f) { return f.second == column; })) {
        found.emplace_back(at, column);
      }
    }
  }
  // One numeric column beside the name column and text ones ("약품명 | 용법 | 일수") is enough.
  if (found.size() < (name_column && !has_digits_besides_per(compact_lower) ? 1u : 2u)) {
    return std::nullopt;
  }
  for (const size_t at : unused) {
    found.emplace_back(at, TableColumn::kUnused);
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  TableHeader header;
  for (const auto& [pos, column] : found) {
    if (header.count < static_cast<int>(std::size(header.columns))) {
      header.columns[header.count++] = column;
    }
  }
  return header;
}

}  // namespace dailydrug::app

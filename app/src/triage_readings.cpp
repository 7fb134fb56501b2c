#include "triage_readings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app::triage_readings {

namespace {

// The numbers within `span` bytes after `from`: "맥박이 1분에 38회" -> 1, 38.
std::vector<int> numbers_after(const std::string& k, size_t from, size_t span) {
  std::vector<int> out;
  const size_t end = std::min(k.size(), from + span);
  for (size_t i = from; i < end; ++i) {
    if (std::isdigit(static_cast<unsigned char>(k[i])) == 0) continue;
    int value = 0;
    size_t j = i;
    for (; j < k.size() && j - i < 4 && std::isdigit(static_cast<unsigned char>(k[j])) != 0; ++j) {
      value = value * 10 + (k[j] - '0');
    }
    // "15분 뒤에", "3일째", "2알": a time or a count, not the reading.
    static constexpr auto kUnits = std::to_array<std::string_view>(
        {"분", "시", "일", "알", "정", "개", "세",  "살",   "주",   "년",  "월",  "번",
         "mg", "kg", "도", "ml", "cc", "mm", "min", "hour", "year", "tab", "pill"});
    const std::string_view rest = std::string_view(k).substr(j);
    const bool counted = std::any_of(kUnits.begin(), kUnits.end(), [&](std::string_view unit) {
      return rest.substr(0, unit.size()) == unit;
    });
    if (!counted) out.push_back(value);
    i = j;
  }
  return out;
}

bool number_after_in(const std::string& k, std::span<const std::string_view> words, int low,
                     int high) {
  for (auto word : words) {
    for (size_t at = k.find(word); at != std::string::npos; at = k.find(word, at + 1)) {
      for (int n : numbers_after(k, at + word.size(), 30)) {
        if (n >= low && n <= high) return true;
      }
    }
  }
  return false;
}

// What a reading comes with that makes it urgent: headache, blurred sight, vomiting, dizziness.
constexpr auto kReadingSymptoms = std::to_array<std::string_view>(
    {"두통",  "머리가", "머리아", "뒷골", "시야",     "흐릿",  "흐려",     "번쩍",   "토할",
     "토하",  "토해",   "구토",   "가슴", "숨",       "어지",  "핑",       "주저앉", "식은땀",
     "쓰러",  "졸려",   "졸리",   "의식", "앞이노래", "두근",  "headache", "vision", "blurry",
     "chest", "vomit",  "nause",  "dizz", "faint",    "drows", "breath",   "confus"});

// "230/125", "혈압 200": the highest blood pressure the question reports (0: none).
std::pair<int, int> blood_pressure(const std::string& k) {
  static const std::regex kPair(R"((\d{2,3})/(\d{2,3}))");
  std::pair<int, int> high{0, 0};
  for (std::sregex_iterator it(k.begin(), k.end(), kPair), end; it != end; ++it) {
    high = std::max(high, {std::stoi((*it)[1].str()), std::stoi((*it)[2].str())});
  }
  static constexpr auto kWords = std::to_array<std::string_view>({"혈압", "bp", "bloodpressure"});
  for (auto word : kWords) {
    for (size_t at = k.find(word); at != std::string::npos; at = k.find(word, at + 1)) {
      for (int n : numbers_after(k, at + word.size(), 24)) high = std::max(high, {n, 0});
    }
  }
  return high;
}

// "아세트아미노펜 … 합치면 6그램": grams of acetaminophen in a day.
bool acetaminophen_over_4g(const std::string& k) {
  static constexpr auto kAcetaminophen = std::to_array<std::string_view>(
      {"아세트아미노펜", "타이레놀", "tylenol", "acetaminophen", "paracetamol"});
  static const std::regex kGrams(R"((\d+(?:\.\d+)?)(그램|g)(?![a-z]))");
  if (!contains_any(k, kAcetaminophen)) return false;
  for (std::sregex_iterator it(k.begin(), k.end(), kGrams), end; it != end; ++it) {
    if (std::stod((*it)[1].str()) >= 4.0) return true;
  }
  return false;
}

// "5ml 대신 50ml": a dose measured several times too large.
bool measured_far_too_much(const std::string& k) {
  static const std::regex kInstead(R"((\d+)ml(?:대신|insteadof)(\d+)ml)");
  std::smatch m;
  return std::regex_search(k, m, kInstead) && std::stoi(m[2].str()) >= 2 * std::stoi(m[1].str());
}

// "맥박이 1분에 38회", "혈당 40 나옴", "230/125에 두통": a reading that is dangerous by itself or
// with the symptoms told beside it.
}  // namespace

std::optional<Emergency> reading_out_of_range(const std::string& k) {
  static constexpr auto kPulse = std::to_array<std::string_view>(
      {"맥박", "맥이", "맥재", "맥을재", "심박", "pulse", "heartrate"});
  static constexpr auto kSugar =
      std::to_array<std::string_view>({"혈당", "bloodsugar", "glucose", "sugaris", "sugarwas"});
  static constexpr auto kOxygen =
      std::to_array<std::string_view>({"산소포화도", "spo2", "oxygen", "산소"});
  static constexpr auto kSugarHigh =
      std::to_array<std::string_view>({"혈당기에hi", "혈당계hi", "혈당계에hi", "hi떠", "hi가떠"});
  static constexpr auto kPregnant = std::to_array<std::string_view>({"임신", "막달", "pregnan"});
  const bool symptoms = contains_any(k, kReadingSymptoms);
  static const std::regex kBpm(R"((\d{2,3})bpm)");
  std::smatch bpm;
  const int beats = std::regex_search(k, bpm, kBpm) ? std::stoi(bpm[1].str()) : 0;
  const bool slow = (beats >= 20 && beats <= 44) || number_after_in(k, kPulse, 20, 44);
  const bool fast = beats >= 150 || number_after_in(k, kPulse, 150, 260);
  if (slow || (symptoms && fast)) {
    return Emergency{EmergencyKind::kPulse, "pulse < 45 or > 150 with symptoms"};
  }
  if (number_after_in(k, kSugar, 10, 54)) {
    return Emergency{EmergencyKind::kFainting, "blood sugar < 55"};
  }
  if (symptoms && (number_after_in(k, kSugar, 400, 1500) || contains_any(k, kSugarHigh))) {
    return Emergency{EmergencyKind::kHighBloodSugar, "blood sugar >= 400 with symptoms"};
  }
  if (number_after_in(k, kOxygen, 50, 91)) {
    return Emergency{EmergencyKind::kBreathing, "oxygen saturation < 92"};
  }
  const auto [systolic, diastolic] = blood_pressure(k);
  if (symptoms && contains_any(k, kPregnant) && (systolic >= 140 || diastolic >= 90)) {
    return Emergency{EmergencyKind::kPregnancy, "high blood pressure in pregnancy"};
  }
  if (symptoms && (systolic >= 180 || diastolic >= 120)) {
    return Emergency{EmergencyKind::kBloodPressure, "blood pressure >= 180/120 with symptoms"};
  }
  if (acetaminophen_over_4g(k)) return Emergency{EmergencyKind::kOverdose, "acetaminophen > 4 g"};
  if (measured_far_too_much(k)) return Emergency{EmergencyKind::kOverdose, "dose x2 or more"};
  return std::nullopt;
}

}  // namespace dailydrug::app::triage_readings

#include "dailydrug/app/medicine_facts.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "dailydrug/app/json_schema_check.h"
#include "dailydrug/app/medicine.h"

namespace dailydrug::app {

namespace embedded {
extern const char kMedicineFactsJson[];
extern const std::size_t kMedicineFactsJson_size;
extern const char kMedicineFactsSchema[];
extern const std::size_t kMedicineFactsSchema_size;
}  // namespace embedded

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, kFactTopicCount> kTopicNames = {
    "use", "driving", "alcohol", "food", "side_effects", "serious", "interactions"};
constexpr std::array<std::string_view, kFactTopicCount> kTopicKo = {
    "효능", "운전", "음주", "복용 시기·음식", "부작용", "바로 진료가 필요한 증상", "함께 먹는 약"};
constexpr std::array<std::string_view, kFactTopicCount> kTopicEn = {"Use",
                                                                    "Driving",
                                                                    "Alcohol",
                                                                    "Food and timing",
                                                                    "Side effects",
                                                                    "See a doctor now if",
                                                                    "Other medicines"};

Error kb_error(const std::string& where, const std::string& what) {
  return Error::invalid("medicine_facts", where.empty() ? what : where + ": " + what);
}

// Decodes one UTF-8 code point at `i` (advancing it); invalid bytes come back as themselves.
char32_t next_code_point(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  int len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 1;
  if (i + static_cast<size_t>(len) > s.size()) len = 1;
  char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += static_cast<size_t>(len);
  return cp;
}

bool is_dropped(char32_t cp) {
  if (cp < 0x80) {
    return !((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'));
  }
  switch (cp) {
    case 0x00A0:
    case 0x00B7:
    case 0x2002:
    case 0x2003:
    case 0x2009:
    case 0x200B:
    case 0x2010:
    case 0x2013:
    case 0x2014:
    case 0x2018:
    case 0x2019:
    case 0x201C:
    case 0x201D:
    case 0x2022:
    case 0x2027:
    case 0x3000:
    case 0x3001:
    case 0x3002:
    case 0x30FB:
    case 0xFEFF:
    case 0xFF0C:
    case 0xFF08:
    case 0xFF09:
    case 0xFF0E:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string_view to_string(Language language) {
  return language == Language::kKorean ? "ko" : "en";
}

std::optional<Language> parse_language(std::string_view text) {
  std::string t;
  for (char c : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "ko" || t == "kr" || t == "ko-kr" || t == "korean" || t == "한국어") {
    return Language::kKorean;
  }
  if (t == "en" || t == "en-us" || t == "en-gb" || t == "english" || t == "영어") {
    return Language::kEnglish;
  }
  return std::nullopt;
}

std::string_view to_string(FactTopic topic) {
  return kTopicNames[static_cast<size_t>(topic)];
}

std::optional<FactTopic> parse_fact_topic(std::string_view text) {
  for (size_t i = 0; i < kTopicNames.size(); ++i) {
    if (kTopicNames[i] == text) return static_cast<FactTopic>(i);
  }
  return std::nullopt;
}

std::string_view topic_label(FactTopic topic, Language language) {
  const auto i = static_cast<size_t>(topic);
  return language == Language::kKorean ? kTopicKo[i] : kTopicEn[i];
}

const MedicineFact* MedicineEntry::fact(FactTopic topic) const {
  for (const auto& f : facts) {
    if (f.topic == topic) return &f;
  }
  return nullptr;
}

std::string MedicineEntry::fact_id(FactTopic topic) const {
  return id + "." + std::string(to_string(topic));
}

std::string MedicineFacts::normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    const char32_t cp = next_code_point(text, i);
    if (is_dropped(cp)) continue;
    if (cp >= 'A' && cp <= 'Z') {
      out += static_cast<char>(cp - 'A' + 'a');
    } else {
      out.append(text.substr(start, i - start));
    }
  }
  return out;
}

std::string_view MedicineFacts::schema_text() {
  return {embedded::kMedicineFactsSchema, embedded::kMedicineFactsSchema_size};
}

Result<MedicineFacts> MedicineFacts::parse(std::string_view json_text) {
  json doc = json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return kb_error("", "not valid JSON");
  static const Result<JsonSchema> schema =
      JsonSchema::compile(json::parse(schema_text(), nullptr, false));
  if (!schema.ok()) return kb_error("schema", schema.error().message());
  const auto violations = schema->validate(doc, 5);
  if (!violations.empty()) {
    const auto& v = violations.front();
    return kb_error(v.path.empty() ? "/" : v.path, v.message);
  }

  MedicineFacts kb;
  for (const auto& [key, label] : doc["sources"].items()) {
    kb.sources_.push_back({key, {label["ko"].get<std::string>(), label["en"].get<std::string>()}});
  }
  std::set<std::string> ids;
  const auto& medicines = doc["medicines"];
  for (size_t m = 0; m < medicines.size(); ++m) {
    const json& jm = medicines[m];
    const std::string where = "/medicines/" + std::to_string(m);
    MedicineEntry e;
    e.id = jm["id"].get<std::string>();
    if (!ids.insert(e.id).second) return kb_error(where + "/id", "duplicate id " + e.id);
    e.name = {jm["name"]["ko"].get<std::string>(), jm["name"]["en"].get<std::string>()};
    e.category = {jm["category"]["ko"].get<std::string>(), jm["category"]["en"].get<std::string>()};
    e.sedating = jm["sedating"].get<bool>();
    for (const auto& a : jm["aliases"]) e.aliases.push_back(a.get<std::string>());
    std::array<bool, kFactTopicCount> seen{};
    const auto& facts = jm["facts"];
    for (size_t f = 0; f < facts.size(); ++f) {
      const json& jf = facts[f];
      const std::string fwhere = where + "/facts/" + std::to_string(f);
      MedicineFact fact;
      fact.topic = *parse_fact_topic(jf["topic"].get<std::string>());  // enum in the schema
      if (seen[static_cast<size_t>(fact.topic)]) {
        return kb_error(fwhere + "/topic", "second fact on " + std::string(to_string(fact.topic)));
      }
      seen[static_cast<size_t>(fact.topic)] = true;
      fact.text = {jf["ko"].get<std::string>(), jf["en"].get<std::string>()};
      if (is_blank(fact.text.ko) || is_blank(fact.text.en)) {
        return kb_error(fwhere, "blank text");
      }
      fact.source = jf["source"].get<std::string>();
      if (!doc["sources"].contains(fact.source)) {
        return kb_error(fwhere + "/source", "unknown source " + fact.source);
      }
      fact.referral = jf["referral"].get<bool>();
      e.facts.push_back(std::move(fact));
    }
    std::sort(e.facts.begin(), e.facts.end(),
              [](const MedicineFact& a, const MedicineFact& b) { return a.topic < b.topic; });
    kb.entries_.push_back(std::move(e));
  }
  // Aliases: unique after normalisation across the whole base, longest first for matching.
  std::set<std::string> normalized_seen;
  for (size_t m = 0; m < kb.entries_.size(); ++m) {
    for (size_t a = 0; a < kb.entries_[m].aliases.size(); ++a) {
      const std::string& alias = kb.entries_[m].aliases[a];
      std::string n = normalize(alias);
      const std::string where = "/medicines/" + std::to_string(m) + "/aliases/" + std::to_string(a);
      if (n.size() < 2) return kb_error(where, "alias too short after normalising: " + alias);
      if (!normalized_seen.insert(n).second) return kb_error(where, "duplicate alias " + alias);
      kb.aliases_.push_back({std::move(n), alias, m});
    }
  }
  std::stable_sort(kb.aliases_.begin(), kb.aliases_.end(), [](const Alias& a, const Alias& b) {
    return a.normalized.size() > b.normalized.size();
  });
  return kb;
}

Result<MedicineFacts> MedicineFacts::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::storage(path, "cannot open the medicine knowledge base");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error::storage(path, "cannot read the medicine knowledge base");
  return parse(text.str());
}

const MedicineFacts& MedicineFacts::builtin() {
  // The embedded file is checked by the unit tests; if it were ever invalid the assistant would
  // run with an empty base (answers say no medicine was found) rather than abort.
  static const MedicineFacts kb = [] {
    auto parsed =
        parse(std::string_view(embedded::kMedicineFactsJson, embedded::kMedicineFactsJson_size));
    return parsed.ok() ? std::move(parsed).value() : MedicineFacts{};
  }();
  return kb;
}

const MedicineEntry* MedicineFacts::find_id(std::string_view id) const {
  for (const auto& e : entries_) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

const std::string& MedicineFacts::source_label(const std::string& key, Language language) const {
  for (const auto& s : sources_) {
    if (s.key == key) return s.label.in(language);
  }
  return key;
}

std::vector<MedicineMatch> MedicineFacts::match(std::string_view text) const {
  const std::string n = normalize(text);
  std::vector<std::pair<size_t, size_t>> taken;  // accepted [begin, end) spans
  std::vector<MedicineMatch> out;
  std::set<size_t> entries_found;
  for (const Alias& a : aliases_) {  // longest first: "레보세티리진" before "세티리진"
    for (size_t pos = n.find(a.normalized); pos != std::string::npos;
         pos = n.find(a.normalized, pos + 1)) {
      const size_t end = pos + a.normalized.size();
      const bool overlaps = std::any_of(taken.begin(), taken.end(), [&](const auto& span) {
        return pos < span.second && span.first < end;
      });
      if (overlaps) continue;
      taken.emplace_back(pos, end);
      if (entries_found.insert(a.entry).second) {
        out.push_back({&entries_[a.entry], a.original, pos});
      } else {
        for (auto& m : out) {  // keep the earliest position of an entry
          if (m.entry == &entries_[a.entry] && pos < m.position) {
            m.position = pos;
            m.alias = a.original;
          }
        }
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const MedicineMatch& a, const MedicineMatch& b) { return a.position < b.position; });
  return out;
}

std::optional<MedicineMatch> MedicineFacts::match_one(std::string_view name) const {
  auto matches = match(name);
  if (matches.empty()) return std::nullopt;
  return *std::max_element(matches.begin(), matches.end(), [](const auto& a, const auto& b) {
    return normalize(a.alias).size() < normalize(b.alias).size();
  });
}

}  // namespace dailydrug::app

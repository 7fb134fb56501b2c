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
    "use",     "driving",      "alcohol",     "food",          "side_effects",
    "serious", "interactions", "pregnancy",   "breastfeeding", "children",
    "elderly", "missed_dose",  "double_dose", "stopping",      "dose_change",
    "storage", "kidney_liver", "disposal",    "crushing",      "pregnancy_exposure"};
constexpr std::array<std::string_view, kFactTopicCount> kTopicKo = {"효능",
                                                                    "운전",
                                                                    "음주",
                                                                    "복용 시기·음식",
                                                                    "부작용",
                                                                    "바로 진료가 필요한 증상",
                                                                    "함께 먹는 약",
                                                                    "임신",
                                                                    "수유",
                                                                    "어린이",
                                                                    "어르신",
                                                                    "복용을 잊었을 때",
                                                                    "두 번 먹었을 때",
                                                                    "복용 중단",
                                                                    "용량 변경",
                                                                    "보관",
                                                                    "콩팥·간 질환",
                                                                    "버리는 방법",
                                                                    "쪼개거나 빻을 때",
                                                                    "임신 중 이미 먹었을 때"};
constexpr std::array<std::string_view, kFactTopicCount> kTopicEn = {"Use",
                                                                    "Driving",
                                                                    "Alcohol",
                                                                    "Food and timing",
                                                                    "Side effects",
                                                                    "See a doctor now if",
                                                                    "Other medicines",
                                                                    "Pregnancy",
                                                                    "Breastfeeding",
                                                                    "Children",
                                                                    "Older adults",
                                                                    "Missed dose",
                                                                    "Double dose",
                                                                    "Stopping",
                                                                    "Changing the dose",
                                                                    "Storage",
                                                                    "Kidney or liver disease",
                                                                    "Disposal",
                                                                    "Crushing or splitting",
                                                                    "Already taken in pregnancy"};

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

namespace {

LocalizedText localized(const json& j) {
  return {j["ko"].get<std::string>(), j["en"].get<std::string>()};
}

// The facts of one entry, sorted by topic; one per topic, known sources, non-blank text.
Result<std::vector<MedicineFact>> parse_facts(const json& facts, const json& sources,
                                              const std::string& where) {
  std::vector<MedicineFact> out;
  std::array<bool, kFactTopicCount> seen{};
  for (size_t f = 0; f < facts.size(); ++f) {
    const json& jf = facts[f];
    const std::string fwhere = where + "/facts/" + std::to_string(f);
    MedicineFact fact;
    fact.topic = *parse_fact_topic(jf["topic"].get<std::string>());  // enum in the schema
    if (seen[static_cast<size_t>(fact.topic)]) {
      return kb_error(fwhere + "/topic", "second fact on " + std::string(to_string(fact.topic)));
    }
    seen[static_cast<size_t>(fact.topic)] = true;
    fact.text = localized(jf);
    if (is_blank(fact.text.ko) || is_blank(fact.text.en)) return kb_error(fwhere, "blank text");
    fact.source = jf["source"].get<std::string>();
    if (!sources.contains(fact.source)) {
      return kb_error(fwhere + "/source", "unknown source " + fact.source);
    }
    fact.referral = jf["referral"].get<bool>();
    out.push_back(std::move(fact));
  }
  std::sort(out.begin(), out.end(),
            [](const MedicineFact& a, const MedicineFact& b) { return a.topic < b.topic; });
  return out;
}

// A medicine or a category (the shared fields); ids unique across both.
Result<MedicineEntry> parse_entry(const json& j, MedicineEntry::Kind kind, const json& sources,
                                  const std::string& where, std::set<std::string>& ids) {
  MedicineEntry e;
  e.kind = kind;
  e.id = j["id"].get<std::string>();
  if (!ids.insert(e.id).second) return kb_error(where + "/id", "duplicate id " + e.id);
  e.name = localized(j["name"]);
  if (j.contains("category")) e.category = localized(j["category"]);
  e.sedating = j.value("sedating", false);
  for (const auto& a : j["aliases"]) e.aliases.push_back(a.get<std::string>());
  auto facts = parse_facts(j["facts"], sources, where);
  if (!facts.ok()) return facts.take_error();
  e.facts = std::move(facts).value();
  return e;
}

}  // namespace

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
  const json& sources = doc["sources"];
  for (const auto& [key, label] : sources.items()) kb.sources_.push_back({key, localized(label)});
  kb.review_status_ = localized(doc["review_status"]);
  auto general = parse_facts(doc["general"]["facts"], sources, "/general");
  if (!general.ok()) return general.take_error();
  kb.general_.kind = MedicineEntry::Kind::kGeneral;
  kb.general_.id = "general";
  kb.general_.facts = std::move(general).value();

  std::set<std::string> ids{"general"};
  const auto& categories = doc["categories"];
  kb.categories_.reserve(categories.size());  // entries point into it
  for (size_t c = 0; c < categories.size(); ++c) {
    auto e = parse_entry(categories[c], MedicineEntry::Kind::kCategory, sources,
                         "/categories/" + std::to_string(c), ids);
    if (!e.ok()) return e.take_error();
    kb.categories_.push_back(std::move(e).value());
  }
  const auto& medicines = doc["medicines"];
  for (size_t m = 0; m < medicines.size(); ++m) {
    const std::string where = "/medicines/" + std::to_string(m);
    auto e = parse_entry(medicines[m], MedicineEntry::Kind::kMedicine, sources, where, ids);
    if (!e.ok()) return e.take_error();
    for (const auto& c : medicines[m].value("classes", json::array())) {
      const auto it = std::find_if(kb.categories_.begin(), kb.categories_.end(),
                                   [&](const MedicineEntry& x) { return x.id == c; });
      if (it == kb.categories_.end()) {
        return kb_error(where + "/classes", "unknown category " + c.get<std::string>());
      }
      e->classes.push_back(&*it);
    }
    for (const auto& i : medicines[m].value("ingredients", json::array({e->id}))) {
      e->ingredients.push_back(i.get<std::string>());
    }
    kb.entries_.push_back(std::move(e).value());
  }
  for (const MedicineEntry& e : kb.entries_) {  // ingredients name medicines of the base
    for (const auto& i : e.ingredients) {
      if (!kb.find_id(i)) return kb_error("/medicines/" + e.id, "unknown ingredient " + i);
    }
  }
  const auto& rules = doc["interactions"];
  for (size_t r = 0; r < rules.size(); ++r) {
    const json& jr = rules[r];
    InteractionRule rule{jr["between"][0].get<std::string>(), jr["between"][1].get<std::string>(),
                         localized(jr), jr["source"].get<std::string>()};
    const std::string where = "/interactions/" + std::to_string(r);
    if (!kb.find_id(rule.a) || !kb.find_id(rule.b)) {
      return kb_error(where + "/between", "unknown id " + (kb.find_id(rule.a) ? rule.b : rule.a));
    }
    if (!sources.contains(rule.source)) return kb_error(where, "unknown source " + rule.source);
    kb.interactions_.push_back(std::move(rule));
  }
  auto indexed = kb.index_aliases();
  if (!indexed.ok()) return indexed.take_error();
  return kb;
}

Result<bool> MedicineFacts::index_aliases() {
  // Unique after normalisation across medicines and categories, longest first for matching.
  std::set<std::string> seen;
  auto add = [&](const std::vector<MedicineEntry>& list, bool category) -> Result<bool> {
    for (size_t m = 0; m < list.size(); ++m) {
      for (size_t a = 0; a < list[m].aliases.size(); ++a) {
        const std::string& alias = list[m].aliases[a];
        std::string n = normalize(alias);
        const std::string where = std::string(category ? "/categories/" : "/medicines/") +
                                  std::to_string(m) + "/aliases/" + std::to_string(a);
        if (n.size() < 2) return kb_error(where, "alias too short after normalising: " + alias);
        if (!seen.insert(n).second) return kb_error(where, "duplicate alias " + alias);
        aliases_.push_back({std::move(n), alias, category, m});
      }
    }
    return true;
  };
  if (auto r = add(entries_, false); !r.ok()) return r;
  if (auto r = add(categories_, true); !r.ok()) return r;
  std::stable_sort(aliases_.begin(), aliases_.end(), [](const Alias& a, const Alias& b) {
    return a.normalized.size() > b.normalized.size();
  });
  return true;
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
  for (const auto* list : {&entries_, &categories_}) {
    for (const auto& e : *list) {
      if (e.id == id) return &e;
    }
  }
  return nullptr;
}

const MedicineFact* MedicineFacts::lookup(const MedicineEntry& entry, FactTopic topic,
                                          const MedicineEntry** owner) const {
  std::vector<const MedicineEntry*> chain{&entry};
  chain.insert(chain.end(), entry.classes.begin(), entry.classes.end());
  chain.push_back(&general_);
  for (const MedicineEntry* e : chain) {
    if (const MedicineFact* f = e->fact(topic)) {
      if (owner) *owner = e;
      return f;
    }
  }
  return nullptr;
}

std::vector<const InteractionRule*> MedicineFacts::interactions_between(
    const MedicineEntry& a, const MedicineEntry& b) const {
  auto add = [](const MedicineEntry& e, std::set<std::string>& out) {
    out.insert(e.id);
    for (const auto* c : e.classes) out.insert(c->id);
    out.insert(e.ingredients.begin(), e.ingredients.end());
  };
  // A category the user named stands for any of its members: "진통제" may be ibuprofen (an NSAID)
  // or acetaminophen, so with warfarin the rules about either apply.
  auto names = [&](const MedicineEntry& e) {
    std::set<std::string> out;
    add(e, out);
    if (e.kind != MedicineEntry::Kind::kCategory) return out;
    for (const MedicineEntry& m : entries_) {
      if (std::find(m.classes.begin(), m.classes.end(), &e) != m.classes.end()) add(m, out);
    }
    return out;
  };
  const auto na = names(a);
  const auto nb = names(b);
  std::vector<const InteractionRule*> out;
  for (const auto& r : interactions_) {
    if ((na.count(r.a) && nb.count(r.b)) || (na.count(r.b) && nb.count(r.a))) out.push_back(&r);
  }
  return out;
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
  std::set<const MedicineEntry*> entries_found;
  for (const Alias& a : aliases_) {  // longest first: "레보세티리진" before "세티리진"
    for (size_t pos = n.find(a.normalized); pos != std::string::npos;
         pos = n.find(a.normalized, pos + 1)) {
      const size_t end = pos + a.normalized.size();
      const bool overlaps = std::any_of(taken.begin(), taken.end(), [&](const auto& span) {
        return pos < span.second && span.first < end;
      });
      if (overlaps) continue;
      taken.emplace_back(pos, end);
      const MedicineEntry* entry = &at(a);
      if (entries_found.insert(entry).second) {
        out.push_back({entry, a.original, pos});
      } else {
        for (auto& m : out) {  // keep the earliest position of an entry
          if (m.entry == entry && pos < m.position) {
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

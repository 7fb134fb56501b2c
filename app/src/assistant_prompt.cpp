#include "dailydrug/app/assistant_prompt.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "dailydrug/app/time_period.h"

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
};

const std::vector<TopicKeywords>& topic_keywords() {
  static const std::vector<TopicKeywords> k = {
      {FactTopic::kUse,
       {"효능", "효과", "무슨약", "어떤약", "뭐에쓰", "무엇에쓰", "용도", "어디에좋", "왜먹"},
       {"what is", "what's", "used for", "what does", "what for"}},
      {FactTopic::kDriving,
       {"운전", "운행", "졸음", "졸려", "졸리", "졸린", "기계조작", "차를몰"},
       {"drive", "driving", "drowsy", "sleepy", "operate machinery", "car"}},
      {FactTopic::kAlcohol,
       {"술을", "술과", "술이랑", "술하고", "술마", "술먹", "술드", "술한", "술은", "음주",
        "알코올", "알콜", "맥주", "소주", "와인", "막걸리"},
       {"alcohol", "beer", "wine", "liquor", "drinking", "a drink", "drunk", "술"}},
      {FactTopic::kFood,
       {"식전", "식후", "공복", "식사", "밥", "음식", "우유", "자몽", "커피", "언제먹", "언제복용",
        "언제드", "몇시", "시간에"},
       {"food", "meal", "empty stomach", "eat", "grapefruit", "milk", "coffee",
        "when should i take", "what time"}},
      {FactTopic::kSideEffects, {"부작용", "이상반응"}, {"side effect", "side-effect", "adverse"}},
      {FactTopic::kSerious,
       {"응급", "위험한증상", "숨이", "숨쉬", "호흡", "발진", "두드러기", "붓", "출혈", "피가",
        "검은변", "가슴통증", "의식", "병원에가", "응급실"},
       {"serious", "emergency", "breath", "rash", "bleeding", "swelling", "chest pain",
        "hospital"}},
      {FactTopic::kInteractions,
       {"같이", "함께", "병용", "상호작용", "다른약", "겹치", "동시에"},
       {"together", "interaction", "interact", "combine", "with other", "at the same time", "mix"}},
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

std::string no_spaces(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
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

Result<std::vector<Language>> bundle_languages(std::string_view model_config_json) {
  const auto doc =
      nlohmann::json::parse(model_config_json.begin(), model_config_json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Error::invalid("languages", "model_config.json is not a JSON object");
  }
  if (!doc.contains("languages")) return std::vector<Language>{Language::kEnglish};
  const auto& langs = doc["languages"];
  if (!langs.is_array()) return Error::invalid("languages", "must be an array of codes");
  std::vector<Language> out;
  for (const auto& code : langs) {
    if (!code.is_string()) return Error::invalid("languages", "must be an array of strings");
    const auto l = parse_language(code.get<std::string>());
    if (l && std::find(out.begin(), out.end(), *l) == out.end()) out.push_back(*l);
  }
  // The exporter writes [] when the checkpoint declares nothing: same as absent.
  if (langs.empty()) out.push_back(Language::kEnglish);
  return out;
}

std::vector<FactTopic> detect_topics(std::string_view question) {
  const std::string k = no_spaces(question);
  const std::string e = lower_spaced(question);
  std::vector<FactTopic> out;
  for (const auto& t : topic_keywords()) {
    const bool hit = std::any_of(t.korean.begin(), t.korean.end(),
                                 [&](auto w) { return k.find(w) != std::string::npos; }) ||
                     std::any_of(t.english.begin(), t.english.end(),
                                 [&](auto w) { return english_word_hit(e, w); });
    if (hit) out.push_back(t.topic);
  }
  return out;
}

bool Grounding::needs_referral() const {
  for (const auto& f : facts) {
    if (f.fact->referral) return true;
  }
  for (const auto* m : medicines) {
    if (m->sedating && has_topic(*this, FactTopic::kDriving)) return true;
  }
  return has_topic(*this, FactTopic::kSideEffects) || has_topic(*this, FactTopic::kSerious) ||
         has_topic(*this, FactTopic::kInteractions);
}

std::vector<std::string> Grounding::fact_ids() const {
  std::vector<std::string> ids;
  ids.reserve(facts.size());
  for (const auto& f : facts) ids.push_back(f.id);
  return ids;
}

Grounding ground(std::vector<const MedicineEntry*> medicines, std::vector<std::string> names,
                 std::vector<FactTopic> topics, bool all_topics) {
  Grounding g;
  names.resize(medicines.size());
  g.medicines = std::move(medicines);
  g.names = std::move(names);
  g.topics = topics;
  std::set<FactTopic> wanted;
  if (all_topics) {
    for (size_t i = 0; i < kFactTopicCount; ++i) wanted.insert(static_cast<FactTopic>(i));
  } else if (topics.empty()) {
    wanted = {FactTopic::kUse, FactTopic::kSideEffects};
  } else {
    wanted.insert(topics.begin(), topics.end());
  }
  if (wanted.count(FactTopic::kSideEffects)) wanted.insert(FactTopic::kSerious);
  for (const auto* e : g.medicines) {
    for (FactTopic t : wanted) {  // std::set: FactTopic order
      if (const MedicineFact* f = e->fact(t)) {
        g.facts.push_back({e, f, e->fact_id(t)});
      } else if (!all_topics && std::find(topics.begin(), topics.end(), t) != topics.end()) {
        g.missing.push_back({e, t});
      }
    }
  }
  return g;
}

std::string referral_line(const Grounding& g, Language l) {
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
  if (has_topic(g, FactTopic::kInteractions)) {
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

std::string facts_block(const Grounding& g, const MedicineFacts& kb, Language l) {
  std::string out;
  std::vector<std::string> sources;
  for (size_t m = 0; m < g.medicines.size(); ++m) {
    const MedicineEntry* e = g.medicines[m];
    std::string lines;
    for (const auto& f : g.facts) {
      if (f.entry != e) continue;
      lines += "• " + std::string(topic_label(f.fact->topic, l)) + ": " + f.fact->text.in(l) + "\n";
      const std::string& src = kb.source_label(f.fact->source, l);
      if (std::find(sources.begin(), sources.end(), src) == sources.end()) sources.push_back(src);
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
  if (!sources.empty()) out += (ko(l) ? "출처: " : "Sources: ") + join(sources, ", ") + "\n";
  return out;
}

std::string compose_answer(const Grounding& g, const MedicineFacts& kb, Language l) {
  std::string out;
  if (g.medicines.empty()) {
    out += ko(l) ? "질문에서 DailyDrug 약 정보에 있는 약을 찾지 못했어요. 약 이름(예: 타이레놀, "
                   "이부프로펜)을 넣어 다시 질문해 주세요.\n"
                 : "I could not find a medicine from DailyDrug's medicine notes in your "
                   "question. Please ask again with the medicine's name (for example Tylenol or "
                   "ibuprofen).\n";
  } else if (g.from_saved) {
    std::vector<std::string> shown;
    for (size_t i = 0; i < g.medicines.size(); ++i) {
      shown.push_back(g.names[i].empty() ? g.medicines[i]->name.in(l) : g.names[i]);
    }
    out += ko(l)
               ? "질문에 약 이름이 없어서 저장된 약을 기준으로 알려드릴게요: " + join(shown, ", ") +
                     ".\n"
               : "Your question names no medicine, so this is about your saved medicines (" +
                     join(shown, ", ") + ").\n";
  } else {
    out += ko(l) ? "DailyDrug 약 정보에서 찾은 일반 정보예요.\n"
                 : "General information from DailyDrug's medicine notes:\n";
  }
  for (const auto& name : g.unmatched_names) {
    out += ko(l) ? "저장된 약 중 '" + name + "'은(는) DailyDrug 약 정보에 없어요.\n"
                 : "Your saved medicine '" + name + "' is not in DailyDrug's medicine notes.\n";
  }
  out += facts_block(g, kb, l);
  out += referral_line(g, l);
  out += "\n";
  return out;
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
      out += time + " " + d.medicine.name;
      if (!d.medicine.dosage.empty()) out += " " + d.medicine.dosage;
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
  const size_t n = std::min(max_facts, g.facts.size());
  if (n > 0) {
    out += "Facts:\n";
    for (size_t i = 0; i < n; ++i) {
      const auto& f = g.facts[i];
      out += "- " + f.entry->name.in(l) + ", " + std::string(topic_label(f.fact->topic, l)) + ": " +
             f.fact->text.in(l) + "\n";
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
    out += "- " + format_time_of_day(time_of(d.record.scheduled_at)) + " " + d.medicine.name +
           ": " + dose_status_text(d, data.now, Language::kEnglish) + "\n";
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

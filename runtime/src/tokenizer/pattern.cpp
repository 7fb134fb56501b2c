#include "pattern.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "dailydrug/llm/utf8.h"

namespace dailydrug::llm::tok {

Pattern Pattern::literal(std::string s) {
  Pattern p;
  p.kind_ = Kind::kLiteral;
  p.literal_ = std::move(s);
  return p;
}

Pattern Pattern::regex(std::shared_ptr<const Regex> re) {
  Pattern p;
  p.kind_ = Kind::kRegex;
  p.regex_ = std::move(re);
  return p;
}

Pattern Pattern::predicate(std::function<bool(char32_t)> pred) {
  Pattern p;
  p.kind_ = Kind::kPredicate;
  p.pred_ = std::move(pred);
  return p;
}

Result<Pattern> Pattern::from_json(const nlohmann::json& j) {
  if (j.is_object() && j.contains("String")) return literal(j.at("String").get<std::string>());
  if (j.is_object() && j.contains("Regex")) {
    DD_ASSIGN_OR_RETURN(auto re, Regex::compile(j.at("Regex").get<std::string>()));
    return regex(std::move(re));
  }
  return Error::tokenizer_not_initialized("unsupported pattern " + j.dump());
}

Result<std::vector<Span>> Pattern::find_matches(std::string_view text) const {
  std::vector<Span> out;
  if (text.empty()) {
    out.push_back({0, 0, false});
    return out;
  }
  size_t prev = 0;
  auto add_match = [&](size_t b, size_t e) {
    if (prev != b) out.push_back({prev, b, false});
    out.push_back({b, e, true});
    prev = e;
  };
  switch (kind_) {
    case Kind::kLiteral: {
      if (literal_.empty()) break;  // an empty needle matches nothing useful
      size_t pos = 0;
      while ((pos = text.find(literal_, pos)) != std::string_view::npos) {
        add_match(pos, pos + literal_.size());
        pos += literal_.size();
      }
      break;
    }
    case Kind::kRegex: {
      DD_ASSIGN_OR_RETURN(auto matches, regex_->find_all(text));
      for (const auto& [b, e] : matches) add_match(b, e);
      break;
    }
    case Kind::kPredicate: {
      size_t i = 0;
      while (i < text.size()) {
        size_t len = 0;
        const char32_t c = utf8_decode_valid(text, i, &len);
        if (pred_(c)) add_match(i, i + len);
        i += len;
      }
      break;
    }
  }
  if (prev != text.size()) out.push_back({prev, text.size(), false});
  return out;
}

Result<SplitBehavior> parse_split_behavior(const std::string& name) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  return Error::tokenizer_not_initialized("unknown split behavior '" + name + "'");
}

std::vector<std::pair<size_t, size_t>> apply_split_behavior(std::vector<Span> spans,
                                                            SplitBehavior behavior) {
  std::vector<std::pair<size_t, size_t>> out;
  out.reserve(spans.size());
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (const Span& s : spans) out.emplace_back(s.begin, s.end);
      break;
    case SplitBehavior::kRemoved:
      for (const Span& s : spans) {
        if (!s.is_match) out.emplace_back(s.begin, s.end);
      }
      break;
    case SplitBehavior::kContiguous: {
      bool prev_match = false;
      for (const Span& s : spans) {
        if (s.is_match == prev_match && !out.empty()) {
          out.back().second = s.end;
        } else {
          out.emplace_back(s.begin, s.end);
        }
        prev_match = s.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithPrevious: {
      bool prev_match = false;
      for (const Span& s : spans) {
        if (s.is_match && !prev_match && !out.empty()) {
          out.back().second = s.end;
        } else {
          out.emplace_back(s.begin, s.end);
        }
        prev_match = s.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool prev_match = false;
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->is_match && !prev_match && !out.empty()) {
          out.back().first = it->begin;
        } else {
          out.emplace_back(it->begin, it->end);
        }
        prev_match = it->is_match;
      }
      std::reverse(out.begin(), out.end());
      break;
    }
  }
  return out;
}

}  // namespace dailydrug::llm::tok

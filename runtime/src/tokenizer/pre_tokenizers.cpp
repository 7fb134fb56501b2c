#include "pre_tokenizers.h"

#include <nlohmann/json.hpp>

#include "byte_level.h"
#include "dailydrug/llm/utf8.h"
#include "pattern.h"
#include "unicode.h"

namespace dailydrug::llm::tok {
namespace {

using nlohmann::json;

// GPT-2's pre-tokenization regex, as hard-coded in tokenizers' ByteLevel.
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Replaces each piece by the pieces `fn` makes of it, dropping empty ones (as
// PreTokenizedString::split does).
template <typename Fn>
Status split_each(std::vector<Piece>& pieces, Fn&& fn) {
  std::vector<Piece> out;
  out.reserve(pieces.size() * 2);
  for (Piece& p : pieces) {
    DD_ASSIGN_OR_RETURN(std::vector<Piece> parts, fn(std::move(p)));
    for (Piece& part : parts) {
      if (!part.text.empty()) out.push_back(std::move(part));
    }
  }
  pieces = std::move(out);
  return Status::Ok();
}

// Splits `p` with `pattern` under `behavior`; `invert` swaps matches and gaps.
Result<std::vector<Piece>> split_piece(const Piece& p, const Pattern& pattern,
                                       SplitBehavior behavior, bool invert = false) {
  DD_ASSIGN_OR_RETURN(std::vector<Span> spans, pattern.find_matches(p.text));
  if (invert) {
    for (Span& s : spans) s.is_match = !s.is_match;
  }
  std::vector<Piece> out;
  for (const auto& [b, e] : apply_split_behavior(std::move(spans), behavior)) {
    out.push_back({p.text.substr(b, e - b), p.at_origin && b == 0});
  }
  return out;
}

class ByteLevelPre final : public PreTokenizer {
 public:
  ByteLevelPre(bool add_prefix_space, std::shared_ptr<const Regex> re)
      : add_prefix_space_(add_prefix_space), regex_(std::move(re)) {}
  Status pre_tokenize(std::vector<Piece>& pieces) const override {
    return split_each(pieces, [&](Piece p) -> Result<std::vector<Piece>> {
      if (add_prefix_space_ && (p.text.empty() || p.text[0] != ' ')) p.text.insert(0, " ");
      std::vector<Piece> parts;
      if (regex_) {
        DD_ASSIGN_OR_RETURN(parts,
                            split_piece(p, Pattern::regex(regex_), SplitBehavior::kIsolated));
      } else {
        parts.push_back(std::move(p));
      }
      for (Piece& part : parts) part.text = bytes_to_byte_level(part.text);
      return parts;
    });
  }

 private:
  bool add_prefix_space_;
  std::shared_ptr<const Regex> regex_;  // null when use_regex is false
};

class SplitPre final : public PreTokenizer {
 public:
  SplitPre(Pattern pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  Status pre_tokenize(std::vector<Piece>& pieces) const override {
    return split_each(pieces,
                      [&](const Piece& p) { return split_piece(p, pattern_, behavior_, invert_); });
  }

 private:
  Pattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

enum class PrependScheme { kFirst, kAlways, kNever };

class MetaspacePre final : public PreTokenizer {
 public:
  MetaspacePre(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
  Status pre_tokenize(std::vector<Piece>& pieces) const override {
    return split_each(pieces, [&](Piece p) -> Result<std::vector<Piece>> {
      std::string s;
      s.reserve(p.text.size() + replacement_.size());
      for (const char c : p.text) {
        if (c == ' ') {
          s += replacement_;
        } else {
          s.push_back(c);
        }
      }
      const bool starts = s.compare(0, replacement_.size(), replacement_) == 0;
      if (!starts && (scheme_ == PrependScheme::kAlways ||
                      (scheme_ == PrependScheme::kFirst && p.at_origin))) {
        s.insert(0, replacement_);
      }
      p.text = std::move(s);
      if (!split_) return std::vector<Piece>{std::move(p)};
      return split_piece(p, Pattern::literal(replacement_), SplitBehavior::kMergedWithNext);
    });
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
};

// `\w+|[^\w\s]+` kept, everything else (whitespace) removed, without a regex engine.
class WhitespacePre final : public PreTokenizer {
 public:
  Status pre_tokenize(std::vector<Piece>& pieces) const override {
    return split_each(pieces, [](Piece p) -> Result<std::vector<Piece>> {
      std::vector<Piece> out;
      const std::string& t = p.text;
      size_t i = 0;
      int run_kind = -1;  // 0 = word run, 1 = other non-space run
      size_t run_start = 0;
      auto close = [&](size_t end) {
        if (run_kind >= 0) {
          out.push_back({t.substr(run_start, end - run_start), p.at_origin && run_start == 0});
        }
        run_kind = -1;
      };
      while (i < t.size()) {
        size_t len = 0;
        const char32_t c = utf8_decode_valid(t, i, &len);
        const int kind = is_word_char(c) ? 0 : is_whitespace(c) ? -1 : 1;
        if (kind != run_kind) {
          close(i);
          if (kind >= 0) {
            run_kind = kind;
            run_start = i;
          }
        }
        i += len;
      }
      close(t.size());
      return out;
    });
  }
};

class PredicateSplitPre final : public PreTokenizer {
 public:
  PredicateSplitPre(std::function<bool(char32_t)> pred, SplitBehavior behavior)
      : pattern_(Pattern::predicate(std::move(pred))), behavior_(behavior) {}
  Status pre_tokenize(std::vector<Piece>& pieces) const override {
    return split_each(pieces, [&](const Piece& p) { return split_piece(p, pattern_, behavior_); });
  }

 private:
  Pattern pattern_;
  SplitBehavior behavior_;
};

class SequencePre final : public PreTokenizer {
 public:
  explicit SequencePre(std::vector<std::unique_ptr<PreTokenizer>> parts)
      : parts_(std::move(parts)) {}
  Status pre_tokenize(std::vector<Piece>& pieces) const override {
    for (const auto& p : parts_) DD_RETURN_IF_ERROR(p->pre_tokenize(pieces));
    return Status::Ok();
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

Result<SplitBehavior> behavior_field(const json& j, const char* def) {
  return parse_split_behavior(j.contains("behavior") ? j.at("behavior").get<std::string>() : def);
}

}  // namespace

Result<std::unique_ptr<PreTokenizer>> make_pre_tokenizer(const json& j) {
  using Ptr = std::unique_ptr<PreTokenizer>;
  if (j.is_null()) return Ptr();
  const std::string type = j.at("type").get<std::string>();
  if (type == "ByteLevel") {
    std::shared_ptr<const Regex> re;
    if (j.value("use_regex", true)) {
      DD_ASSIGN_OR_RETURN(re, Regex::compile(kGpt2Pattern));
    }
    return Ptr(new ByteLevelPre(j.value("add_prefix_space", true), std::move(re)));
  }
  if (type == "Split") {
    DD_ASSIGN_OR_RETURN(Pattern p, Pattern::from_json(j.at("pattern")));
    DD_ASSIGN_OR_RETURN(SplitBehavior b, behavior_field(j, "Isolated"));
    return Ptr(new SplitPre(std::move(p), b, j.value("invert", false)));
  }
  if (type == "Digits") {
    const bool individual = j.value("individual_digits", false);
    return Ptr(new PredicateSplitPre(
        is_numeric, individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous));
  }
  if (type == "Metaspace") {
    std::string rep = j.value("replacement", std::string("\xE2\x96\x81"));
    PrependScheme scheme = PrependScheme::kAlways;
    if (j.contains("prepend_scheme")) {
      const std::string s = j.at("prepend_scheme").get<std::string>();
      if (s == "first") {
        scheme = PrependScheme::kFirst;
      } else if (s == "always") {
        scheme = PrependScheme::kAlways;
      } else if (s == "never") {
        scheme = PrependScheme::kNever;
      } else {
        return Error::tokenizer_not_initialized("unknown Metaspace prepend_scheme '" + s + "'");
      }
    } else if (j.contains("add_prefix_space") && !j.at("add_prefix_space").get<bool>()) {
      scheme = PrependScheme::kNever;  // pre-0.19 files
    }
    if (rep.empty() || utf8_char_len(static_cast<unsigned char>(rep[0])) != rep.size()) {
      return Error::tokenizer_not_initialized("Metaspace replacement must be one character");
    }
    return Ptr(new MetaspacePre(std::move(rep), scheme, j.value("split", true)));
  }
  if (type == "Whitespace") return Ptr(new WhitespacePre());
  if (type == "WhitespaceSplit") {
    return Ptr(new PredicateSplitPre(is_whitespace, SplitBehavior::kRemoved));
  }
  if (type == "Punctuation") {
    DD_ASSIGN_OR_RETURN(SplitBehavior b, behavior_field(j, "Isolated"));
    return Ptr(new PredicateSplitPre(is_punctuation, b));
  }
  if (type == "BertPreTokenizer") {
    std::vector<Ptr> parts;
    parts.emplace_back(new PredicateSplitPre(is_whitespace, SplitBehavior::kRemoved));
    parts.emplace_back(new PredicateSplitPre(is_punctuation, SplitBehavior::kIsolated));
    return Ptr(new SequencePre(std::move(parts)));
  }
  if (type == "CharDelimiterSplit") {
    const std::string d = j.at("delimiter").get<std::string>();
    if (d.empty()) return Error::tokenizer_not_initialized("empty CharDelimiterSplit delimiter");
    const char32_t dc = utf8_decode_valid(d, 0, nullptr);
    return Ptr(
        new PredicateSplitPre([dc](char32_t c) { return c == dc; }, SplitBehavior::kRemoved));
  }
  if (type == "Sequence") {
    std::vector<Ptr> parts;
    for (const json& sub : j.at("pretokenizers")) {
      DD_ASSIGN_OR_RETURN(Ptr p, make_pre_tokenizer(sub));
      if (p) parts.push_back(std::move(p));
    }
    return Ptr(new SequencePre(std::move(parts)));
  }
  return Error::tokenizer_not_initialized("unsupported pre_tokenizer type '" + type + "'");
}

}  // namespace dailydrug::llm::tok

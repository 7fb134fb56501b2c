#include "normalizers.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "byte_level.h"
#include "dailydrug/llm/utf8.h"
#include "pattern.h"
#include "unicode.h"

namespace dailydrug::llm::tok {
namespace {

using nlohmann::json;

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(NormalForm form) : form_(form) {}
  Result<std::string> normalize(std::string text) const override {
    return normalize_unicode(text, form_);
  }

 private:
  NormalForm form_;
};

class LowercaseNormalizer final : public Normalizer {
 public:
  Result<std::string> normalize(std::string text) const override { return lowercase(text); }
};

class StripNormalizer final : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  Result<std::string> normalize(std::string text) const override {
    size_t b = 0, e = text.size();
    if (left_) {
      while (b < e) {
        size_t len = 0;
        if (!is_whitespace(utf8_decode_valid(text, b, &len))) break;
        b += len;
      }
    }
    if (right_) {
      while (e > b) {
        size_t start = e - 1;
        while (start > b && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        if (!is_whitespace(utf8_decode_valid(text, start, nullptr))) break;
        e = start;
      }
    }
    return text.substr(b, e - b);
  }

 private:
  bool left_, right_;
};

class ReplaceNormalizer final : public Normalizer {
 public:
  ReplaceNormalizer(Pattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  Result<std::string> normalize(std::string text) const override {
    DD_ASSIGN_OR_RETURN(auto spans, pattern_.find_matches(text));
    std::string out;
    out.reserve(text.size());
    for (const Span& s : spans) {
      if (s.is_match) {
        out += content_;
      } else {
        out.append(text, s.begin, s.end - s.begin);
      }
    }
    return out;
  }

 private:
  Pattern pattern_;
  std::string content_;
};

class PrependNormalizer final : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  Result<std::string> normalize(std::string text) const override {
    if (text.empty()) return text;  // tokenizers only prepends to non-empty strings
    return prefix_ + text;
  }

 private:
  std::string prefix_;
};

class ByteLevelNormalizer final : public Normalizer {
 public:
  Result<std::string> normalize(std::string text) const override {
    return bytes_to_byte_level(text);
  }
};

class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts)
      : parts_(std::move(parts)) {}
  Result<std::string> normalize(std::string text) const override {
    for (const auto& p : parts_) {
      DD_ASSIGN_OR_RETURN(text, p->normalize(std::move(text)));
    }
    return text;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

Result<std::unique_ptr<Normalizer>> make_normalizer(const json& j) {
  if (j.is_null()) return std::unique_ptr<Normalizer>();
  const std::string type = j.at("type").get<std::string>();
  if (type == "NFC") return std::unique_ptr<Normalizer>(new UnicodeNormalizer(NormalForm::kNFC));
  if (type == "NFD") return std::unique_ptr<Normalizer>(new UnicodeNormalizer(NormalForm::kNFD));
  if (type == "NFKC") return std::unique_ptr<Normalizer>(new UnicodeNormalizer(NormalForm::kNFKC));
  if (type == "NFKD") return std::unique_ptr<Normalizer>(new UnicodeNormalizer(NormalForm::kNFKD));
  if (type == "Lowercase") return std::unique_ptr<Normalizer>(new LowercaseNormalizer());
  if (type == "ByteLevel") return std::unique_ptr<Normalizer>(new ByteLevelNormalizer());
  if (type == "Strip") {
    return std::unique_ptr<Normalizer>(
        new StripNormalizer(j.value("strip_left", true), j.value("strip_right", true)));
  }
  if (type == "Replace") {
    DD_ASSIGN_OR_RETURN(Pattern p, Pattern::from_json(j.at("pattern")));
    return std::unique_ptr<Normalizer>(
        new ReplaceNormalizer(std::move(p), j.at("content").get<std::string>()));
  }
  if (type == "Prepend") {
    return std::unique_ptr<Normalizer>(new PrependNormalizer(j.at("prepend").get<std::string>()));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> parts;
    for (const json& sub : j.at("normalizers")) {
      DD_ASSIGN_OR_RETURN(auto n, make_normalizer(sub));
      if (n) parts.push_back(std::move(n));
    }
    return std::unique_ptr<Normalizer>(new SequenceNormalizer(std::move(parts)));
  }
  return Error::tokenizer_not_initialized("unsupported normalizer type '" + type + "'");
}

}  // namespace dailydrug::llm::tok

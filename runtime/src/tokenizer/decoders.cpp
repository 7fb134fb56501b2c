#include "decoders.h"

#include <nlohmann/json.hpp>

#include "byte_level.h"
#include "dailydrug/llm/utf8.h"
#include "pattern.h"

namespace dailydrug::llm::tok {
namespace {

using nlohmann::json;

// Joins the tokens' bytes (byte-level characters mapped back, other tokens as they are) and
// decodes the whole lossily, so a character split across tokens comes out whole.
class ByteLevelDecoder final : public Decoder {
 public:
  Status decode_chain(std::vector<std::string>& tokens, const DecodeMode& mode) const override {
    std::string bytes;
    for (const std::string& t : tokens) {
      const size_t mark = bytes.size();
      if (!byte_level_to_bytes(t, bytes)) {
        bytes.resize(mark);
        bytes += t;
      }
    }
    tokens.assign(1, mode.raw_bytes ? std::move(bytes) : utf8_lossy(bytes));
    return Status::Ok();
  }
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(Pattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  Status decode_chain(std::vector<std::string>& tokens, const DecodeMode& /*mode*/) const override {
    for (std::string& t : tokens) {
      DD_ASSIGN_OR_RETURN(auto spans, pattern_.find_matches(t));
      std::string out;
      out.reserve(t.size());
      for (const Span& s : spans) {
        if (s.is_match) {
          out += content_;
        } else {
          out.append(t, s.begin, s.end - s.begin);
        }
      }
      t = std::move(out);
    }
    return Status::Ok();
  }

 private:
  Pattern pattern_;
  std::string content_;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Runs of "<0xNN>" tokens become their bytes if those form valid UTF-8, else one U+FFFD per
// byte (tokenizers' rule, not the maximal-subpart rule).
class ByteFallbackDecoder final : public Decoder {
 public:
  Status decode_chain(std::vector<std::string>& tokens, const DecodeMode& mode) const override {
    std::vector<std::string> out;
    out.reserve(tokens.size());
    std::string run;
    auto flush = [&] {
      if (run.empty()) return;
      if (mode.raw_bytes || is_valid_utf8(run)) {
        out.push_back(run);
      } else {
        for (size_t k = 0; k < run.size(); ++k) out.emplace_back(kReplacementChar);
      }
      run.clear();
    };
    for (std::string& t : tokens) {
      if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
        const int hi = hex_value(t[3]), lo = hex_value(t[4]);
        if (hi >= 0 && lo >= 0) {
          run.push_back(static_cast<char>(hi * 16 + lo));
          continue;
        }
      }
      flush();
      out.push_back(std::move(t));
    }
    flush();
    tokens = std::move(out);
    return Status::Ok();
  }
};

class FuseDecoder final : public Decoder {
 public:
  Status decode_chain(std::vector<std::string>& tokens, const DecodeMode& /*mode*/) const override {
    std::string all;
    for (const std::string& t : tokens) all += t;
    tokens.clear();
    tokens.push_back(std::move(all));
    return Status::Ok();
  }
};

// Removes up to `start` leading and `stop` trailing `content` characters of every token.
class StripDecoder final : public Decoder {
 public:
  StripDecoder(std::string content, size_t start, size_t stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  Status decode_chain(std::vector<std::string>& tokens, const DecodeMode& mode) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& t = tokens[i];
      size_t b = 0;
      // In the middle of a stream the first token is not the start of the text.
      const size_t start = (i == 0 && !mode.at_stream_start) ? 0 : start_;
      for (size_t k = 0; k < start && t.compare(b, content_.size(), content_) == 0; ++k) {
        b += content_.size();
      }
      size_t e = t.size();
      for (size_t k = 0; k < stop_ && e >= b + content_.size() &&
                         t.compare(e - content_.size(), content_.size(), content_) == 0;
           ++k) {
        e -= content_.size();
      }
      t = t.substr(b, e - b);
    }
    return Status::Ok();
  }

 private:
  std::string content_;  // one character
  size_t start_, stop_;
};

// Replacement characters become spaces, except in the very first token when a prefix space
// was prepended at encode time (prepend_scheme other than "never"), where they are dropped.
class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool strip_first)
      : replacement_(std::move(replacement)), strip_first_(strip_first) {}
  Status decode_chain(std::vector<std::string>& tokens, const DecodeMode& mode) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& t = tokens[i];
      std::string out;
      out.reserve(t.size());
      for (size_t k = 0; k < t.size();) {
        if (t.compare(k, replacement_.size(), replacement_) == 0) {
          if (!(i == 0 && strip_first_ && mode.at_stream_start)) out.push_back(' ');
          k += replacement_.size();
        } else {
          out.push_back(t[k++]);
        }
      }
      t = std::move(out);
    }
    return Status::Ok();
  }

 private:
  std::string replacement_;
  bool strip_first_;
};

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts)
      : parts_(std::move(parts)) {}
  Status decode_chain(std::vector<std::string>& tokens, const DecodeMode& mode) const override {
    for (const auto& p : parts_) DD_RETURN_IF_ERROR(p->decode_chain(tokens, mode));
    return Status::Ok();
  }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

}  // namespace

Result<std::unique_ptr<Decoder>> make_decoder(const json& j) {
  using Ptr = std::unique_ptr<Decoder>;
  if (j.is_null()) return Ptr();
  const std::string type = j.at("type").get<std::string>();
  if (type == "ByteLevel") return Ptr(new ByteLevelDecoder());
  if (type == "Replace") {
    DD_ASSIGN_OR_RETURN(Pattern p, Pattern::from_json(j.at("pattern")));
    return Ptr(new ReplaceDecoder(std::move(p), j.at("content").get<std::string>()));
  }
  if (type == "ByteFallback") return Ptr(new ByteFallbackDecoder());
  if (type == "Fuse") return Ptr(new FuseDecoder());
  if (type == "Strip") {
    std::string content = j.at("content").get<std::string>();
    if (content.empty()) return Error::tokenizer_not_initialized("Strip decoder without content");
    return Ptr(new StripDecoder(std::move(content), j.at("start").get<size_t>(),
                                j.at("stop").get<size_t>()));
  }
  if (type == "Metaspace") {
    std::string rep = j.value("replacement", std::string("\xE2\x96\x81"));
    bool strip_first = true;
    if (j.contains("prepend_scheme")) {
      strip_first = j.at("prepend_scheme").get<std::string>() != "never";
    } else if (j.contains("add_prefix_space")) {
      strip_first = j.at("add_prefix_space").get<bool>();
    }
    if (rep.empty()) return Error::tokenizer_not_initialized("Metaspace without replacement");
    return Ptr(new MetaspaceDecoder(std::move(rep), strip_first));
  }
  if (type == "Sequence") {
    std::vector<Ptr> parts;
    for (const json& sub : j.at("decoders")) {
      DD_ASSIGN_OR_RETURN(Ptr d, make_decoder(sub));
      if (d) parts.push_back(std::move(d));
    }
    return Ptr(new SequenceDecoder(std::move(parts)));
  }
  return Error::tokenizer_not_initialized("unsupported decoder type '" + type + "'");
}

}  // namespace dailydrug::llm::tok

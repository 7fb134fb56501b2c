#include "tokenizer_json.h"

namespace dailydrug::llm::tok {
namespace {

using nlohmann::json;

/// The SAX handler: a DOM builder (a stack of open containers, the key of the next member) with
/// two capture modes for model.vocab and model.merges.
class Handler final : public nlohmann::json_sax<json> {
 public:
  explicit Handler(TokenizerJson& out) : out_(out) {}

  bool null() override { return other_scalar(json(nullptr)); }
  bool boolean(bool v) override { return other_scalar(json(v)); }
  bool number_integer(number_integer_t v) override { return number(v, json(v)); }
  bool number_unsigned(number_unsigned_t v) override {
    return number(
        v > static_cast<number_unsigned_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v),
        json(v));
  }
  bool number_float(number_float_t v, const string_t&) override {
    // as json::get<int64_t>() would read it (a vocab id is range-checked by the model)
    const double clamped = v != v ? 0.0 : std::max(-9.2e18, std::min(9.2e18, v));
    return number(static_cast<int64_t>(clamped), json(v));
  }
  bool string(string_t& v) override {
    switch (mode_) {
      case Mode::kVocab:
        if (skip_ == 0) malformed("BPE vocab id for '" + key_ + "' is not a number");
        return true;
      case Mode::kMerges:
        if (skip_ == 0) merge_from_string(v);
        return true;
      case Mode::kMergePair:
        if (skip_ == 0) pair_.push_back(std::move(v));
        return true;
      case Mode::kDom:
        return value(json(std::move(v)));
    }
    return true;
  }
  bool binary(binary_t&) override { return true; }  // not produced by the JSON parser

  bool start_object(std::size_t) override {
    if (mode_ != Mode::kDom) {
      if (skip_ == 0 && mode_ != Mode::kVocab) malformed("malformed BPE merge (an object)");
      if (skip_ == 0 && mode_ == Mode::kVocab) {
        malformed("BPE vocab id for '" + key_ + "' is not a number");
      }
      ++skip_;
      return true;
    }
    if (at_model_member("vocab")) {  // captured; the DOM gets an empty placeholder
      value(json::object());
      out_.bpe.has_vocab = true;
      mode_ = Mode::kVocab;
      return true;
    }
    return open(json::object());
  }
  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool end_object() override {
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    if (mode_ == Mode::kVocab) {
      mode_ = Mode::kDom;
      return true;
    }
    close();
    return true;
  }
  bool start_array(std::size_t) override {
    switch (mode_) {
      case Mode::kVocab:
        if (skip_ == 0) malformed("BPE vocab id for '" + key_ + "' is not a number");
        ++skip_;
        return true;
      case Mode::kMerges:
        if (skip_ == 0) {
          mode_ = Mode::kMergePair;
          pair_.clear();
        } else {
          ++skip_;
        }
        return true;
      case Mode::kMergePair:
        if (skip_ == 0) malformed("malformed BPE merge (a nested array)");
        ++skip_;
        return true;
      case Mode::kDom:
        break;
    }
    if (at_model_member("merges")) {
      value(json::array());
      out_.bpe.has_merges = true;
      mode_ = Mode::kMerges;
      return true;
    }
    return open(json::array());
  }
  bool end_array() override {
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    if (mode_ == Mode::kMergePair) {
      if (pair_.size() == 2) {
        out_.bpe.merges.emplace_back(std::move(pair_[0]), std::move(pair_[1]));
      } else {
        malformed("malformed BPE merge (an array of " + std::to_string(pair_.size()) + " strings)");
      }
      mode_ = Mode::kMerges;
      return true;
    }
    if (mode_ == Mode::kMerges) {
      mode_ = Mode::kDom;
      return true;
    }
    close();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    throw e;  // the same exception json::parse throws
  }

 private:
  enum class Mode { kDom, kVocab, kMerges, kMergePair };

  /// The next value is the member `name` of the root object's "model" object.
  bool at_model_member(const char* name) const {
    return stack_.size() == 2 && stack_[1]->is_object() && keys_[1] == "model" && key_ == name;
  }

  bool number(int64_t id, json dom_value) {
    switch (mode_) {
      case Mode::kVocab:
        if (skip_ == 0) out_.bpe.vocab.emplace_back(key_, id);
        return true;
      case Mode::kMerges:
        if (skip_ == 0) malformed("malformed BPE merge (a number)");
        return true;
      case Mode::kMergePair:
        if (skip_ == 0) malformed("malformed BPE merge (a number in a pair)");
        return true;
      case Mode::kDom:
        return value(std::move(dom_value));
    }
    return true;
  }

  /// null or a boolean: a DOM value, or a malformed entry inside a captured member.
  bool other_scalar(json v) {
    if (mode_ == Mode::kDom) return value(std::move(v));
    if (skip_ == 0) {
      malformed(mode_ == Mode::kVocab ? "BPE vocab id for '" + key_ + "' is not a number"
                                      : std::string("malformed BPE merge (") + v.type_name() + ")");
    }
    return true;
  }

  void merge_from_string(const std::string& s) {
    const size_t sp = s.find(' ');
    if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) {
      malformed("malformed BPE merge '" + s + "'");
      return;
    }
    out_.bpe.merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
  }

  void malformed(std::string why) {
    if (out_.bpe.error.empty()) out_.bpe.error = std::move(why);
  }

  /// Places a scalar (or an empty placeholder) where the parser is; returns a pointer to it.
  json* place(json v) {
    if (stack_.empty()) {
      out_.dom = std::move(v);
      return &out_.dom;
    }
    json& parent = *stack_.back();
    if (parent.is_object()) {
      json& slot = parent[key_];  // a repeated key: the later value wins, as in json::parse
      slot = std::move(v);
      return &slot;
    }
    parent.push_back(std::move(v));
    return &parent.back();
  }
  bool value(json v) {
    place(std::move(v));
    return true;
  }
  bool open(json container) {
    const std::string k = !stack_.empty() && stack_.back()->is_object() ? key_ : std::string();
    stack_.push_back(place(std::move(container)));
    keys_.push_back(k);
    return true;
  }
  void close() {
    if (!stack_.empty()) {
      stack_.pop_back();
      keys_.pop_back();
    }
  }

  TokenizerJson& out_;
  std::vector<json*> stack_;       // open containers, outermost first
  std::vector<std::string> keys_;  // the member name each was opened under ("" in an array)
  std::string key_;                // the current member name
  Mode mode_ = Mode::kDom;
  int skip_ = 0;                   // depth inside a malformed entry being skipped
  std::vector<std::string> pair_;  // the ["a", "b"] merge being read
};

}  // namespace

TokenizerJson parse_tokenizer_json(std::string_view text) {
  TokenizerJson out;
  Handler handler(out);
  json::sax_parse(text, &handler);
  return out;
}

}  // namespace dailydrug::llm::tok

#include <array>

#include "dailydrug/llm/tokenizer.h"
#include "dailydrug/llm/utf8.h"

namespace dailydrug::llm {
namespace {
constexpr size_t kMaxHeldIds = 64;  // give up holding back after this many ids (garbage input)
}  // namespace

StreamingDecoder::StreamingDecoder(const Tokenizer& tokenizer, bool skip_special)
    : tokenizer_(tokenizer), skip_special_(skip_special) {
  // A one-letter token that decodes to itself, alone and repeated, is a neutral stand-in for
  // "text has already been emitted": it is not a space, not a byte token and not special.
  static constexpr std::string_view kLetters =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (const char c : kLetters) {
    const std::string s(1, c);
    const auto id = tokenizer_.token_to_id(s);
    if (!id || tokenizer_.is_special(*id) || is_byte_token(*id)) continue;
    const std::array<TokenId, 1> one{*id};
    const std::array<TokenId, 3> three{*id, *id, *id};
    const auto d1 = tokenizer_.decode(one, skip_special_);
    const auto d3 = tokenizer_.decode(three, skip_special_);
    if (d1.ok() && d3.ok() && *d1 == s && *d3 == s + s + s) {
      anchor_ = *id;
      anchor_text_ = s;
      break;
    }
  }
}

bool StreamingDecoder::is_byte_token(TokenId id) const {
  // Byte-fallback runs ("<0xEA><0xB0><0x80>") are decoded as a whole; never cut inside one.
  const std::string s = tokenizer_.token_string(id);
  return s.size() == 6 && s.compare(0, 3, "<0x") == 0 && s[5] == '>';
}

std::string StreamingDecoder::render(bool* ok) const {
  *ok = false;
  if (!started_ || !anchor_) {
    auto r = tokenizer_.decode(ids_, skip_special_);
    if (!r.ok()) return {};
    *ok = true;
    return std::move(r).value();
  }
  std::vector<TokenId> with_anchor;
  with_anchor.reserve(ids_.size() + 1);
  with_anchor.push_back(*anchor_);
  with_anchor.insert(with_anchor.end(), ids_.begin(), ids_.end());
  auto r = tokenizer_.decode(with_anchor, skip_special_);
  if (!r.ok() || r->compare(0, anchor_text_.size(), anchor_text_) != 0) return {};
  *ok = true;
  return r->substr(anchor_text_.size());
}

std::string StreamingDecoder::push(TokenId id) {
  if (id < 0 || id >= tokenizer_.vocab_size() || tokenizer_.token_string(id).empty()) return {};
  // A skipped special id still goes through decode(), held with the ids after it: it writes no
  // text, but whether it separates the byte-fallback runs around it depends on the tokenizer
  // (SentencePiece's control pieces do; tokenizer.json drops specials before its decoders, so the
  // runs join). Dropping it here, or rendering right after it, could differ from decode().
  ids_.push_back(id);
  if (skip_special_ && tokenizer_.is_special(id) && ids_.size() < kMaxHeldIds) return {};
  if (!anchor_) {
    // Fallback: decode everything, return the new complete part.
    bool ok = false;
    const std::string text = render(&ok);
    if (!ok) return {};
    size_t end = text.size();
    if (std::string_view(text).ends_with(kReplacementChar)) return {};
    if (end <= emitted_bytes_ || text.compare(0, emitted_bytes_, text, 0, emitted_bytes_) != 0) {
      return {};
    }
    std::string out = text.substr(emitted_bytes_);
    emitted_bytes_ = end;
    return out;
  }
  if (is_byte_token(id) && ids_.size() < kMaxHeldIds) return {};
  bool ok = false;
  std::string text = render(&ok);
  if (!ok) {
    ids_.pop_back();  // undecodable id: drop it rather than poison the stream
    return {};
  }
  // A trailing U+FFFD may be an incomplete sequence that the next ids complete.
  if (std::string_view(text).ends_with(kReplacementChar) && ids_.size() < kMaxHeldIds) {
    return {};
  }
  // Until something visible was emitted, stream-start rules still apply to later ids.
  if (!started_ && text.empty() && ids_.size() < kMaxHeldIds) return {};
  ids_.clear();
  if (!text.empty()) started_ = true;
  return text;
}

std::string StreamingDecoder::flush() {
  if (ids_.empty()) return {};
  bool ok = false;
  std::string text = render(&ok);
  if (!anchor_) {
    std::string out = ok && text.size() > emitted_bytes_ ? text.substr(emitted_bytes_) : "";
    ids_.clear();
    emitted_bytes_ = 0;
    started_ = false;
    return out;
  }
  ids_.clear();
  if (!text.empty()) started_ = true;
  return ok ? text : std::string();
}

}  // namespace dailydrug::llm

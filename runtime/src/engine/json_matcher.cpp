// The byte-level matcher over a compiled JSON grammar, and the vocabulary trie that turns it into a
// token mask.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>

#include "json_grammar_internal.h"

namespace dailydrug::llm {

using json_grammar_detail::Dfa;
using json_grammar_detail::Kind;
using json_grammar_detail::kNone;
using json_grammar_detail::Node;

namespace {

constexpr uint8_t kMaxWhitespaceRun = 8;  // "\n" + indentation to depth 3
constexpr uint32_t kMaxIntDigits = 18;
constexpr uint32_t kMaxFracDigits = 12;
constexpr uint32_t kMaxExpDigits = 2;  // |exponent| <= 99: every value fits a double

bool is_ws(uint8_t b) { return b == ' ' || b == '\n' || b == '\t' || b == '\r'; }
bool is_digit(uint8_t b) { return b >= '0' && b <= '9'; }

// Object phases.
enum : uint8_t {
  kObjOpen, kObjFirst, kObjKey, kObjColon, kObjValueStart, kObjValue, kObjAfterValue, kObjNextKey
};
// Array phases.
enum : uint8_t { kArrOpen, kArrFirst, kArrValue, kArrAfter, kArrNext };
// String phases.
enum : uint8_t { kStrOpen, kStrBody, kStrEscape };
// Number phases.
enum : uint8_t {
  kNumStart, kNumMinus, kNumZero, kNumInt, kNumDot, kNumFrac, kNumE, kNumExpSign, kNumExp
};
constexpr uint8_t kNegative = 1;

/// Can a non-negative integer prefix `m` (with `digits` digits; m == 0 only as the whole "0") and
/// sign grow into a value inside [lo, hi]? Completions are m*10^k + r for r < 10^k, k >= 0 (k = 0
/// only when m == 0), up to kMaxIntDigits digits. `fraction` allows any value in [v, v + 1) too.
bool integer_prefix_viable(uint64_t m, uint32_t digits, bool negative, const Node& n,
                           bool fraction) {
  const double lo = n.has_min ? n.minimum : -1e300;
  const double hi = n.has_max ? n.maximum : 1e300;
  double scale = 1;
  for (uint32_t k = 0; digits + k <= kMaxIntDigits; ++k, scale *= 10) {
    if (k > 0 && m == 0) break;  // no leading zeros
    const double a = static_cast<double>(m) * scale;
    const double b = a + scale - 1 + (fraction ? 0.999999 : 0);
    const double vlo = negative ? -b : a;
    const double vhi = negative ? -a : b;
    if (vhi >= lo && vlo <= hi) return true;
  }
  return false;
}

uint32_t utf8_len(uint8_t lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

/// Whether `byte` may follow as the next continuation byte of a character that began with
/// `lead` and still expects `left` bytes: well-formed UTF-8 only (no overlong forms, no UTF-16
/// surrogates, nothing above U+10FFFF). Shared by string values and free object keys.
bool utf8_continuation_ok(uint8_t lead, uint8_t left, uint8_t byte) {
  uint8_t lo = 0x80, hi = 0xBF;
  if (left == utf8_len(lead) - 1) {  // the first continuation byte
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  }
  return byte >= lo && byte <= hi;
}

}  // namespace

JsonMatcher::JsonMatcher(std::shared_ptr<const JsonGrammar> grammar)
    : grammar_(std::move(grammar)), g_(grammar_.get()) {}

void JsonMatcher::assign(const JsonMatcher& other) {
  std::memcpy(stack_.data(), other.stack_.data(), sizeof(Frame) * static_cast<size_t>(other.depth_));
  depth_ = other.depth_;
  root_phase_ = other.root_phase_;
  ws_run_ = other.ws_run_;
}

bool JsonMatcher::advance(std::string_view bytes) {
  JsonMatcher next(grammar_);
  next.assign(*this);
  for (char c : bytes) {
    if (!next.step(static_cast<uint8_t>(c))) return false;
  }
  assign(next);
  return true;
}

bool JsonMatcher::advance_byte(uint8_t byte) {
  return advance(std::string_view(reinterpret_cast<const char*>(&byte), 1));
}

bool JsonMatcher::whitespace(uint8_t byte) {
  if (!is_ws(byte) || ws_run_ >= kMaxWhitespaceRun) return false;
  ++ws_run_;
  return true;
}

bool JsonMatcher::push(const Frame& f) {
  if (depth_ >= kMaxDepth) return false;
  stack_[static_cast<size_t>(depth_++)] = f;
  return true;
}

bool JsonMatcher::start_value(uint32_t node, uint8_t byte) {
  const Node* n = &g_->node(node);
  if (n->kind == Kind::kUnion) {
    const uint32_t branch = n->by_first[byte];
    if (branch == 0) return false;
    node = branch - 1;
    n = &g_->node(node);
  }
  Frame f;
  f.node = node;
  switch (n->kind) {
    case Kind::kLiterals: {
      // The literals starting with `byte` form a contiguous range of the sorted list.
      const auto& lits = n->literals;
      auto lo = std::lower_bound(lits.begin(), lits.end(), byte,
                                 [](const std::string& s, uint8_t b) {
                                   return static_cast<uint8_t>(s[0]) < b;
                                 });
      auto hi = std::upper_bound(lo, lits.end(), byte, [](uint8_t b, const std::string& s) {
        return b < static_cast<uint8_t>(s[0]);
      });
      if (lo == hi) return false;
      f.a = static_cast<uint32_t>(lo - lits.begin());
      f.b = static_cast<uint32_t>(hi - lits.begin());
      f.count = 1;
      if (!push(f)) return false;
      // A one-byte literal alone in its range is complete at once.
      if (f.b - f.a == 1 && lits[f.a].size() == 1) {
        --depth_;
        child_done();
      }
      return true;
    }
    case Kind::kUnion: return false;  // a union of unions is flattened at compile time
    default: break;
  }
  if (!push(f)) return false;
  bool consumed = true;
  if (!feed_top(byte, consumed) || !consumed) return false;
  return true;
}

void JsonMatcher::child_done() {
  if (depth_ == 0) {
    root_phase_ = 2;
    return;
  }
  Frame& p = stack_[static_cast<size_t>(depth_ - 1)];
  const Node& n = g_->node(p.node);
  if (n.kind == Kind::kObject) {
    p.phase = p.phase == kObjKey ? kObjColon : kObjAfterValue;
  } else if (n.kind == Kind::kArray) {
    ++p.count;
    p.phase = kArrAfter;
  }
}

bool JsonMatcher::step(uint8_t byte) {
  if (!is_ws(byte)) ws_run_ = 0;
  while (true) {
    if (depth_ == 0) {
      if (root_phase_ != 0) return false;
      if (is_ws(byte)) return whitespace(byte);
      root_phase_ = 1;
      return start_value(g_->root(), byte);
    }
    bool consumed = true;
    if (!feed_top(byte, consumed)) return false;
    if (consumed) return true;
    // The top frame completed without taking the byte (a number or literal ended): the parent
    // sees it next.
  }
}

/// Feeds `byte` to the top frame. `consumed` = false: the frame completed and popped itself and
/// the byte belongs to its parent.
bool JsonMatcher::feed_top(uint8_t byte, bool& consumed) {
  Frame& f = stack_[static_cast<size_t>(depth_ - 1)];
  const Node& n = g_->node(f.node);
  consumed = true;
  switch (n.kind) {
    case Kind::kLiterals: {
      const auto& lits = n.literals;
      // Narrow [a, b) to the literals whose byte `count` is `byte`.
      uint32_t lo = f.a, hi = f.b;
      while (lo < hi && (lits[lo].size() <= f.count || static_cast<uint8_t>(lits[lo][f.count]) < byte)) {
        ++lo;
      }
      uint32_t end = lo;
      while (end < hi && lits[end].size() > f.count && static_cast<uint8_t>(lits[end][f.count]) == byte) {
        ++end;
      }
      if (lo == end) {
        // No literal continues with this byte: complete if the text so far is a literal.
        if (lits[f.a].size() == f.count) {
          --depth_;
          child_done();
          consumed = false;
          return true;
        }
        return false;
      }
      f.a = lo;
      f.b = end;
      ++f.count;
      if (f.b - f.a == 1 && lits[f.a].size() == f.count) {
        --depth_;
        child_done();
      }
      return true;
    }
    case Kind::kString: {
      if (f.phase == kStrOpen) {
        if (byte != '"') return false;
        f.phase = kStrBody;
        f.a = 0;  // the DFA's start state
        return true;
      }
      const Dfa* dfa = n.regex == kNone ? nullptr : &g_->dfa(n.regex);
      auto take_cp = [&](uint32_t cp) {
        if (!dfa) return true;
        const uint32_t next = dfa->next(f.a, cp);
        if (next == kNone) return false;
        f.a = next;
        return true;
      };
      if (f.utf8_left > 0) {
        if (!utf8_continuation_ok(f.utf8_lead, f.utf8_left, byte)) return false;
        f.b = (f.b << 6) | (byte & 0x3Fu);
        --f.utf8_left;
        if (dfa) {
          // The code points this prefix can still become.
          const uint32_t shift = 6u * f.utf8_left;
          const uint32_t cp_lo = f.b << shift;
          const uint32_t cp_hi = cp_lo | ((1u << shift) - 1);
          if (f.utf8_left == 0) return take_cp(f.b);
          return dfa->any_in(f.a, cp_lo, cp_hi);
        }
        return true;
      }
      if (f.phase == kStrEscape) {
        uint32_t cp = 0;
        switch (byte) {
          case '"': cp = '"'; break;
          case '\\': cp = '\\'; break;
          case '/': cp = '/'; break;
          case 'b': cp = '\b'; break;
          case 'f': cp = '\f'; break;
          case 'n': cp = '\n'; break;
          case 'r': cp = '\r'; break;
          case 't': cp = '\t'; break;
          default: return false;  // \u is not generated
        }
        f.phase = kStrBody;
        return take_cp(cp);
      }
      if (byte == '"') {
        if (f.count < n.min_len || (dfa && !dfa->accepting[f.a])) return false;
        --depth_;
        child_done();
        return true;
      }
      if (byte < 0x20 || byte == 0x7F) return false;
      if (f.count >= n.max_len) return false;
      if (byte == '\\') {
        ++f.count;
        f.phase = kStrEscape;
        return true;
      }
      if (byte < 0x80) {
        ++f.count;
        return take_cp(byte);
      }
      const uint32_t len = utf8_len(byte);
      if (len == 0) return false;
      ++f.count;
      f.utf8_lead = byte;
      f.utf8_left = static_cast<uint8_t>(len - 1);
      f.b = byte & (len == 2 ? 0x1Fu : len == 3 ? 0x0Fu : 0x07u);
      if (dfa) {
        const uint32_t shift = 6u * (len - 1);
        const uint32_t cp_lo = f.b << shift;
        return dfa->any_in(f.a, cp_lo, cp_lo | ((1u << shift) - 1));
      }
      return true;
    }
    case Kind::kNumber: {
      const bool bounded = n.has_min || n.has_max;
      const bool negative = f.flags & kNegative;
      auto complete = [&]() -> bool {
        if (f.phase != kNumZero && f.phase != kNumInt && f.phase != kNumFrac && f.phase != kNumExp) {
          return false;
        }
        if (!bounded) return true;
        double v = n.integer ? static_cast<double>(f.c) : std::bit_cast<double>(f.c);
        if (negative) v = -v;
        return (!n.has_min || v >= n.minimum) && (!n.has_max || v <= n.maximum);
      };
      auto int_digit = [&](uint8_t d) -> bool {
        if (f.count >= kMaxIntDigits) return false;
        uint64_t m = n.integer ? f.c : static_cast<uint64_t>(std::bit_cast<double>(f.c));
        m = m * 10 + (d - '0');
        if (bounded && !integer_prefix_viable(m, f.count + 1, negative, n, !n.integer)) {
          return false;
        }
        f.c = n.integer ? m : std::bit_cast<uint64_t>(static_cast<double>(m));
        ++f.count;
        f.phase = m == 0 ? kNumZero : kNumInt;
        return true;
      };
      switch (f.phase) {
        case kNumStart:
          if (!n.integer) f.c = std::bit_cast<uint64_t>(0.0);
          if (byte == '-') {
            if (n.has_min && n.minimum >= 0) return false;
            f.flags |= kNegative;
            f.phase = kNumMinus;
            return true;
          }
          return is_digit(byte) && int_digit(byte);
        case kNumMinus:
          return is_digit(byte) && int_digit(byte);
        case kNumZero:
        case kNumInt:
          if (is_digit(byte) && f.phase == kNumInt) return int_digit(byte);
          if (!n.integer && byte == '.') {
            f.phase = kNumDot;
            f.b = 0;
            return true;
          }
          if (!n.integer && !bounded && (byte == 'e' || byte == 'E')) {
            f.phase = kNumE;
            return true;
          }
          break;
        case kNumDot:
        case kNumFrac:
          if (is_digit(byte)) {
            if (f.b >= kMaxFracDigits) return false;
            ++f.b;
            const double v = std::bit_cast<double>(f.c) + (byte - '0') * std::pow(10.0, -double(f.b));
            f.c = std::bit_cast<uint64_t>(v);
            f.phase = kNumFrac;
            return true;
          }
          if (f.phase == kNumDot) return false;
          if (!bounded && (byte == 'e' || byte == 'E')) {
            f.phase = kNumE;
            return true;
          }
          break;
        case kNumE:
          if (byte == '+' || byte == '-') {
            f.phase = kNumExpSign;
            return true;
          }
          [[fallthrough]];
        case kNumExpSign:
          if (!is_digit(byte)) return false;
          f.phase = kNumExp;
          f.b = 1;
          return true;
        case kNumExp:
          if (is_digit(byte)) {
            if (f.b >= kMaxExpDigits) return false;
            ++f.b;
            return true;
          }
          break;
        default: return false;
      }
      // The byte does not continue the number: it ends here, if it can.
      if (!complete()) return false;
      --depth_;
      child_done();
      consumed = false;
      return true;
    }
    case Kind::kArray: {
      switch (f.phase) {
        case kArrOpen:
          if (byte != '[') return false;
          f.phase = kArrFirst;
          return true;
        case kArrFirst:
          if (is_ws(byte)) return whitespace(byte);
          if (byte == ']') {
            if (n.min_items > 0) return false;
            --depth_;
            child_done();
            return true;
          }
          if (n.max_items == 0) return false;
          f.phase = kArrValue;
          return start_value(n.item, byte);
        case kArrAfter:
          if (is_ws(byte)) return whitespace(byte);
          if (byte == ',' && f.count < n.max_items) {
            f.phase = kArrNext;
            return true;
          }
          if (byte == ']' && f.count >= n.min_items) {
            --depth_;
            child_done();
            return true;
          }
          return false;
        case kArrNext:
          if (is_ws(byte)) return whitespace(byte);
          f.phase = kArrValue;
          return start_value(n.item, byte);
        default: return false;
      }
    }
    case Kind::kObject: {
      const auto np = static_cast<uint32_t>(n.props.size());
      // Fixed properties: the next one to write is f.a; `}` once no required one is left.
      auto closable = [&] {
        if (n.free_keys) return true;
        for (uint32_t j = f.a; j < np; ++j) {
          if (n.props[j].required) return false;
        }
        return true;
      };
      auto begin_key = [&]() -> bool {
        if (n.free_keys) {
          if (n.item == kNone) return false;  // additionalProperties: false, no properties
          // A free key is read by this frame itself (phase kObjKey, flags bit 0), as a plain
          // string without \u escapes; the opening quote is consumed.
          f.phase = kObjKey;
          f.utf8_left = 0;
          f.flags = 1;
          return true;
        }
        uint64_t mask = 0;
        for (uint32_t j = f.a; j < np; ++j) {
          mask |= uint64_t{1} << j;
          if (n.props[j].required) break;
        }
        if (mask == 0) return false;
        f.c = mask;
        f.count = 1;  // the opening quote
        f.phase = kObjKey;
        return true;
      };
      switch (f.phase) {
        case kObjOpen:
          if (byte != '{') return false;
          f.phase = kObjFirst;
          f.a = 0;
          return true;
        case kObjFirst:
        case kObjNextKey:
          if (is_ws(byte)) return whitespace(byte);
          if (byte == '}' && f.phase == kObjFirst && closable()) {
            --depth_;
            child_done();
            return true;
          }
          if (byte != '"') return false;
          return begin_key();
        case kObjKey: {
          if (n.free_keys) {
            // A free key: any JSON string without \u escapes (the opening quote is consumed).
            if (f.utf8_left > 0) {
              if (!utf8_continuation_ok(f.utf8_lead, f.utf8_left, byte)) return false;
              --f.utf8_left;
              return true;
            }
            if (f.flags & 2) {  // after a backslash
              if (!std::strchr("\"\\/bfnrt", byte) || byte == 0) return false;
              f.flags &= ~2;
              return true;
            }
            if (byte == '"') {
              f.flags = 0;
              f.phase = kObjColon;
              return true;
            }
            if (byte == '\\') {
              f.flags |= 2;
              return true;
            }
            if (byte < 0x20 || byte == 0x7F) return false;
            if (byte >= 0x80) {
              const uint32_t len = utf8_len(byte);
              if (len == 0) return false;
              f.utf8_lead = byte;
              f.utf8_left = static_cast<uint8_t>(len - 1);
            }
            return true;
          }
          uint64_t mask = 0;
          for (uint64_t m = f.c; m; m &= m - 1) {
            const auto j = static_cast<uint32_t>(std::countr_zero(m));
            const std::string& key = n.props[j].key;
            if (key.size() > f.count && static_cast<uint8_t>(key[f.count]) == byte) {
              mask |= uint64_t{1} << j;
            }
          }
          if (mask == 0) return false;
          f.c = mask;
          ++f.count;
          for (uint64_t m = mask; m; m &= m - 1) {
            const auto j = static_cast<uint32_t>(std::countr_zero(m));
            if (n.props[j].key.size() == f.count) {  // the closing quote: this key
              f.a = j + 1;
              f.b = j;  // the property whose value comes next
              f.phase = kObjColon;
              return true;
            }
          }
          return true;
        }
        case kObjColon:
          if (is_ws(byte)) return whitespace(byte);
          if (byte != ':') return false;
          f.phase = kObjValueStart;
          return true;
        case kObjValueStart: {
          if (is_ws(byte)) return whitespace(byte);
          f.phase = kObjValue;
          const uint32_t value = n.free_keys ? n.item : n.props[f.b].node;
          return start_value(value, byte);
        }
        case kObjAfterValue:
          if (is_ws(byte)) return whitespace(byte);
          if (byte == ',' && (n.free_keys || f.a < np)) {
            f.phase = kObjNextKey;
            return true;
          }
          if (byte == '}' && closable()) {
            --depth_;
            child_done();
            return true;
          }
          return false;
        default: return false;
      }
    }
    case Kind::kUnion: return false;
  }
  return false;
}

bool JsonMatcher::can_end() const {
  if (root_phase_ == 2) return true;
  if (depth_ != 1) return false;
  const Frame& f = stack_[0];
  const Node& n = g_->node(f.node);
  if (n.kind == Kind::kLiterals) return n.literals[f.a].size() == f.count;
  if (n.kind == Kind::kNumber) {
    JsonMatcher probe(grammar_);
    probe.assign(*this);
    // A number ends at any non-number byte: try one that no number continues with.
    return probe.step(',') || probe.root_phase_ == 2;
  }
  return false;
}

bool JsonMatcher::finished() const { return root_phase_ == 2; }

// ---- TokenMask --------------------------------------------------------------------------------

TokenMask::TokenMask(const Tokenizer& tokenizer) : vocab_size_(tokenizer.vocab_size()) {
  std::vector<std::pair<std::string, TokenId>> tokens;
  tokens.reserve(static_cast<size_t>(vocab_size_));
  for (TokenId id = 0; id < vocab_size_; ++id) {
    if (tokenizer.is_special(id)) continue;
    std::string bytes = tokenizer.token_bytes(id);
    if (!bytes.empty()) tokens.emplace_back(std::move(bytes), id);
  }
  std::sort(tokens.begin(), tokens.end());
  nodes_.emplace_back();  // root
  ids_.reserve(tokens.size());
  // Insert in sorted order: the path of the previous token is the stack of open nodes.
  std::vector<uint32_t> path{0};
  std::string prev;
  std::vector<uint32_t> last_child(1, 0);
  for (const auto& [bytes, id] : tokens) {
    size_t common = 0;
    while (common < prev.size() && common < bytes.size() && prev[common] == bytes[common]) {
      ++common;
    }
    path.resize(common + 1);
    for (size_t i = common; i < bytes.size(); ++i) {
      const uint32_t parent = path.back();
      const auto child = static_cast<uint32_t>(nodes_.size());
      nodes_.emplace_back();
      nodes_.back().byte = static_cast<uint8_t>(bytes[i]);
      last_child.push_back(0);
      if (last_child[parent] == 0) {
        nodes_[parent].first_child = child;
      } else {
        nodes_[last_child[parent]].next_sibling = child;
      }
      last_child[parent] = child;
      path.push_back(child);
    }
    TrieNode& end = nodes_[path.back()];
    if (end.tokens_end == 0) end.tokens_begin = end.tokens_end = static_cast<uint32_t>(ids_.size());
    ids_.push_back(id);
    end.tokens_end = static_cast<uint32_t>(ids_.size());
    prev = bytes;
  }
}

size_t TokenMask::allowed(const JsonMatcher& matcher, std::vector<uint8_t>& allowed) const {
  allowed.assign(static_cast<size_t>(vocab_size_), 0);
  size_t count = 0;
  // Depth-first over the trie; states[d] is the matcher after the first d bytes of the path.
  std::vector<JsonMatcher> states;
  struct Item {
    uint32_t node;
    uint32_t depth;  // depth of `node` (root = 0)
  };
  std::vector<Item> work;
  states.emplace_back(matcher);
  for (uint32_t c = nodes_[0].first_child; c; c = nodes_[c].next_sibling) work.push_back({c, 1});
  while (!work.empty()) {
    const Item it = work.back();
    work.pop_back();
    while (states.size() <= it.depth) states.push_back(matcher);
    JsonMatcher& state = states[it.depth];
    state.assign(states[it.depth - 1]);
    if (!state.step(nodes_[it.node].byte)) continue;  // a rejected copy is simply dropped
    const TrieNode& tn = nodes_[it.node];
    for (uint32_t i = tn.tokens_begin; i < tn.tokens_end; ++i) {
      allowed[static_cast<size_t>(ids_[i])] = 1;
      ++count;
    }
    for (uint32_t c = tn.first_child; c; c = nodes_[c].next_sibling) {
      work.push_back({c, it.depth + 1});
    }
  }
  return count;
}

}  // namespace dailydrug::llm

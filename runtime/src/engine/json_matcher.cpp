// The byte-level matcher over a compiled JSON grammar, and the vocabulary trie that turns it into a
// token mask.
//
// The matcher's state is a stack of frames, one per value being read; each node kind keeps its own
// frame type (LiteralFrame, StringFrame, NumberFrame, ArrayFrame, ObjectFrame) and its own feed
// function, so a field means one thing.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>
#include <variant>

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

bool is_ws(uint8_t b) {
  return b == ' ' || b == '\n' || b == '\t' || b == '\r';
}
bool is_digit(uint8_t b) {
  return b >= '0' && b <= '9';
}

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

// ---- Frames: what reading one value of each node kind remembers ------------------------------

/// enum / const / true / false / null: the literals [lo, hi) of the sorted list still match the
/// `matched` bytes read so far.
struct LiteralFrame {
  uint32_t lo = 0, hi = 0;
  uint32_t matched = 0;
};

struct StringFrame {
  enum Phase : uint8_t { kOpen, kBody, kEscape };
  Phase phase = kOpen;
  uint8_t utf8_left = 0;    // continuation bytes still expected
  uint8_t utf8_lead = 0;    // the lead byte of the character being read
  uint32_t chars = 0;       // code points so far (minLength/maxLength)
  uint32_t dfa_state = 0;   // the pattern's automaton state
  uint32_t code_point = 0;  // the bits of the character being read
  bool unbounded = false;   // minLength/maxLength are checked by the caller (TokenMask's tails)
};

struct NumberFrame {
  enum Phase : uint8_t { kStart, kMinus, kZero, kInt, kDot, kFrac, kE, kExpSign, kExp };
  Phase phase = kStart;
  bool negative = false;
  uint32_t int_digits = 0;
  uint32_t tail_digits = 0;  // fraction digits, then exponent digits
  uint64_t value = 0;        // integer: the magnitude; number: the magnitude's double bits
};

struct ArrayFrame {
  enum Phase : uint8_t { kOpen, kFirst, kValue, kAfter, kNext };
  Phase phase = kOpen;
  uint32_t items = 0;
};

struct ObjectFrame {
  enum Phase : uint8_t { kOpen, kFirst, kKey, kColon, kValueStart, kValue, kAfterValue, kNextKey };
  Phase phase = kOpen;
  uint32_t next_prop = 0;        // fixed properties: the first one that may still be written
  uint32_t value_prop = 0;       // fixed properties: the property whose value comes next
  uint32_t key_bytes = 0;        // fixed properties: bytes of the key read so far (with its quote)
  uint64_t candidates = 0;       // fixed properties: the keys that still match those bytes
  bool after_backslash = false;  // free keys: inside an escape
  uint8_t utf8_left = 0;         // free keys: continuation bytes still expected
  uint8_t utf8_lead = 0;
};

struct Frame {
  uint32_t node = 0;
  std::variant<LiteralFrame, StringFrame, NumberFrame, ArrayFrame, ObjectFrame> s;
};

}  // namespace

struct JsonMatcher::State {
  const JsonGrammar* g = nullptr;
  std::array<Frame, kMaxDepth> stack{};
  int depth = 0;
  uint8_t root_phase = 0;  // 0: before the value, 1: inside, 2: complete
  uint8_t ws_run = 0;

  void copy_from(const State& o) {
    std::copy(o.stack.begin(), o.stack.begin() + o.depth, stack.begin());
    depth = o.depth;
    root_phase = o.root_phase;
    ws_run = o.ws_run;
  }
  bool step(uint8_t byte);
  bool start_value(uint32_t node, uint8_t byte);
  bool push(Frame f);
  /// The top frame's value is complete: pop it and move its parent on.
  void complete_top();
  bool whitespace(uint8_t byte);
  /// Feeds `byte` to the top frame. `consumed` = false: the frame completed and popped itself
  /// and the byte belongs to its parent.
  bool feed_top(uint8_t byte, bool& consumed);
  bool feed(LiteralFrame& f, const Node& n, uint8_t byte, bool& consumed);
  bool feed(StringFrame& f, const Node& n, uint8_t byte);
  bool feed(NumberFrame& f, const Node& n, uint8_t byte, bool& consumed);
  bool feed(ArrayFrame& f, const Node& n, uint8_t byte);
  bool feed(ObjectFrame& f, const Node& n, uint8_t byte);
  bool feed_free_key(ObjectFrame& f, uint8_t byte);
  bool feed_fixed_key(ObjectFrame& f, const Node& n, uint8_t byte);
};

JsonMatcher::JsonMatcher(std::shared_ptr<const JsonGrammar> grammar)
    : grammar_(std::move(grammar)), state_(std::make_unique<State>()) {
  state_->g = grammar_.get();
}

JsonMatcher::JsonMatcher(const JsonMatcher& other)
    : grammar_(other.grammar_), state_(std::make_unique<State>()) {
  state_->g = grammar_.get();
  state_->copy_from(*other.state_);
}

JsonMatcher& JsonMatcher::operator=(const JsonMatcher& other) {
  if (this != &other) {
    grammar_ = other.grammar_;
    state_->g = grammar_.get();
    state_->copy_from(*other.state_);
  }
  return *this;
}

JsonMatcher::JsonMatcher(JsonMatcher&&) noexcept = default;
JsonMatcher& JsonMatcher::operator=(JsonMatcher&&) noexcept = default;
JsonMatcher::~JsonMatcher() = default;

void JsonMatcher::assign(const JsonMatcher& other) {
  state_->copy_from(*other.state_);
}

bool JsonMatcher::advance(std::string_view bytes) {
  JsonMatcher next(*this);
  for (char c : bytes) {
    if (!next.step(static_cast<uint8_t>(c))) return false;
  }
  assign(next);
  return true;
}

bool JsonMatcher::advance_byte(uint8_t byte) {
  return advance(std::string_view(reinterpret_cast<const char*>(&byte), 1));
}

bool JsonMatcher::step(uint8_t byte) {
  return state_->step(byte);
}

bool JsonMatcher::State::whitespace(uint8_t byte) {
  if (!is_ws(byte) || ws_run >= kMaxWhitespaceRun) return false;
  ++ws_run;
  return true;
}

bool JsonMatcher::State::push(Frame f) {
  if (depth >= kMaxDepth) return false;
  stack[static_cast<size_t>(depth++)] = f;
  return true;
}

void JsonMatcher::State::complete_top() {
  --depth;
  if (depth == 0) {
    root_phase = 2;
    return;
  }
  Frame& parent = stack[static_cast<size_t>(depth - 1)];
  if (auto* o = std::get_if<ObjectFrame>(&parent.s)) {
    o->phase = o->phase == ObjectFrame::kKey ? ObjectFrame::kColon : ObjectFrame::kAfterValue;
  } else if (auto* a = std::get_if<ArrayFrame>(&parent.s)) {
    ++a->items;
    a->phase = ArrayFrame::kAfter;
  }
}

bool JsonMatcher::State::start_value(uint32_t node, uint8_t byte) {
  const Node* n = &g->node(node);
  if (n->kind == Kind::kUnion) {
    const uint32_t branch = n->by_first[byte];
    if (branch == 0) return false;
    node = branch - 1;
    n = &g->node(node);
  }
  Frame f;
  f.node = node;
  switch (n->kind) {
    case Kind::kLiterals: {
      // The literals starting with `byte` form a contiguous range of the sorted list.
      const auto& lits = n->literals;
      auto lo = std::lower_bound(
          lits.begin(), lits.end(), byte,
          [](const std::string& s, uint8_t b) { return static_cast<uint8_t>(s[0]) < b; });
      auto hi = std::upper_bound(lo, lits.end(), byte, [](uint8_t b, const std::string& s) {
        return b < static_cast<uint8_t>(s[0]);
      });
      if (lo == hi) return false;
      LiteralFrame lit;
      lit.lo = static_cast<uint32_t>(lo - lits.begin());
      lit.hi = static_cast<uint32_t>(hi - lits.begin());
      lit.matched = 1;
      f.s = lit;
      if (!push(f)) return false;
      // A one-byte literal alone in its range is complete at once.
      if (lit.hi - lit.lo == 1 && lits[lit.lo].size() == 1) complete_top();
      return true;
    }
    case Kind::kString:
      f.s = StringFrame{};
      break;
    case Kind::kNumber:
      f.s = NumberFrame{};
      break;
    case Kind::kArray:
      f.s = ArrayFrame{};
      break;
    case Kind::kObject:
      f.s = ObjectFrame{};
      break;
    case Kind::kUnion:
      return false;  // a union of unions is flattened at compile time
  }
  if (!push(f)) return false;
  bool consumed = true;
  return feed_top(byte, consumed) && consumed;
}

bool JsonMatcher::State::step(uint8_t byte) {
  if (!is_ws(byte)) ws_run = 0;
  while (true) {
    if (depth == 0) {
      if (root_phase != 0) return false;
      if (is_ws(byte)) return whitespace(byte);
      root_phase = 1;
      return start_value(g->root(), byte);
    }
    bool consumed = true;
    if (!feed_top(byte, consumed)) return false;
    if (consumed) return true;
    // The top frame completed without taking the byte (a number or literal ended): the parent
    // sees it next.
  }
}

bool JsonMatcher::State::feed_top(uint8_t byte, bool& consumed) {
  Frame& f = stack[static_cast<size_t>(depth - 1)];
  const Node& n = g->node(f.node);
  consumed = true;
  return std::visit(
      [&](auto& frame) -> bool {
        using F = std::decay_t<decltype(frame)>;
        if constexpr (std::is_same_v<F, LiteralFrame> || std::is_same_v<F, NumberFrame>) {
          return feed(frame, n, byte, consumed);
        } else {
          return feed(frame, n, byte);
        }
      },
      f.s);
}

bool JsonMatcher::State::feed(LiteralFrame& f, const Node& n, uint8_t byte, bool& consumed) {
  const auto& lits = n.literals;
  // Narrow [lo, hi) to the literals whose byte `matched` is `byte`.
  uint32_t lo = f.lo;
  while (lo < f.hi &&
         (lits[lo].size() <= f.matched || static_cast<uint8_t>(lits[lo][f.matched]) < byte)) {
    ++lo;
  }
  uint32_t end = lo;
  while (end < f.hi && lits[end].size() > f.matched &&
         static_cast<uint8_t>(lits[end][f.matched]) == byte) {
    ++end;
  }
  if (lo == end) {
    // No literal continues with this byte: complete if the text so far is a literal.
    if (lits[f.lo].size() != f.matched) return false;
    complete_top();
    consumed = false;
    return true;
  }
  f.lo = lo;
  f.hi = end;
  ++f.matched;
  if (f.hi - f.lo == 1 && lits[f.lo].size() == f.matched) complete_top();
  return true;
}

bool JsonMatcher::State::feed(StringFrame& f, const Node& n, uint8_t byte) {
  if (f.phase == StringFrame::kOpen) {
    if (byte != '"') return false;
    f.phase = StringFrame::kBody;
    f.dfa_state = 0;  // the DFA's start state
    return true;
  }
  const Dfa* dfa = n.regex == kNone ? nullptr : &g->dfa(n.regex);
  auto take_cp = [&](uint32_t cp) {
    if (!dfa) return true;
    const uint32_t next = dfa->next(f.dfa_state, cp);
    if (next == kNone) return false;
    f.dfa_state = next;
    return true;
  };
  // The code points a character with `left` bytes still to come can become: can the pattern
  // take one of them?
  auto viable = [&](uint32_t left) {
    const uint32_t shift = 6u * left;
    const uint32_t cp_lo = f.code_point << shift;
    return dfa->any_in(f.dfa_state, cp_lo, cp_lo | ((1u << shift) - 1));
  };
  if (f.utf8_left > 0) {
    if (!utf8_continuation_ok(f.utf8_lead, f.utf8_left, byte)) return false;
    f.code_point = (f.code_point << 6) | (byte & 0x3Fu);
    --f.utf8_left;
    if (!dfa) return true;
    return f.utf8_left == 0 ? take_cp(f.code_point) : viable(f.utf8_left);
  }
  if (f.phase == StringFrame::kEscape) {
    uint32_t cp = 0;
    switch (byte) {
      case '"':
        cp = '"';
        break;
      case '\\':
        cp = '\\';
        break;
      case '/':
        cp = '/';
        break;
      case 'b':
        cp = '\b';
        break;
      case 'f':
        cp = '\f';
        break;
      case 'n':
        cp = '\n';
        break;
      case 'r':
        cp = '\r';
        break;
      case 't':
        cp = '\t';
        break;
      default:
        return false;  // \u is not generated
    }
    f.phase = StringFrame::kBody;
    return take_cp(cp);
  }
  if (byte == '"') {
    if ((f.chars < n.min_len && !f.unbounded) || (dfa && !dfa->accepting[f.dfa_state])) {
      return false;
    }
    complete_top();
    return true;
  }
  if (byte < 0x20 || byte == 0x7F) return false;
  if (f.chars >= n.max_len && !f.unbounded) return false;
  ++f.chars;
  if (byte == '\\') {
    f.phase = StringFrame::kEscape;
    return true;
  }
  if (byte < 0x80) return take_cp(byte);
  const uint32_t len = utf8_len(byte);
  if (len == 0) return false;
  f.utf8_lead = byte;
  f.utf8_left = static_cast<uint8_t>(len - 1);
  f.code_point = byte & (len == 2 ? 0x1Fu : len == 3 ? 0x0Fu : 0x07u);
  return !dfa || viable(len - 1);
}

bool JsonMatcher::State::feed(NumberFrame& f, const Node& n, uint8_t byte, bool& consumed) {
  using P = NumberFrame;
  const bool bounded = n.has_min || n.has_max;
  auto complete = [&]() -> bool {
    if (f.phase != P::kZero && f.phase != P::kInt && f.phase != P::kFrac && f.phase != P::kExp) {
      return false;
    }
    if (!bounded) return true;
    double v = n.integer ? static_cast<double>(f.value) : std::bit_cast<double>(f.value);
    if (f.negative) v = -v;
    return (!n.has_min || v >= n.minimum) && (!n.has_max || v <= n.maximum);
  };
  auto int_digit = [&](uint8_t d) -> bool {
    if (f.int_digits >= kMaxIntDigits) return false;
    uint64_t m = n.integer ? f.value : static_cast<uint64_t>(std::bit_cast<double>(f.value));
    m = m * 10 + (d - '0');
    if (bounded && !integer_prefix_viable(m, f.int_digits + 1, f.negative, n, !n.integer)) {
      return false;
    }
    f.value = n.integer ? m : std::bit_cast<uint64_t>(static_cast<double>(m));
    ++f.int_digits;
    f.phase = m == 0 ? P::kZero : P::kInt;
    return true;
  };
  switch (f.phase) {
    case P::kStart:
      if (!n.integer) f.value = std::bit_cast<uint64_t>(0.0);
      if (byte == '-') {
        if (n.has_min && n.minimum >= 0) return false;
        f.negative = true;
        f.phase = P::kMinus;
        return true;
      }
      return is_digit(byte) && int_digit(byte);
    case P::kMinus:
      return is_digit(byte) && int_digit(byte);
    case P::kZero:
    case P::kInt:
      if (is_digit(byte) && f.phase == P::kInt) return int_digit(byte);
      if (!n.integer && byte == '.') {
        f.phase = P::kDot;
        f.tail_digits = 0;
        return true;
      }
      if (!n.integer && !bounded && (byte == 'e' || byte == 'E')) {
        f.phase = P::kE;
        return true;
      }
      break;
    case P::kDot:
    case P::kFrac:
      if (is_digit(byte)) {
        if (f.tail_digits >= kMaxFracDigits) return false;
        ++f.tail_digits;
        const double v =
            std::bit_cast<double>(f.value) + (byte - '0') * std::pow(10.0, -double(f.tail_digits));
        f.value = std::bit_cast<uint64_t>(v);
        f.phase = P::kFrac;
        return true;
      }
      if (f.phase == P::kDot) return false;
      if (!bounded && (byte == 'e' || byte == 'E')) {
        f.phase = P::kE;
        return true;
      }
      break;
    case P::kE:
      if (byte == '+' || byte == '-') {
        f.phase = P::kExpSign;
        return true;
      }
      [[fallthrough]];
    case P::kExpSign:
      if (!is_digit(byte)) return false;
      f.phase = P::kExp;
      f.tail_digits = 1;
      return true;
    case P::kExp:
      if (is_digit(byte)) {
        if (f.tail_digits >= kMaxExpDigits) return false;
        ++f.tail_digits;
        return true;
      }
      break;
  }
  // The byte does not continue the number: it ends here, if it can.
  if (!complete()) return false;
  complete_top();
  consumed = false;
  return true;
}

bool JsonMatcher::State::feed(ArrayFrame& f, const Node& n, uint8_t byte) {
  switch (f.phase) {
    case ArrayFrame::kOpen:
      if (byte != '[') return false;
      f.phase = ArrayFrame::kFirst;
      return true;
    case ArrayFrame::kFirst:
      if (is_ws(byte)) return whitespace(byte);
      if (byte == ']') {
        if (n.min_items > 0) return false;
        complete_top();
        return true;
      }
      if (n.max_items == 0) return false;
      f.phase = ArrayFrame::kValue;
      return start_value(n.item, byte);
    case ArrayFrame::kAfter:
      if (is_ws(byte)) return whitespace(byte);
      if (byte == ',' && f.items < n.max_items) {
        f.phase = ArrayFrame::kNext;
        return true;
      }
      if (byte == ']' && f.items >= n.min_items) {
        complete_top();
        return true;
      }
      return false;
    case ArrayFrame::kNext:
      if (is_ws(byte)) return whitespace(byte);
      f.phase = ArrayFrame::kValue;
      return start_value(n.item, byte);
    case ArrayFrame::kValue:
      return false;  // the item's own frame is on top
  }
  return false;
}

bool JsonMatcher::State::feed_free_key(ObjectFrame& f, uint8_t byte) {
  // Any JSON string without \u escapes (the opening quote is consumed).
  if (f.utf8_left > 0) {
    if (!utf8_continuation_ok(f.utf8_lead, f.utf8_left, byte)) return false;
    --f.utf8_left;
    return true;
  }
  if (f.after_backslash) {
    if (!std::strchr("\"\\/bfnrt", byte) || byte == 0) return false;
    f.after_backslash = false;
    return true;
  }
  if (byte == '"') {
    f.phase = ObjectFrame::kColon;
    return true;
  }
  if (byte == '\\') {
    f.after_backslash = true;
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

bool JsonMatcher::State::feed_fixed_key(ObjectFrame& f, const Node& n, uint8_t byte) {
  uint64_t mask = 0;
  for (uint64_t m = f.candidates; m; m &= m - 1) {
    const auto j = static_cast<uint32_t>(std::countr_zero(m));
    const std::string& key = n.props[j].key;
    if (key.size() > f.key_bytes && static_cast<uint8_t>(key[f.key_bytes]) == byte) {
      mask |= uint64_t{1} << j;
    }
  }
  if (mask == 0) return false;
  f.candidates = mask;
  ++f.key_bytes;
  for (uint64_t m = mask; m; m &= m - 1) {
    const auto j = static_cast<uint32_t>(std::countr_zero(m));
    if (n.props[j].key.size() == f.key_bytes) {  // the closing quote: this key
      f.next_prop = j + 1;
      f.value_prop = j;
      f.phase = ObjectFrame::kColon;
      return true;
    }
  }
  return true;
}

bool JsonMatcher::State::feed(ObjectFrame& f, const Node& n, uint8_t byte) {
  const auto np = static_cast<uint32_t>(n.props.size());
  // Fixed properties: the next one to write is next_prop; `}` once no required one is left.
  auto closable = [&] {
    if (n.free_keys) return true;
    for (uint32_t j = f.next_prop; j < np; ++j) {
      if (n.props[j].required) return false;
    }
    return true;
  };
  auto begin_key = [&]() -> bool {
    if (n.free_keys) {
      if (n.item == kNone) return false;  // additionalProperties: false, no properties
      f.phase = ObjectFrame::kKey;        // the frame reads the key itself (feed_free_key)
      f.utf8_left = 0;
      f.after_backslash = false;
      return true;
    }
    uint64_t mask = 0;
    for (uint32_t j = f.next_prop; j < np; ++j) {
      mask |= uint64_t{1} << j;
      if (n.props[j].required) break;
    }
    if (mask == 0) return false;
    f.candidates = mask;
    f.key_bytes = 1;  // the opening quote
    f.phase = ObjectFrame::kKey;
    return true;
  };
  switch (f.phase) {
    case ObjectFrame::kOpen:
      if (byte != '{') return false;
      f.phase = ObjectFrame::kFirst;
      f.next_prop = 0;
      return true;
    case ObjectFrame::kFirst:
    case ObjectFrame::kNextKey:
      if (is_ws(byte)) return whitespace(byte);
      if (byte == '}' && f.phase == ObjectFrame::kFirst && closable()) {
        complete_top();
        return true;
      }
      if (byte != '"') return false;
      return begin_key();
    case ObjectFrame::kKey:
      return n.free_keys ? feed_free_key(f, byte) : feed_fixed_key(f, n, byte);
    case ObjectFrame::kColon:
      if (is_ws(byte)) return whitespace(byte);
      if (byte != ':') return false;
      f.phase = ObjectFrame::kValueStart;
      return true;
    case ObjectFrame::kValueStart: {
      if (is_ws(byte)) return whitespace(byte);
      f.phase = ObjectFrame::kValue;
      return start_value(n.free_keys ? n.item : n.props[f.value_prop].node, byte);
    }
    case ObjectFrame::kAfterValue:
      if (is_ws(byte)) return whitespace(byte);
      if (byte == ',' && (n.free_keys || f.next_prop < np)) {
        f.phase = ObjectFrame::kNextKey;
        return true;
      }
      if (byte == '}' && closable()) {
        complete_top();
        return true;
      }
      return false;
    case ObjectFrame::kValue:
      return false;  // the value's own frame is on top
  }
  return false;
}

bool JsonMatcher::can_end() const {
  const State& s = *state_;
  if (s.root_phase == 2) return true;
  if (s.depth != 1) return false;
  const Frame& f = s.stack[0];
  if (const auto* lit = std::get_if<LiteralFrame>(&f.s)) {
    return s.g->node(f.node).literals[lit->lo].size() == lit->matched;
  }
  if (std::holds_alternative<NumberFrame>(f.s)) {
    JsonMatcher probe(*this);
    // A number ends at any non-number byte: try one that no number continues with.
    return probe.step(',') || probe.state_->root_phase == 2;
  }
  return false;
}

bool JsonMatcher::finished() const {
  return state_->root_phase == 2;
}

// ---- TokenMask --------------------------------------------------------------------------------

namespace {

/// How a token reads in the body of a string without a pattern or length bounds, with no
/// character pending: it stays in the body (kWhole), leaves it at a quote or backslash at byte
/// `tail` after a prefix that stays in the body and ends between characters (kTail), or is
/// refused there (kNever). `chars`: the characters it adds to the string, up to the closing
/// quote if it `closes` it. The string's own feed function decides, so this cannot drift from
/// what the matcher accepts.
struct BodyRead {
  enum Kind : uint8_t { kWhole, kTail, kNever };
  Kind kind = kNever;
  size_t tail = 0;
  uint32_t chars = 0;
  bool closes = false;
};

BodyRead read_in_body(std::string_view bytes) {
  static const Node kFreeString = [] {
    Node n;
    n.kind = Kind::kString;
    return n;
  }();
  JsonMatcher::State state;  // no grammar: a string without a pattern never reads it
  StringFrame f;
  f.phase = StringFrame::kBody;
  BodyRead r;
  bool left_body = false;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<uint8_t>(bytes[i]);
    const bool between = f.phase == StringFrame::kBody && f.utf8_left == 0;
    if (between && (b == '"' || b == '\\') && !left_body) {
      left_body = true;
      r.tail = i;
    }
    if (between && b == '"') {  // the string ends: the rest is the parent's
      r.closes = true;
      break;
    }
    if (!state.feed(f, kFreeString, b)) {
      if (!left_body) return {};
      break;  // refused after the tail began: the walk over the tails refuses it too
    }
  }
  r.kind = left_body ? BodyRead::kTail : BodyRead::kWhole;
  r.chars = f.chars;
  return r;
}

}  // namespace

TokenMask::Trie TokenMask::Trie::of(const std::vector<std::pair<std::string, TokenId>>& sorted) {
  Trie t;
  t.nodes.emplace_back();  // root
  t.ids.reserve(sorted.size());
  // Insert in sorted order: the path of the previous token is the stack of open nodes.
  std::vector<uint32_t> path{0};
  std::string_view prev;
  std::vector<uint32_t> last_child(1, 0);
  for (const auto& [bytes, id] : sorted) {
    size_t common = 0;
    while (common < prev.size() && common < bytes.size() && prev[common] == bytes[common]) {
      ++common;
    }
    path.resize(common + 1);
    for (size_t i = common; i < bytes.size(); ++i) {
      const uint32_t parent = path.back();
      const auto child = static_cast<uint32_t>(t.nodes.size());
      t.nodes.emplace_back();
      t.nodes.back().byte = static_cast<uint8_t>(bytes[i]);
      last_child.push_back(0);
      if (last_child[parent] == 0) {
        t.nodes[parent].first_child = child;
      } else {
        t.nodes[last_child[parent]].next_sibling = child;
      }
      last_child[parent] = child;
      path.push_back(child);
    }
    TrieNode& end = t.nodes[path.back()];
    if (end.tokens_end == 0) {
      end.tokens_begin = end.tokens_end = static_cast<uint32_t>(t.ids.size());
    }
    t.ids.push_back(id);
    end.tokens_end = static_cast<uint32_t>(t.ids.size());
    prev = bytes;
  }
  return t;
}

size_t TokenMask::Trie::walk(const JsonMatcher& matcher, std::vector<uint8_t>& allowed) const {
  size_t count = 0;
  // Depth-first over the trie; states[d] is the matcher after the first d bytes of the path.
  std::vector<JsonMatcher> states;
  struct Item {
    uint32_t node;
    uint32_t depth;  // depth of `node` (root = 0)
  };
  std::vector<Item> work;
  states.emplace_back(matcher);
  for (uint32_t c = nodes[0].first_child; c; c = nodes[c].next_sibling) work.push_back({c, 1});
  while (!work.empty()) {
    const Item it = work.back();
    work.pop_back();
    while (states.size() <= it.depth) states.push_back(matcher);
    JsonMatcher& state = states[it.depth];
    state.assign(states[it.depth - 1]);
    if (!state.step(nodes[it.node].byte)) continue;  // a rejected copy is simply dropped
    const TrieNode& tn = nodes[it.node];
    for (uint32_t i = tn.tokens_begin; i < tn.tokens_end; ++i) {
      allowed[static_cast<size_t>(ids[i])] = 1;
      ++count;
    }
    for (uint32_t c = tn.first_child; c; c = nodes[c].next_sibling) {
      work.push_back({c, it.depth + 1});
    }
  }
  return count;
}

TokenMask::TokenMask(const Tokenizer& tokenizer) : vocab_size_(tokenizer.vocab_size()) {
  std::vector<std::pair<std::string, TokenId>> tokens;
  tokens.reserve(static_cast<size_t>(vocab_size_));
  for (TokenId id = 0; id < vocab_size_; ++id) {
    if (tokenizer.is_special(id)) continue;
    std::string bytes = tokenizer.token_bytes(id);
    if (!bytes.empty()) tokens.emplace_back(std::move(bytes), id);
  }
  std::sort(tokens.begin(), tokens.end());
  trie_ = Trie::of(tokens);
  in_body_.assign(static_cast<size_t>(vocab_size_), 0);
  chars_.assign(static_cast<size_t>(vocab_size_), UINT32_MAX);
  closes_.assign(static_cast<size_t>(vocab_size_), 0);
  std::vector<std::pair<std::string, TokenId>> tails;
  for (const auto& [bytes, id] : tokens) {
    const BodyRead r = read_in_body(bytes);
    if (r.kind == BodyRead::kNever) continue;
    chars_[static_cast<size_t>(id)] = r.chars;
    closes_[static_cast<size_t>(id)] = r.closes;
    max_token_chars_ = std::max(max_token_chars_, r.chars);
    if (r.kind == BodyRead::kWhole) {
      in_body_[static_cast<size_t>(id)] = 1;
      ++in_body_count_;
    } else {
      tails.emplace_back(bytes.substr(r.tail), id);
    }
  }
  std::sort(tails.begin(), tails.end());
  tails_ = Trie::of(tails);
}

size_t TokenMask::allowed(const JsonMatcher& matcher, std::vector<uint8_t>& allowed) const {
  const JsonMatcher::State& s = *matcher.state_;
  const Frame* top = s.depth > 0 ? &s.stack[static_cast<size_t>(s.depth - 1)] : nullptr;
  const auto* f = top != nullptr ? std::get_if<StringFrame>(&top->s) : nullptr;
  if (f == nullptr || f->phase != StringFrame::kBody || f->utf8_left != 0 ||
      s.g->node(top->node).regex != kNone) {
    return allowed_by_walk(matcher, allowed);
  }
  // In the body of a string without a pattern, between characters: a token is allowed when its
  // tail (if it has one) is, read with the length bounds off, and the characters it adds fit the
  // bounds: at most `room`, and at least `short_by` if it closes the string.
  const Node& n = s.g->node(top->node);
  const uint32_t room = n.max_len - f->chars;  // chars never passes max_len
  const uint32_t short_by = n.min_len > f->chars ? n.min_len - f->chars : 0;
  size_t count = 0;
  if (room >= max_token_chars_) {
    allowed.assign(in_body_.begin(), in_body_.end());
    count = in_body_count_;
  } else {
    allowed.resize(static_cast<size_t>(vocab_size_));
    for (size_t i = 0; i < allowed.size(); ++i) {
      allowed[i] = in_body_[i] != 0 && chars_[i] <= room;
      count += allowed[i];
    }
  }
  JsonMatcher unbounded(matcher);
  std::get<StringFrame>(unbounded.state_->stack[static_cast<size_t>(s.depth - 1)].s).unbounded =
      true;
  tails_.walk(unbounded, allowed);
  for (TokenId id : tails_.ids) {
    const auto i = static_cast<size_t>(id);
    if (allowed[i] != 0 && (chars_[i] > room || (closes_[i] != 0 && chars_[i] < short_by))) {
      allowed[i] = 0;
    }
    count += allowed[i];
  }
  return count;
}

size_t TokenMask::allowed_by_walk(const JsonMatcher& matcher, std::vector<uint8_t>& allowed) const {
  allowed.assign(static_cast<size_t>(vocab_size_), 0);
  return trie_.walk(matcher, allowed);
}

}  // namespace dailydrug::llm

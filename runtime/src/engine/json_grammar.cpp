// JSON Schema -> grammar nodes, and `pattern` -> code-point DFA (Thompson NFA, subset
// construction over code-point ranges).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "json_grammar_internal.h"

namespace dailydrug::llm {

using json_grammar_detail::Dfa;
using json_grammar_detail::Kind;
using json_grammar_detail::kNone;
using json_grammar_detail::Node;
using json_grammar_detail::Property;
using Json = nlohmann::ordered_json;

namespace {

Error schema_error(const std::string& where, const std::string& why) {
  return Error::configuration_invalid("json_schema", (where.empty() ? "#" : where) + ": " + why);
}

constexpr uint32_t kMaxCodePoint = 0x10FFFF;
constexpr size_t kMaxNfaStates = 4000;
constexpr size_t kMaxDfaStates = 2000;

// ---- pattern: regex AST -----------------------------------------------------------------------

struct Range {
  uint32_t lo, hi;
};
using RangeSet = std::vector<Range>;  // sorted, disjoint, merged

RangeSet normalise(RangeSet r) {
  std::sort(r.begin(), r.end(), [](const Range& x, const Range& y) { return x.lo < y.lo; });
  RangeSet out;
  for (const Range& x : r) {
    if (!out.empty() && x.lo <= out.back().hi + 1) {
      out.back().hi = std::max(out.back().hi, x.hi);
    } else {
      out.push_back(x);
    }
  }
  return out;
}

RangeSet complement(const RangeSet& r) {
  RangeSet out;
  uint32_t next = 0;
  for (const Range& x : r) {
    if (x.lo > next) out.push_back({next, x.lo - 1});
    next = x.hi + 1;
  }
  if (next <= kMaxCodePoint) out.push_back({next, kMaxCodePoint});
  return out;
}

struct Ast {
  enum Type { kSet, kConcat, kAlt, kRepeat } type = kConcat;
  RangeSet set;
  std::vector<Ast> kids;
  uint32_t min = 0, max = 0;  // kRepeat; max == kInfinite: unbounded
  static constexpr uint32_t kInfinite = std::numeric_limits<uint32_t>::max();
};

class RegexParser {
 public:
  explicit RegexParser(std::string_view p) : p_(p) {}

  Result<Ast> parse() {
    bool anchored_start = false, anchored_end = false;
    if (!p_.empty() && p_[0] == '^') {
      anchored_start = true;
      pos_ = 1;
    }
    if (p_.size() > pos_ && p_.back() == '$' && !escaped_at(p_.size() - 1)) {
      anchored_end = true;
      end_ = p_.size() - 1;
    } else {
      end_ = p_.size();
    }
    DD_ASSIGN_OR_RETURN(Ast body, alternation());
    if (pos_ != end_) return fail("unexpected ')'");
    Ast any_star{
        Ast::kRepeat, {}, {Ast{Ast::kSet, {{0, kMaxCodePoint}}, {}, 0, 0}}, 0, Ast::kInfinite};
    Ast whole{Ast::kConcat, {}, {}, 0, 0};
    if (!anchored_start) whole.kids.push_back(any_star);
    whole.kids.push_back(std::move(body));
    if (!anchored_end) whole.kids.push_back(any_star);
    return whole;
  }

 private:
  bool escaped_at(size_t i) const {
    size_t n = 0;
    while (i > n && p_[i - n - 1] == '\\') ++n;
    return n % 2 == 1;
  }
  Error fail(const std::string& why) const {
    return Error::configuration_invalid("json_schema", "pattern \"" + std::string(p_) + "\" at " +
                                                           std::to_string(pos_) + ": " + why);
  }
  bool at_end() const { return pos_ >= end_; }

  Result<Ast> alternation() {
    Ast alt{Ast::kAlt, {}, {}, 0, 0};
    DD_ASSIGN_OR_RETURN(Ast first, concat());
    alt.kids.push_back(std::move(first));
    while (!at_end() && p_[pos_] == '|') {
      ++pos_;
      DD_ASSIGN_OR_RETURN(Ast next, concat());
      alt.kids.push_back(std::move(next));
    }
    if (alt.kids.size() == 1) return std::move(alt.kids[0]);
    return alt;
  }

  Result<Ast> concat() {
    Ast seq{Ast::kConcat, {}, {}, 0, 0};
    while (!at_end() && p_[pos_] != '|' && p_[pos_] != ')') {
      DD_ASSIGN_OR_RETURN(Ast atom_ast, atom());
      DD_ASSIGN_OR_RETURN(Ast rep, quantified(std::move(atom_ast)));
      seq.kids.push_back(std::move(rep));
    }
    return seq;
  }

  Result<uint32_t> number() {
    if (at_end() || !std::isdigit(static_cast<unsigned char>(p_[pos_]))) {
      return fail("expected a number in {}");
    }
    uint64_t n = 0;
    while (!at_end() && std::isdigit(static_cast<unsigned char>(p_[pos_]))) {
      n = n * 10 + static_cast<uint64_t>(p_[pos_++] - '0');
      if (n > 1000) return fail("repetition count over 1000");
    }
    return static_cast<uint32_t>(n);
  }

  Result<Ast> quantified(Ast a) {
    while (!at_end()) {
      const char c = p_[pos_];
      uint32_t lo = 0, hi = 0;
      if (c == '?') {
        lo = 0, hi = 1;
        ++pos_;
      } else if (c == '*') {
        lo = 0, hi = Ast::kInfinite;
        ++pos_;
      } else if (c == '+') {
        lo = 1, hi = Ast::kInfinite;
        ++pos_;
      } else if (c == '{') {
        ++pos_;
        DD_ASSIGN_OR_RETURN(lo, number());
        hi = lo;
        if (!at_end() && p_[pos_] == ',') {
          ++pos_;
          hi = Ast::kInfinite;
          if (!at_end() && p_[pos_] != '}') {
            DD_ASSIGN_OR_RETURN(hi, number());
          }
        }
        if (at_end() || p_[pos_] != '}') return fail("expected '}'");
        ++pos_;
        if (hi < lo) return fail("{m,n} with n < m");
      } else {
        break;
      }
      if (!at_end() && p_[pos_] == '?') ++pos_;  // lazy: the same language
      a = Ast{Ast::kRepeat, {}, {std::move(a)}, lo, hi};
    }
    return a;
  }

  /// One UTF-8 code point from the pattern.
  Result<uint32_t> code_point() {
    const auto b0 = static_cast<unsigned char>(p_[pos_]);
    int len = b0 < 0x80 ? 1 : (b0 >> 5) == 6 ? 2 : (b0 >> 4) == 14 ? 3 : (b0 >> 3) == 30 ? 4 : 0;
    if (len == 0 || pos_ + static_cast<size_t>(len) > end_) return fail("pattern is not UTF-8");
    uint32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    for (int i = 1; i < len; ++i) {
      const auto b = static_cast<unsigned char>(p_[pos_ + static_cast<size_t>(i)]);
      if ((b & 0xC0) != 0x80) return fail("pattern is not UTF-8");
      cp = (cp << 6) | (b & 0x3F);
    }
    pos_ += static_cast<size_t>(len);
    return cp;
  }

  static RangeSet digit() { return {{'0', '9'}}; }
  static RangeSet word() { return normalise({{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}); }
  static RangeSet space() {
    return normalise({{'\t', '\r'},
                      {' ', ' '},
                      {0xA0, 0xA0},
                      {0x2028, 0x2029},
                      {0xFEFF, 0xFEFF},
                      {0x3000, 0x3000}});
  }

  /// After a backslash: a class escape (as a set) or a single code point.
  Result<RangeSet> escape() {
    if (at_end()) return fail("dangling backslash");
    const char c = p_[pos_];
    switch (c) {
      case 'd':
        ++pos_;
        return digit();
      case 'D':
        ++pos_;
        return complement(digit());
      case 'w':
        ++pos_;
        return word();
      case 'W':
        ++pos_;
        return complement(word());
      case 's':
        ++pos_;
        return space();
      case 'S':
        ++pos_;
        return complement(space());
      case 'n':
        ++pos_;
        return RangeSet{{'\n', '\n'}};
      case 't':
        ++pos_;
        return RangeSet{{'\t', '\t'}};
      case 'r':
        ++pos_;
        return RangeSet{{'\r', '\r'}};
      case 'f':
        ++pos_;
        return RangeSet{{'\f', '\f'}};
      case 'v':
        ++pos_;
        return RangeSet{{'\v', '\v'}};
      case 'u': {
        ++pos_;
        if (pos_ + 4 > end_) return fail("\\u needs 4 hex digits");
        uint32_t cp = 0;
        for (int i = 0; i < 4; ++i) {
          const char h = p_[pos_++];
          if (!std::isxdigit(static_cast<unsigned char>(h))) return fail("\\u needs 4 hex digits");
          cp = cp * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h))
                                                   ? h - '0'
                                                   : (std::tolower(h) - 'a' + 10));
        }
        return RangeSet{{cp, cp}};
      }
      default:
        if (std::isalnum(static_cast<unsigned char>(c))) {
          return fail(std::string("unsupported escape \\") + c);
        }
        DD_ASSIGN_OR_RETURN(uint32_t cp, code_point());
        return RangeSet{{cp, cp}};
    }
  }

  Result<Ast> atom() {
    const char c = p_[pos_];
    if (c == '(') {
      ++pos_;
      if (p_.substr(pos_, 2) == "?:") {
        pos_ += 2;
      } else if (!at_end() && p_[pos_] == '?') {
        return fail("lookaround and named groups are not supported");
      }
      DD_ASSIGN_OR_RETURN(Ast inner, alternation());
      if (at_end() || p_[pos_] != ')') return fail("missing ')'");
      ++pos_;
      return inner;
    }
    if (c == '[') return char_class();
    if (c == '.') {
      ++pos_;
      return Ast{Ast::kSet, complement({{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}}), {}, 0, 0};
    }
    if (c == '\\') {
      ++pos_;
      DD_ASSIGN_OR_RETURN(RangeSet s, escape());
      return Ast{Ast::kSet, std::move(s), {}, 0, 0};
    }
    if (c == '^' || c == '$') return fail("anchors are supported only at the ends");
    if (c == '*' || c == '+' || c == '?' || c == '{') return fail("nothing to repeat");
    DD_ASSIGN_OR_RETURN(uint32_t cp, code_point());
    return Ast{Ast::kSet, {{cp, cp}}, {}, 0, 0};
  }

  Result<Ast> char_class() {
    ++pos_;  // '['
    bool negate = false;
    if (!at_end() && p_[pos_] == '^') {
      negate = true;
      ++pos_;
    }
    RangeSet set;
    bool first = true;
    while (true) {
      if (at_end()) return fail("missing ']'");
      if (p_[pos_] == ']' && !first) break;
      first = false;
      RangeSet item;
      if (p_[pos_] == '\\') {
        ++pos_;
        DD_ASSIGN_OR_RETURN(item, escape());
      } else {
        DD_ASSIGN_OR_RETURN(uint32_t cp, code_point());
        item = {{cp, cp}};
      }
      // A range a-b (b not ']').
      if (item.size() == 1 && item[0].lo == item[0].hi && pos_ + 1 < end_ && p_[pos_] == '-' &&
          p_[pos_ + 1] != ']') {
        ++pos_;
        RangeSet hi_item;
        if (p_[pos_] == '\\') {
          ++pos_;
          DD_ASSIGN_OR_RETURN(hi_item, escape());
        } else {
          DD_ASSIGN_OR_RETURN(uint32_t cp, code_point());
          hi_item = {{cp, cp}};
        }
        if (hi_item.size() != 1 || hi_item[0].lo != hi_item[0].hi || hi_item[0].lo < item[0].lo) {
          return fail("bad range in class");
        }
        item = {{item[0].lo, hi_item[0].lo}};
      }
      set.insert(set.end(), item.begin(), item.end());
    }
    ++pos_;  // ']'
    set = normalise(std::move(set));
    if (negate) set = complement(set);
    return Ast{Ast::kSet, std::move(set), {}, 0, 0};
  }

  std::string_view p_;
  size_t pos_ = 0;
  size_t end_ = 0;
};

// ---- pattern: NFA and DFA ---------------------------------------------------------------------

struct Nfa {
  struct State {
    std::vector<uint32_t> eps;
    std::vector<std::pair<Range, uint32_t>> edges;
  };
  std::vector<State> states;
  bool overflow = false;
  uint32_t add() {
    if (states.size() >= kMaxNfaStates) overflow = true;
    states.emplace_back();
    return static_cast<uint32_t>(states.size() - 1);
  }
  /// Build `a` between fresh states; returns {start, accept}.
  std::pair<uint32_t, uint32_t> build(const Ast& a) {
    if (overflow) return {0, 0};
    const uint32_t s = add(), t = add();
    switch (a.type) {
      case Ast::kSet:
        for (const Range& r : a.set) states[s].edges.push_back({r, t});
        break;
      case Ast::kConcat: {
        uint32_t cur = s;
        for (const Ast& k : a.kids) {
          auto [ks, kt] = build(k);
          if (overflow) return {0, 0};
          states[cur].eps.push_back(ks);
          cur = kt;
        }
        states[cur].eps.push_back(t);
        break;
      }
      case Ast::kAlt:
        for (const Ast& k : a.kids) {
          auto [ks, kt] = build(k);
          if (overflow) return {0, 0};
          states[s].eps.push_back(ks);
          states[kt].eps.push_back(t);
        }
        break;
      case Ast::kRepeat: {
        uint32_t cur = s;
        for (uint32_t i = 0; i < a.min; ++i) {
          auto [ks, kt] = build(a.kids[0]);
          if (overflow) return {0, 0};
          states[cur].eps.push_back(ks);
          cur = kt;
        }
        if (a.max == Ast::kInfinite) {
          auto [ks, kt] = build(a.kids[0]);
          if (overflow) return {0, 0};
          states[cur].eps.push_back(ks);
          states[kt].eps.push_back(ks);
          states[kt].eps.push_back(t);
        } else {
          for (uint32_t i = a.min; i < a.max; ++i) {
            auto [ks, kt] = build(a.kids[0]);
            if (overflow) return {0, 0};
            states[cur].eps.push_back(ks);
            states[cur].eps.push_back(t);
            cur = kt;
          }
        }
        states[cur].eps.push_back(t);
        break;
      }
    }
    return {s, t};
  }
  void close(std::set<uint32_t>& set) const {
    std::vector<uint32_t> work(set.begin(), set.end());
    while (!work.empty()) {
      const uint32_t s = work.back();
      work.pop_back();
      for (uint32_t e : states[s].eps) {
        if (set.insert(e).second) work.push_back(e);
      }
    }
  }
};

Result<Dfa> compile_pattern(std::string_view pattern) {
  RegexParser parser(pattern);
  DD_ASSIGN_OR_RETURN(Ast ast, parser.parse());
  Nfa nfa;
  auto [start, accept] = nfa.build(ast);
  const auto too_complex = [&] {
    return Error::configuration_invalid("json_schema",
                                        "pattern \"" + std::string(pattern) + "\" is too complex");
  };
  if (nfa.overflow) return too_complex();
  Dfa dfa;
  std::map<std::set<uint32_t>, uint32_t> ids;
  std::vector<std::set<uint32_t>> sets;
  std::set<uint32_t> s0{start};
  nfa.close(s0);
  ids[s0] = 0;
  sets.push_back(s0);
  for (size_t i = 0; i < sets.size(); ++i) {
    const std::set<uint32_t> cur = sets[i];
    std::vector<uint32_t> points;
    for (uint32_t s : cur) {
      for (const auto& [r, to] : nfa.states[s].edges) {
        points.push_back(r.lo);
        if (r.hi < kMaxCodePoint) points.push_back(r.hi + 1);
      }
    }
    std::sort(points.begin(), points.end());
    points.erase(std::unique(points.begin(), points.end()), points.end());
    std::vector<Dfa::Edge> edges;
    for (size_t k = 0; k < points.size(); ++k) {
      const uint32_t lo = points[k];
      const uint32_t hi = k + 1 < points.size() ? points[k + 1] - 1 : kMaxCodePoint;
      std::set<uint32_t> target;
      for (uint32_t s : cur) {
        for (const auto& [r, to] : nfa.states[s].edges) {
          if (r.lo <= lo && hi <= r.hi) target.insert(to);
        }
      }
      if (target.empty()) continue;
      nfa.close(target);
      auto it = ids.find(target);
      uint32_t id;
      if (it == ids.end()) {
        if (sets.size() >= kMaxDfaStates) return too_complex();
        id = static_cast<uint32_t>(sets.size());
        ids.emplace(target, id);
        sets.push_back(target);
      } else {
        id = it->second;
      }
      if (!edges.empty() && edges.back().to == id && edges.back().hi + 1 == lo) {
        edges.back().hi = hi;
      } else {
        edges.push_back({lo, hi, id});
      }
    }
    dfa.edges.push_back(std::move(edges));
    dfa.accepting.push_back(cur.count(accept) ? 1 : 0);
  }
  // A state from which no accepting state is reachable is a dead end: drop edges into it, so the
  // matcher never writes a character it cannot finish.
  const size_t n = dfa.edges.size();
  std::vector<uint8_t> live(dfa.accepting.begin(), dfa.accepting.end());
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t s = 0; s < n; ++s) {
      if (live[s]) continue;
      for (const auto& e : dfa.edges[s]) {
        if (live[e.to]) {
          live[s] = 1;
          changed = true;
          break;
        }
      }
    }
  }
  if (!live[0]) {
    return Error::configuration_invalid("json_schema",
                                        "pattern \"" + std::string(pattern) + "\" matches nothing");
  }
  for (auto& edges : dfa.edges) {
    std::erase_if(edges, [&](const Dfa::Edge& e) { return !live[e.to]; });
  }
  return dfa;
}

}  // namespace

// ---- schema -> nodes --------------------------------------------------------------------------

class JsonSchemaCompiler {
 public:
  explicit JsonSchemaCompiler(const Json& root) : root_(root), g_(new JsonGrammar()) {}

  Result<std::shared_ptr<const JsonGrammar>> run() {
    DD_ASSIGN_OR_RETURN(uint32_t r, compile(root_, "#"));
    g_->root_ = r;
    // A node no finite text matches would let the matcher start a value it can never finish:
    // generation would run to max_tokens and return text that is not JSON.
    if (!every_node_has_a_finite_value()) {
      return schema_error("#",
                          "no finite JSON value satisfies this schema (a $ref cycle with no way "
                          "out, or an object or array that must contain itself)");
    }
    return std::shared_ptr<const JsonGrammar>(g_.release());
  }

  /// Whether some finite JSON text matches every node: literals, strings and numbers always; an
  /// array when it may be empty or its items have one; an object when each required property
  /// has one (free keys: {} always); a union when one branch has one. Computed bottom-up with a
  /// work list, so linear in the grammar's size.
  bool every_node_has_a_finite_value() const {
    const std::vector<Node>& nodes = g_->nodes_;
    // needs[i]: children that must still be found finite before node i is; `parents` the reverse
    // edges along which a finite child counts.
    std::vector<size_t> needs(nodes.size(), 0);
    std::vector<std::vector<uint32_t>> parents(nodes.size());
    const auto depend = [&](uint32_t parent, uint32_t child) {
      ++needs[parent];
      parents[child].push_back(parent);
    };
    for (uint32_t i = 0; i < nodes.size(); ++i) {
      const Node& n = nodes[i];
      switch (n.kind) {
        case Kind::kLiterals:
          needs[i] = n.literals.empty() ? 1 : 0;  // empty: a $ref placeholder never filled
          break;
        case Kind::kString:
        case Kind::kNumber:
          break;
        case Kind::kArray:
          if (n.min_items > 0) depend(i, n.item);
          break;
        case Kind::kObject:
          for (const Property& p : n.props) {
            if (p.required) depend(i, p.node);
          }
          break;
        case Kind::kUnion: {
          std::set<uint32_t> branches;
          for (uint32_t b : n.by_first) {
            if (b != 0) branches.insert(b - 1);
          }
          for (uint32_t b : branches) parents[b].push_back(i);
          needs[i] = 1;  // any one branch will do
          break;
        }
      }
    }
    std::vector<uint8_t> finite(nodes.size(), 0);
    std::vector<uint32_t> work;
    for (uint32_t i = 0; i < nodes.size(); ++i) {
      if (needs[i] == 0) work.push_back(i);
    }
    size_t found = 0;
    while (!work.empty()) {
      const uint32_t c = work.back();
      work.pop_back();
      if (finite[c]) continue;
      finite[c] = 1;
      ++found;
      for (uint32_t p : parents[c]) {
        if (finite[p] || needs[p] == 0) continue;
        needs[p] = nodes[p].kind == Kind::kUnion ? 0 : needs[p] - 1;
        if (needs[p] == 0) work.push_back(p);
      }
    }
    return found == nodes.size();
  }

  uint32_t any() {
    if (any_ != kNone) return any_;
    any_ = add(Node{});
    Node obj;
    obj.kind = Kind::kObject;
    obj.free_keys = true;
    obj.item = any_;
    const uint32_t o = add(std::move(obj));
    Node arr;
    arr.kind = Kind::kArray;
    arr.item = any_;
    const uint32_t a = add(std::move(arr));
    Node str;
    str.kind = Kind::kString;
    const uint32_t s = add(std::move(str));
    Node num;
    num.kind = Kind::kNumber;
    const uint32_t n = add(std::move(num));
    Node lit;
    lit.literals = {"false", "null", "true"};
    const uint32_t l = add(std::move(lit));
    Node u;
    u.kind = Kind::kUnion;
    u.by_first.assign(256, 0);
    set_union_branch(u, o);
    set_union_branch(u, a);
    set_union_branch(u, s);
    set_union_branch(u, n);
    set_union_branch(u, l);
    g_->nodes_[any_] = std::move(u);
    return any_;
  }

  uint32_t free_object() {
    Node obj;
    obj.kind = Kind::kObject;
    obj.free_keys = true;
    obj.item = any();
    return add(std::move(obj));
  }

  std::unique_ptr<JsonGrammar> release() { return std::move(g_); }

 private:
  uint32_t add(Node n) {
    g_->nodes_.push_back(std::move(n));
    return static_cast<uint32_t>(g_->nodes_.size() - 1);
  }

  /// The bytes a value of `node` can start with.
  std::vector<uint8_t> first_bytes(uint32_t node) const {
    const Node& n = g_->nodes_[node];
    switch (n.kind) {
      case Kind::kObject:
        return {'{'};
      case Kind::kArray:
        return {'['};
      case Kind::kString:
        return {'"'};
      case Kind::kNumber: {
        std::vector<uint8_t> b;
        if (!n.has_min || n.minimum < 0) b.push_back('-');
        for (uint8_t d = '0'; d <= '9'; ++d) b.push_back(d);
        return b;
      }
      case Kind::kLiterals: {
        std::vector<uint8_t> b;
        for (const auto& l : n.literals) b.push_back(static_cast<uint8_t>(l[0]));
        return b;
      }
      case Kind::kUnion: {
        std::vector<uint8_t> b;
        for (size_t i = 0; i < 256; ++i) {
          if (n.by_first[i]) b.push_back(static_cast<uint8_t>(i));
        }
        return b;
      }
    }
    return {};
  }

  /// Adds `branch` to union `u`; false if a first byte is already taken by another branch.
  bool set_union_branch(Node& u, uint32_t branch) {
    for (uint8_t b : first_bytes(branch)) {
      if (u.by_first[b] && u.by_first[b] != branch + 1) return false;
      u.by_first[b] = branch + 1;
    }
    return true;
  }

  Result<uint32_t> make_union(const std::vector<uint32_t>& branches, const std::string& where) {
    // Literal branches merge into one literal set ("enum" | null).
    std::vector<std::string> literals;
    std::vector<uint32_t> others;
    for (uint32_t b : branches) {
      const Node& n = g_->nodes_[b];
      if (n.kind == Kind::kLiterals) {
        literals.insert(literals.end(), n.literals.begin(), n.literals.end());
      } else {
        others.push_back(b);
      }
    }
    if (!literals.empty()) {
      Node lit;
      lit.literals = std::move(literals);
      std::sort(lit.literals.begin(), lit.literals.end());
      lit.literals.erase(std::unique(lit.literals.begin(), lit.literals.end()), lit.literals.end());
      others.push_back(add(std::move(lit)));
    }
    if (others.size() == 1) return others[0];
    Node u;
    u.kind = Kind::kUnion;
    u.by_first.assign(256, 0);
    for (uint32_t b : others) {
      if (!set_union_branch(u, b)) {
        return schema_error(where,
                            "anyOf/oneOf/type branches must start with different characters "
                            "(e.g. a string or null); these overlap");
      }
    }
    return add(std::move(u));
  }

  Result<const Json*> resolve(const std::string& ref, const std::string& where) const {
    if (ref == "#") return &root_;
    std::string prefix;
    if (ref.rfind("#/$defs/", 0) == 0) {
      prefix = "$defs";
    } else if (ref.rfind("#/definitions/", 0) == 0) {
      prefix = "definitions";
    } else {
      return schema_error(where, "only local $ref \"#/$defs/...\" is supported: " + ref);
    }
    const std::string name = ref.substr(prefix.size() + 3);
    auto defs = root_.find(prefix);
    if (defs == root_.end() || !defs->is_object() || !defs->contains(name)) {
      return schema_error(where, "$ref does not resolve: " + ref);
    }
    return &(*defs)[name];
  }

  static Result<uint32_t> count_of(const Json& s, const char* key, const std::string& where) {
    const Json& v = s[key];
    if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
        v.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      return schema_error(where, std::string(key) + " must be a non-negative integer");
    }
    return static_cast<uint32_t>(v.get<int64_t>());
  }

  Result<uint32_t> compile(const Json& s, const std::string& where) {
    if (++depth_ > 64) return schema_error(where, "schema nested too deeply");
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    if (s.is_boolean()) {
      if (s.get<bool>()) return any();
      return schema_error(where, "the schema false allows no value");
    }
    if (!s.is_object()) return schema_error(where, "a schema must be an object or a boolean");
    static const std::set<std::string> kKnown = {"type",
                                                 "enum",
                                                 "const",
                                                 "properties",
                                                 "required",
                                                 "additionalProperties",
                                                 "items",
                                                 "minItems",
                                                 "maxItems",
                                                 "minLength",
                                                 "maxLength",
                                                 "pattern",
                                                 "minimum",
                                                 "maximum",
                                                 "exclusiveMinimum",
                                                 "exclusiveMaximum",
                                                 "anyOf",
                                                 "oneOf",
                                                 "$ref",
                                                 "$defs",
                                                 "definitions",
                                                 "title",
                                                 "description",
                                                 "$schema",
                                                 "$id",
                                                 "$comment",
                                                 "default",
                                                 "examples",
                                                 "format",
                                                 "uniqueItems",
                                                 "nullable"};
    for (const auto& [k, v] : s.items()) {
      if (!kKnown.count(k)) return schema_error(where, "unsupported keyword \"" + k + "\"");
    }
    if (s.contains("$ref")) {
      if (!s["$ref"].is_string()) return schema_error(where, "$ref must be a string");
      const std::string ref = s["$ref"].get<std::string>();
      if (auto it = refs_.find(ref); it != refs_.end()) return it->second;
      DD_ASSIGN_OR_RETURN(const Json* target, resolve(ref, where));
      // Reserve the node first so that recursive references resolve to it.
      const uint32_t id = add(Node{});
      refs_[ref] = id;
      DD_ASSIGN_OR_RETURN(uint32_t body, compile(*target, ref));
      if (body == id) return schema_error(where, "$ref refers only to itself");
      g_->nodes_[id] = g_->nodes_[body];
      return id;
    }
    if (s.contains("const")) {
      Node lit;
      lit.literals = {s["const"].dump()};
      return add(std::move(lit));
    }
    if (s.contains("enum")) {
      if (!s["enum"].is_array() || s["enum"].empty()) {
        return schema_error(where, "enum must be a non-empty array");
      }
      Node lit;
      for (const auto& v : s["enum"]) lit.literals.push_back(v.dump());
      std::sort(lit.literals.begin(), lit.literals.end());
      lit.literals.erase(std::unique(lit.literals.begin(), lit.literals.end()), lit.literals.end());
      return add(std::move(lit));
    }
    for (const char* key : {"anyOf", "oneOf"}) {
      if (!s.contains(key)) continue;
      if (!s[key].is_array() || s[key].empty()) {
        return schema_error(where, std::string(key) + " must be a non-empty array");
      }
      std::vector<uint32_t> branches;
      for (size_t i = 0; i < s[key].size(); ++i) {
        DD_ASSIGN_OR_RETURN(uint32_t b,
                            compile(s[key][i], where + "/" + key + "/" + std::to_string(i)));
        branches.push_back(b);
      }
      return make_union(branches, where);
    }
    std::vector<std::string> types;
    if (s.contains("type")) {
      const Json& t = s["type"];
      if (t.is_string()) {
        types.push_back(t.get<std::string>());
      } else if (t.is_array() && !t.empty()) {
        for (const auto& x : t) {
          if (!x.is_string()) return schema_error(where, "type must name types");
          types.push_back(x.get<std::string>());
        }
      } else {
        return schema_error(where, "type must be a string or a non-empty array");
      }
    } else if (s.contains("properties") || s.contains("additionalProperties")) {
      types.push_back("object");
    } else if (s.contains("items") || s.contains("minItems") || s.contains("maxItems")) {
      types.push_back("array");
    } else if (s.contains("pattern") || s.contains("minLength") || s.contains("maxLength")) {
      types.push_back("string");
    } else {
      return any();
    }
    if (s.contains("nullable")) {
      // s.value("nullable", false) would throw on a non-boolean (a client's schema, "nullable": 3).
      if (!s["nullable"].is_boolean()) return schema_error(where, "nullable must be a boolean");
      if (s["nullable"].get<bool>()) types.push_back("null");
    }
    // integer + number: a number.
    if (std::count(types.begin(), types.end(), "number") &&
        std::count(types.begin(), types.end(), "integer")) {
      std::erase(types, std::string("integer"));
    }
    std::vector<uint32_t> branches;
    for (const auto& t : types) {
      DD_ASSIGN_OR_RETURN(uint32_t b, typed(s, t, where));
      branches.push_back(b);
    }
    return make_union(branches, where);
  }

  Result<uint32_t> typed(const Json& s, const std::string& type, const std::string& where) {
    Node n;
    if (type == "null") {
      n.literals = {"null"};
    } else if (type == "boolean") {
      n.literals = {"false", "true"};
    } else if (type == "string") {
      n.kind = Kind::kString;
      if (s.contains("minLength")) {
        DD_ASSIGN_OR_RETURN(n.min_len, count_of(s, "minLength", where));
      }
      if (s.contains("maxLength")) {
        DD_ASSIGN_OR_RETURN(n.max_len, count_of(s, "maxLength", where));
      }
      if (n.min_len > n.max_len) return schema_error(where, "minLength > maxLength");
      if (s.contains("pattern")) {
        if (!s["pattern"].is_string()) return schema_error(where, "pattern must be a string");
        DD_ASSIGN_OR_RETURN(Dfa dfa, compile_pattern(s["pattern"].get<std::string>()));
        g_->dfas_.push_back(std::move(dfa));
        n.regex = static_cast<uint32_t>(g_->dfas_.size() - 1);
      }
    } else if (type == "integer" || type == "number") {
      n.kind = Kind::kNumber;
      n.integer = type == "integer";
      auto bound = [&](const char* key, bool& has, double& value, bool lower) -> Status {
        if (!s.contains(key)) return {};
        if (!s[key].is_number()) return schema_error(where, std::string(key) + " must be a number");
        double v = s[key].get<double>();
        if (std::string_view(key).rfind("exclusive", 0) == 0) {
          if (!n.integer) {
            return schema_error(where, std::string(key) + " is supported for integers only");
          }
          v = lower ? std::floor(v) + 1 : std::ceil(v) - 1;
        } else if (n.integer) {
          v = lower ? std::ceil(v) : std::floor(v);
        }
        if (has) v = lower ? std::max(v, value) : std::min(v, value);
        has = true;
        value = v;
        return {};
      };
      DD_RETURN_IF_ERROR(bound("minimum", n.has_min, n.minimum, true));
      DD_RETURN_IF_ERROR(bound("exclusiveMinimum", n.has_min, n.minimum, true));
      DD_RETURN_IF_ERROR(bound("maximum", n.has_max, n.maximum, false));
      DD_RETURN_IF_ERROR(bound("exclusiveMaximum", n.has_max, n.maximum, false));
      if (n.has_min && n.has_max && n.minimum > n.maximum) {
        return schema_error(where, "minimum > maximum: no number fits");
      }
      if (n.integer && ((n.has_min && std::fabs(n.minimum) > 1e17) ||
                        (n.has_max && std::fabs(n.maximum) > 1e17))) {
        return schema_error(where, "integer bounds beyond 1e17 are not supported");
      }
    } else if (type == "array") {
      n.kind = Kind::kArray;
      if (s.contains("items")) {
        DD_ASSIGN_OR_RETURN(n.item, compile(s["items"], where + "/items"));
      } else {
        n.item = any();
      }
      if (s.contains("minItems")) {
        DD_ASSIGN_OR_RETURN(n.min_items, count_of(s, "minItems", where));
      }
      if (s.contains("maxItems")) {
        DD_ASSIGN_OR_RETURN(n.max_items, count_of(s, "maxItems", where));
      }
      if (n.min_items > n.max_items) return schema_error(where, "minItems > maxItems");
    } else if (type == "object") {
      n.kind = Kind::kObject;
      std::set<std::string> required;
      if (s.contains("required")) {
        if (!s["required"].is_array()) return schema_error(where, "required must be an array");
        for (const auto& r : s["required"]) {
          if (!r.is_string()) return schema_error(where, "required must list names");
          required.insert(r.get<std::string>());
        }
      }
      if (s.contains("properties") && !s["properties"].empty()) {
        if (!s["properties"].is_object()) {
          return schema_error(where, "properties must be an object");
        }
        for (const auto& [name, sub] : s["properties"].items()) {
          Property p;
          p.key = Json(name).dump();
          p.required = required.erase(name) > 0;
          DD_ASSIGN_OR_RETURN(p.node, compile(sub, where + "/properties/" + name));
          n.props.push_back(std::move(p));
        }
        if (n.props.size() > 64) return schema_error(where, "more than 64 properties");
        if (!required.empty()) {
          return schema_error(
              where, "required names a property that is not defined: " + *required.begin());
        }
      } else {
        if (!required.empty()) {
          return schema_error(where, "required properties need a \"properties\" definition");
        }
        n.free_keys = true;
        const auto ap = s.find("additionalProperties");
        if (ap == s.end() || (ap->is_boolean() && ap->get<bool>())) {
          n.item = any();
        } else if (ap->is_boolean()) {
          n.free_keys = false;  // {} only
        } else {
          DD_ASSIGN_OR_RETURN(n.item, compile(*ap, where + "/additionalProperties"));
        }
      }
    } else {
      return schema_error(where, "unknown type \"" + type + "\"");
    }
    return add(std::move(n));
  }

  const Json& root_;
  std::unique_ptr<JsonGrammar> g_;
  std::map<std::string, uint32_t> refs_;
  uint32_t any_ = kNone;
  int depth_ = 0;
};

JsonGrammar::JsonGrammar() = default;
JsonGrammar::~JsonGrammar() = default;
const Node& JsonGrammar::node(uint32_t i) const {
  return nodes_[i];
}
const Dfa& JsonGrammar::dfa(uint32_t i) const {
  return dfas_[i];
}

Result<std::shared_ptr<const JsonGrammar>> JsonGrammar::compile(std::string_view schema_json) {
  Json schema = Json::parse(schema_json, nullptr, /*allow_exceptions=*/false);
  if (schema.is_discarded()) {
    return Error::configuration_invalid("json_schema", "the schema is not valid JSON");
  }
  // The schema comes from a client (response_format): no exception may escape, whatever its
  // shape; a type mismatch not checked above is still a ConfigurationInvalid.
  try {
    JsonSchemaCompiler compiler(schema);
    return compiler.run();
  } catch (const std::exception& e) {
    return Error::configuration_invalid("json_schema",
                                        std::string("unsupported schema: ") + e.what());
  }
}

std::shared_ptr<const JsonGrammar> JsonGrammar::any_object() {
  static const std::shared_ptr<const JsonGrammar> grammar = [] {
    const Json empty = Json::object();
    JsonSchemaCompiler compiler(empty);
    const uint32_t root = compiler.free_object();
    std::unique_ptr<JsonGrammar> g = compiler.release();
    g->root_ = root;
    return std::shared_ptr<const JsonGrammar>(g.release());
  }();
  return grammar;
}

}  // namespace dailydrug::llm

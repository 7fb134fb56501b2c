// The compiled form of a JSON Schema, shared by json_grammar.cpp (compiler) and json_matcher.cpp
// (matcher and token mask). Private to the runtime.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "dailydrug/llm/json_constraint.h"

namespace dailydrug::llm::json_grammar_detail {

inline constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

enum class Kind : uint8_t {
  kObject,    // fixed properties in order, or free keys (free_keys) with values `item`
  kArray,     // items `item`
  kString,    // min/max length in code points, optional regex
  kNumber,    // integer or number, optional bounds
  kLiterals,  // enum / const / true / false / null: sorted compact JSON texts
  kUnion,     // branches chosen by the first byte
};

struct Property {
  std::string key;  // JSON-encoded key with its quotes: "\"name\""
  uint32_t node = kNone;
  bool required = false;
};

/// A deterministic automaton over Unicode code points (a compiled `pattern`).
struct Dfa {
  struct Edge {
    uint32_t lo, hi;  // inclusive code point range
    uint32_t to;
  };
  std::vector<std::vector<Edge>> edges;  // per state, sorted by lo, disjoint
  std::vector<uint8_t> accepting;
  /// The state after code point `cp`, or kNone.
  uint32_t next(uint32_t state, uint32_t cp) const {
    for (const Edge& e : edges[state]) {
      if (cp < e.lo) break;
      if (cp <= e.hi) return e.to;
    }
    return kNone;
  }
  /// Whether some code point in [lo, hi] has a transition.
  bool any_in(uint32_t state, uint32_t lo, uint32_t hi) const {
    for (const Edge& e : edges[state]) {
      if (e.lo > hi) break;
      if (e.hi >= lo) return true;
    }
    return false;
  }
};

struct Node {
  Kind kind = Kind::kLiterals;
  // kObject
  std::vector<Property> props;
  bool free_keys = false;
  // kObject (free keys: values) / kArray (items)
  uint32_t item = kNone;
  uint32_t min_items = 0;
  uint32_t max_items = std::numeric_limits<uint32_t>::max();
  // kString
  uint32_t min_len = 0;
  uint32_t max_len = std::numeric_limits<uint32_t>::max();
  uint32_t regex = kNone;  // index into the grammar's DFAs
  // kNumber
  bool integer = false;
  bool has_min = false, has_max = false;
  double minimum = 0, maximum = 0;
  // kLiterals
  std::vector<std::string> literals;  // sorted, unique
  // kUnion: by_first[byte] = branch node + 1, or 0
  std::vector<uint32_t> by_first;
};

}  // namespace dailydrug::llm::json_grammar_detail

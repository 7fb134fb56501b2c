// Constrained decoding over a JSON Schema: the reply is a JSON value that parses and satisfies the
// schema, because every sampled token keeps the text a valid prefix of such a value.
//
//   schema text --JsonGrammar::compile--> grammar (nodes, regex DFAs)
//   JsonMatcher: per-generation byte-level pushdown automaton over that grammar
//   TokenMask: the vocabulary as a byte trie; one walk of the trie under a matcher gives the set
//              of tokens whose bytes the matcher accepts (shared prefixes are checked once)
//
// Supported schema keywords (others are refused with ConfigurationInvalid("json_schema", why), so
// a schema is never silently only half enforced):
//   type (a name or a list), enum, const, properties (values are generated in schema order),
//   required, additionalProperties (false, or absent with properties; a schema without properties
//   allows any keys), items, minItems, maxItems, minLength, maxLength, pattern (ECMA subset:
//   literals, escapes \d \w \s \D \W \S, classes, ., groups, |, ? * + {m,n}, ^ $), minimum and
//   maximum (integers exactly; numbers by sign and at completion), anyOf / oneOf whose branches
//   start with different characters (e.g. a type or null), $ref to "#/$defs/.." or
//   "#/definitions/..", and the annotations title, description, $schema, $id, $comment, default,
//   examples, format (not enforced), uniqueItems (not enforced: check it after generation).
// Output form: no whitespace inside the value beyond short runs at structural positions, strings
// without \u escapes (any UTF-8 text is written directly), at most 18 integer digits.
//
// Thread-safety: a compiled JsonGrammar and a TokenMask are immutable and may be shared; a
// JsonMatcher is per-generation state.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/llm/error.h"
#include "dailydrug/llm/tokenizer.h"

namespace dailydrug::llm {

namespace json_grammar_detail {
struct Node;
struct Dfa;
}  // namespace json_grammar_detail

class JsonGrammar {
 public:
  /// Compile a JSON Schema (as JSON text). Errors: ConfigurationInvalid("json_schema", why) for
  /// text that is not JSON, a keyword outside the subset above, a $ref that does not resolve,
  /// ambiguous anyOf branches, an impossible range, or an over-complex pattern.
  static Result<std::shared_ptr<const JsonGrammar>> compile(std::string_view schema_json);
  /// The grammar of "any JSON object" (OpenAI's response_format json_object).
  static std::shared_ptr<const JsonGrammar> any_object();

  ~JsonGrammar();
  const json_grammar_detail::Node& node(uint32_t i) const;
  const json_grammar_detail::Dfa& dfa(uint32_t i) const;
  uint32_t root() const { return root_; }

 private:
  JsonGrammar();
  friend class JsonSchemaCompiler;
  std::vector<json_grammar_detail::Node> nodes_;
  std::vector<json_grammar_detail::Dfa> dfas_;
  uint32_t root_ = 0;
};

/// Byte-level matcher. advance() either accepts the bytes (state moves) or rejects them (state
/// unchanged). Its state (a stack of per-node-kind frames) is private to json_matcher.cpp.
class JsonMatcher {
 public:
  static constexpr int kMaxDepth = 32;

  explicit JsonMatcher(std::shared_ptr<const JsonGrammar> grammar);
  JsonMatcher(const JsonMatcher& other);
  JsonMatcher& operator=(const JsonMatcher& other);
  JsonMatcher(JsonMatcher&&) noexcept;
  JsonMatcher& operator=(JsonMatcher&&) noexcept;
  ~JsonMatcher();

  bool advance(std::string_view bytes);
  bool advance_byte(uint8_t byte);
  /// The text so far is a complete value (EOS may follow).
  bool can_end() const;
  /// Complete, and no byte can extend it: generation should stop.
  bool finished() const;
  /// Copy another matcher's state (same grammar) without reallocating.
  void assign(const JsonMatcher& other);

  struct State;  // json_matcher.cpp

 private:
  friend class TokenMask;
  /// One byte, in place; on false the state is undefined (callers step a copy).
  bool step(uint8_t byte);

  std::shared_ptr<const JsonGrammar> grammar_;
  std::unique_ptr<State> state_;
};

/// The vocabulary as a byte trie, for computing which tokens a matcher accepts next.
///
/// Inside a free string (no pattern, the length bounds out of reach) nearly every token is
/// allowed, and walking the whole trie to find that out costs milliseconds on a 151k-token
/// vocabulary. So the tokens are sorted once by how they read in a string's body: those that
/// stay in the body (allowed there, whatever the string), those that leave it at a quote or
/// backslash after such a prefix (their verdict is that of their tail from there, checked on a
/// trie of the distinct tails), and the rest (never allowed there).
class TokenMask {
 public:
  /// Tokens with no bytes or flagged special are never allowed by the grammar (EOS is decided
  /// by the caller from JsonMatcher::can_end()).
  explicit TokenMask(const Tokenizer& tokenizer);

  /// allowed[id] = 1 when the matcher accepts the token's bytes; returns how many are allowed.
  size_t allowed(const JsonMatcher& matcher, std::vector<uint8_t>& allowed) const;
  /// The same by one walk of the whole trie, whatever the state (the reference the tests hold
  /// allowed() to).
  size_t allowed_by_walk(const JsonMatcher& matcher, std::vector<uint8_t>& allowed) const;
  int32_t vocab_size() const { return vocab_size_; }

 private:
  struct TrieNode {
    uint32_t first_child = 0;  // 0 = none (the root is node 0 and never a child)
    uint32_t next_sibling = 0;
    uint32_t tokens_begin = 0;  // ids ending here: ids[tokens_begin, tokens_end)
    uint32_t tokens_end = 0;
    uint8_t byte = 0;
  };
  struct Trie {
    std::vector<TrieNode> nodes;
    std::vector<TokenId> ids;
    /// Build from (bytes, id) pairs sorted by bytes.
    static Trie of(const std::vector<std::pair<std::string, TokenId>>& sorted);
    /// Marks the ids whose path the matcher accepts; returns how many it marked.
    size_t walk(const JsonMatcher& matcher, std::vector<uint8_t>& allowed) const;
  };

  Trie trie_;                     // every token
  Trie tails_;                    // the tails of the tokens that leave a string body
  std::vector<uint8_t> in_body_;  // in_body_[id] = 1: the token stays in any string body
  size_t in_body_count_ = 0;
  std::vector<uint32_t> chars_;   // characters a token adds to a string it is allowed in
  std::vector<uint8_t> closes_;   // closes_[id] = 1: the token ends that string
  uint32_t max_token_chars_ = 0;  // the most of those
  int32_t vocab_size_ = 0;
};

/// The JSON constraint as one stage of the sampler chain: before the sampler draws, apply()
/// leaves only the tokens whose bytes keep the text a valid prefix of a schema-valid value (EOS
/// only once the value is complete); after the draw, accept() follows the chosen token. The
/// sampler (penalty, temperature, top-k/p, min-p, draw) then works on what is left, so the
/// constraint changes which tokens can win, not how.
class JsonConstraintStage {
 public:
  /// `mask` and `tokenizer` must outlive the stage.
  JsonConstraintStage(const TokenMask& mask, const Tokenizer& tokenizer,
                      std::shared_ptr<const JsonGrammar> grammar, std::vector<TokenId> eos_ids);
  /// `logits` with every token that cannot continue the value at -inf (a view of the stage's
  /// buffer, valid until the next call). GenerationFailed when no token continues it.
  Result<std::span<const float>> apply(std::span<const float> logits);
  /// Follow a sampled token that is not EOS. GenerationFailed when it does not continue the
  /// value (a sampler that ignored the mask).
  Status accept(TokenId token);
  /// The value is complete and nothing can extend it: generation ends.
  bool finished() const { return matcher_.finished(); }
  /// Take `other`'s place in the value (a stage of the same grammar), keeping this stage's
  /// buffers: speculative decoding checks a draft on a copy that follows it, and resets the copy
  /// to the real stage before the next draft.
  void sync(const JsonConstraintStage& other) { matcher_.assign(other.matcher_); }

 private:
  const TokenMask& mask_;
  const Tokenizer& tokenizer_;
  JsonMatcher matcher_;
  std::vector<TokenId> eos_ids_;
  std::vector<uint8_t> allowed_;
  std::vector<float> masked_;
};

}  // namespace dailydrug::llm

// JsonSchema: a validator for the subset of JSON Schema (draft 2020-12) that DailyDrug's schemas
// use — small enough to read in one sitting, strict about the rest.
//
// Supported keywords: type (a name or a list), enum, const, properties, required,
// additionalProperties (false or a schema), items (one schema), minItems, maxItems, uniqueItems,
// minimum, maximum, minLength, maxLength (code points), pattern (ECMAScript, matched against the
// UTF-8 bytes — use literal Hangul, not Hangul character classes), $ref to "#/$defs/<name>", and
// the annotations $schema, $id, $comment, title, description, $defs. compile() rejects any other
// keyword, so a schema never silently relies on something unchecked. As in JSON Schema, numeric
// keywords apply to numbers only, string keywords to strings only, and so on.
//
// Thread-safety: a compiled JsonSchema is immutable; validate() may run concurrently.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "dailydrug/app/error.h"

namespace dailydrug::app {

/// One failed check: where (a JSON pointer into the instance) and what.
struct SchemaViolation {
  std::string path;     // "/medications/0/dose"; "" for the root
  std::string message;  // "does not match pattern ^...$"
};

class JsonSchema {
 public:
  /// Checks that `schema` uses only the supported keywords, that every $ref resolves and that
  /// every pattern compiles. Errors: Invalid("schema") naming the offending keyword and path.
  static Result<JsonSchema> compile(nlohmann::json schema);

  /// All violations of `instance` (at most `max_violations`); empty means valid. Never throws.
  std::vector<SchemaViolation> validate(const nlohmann::json& instance,
                                        size_t max_violations = 20) const;

  const nlohmann::json& document() const { return *schema_; }

 private:
  JsonSchema() = default;
  // Shared so that copies stay cheap; never modified after compile().
  std::shared_ptr<const nlohmann::json> schema_;
  std::shared_ptr<const std::map<std::string, std::regex>> patterns_;
};

}  // namespace dailydrug::app

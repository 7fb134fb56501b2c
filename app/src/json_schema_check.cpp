#include "dailydrug/app/json_schema_check.h"

#include <cmath>
#include <exception>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>

#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {
namespace {

using nlohmann::json;

const std::set<std::string>& supported_keywords() {
  static const std::set<std::string> k = {
      "type",      "enum",      "const",       "properties",  "required", "additionalProperties",
      "items",     "minItems",  "maxItems",    "uniqueItems", "minimum",  "maximum",
      "minLength", "maxLength", "pattern",     "$ref",        "$schema",  "$id",
      "$comment",  "title",     "description", "$defs"};
  return k;
}

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    default:
      return "object";
  }
}

/// Concatenates without temporaries (error messages and paths).
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const std::string_view p : parts) {
    out += p;
  }
  return out;
}

bool has_type(const json& v, const std::string& type) {
  if (type == "number") {
    return v.is_number();
  }
  if (type == "integer") {
    return v.is_number_integer() || v.is_number_unsigned() ||
           (v.is_number_float() && std::isfinite(v.get<double>()) &&
            v.get<double>() == std::floor(v.get<double>()));
  }
  return type_name(v) == type;
}

std::string escape_pointer(const std::string& key) {
  std::string out;
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// What libstdc++'s <regex> compiler must not see: it reads the number of a backreference (\12)
// or of a repetition ({12,34}) into a long without an overflow check, so "\\888…8" is undefined
// behaviour inside the standard library (found by fuzz_scan_schema). Backreferences are refused
// (no schema of ours uses them) and repetition counts are limited to 6 digits; escapes are
// skipped the way libstdc++'s ECMAScript scanner reads them.
const char* unsupported_pattern(const std::string& p) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size()) {
      if (p[i + 1] >= '1' && p[i + 1] <= '9') return "backreferences are not supported";
      // An escaped character, including \{; \cX also takes X, whatever it is, so in "\c\\1"
      // the second backslash is X and the third starts a backreference.
      i += p[i + 1] == 'c' ? 2 : 1;
    } else if (p[i] == '{') {
      size_t digits = 0;
      for (size_t j = i + 1; j < p.size() && p[j] != '}'; ++j) {
        digits = (p[j] >= '0' && p[j] <= '9') ? digits + 1 : 0;
        if (digits > 6) return "repetition count too large";
      }
    }
  }
  return nullptr;
}

/// Compile-time walk: keywords, refs, patterns.
class SchemaCompiler {
 public:
  SchemaCompiler(const json& root, std::map<std::string, std::regex>& patterns)
      : root_(root), patterns_(patterns) {}

  Status walk(const json& s, const std::string& path) {
    if (s.is_boolean()) {
      return Status::Ok();
    }
    if (!s.is_object()) {
      return Error::invalid("schema", cat({path, ": a schema must be an object or a boolean"}));
    }
    for (const auto& [key, value] : s.items()) {
      if (supported_keywords().count(key) == 0) {
        return Error::invalid("schema", cat({path, ": unsupported keyword '", key, "'"}));
      }
      if (key == "properties" || key == "$defs") {
        if (!value.is_object()) {
          return Error::invalid("schema", cat({path, "/", key, ": must be an object"}));
        }
        for (const auto& [name, sub] : value.items()) {
          DD_APP_RETURN_IF_ERROR(walk(sub, cat({path, "/", key, "/", escape_pointer(name)})));
        }
      } else if (key == "items" || key == "additionalProperties") {
        DD_APP_RETURN_IF_ERROR(walk(value, cat({path, "/", key})));
      } else if (key == "$ref") {
        if (!value.is_string() || resolve(value.get<std::string>()) == nullptr) {
          return Error::invalid("schema", cat({path, ": unresolved $ref ", value.dump()}));
        }
      } else if (key == "pattern") {
        if (!value.is_string()) {
          return Error::invalid("schema", path + ": pattern must be a string");
        }
        if (const char* why = unsupported_pattern(value.get<std::string>())) {
          return Error::invalid("schema", path + ": bad pattern (" + why + ")");
        }
        try {
          patterns_.emplace(value.get<std::string>(),
                            std::regex(value.get<std::string>(), std::regex::ECMAScript));
        } catch (const std::exception& e) {
          return Error::invalid("schema", path + ": bad pattern (" + e.what() + ")");
        }
      } else if (key == "type") {
        const json types = value.is_array() ? value : json::array({value});
        for (const json& t : types) {
          static const std::set<std::string> names = {"null",   "boolean", "integer", "number",
                                                      "string", "array",   "object"};
          if (!t.is_string() || names.count(t.get<std::string>()) == 0) {
            return Error::invalid("schema", path + ": unknown type " + t.dump());
          }
        }
      } else if (key == "enum" || key == "required") {
        if (!value.is_array()) {
          return Error::invalid("schema", cat({path, "/", key, ": must be an array"}));
        }
      } else if (key == "minimum" || key == "maximum") {
        if (!value.is_number()) {
          return Error::invalid("schema", cat({path, "/", key, ": must be a number"}));
        }
      } else if (key == "minItems" || key == "maxItems" || key == "minLength" ||
                 key == "maxLength") {
        if (!value.is_number_unsigned() && !value.is_number_integer()) {
          return Error::invalid("schema", cat({path, "/", key, ": must be an integer"}));
        }
      }
    }
    return Status::Ok();
  }

  const json* resolve(const std::string& ref) const {
    static const std::string prefix = "#/$defs/";
    if (ref.rfind(prefix, 0) != 0 || !root_.contains("$defs")) {
      return nullptr;
    }
    const auto it = root_["$defs"].find(ref.substr(prefix.size()));
    return it == root_["$defs"].end() ? nullptr : &*it;
  }

 private:
  const json& root_;
  std::map<std::string, std::regex>& patterns_;
};

class Validator {
 public:
  Validator(const json& root, const std::map<std::string, std::regex>& patterns, size_t max)
      : root_(root), patterns_(patterns), max_(max) {}

  void check(const json& s, const json& v, const std::string& path, int depth = 0) {
    if (out.size() >= max_ || depth > 64) {
      return;
    }
    if (s.is_boolean()) {
      if (!s.get<bool>()) {
        fail(path, "no value is allowed here");
      }
      return;
    }
    if (const auto ref = s.find("$ref"); ref != s.end()) {
      const std::string name = ref->get<std::string>().substr(std::string("#/$defs/").size());
      check(root_["$defs"][name], v, path, depth + 1);
    }
    if (const auto type = s.find("type"); type != s.end()) {
      const json types = type->is_array() ? *type : json::array({*type});
      bool ok = false;
      for (const json& t : types) {
        ok = ok || has_type(v, t.get<std::string>());
      }
      if (!ok) {
        return fail(path, "is " + type_name(v) + ", expected " + type->dump());
      }
    }
    if (const auto e = s.find("enum"); e != s.end()) {
      bool ok = false;
      for (const json& option : *e) {
        ok = ok || option == v;
      }
      if (!ok) {
        fail(path, "is not one of " + e->dump());
      }
    }
    if (const auto c = s.find("const"); c != s.end() && *c != v) {
      fail(path, "must be " + c->dump());
    }
    if (v.is_number()) {
      check_number(s, v.get<double>(), path);
    } else if (v.is_string()) {
      check_string(s, v.get_ref<const std::string&>(), path);
    } else if (v.is_array()) {
      check_array(s, v, path, depth);
    } else if (v.is_object()) {
      check_object(s, v, path, depth);
    }
  }

  std::vector<SchemaViolation> out;

 private:
  void fail(const std::string& path, std::string message) {
    if (out.size() < max_) {
      out.push_back({path, std::move(message)});
    }
  }

  void check_number(const json& s, double v, const std::string& path) {
    if (const auto m = s.find("minimum"); m != s.end() && v < m->get<double>()) {
      fail(path, "is below the minimum " + m->dump());
    }
    if (const auto m = s.find("maximum"); m != s.end() && v > m->get<double>()) {
      fail(path, "is above the maximum " + m->dump());
    }
  }

  void check_string(const json& s, const std::string& v, const std::string& path) {
    const size_t length = utf8_length(v);
    if (const auto m = s.find("minLength"); m != s.end() && length < m->get<size_t>()) {
      fail(path, "is shorter than " + m->dump() + " characters");
    }
    bool too_long = false;
    if (const auto m = s.find("maxLength"); m != s.end() && length > m->get<size_t>()) {
      fail(path, "is longer than " + m->dump() + " characters");
      too_long = true;
    }
    if (const auto p = s.find("pattern"); p != s.end() && !too_long) {
      const auto re = patterns_.find(p->get<std::string>());
      bool matched = false;
      try {
        matched = re != patterns_.end() && v.size() <= 4096 && std::regex_search(v, re->second);
      } catch (const std::exception&) {
        matched = false;  // std::regex gave up (complexity); treat as not matching
      }
      if (!matched) {
        fail(path, "does not match pattern " + p->get<std::string>());
      }
    }
  }

  void check_array(const json& s, const json& v, const std::string& path, int depth) {
    if (const auto m = s.find("minItems"); m != s.end() && v.size() < m->get<size_t>()) {
      fail(path, "has fewer than " + m->dump() + " items");
    }
    if (const auto m = s.find("maxItems"); m != s.end() && v.size() > m->get<size_t>()) {
      fail(path, "has more than " + m->dump() + " items");
    }
    if (const auto u = s.find("uniqueItems"); u != s.end() && u->is_boolean() && u->get<bool>()) {
      for (size_t i = 0; i < v.size(); ++i) {
        for (size_t k = i + 1; k < v.size(); ++k) {
          if (v[i] == v[k]) {
            fail(path, "has duplicate items " + std::to_string(i) + " and " + std::to_string(k));
          }
        }
      }
    }
    if (const auto items = s.find("items"); items != s.end()) {
      for (size_t i = 0; i < v.size() && out.size() < max_; ++i) {
        check(*items, v[i], path + "/" + std::to_string(i), depth + 1);
      }
    }
  }

  void check_object(const json& s, const json& v, const std::string& path, int depth) {
    if (const auto r = s.find("required"); r != s.end()) {
      for (const json& name : *r) {
        if (name.is_string() && !v.contains(name.get<std::string>())) {
          fail(path, "lacks the required property '" + name.get<std::string>() + "'");
        }
      }
    }
    const auto props = s.find("properties");
    const auto extra = s.find("additionalProperties");
    for (const auto& [key, value] : v.items()) {
      const std::string sub = path + "/" + escape_pointer(key);
      if (props != s.end() && props->contains(key)) {
        check((*props)[key], value, sub, depth + 1);
      } else if (extra != s.end()) {
        if (extra->is_boolean() && !extra->get<bool>()) {
          fail(sub, "is not an allowed property");
        } else if (extra->is_object()) {
          check(*extra, value, sub, depth + 1);
        }
      }
    }
  }

  const json& root_;
  const std::map<std::string, std::regex>& patterns_;
  size_t max_;
};

}  // namespace

Result<JsonSchema> JsonSchema::compile(nlohmann::json schema) {
  auto patterns = std::make_shared<std::map<std::string, std::regex>>();
  SchemaCompiler compiler(schema, *patterns);
  DD_APP_RETURN_IF_ERROR(compiler.walk(schema, ""));
  JsonSchema out;
  out.schema_ = std::make_shared<const nlohmann::json>(std::move(schema));
  out.patterns_ = std::move(patterns);
  return out;
}

std::vector<SchemaViolation> JsonSchema::validate(const nlohmann::json& instance,
                                                  size_t max_violations) const {
  Validator v(*schema_, *patterns_, max_violations);
  try {
    v.check(*schema_, instance, "");
  } catch (const std::exception& e) {
    v.out.push_back({"", std::string("validation stopped: ") + e.what()});
  }
  return std::move(v.out);
}

}  // namespace dailydrug::app

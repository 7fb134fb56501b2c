#include "openai_api.h"

#include "error_table.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "dailydrug/llm/utf8.h"

namespace dailydrug::server {

using nlohmann::json;

// ---- ApiError -----------------------------------------------------------------------------------

namespace {

/// One error the server itself raises (not an LLM or app error: those go through the table).
ApiError server_error(int status, std::string code, std::string kind, std::string message,
                      std::string type = "invalid_request_error") {
  ApiError e;
  e.http_status = status;
  e.type = std::move(type);
  e.code = std::move(code);
  e.kind = std::move(kind);
  e.message = std::move(message);
  return e;
}

}  // namespace

ApiError ApiError::invalid(std::string param, std::string code, std::string message) {
  ApiError e = server_error(400, std::move(code), "Invalid", std::move(message));
  e.param = std::move(param);
  return e;
}

ApiError ApiError::payload_too_large(size_t size, size_t limit) {
  return server_error(413, "payload_too_large", "PayloadTooLarge",
                      "request body of " + std::to_string(size) + " bytes exceeds the limit of " +
                          std::to_string(limit) + " bytes");
}

ApiError ApiError::queue_full(size_t capacity) {
  return server_error(
      429, "queue_full", "QueueFull",
      "the inference queue is full (" + std::to_string(capacity) + " waiting); retry later",
      "rate_limit_error");
}

ApiError ApiError::unauthorized() {
  return server_error(401, "invalid_token", "Unauthorized",
                      "missing or wrong 'Authorization: Bearer <token>'", "authentication_error");
}

ApiError ApiError::forbidden(std::string why) {
  return server_error(403, "cross_origin", "Forbidden",
                      "refused: " + std::move(why) +
                          " (without a token the server answers only its own pages on this "
                          "machine)",
                      "permission_error");
}

ApiError ApiError::unsupported_media_type(std::string code, std::string message) {
  return server_error(415, std::move(code), "UnsupportedMediaType", std::move(message));
}

ApiError ApiError::length_required() {
  return server_error(411, "length_required", "LengthRequired",
                      "send the body with a Content-Length (Transfer-Encoding is not accepted)");
}

ApiError ApiError::request_timeout(std::string what) {
  return server_error(408, "request_timeout", "RequestTimeout",
                      "the request's " + std::move(what) + " did not arrive in time");
}

ApiError ApiError::headers_too_large(size_t limit) {
  return server_error(431, "headers_too_large", "HeadersTooLarge",
                      "the request's headers exceed " + std::to_string(limit) + " bytes");
}

ApiError ApiError::not_found(std::string what) {
  return server_error(404, "not_found", "RouteNotFound", "no such endpoint: " + std::move(what));
}

ApiError ApiError::method_not_allowed(std::string method) {
  return server_error(405, "method_not_allowed", "MethodNotAllowed",
                      "method " + std::move(method) + " is not allowed (only GET and POST)");
}

ApiError ApiError::internal(std::string message) {
  return server_error(500, "internal", "Internal", std::move(message), "server_error");
}

namespace {

/// The deepest array/object nesting of a JSON text (strings skipped); stops counting past `limit`.
int json_depth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) {
        return deepest;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::string type_name(const json& v) {
  return v.is_number_integer() ? "integer" : std::string{v.type_name()};
}

ApiError wrong_type(const std::string& param, const char* expected, const json& v) {
  return ApiError::invalid(param, "invalid_type",
                           "'" + param + "' must be " + expected + ", not " + type_name(v));
}

ApiError out_of_range(const std::string& param, const std::string& range) {
  return ApiError::invalid(param, "invalid_value", "'" + param + "' must be " + range);
}

/// A number field in [lo, hi] (lo excluded if `lo_open`); null counts as absent.
ApiResult<std::optional<float>> number_field(const json& body, const char* key, double lo,
                                             double hi, bool lo_open) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    return std::optional<float>{};
  }
  if (!it->is_number()) {
    return wrong_type(key, "a number", *it);
  }
  const double v = it->get<double>();
  if (!std::isfinite(v) || v > hi || (lo_open ? v <= lo : v < lo)) {
    return out_of_range(key, std::string{lo_open ? "in (" : "in ["} + json(lo).dump() + ", " +
                                 json(hi).dump() + "]");
  }
  return std::optional<float>{static_cast<float>(v)};
}

/// A message's content: a string, or an array of {"type":"text","text":...} parts.
ApiResult<std::string> message_content(const json& content, const std::string& param) {
  if (content.is_string()) {
    return content.get<std::string>();
  }
  if (!content.is_array()) {
    return wrong_type(param, "a string or an array of text parts", content);
  }
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    const std::string p = param + "[" + std::to_string(i) + "]";
    if (!part.is_object()) {
      return wrong_type(p, "an object", part);
    }
    const auto type = part.find("type");
    if (type == part.end() || !type->is_string() || *type != "text") {
      return ApiError::invalid(p, "unsupported", "'" + p + "': only parts of type 'text'");
    }
    const auto t = part.find("text");
    if (t == part.end() || !t->is_string()) {
      return wrong_type(p + ".text", "a string", t == part.end() ? json() : *t);
    }
    text += t->get<std::string>();
  }
  return text;
}

ApiResult<std::vector<llm::ChatMessage>> parse_messages(const json& body) {
  const auto it = body.find("messages");
  if (it == body.end()) {
    return ApiError::invalid("messages", "invalid_messages", "'messages' is required");
  }
  if (!it->is_array()) {
    return wrong_type("messages", "an array", *it);
  }
  if (it->empty()) {
    return ApiError::invalid("messages", "invalid_messages", "'messages' must not be empty");
  }
  if (it->size() > kMaxMessages) {
    return out_of_range("messages", "at most " + std::to_string(kMaxMessages) + " messages");
  }
  std::vector<llm::ChatMessage> messages;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& m = (*it)[i];
    const std::string p = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) {
      return wrong_type(p, "an object", m);
    }
    const auto role = m.find("role");
    if (role == m.end() || !role->is_string()) {
      return ApiError::invalid(p + ".role", "invalid_messages", "'" + p + ".role' is required");
    }
    std::string r = role->get<std::string>();
    if (r == "developer") {
      r = "system";  // OpenAI's newer name for the system role
    }
    if (r != "system" && r != "user" && r != "assistant") {
      return ApiError::invalid(
          p + ".role", "invalid_messages",
          "unknown role '" + role->get<std::string>() + "' (use system, user or assistant)");
    }
    const auto content = m.find("content");
    if (content == m.end() || content->is_null()) {
      return ApiError::invalid(p + ".content", "invalid_messages",
                               "'" + p + ".content' is required");
    }
    DD_ASSIGN_OR_RETURN(std::string text, message_content(*content, p + ".content"));
    messages.push_back({std::move(r), std::move(text)});
  }
  if (messages.back().role != "user") {
    return ApiError::invalid("messages", "invalid_messages",
                             "the last message must be from the user");
  }
  return messages;
}

ApiResult<std::optional<std::string>> parse_response_format(const json& body) {
  const auto it = body.find("response_format");
  if (it == body.end() || it->is_null()) {
    return std::optional<std::string>{};
  }
  if (!it->is_object()) {
    return wrong_type("response_format", "an object", *it);
  }
  const auto type = it->find("type");
  if (type == it->end() || !type->is_string()) {
    return ApiError::invalid("response_format.type", "invalid_value",
                             "'response_format.type' is required");
  }
  if (*type == "text") {
    return std::optional<std::string>{};
  }
  if (*type == "json_object") {
    return std::optional<std::string>{R"({"type":"object"})"};
  }
  if (*type == "json_schema") {
    const auto js = it->find("json_schema");
    if (js == it->end() || !js->is_object()) {
      return ApiError::invalid("response_format.json_schema", "invalid_value",
                               "'response_format.json_schema' must be an object");
    }
    const auto schema = js->find("schema");
    if (schema == js->end() || !(schema->is_object() || schema->is_boolean())) {
      return ApiError::invalid("response_format.json_schema.schema", "invalid_value",
                               "'response_format.json_schema.schema' must be a JSON Schema object");
    }
    return std::optional<std::string>{schema->dump()};
  }
  return ApiError::invalid("response_format.type", "unsupported",
                           "response_format type '" + type->get<std::string>() +
                               "' is not supported (text, json_object, json_schema)");
}

}  // namespace

// ---- Request parsing ----------------------------------------------------------------------------

ApiResult<ChatCompletionRequest> parse_chat_completion_request(std::string_view body) {
  if (body.size() > kMaxBodyBytes) {
    return ApiError::payload_too_large(body.size(), kMaxBodyBytes);
  }
  if (!llm::is_valid_utf8(body)) {
    return ApiError::invalid("", "invalid_utf8", "the request body is not valid UTF-8");
  }
  if (json_depth(body, kMaxJsonDepth) > kMaxJsonDepth) {
    return ApiError::invalid("", "too_deep",
                             "JSON nested deeper than " + std::to_string(kMaxJsonDepth));
  }
  json doc;
  try {
    doc = json::parse(body);
  } catch (const json::exception& e) {
    return ApiError::invalid("", "invalid_json", std::string{"the body is not JSON: "} + e.what());
  }
  if (!doc.is_object()) {
    return wrong_type("body", "a JSON object", doc);
  }

  ChatCompletionRequest req;
  if (const auto m = doc.find("model"); m != doc.end() && !m->is_null()) {
    if (!m->is_string()) {
      return wrong_type("model", "a string", *m);
    }
    req.model = m->get<std::string>();
  }
  DD_ASSIGN_OR_RETURN(req.messages, parse_messages(doc));
  if (const auto s = doc.find("stream"); s != doc.end() && !s->is_null()) {
    if (!s->is_boolean()) {
      return wrong_type("stream", "a boolean", *s);
    }
    req.stream = s->get<bool>();
  }
  if (const auto so = doc.find("stream_options"); so != doc.end() && !so->is_null()) {
    if (!so->is_object()) {
      return wrong_type("stream_options", "an object", *so);
    }
    if (const auto u = so->find("include_usage"); u != so->end() && !u->is_null()) {
      if (!u->is_boolean()) {
        return wrong_type("stream_options.include_usage", "a boolean", *u);
      }
      req.include_usage = u->get<bool>();
    }
  }
  DD_ASSIGN_OR_RETURN(req.temperature, number_field(doc, "temperature", 0.0, 2.0, false));
  DD_ASSIGN_OR_RETURN(req.top_p, number_field(doc, "top_p", 0.0, 1.0, true));
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    const auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) {
      continue;
    }
    if (!it->is_number_integer()) {
      return wrong_type(key, "an integer", *it);
    }
    const bool in_range = it->is_number_unsigned()
                              ? it->get<uint64_t>() >= 1 && it->get<uint64_t>() <= kMaxTokensLimit
                              : it->get<int64_t>() >= 1 && it->get<int64_t>() <= kMaxTokensLimit;
    if (!in_range) {
      return out_of_range(key, "in [1, " + std::to_string(kMaxTokensLimit) + "]");
    }
    req.max_tokens = static_cast<int32_t>(it->get<int64_t>());
  }
  if (const auto st = doc.find("stop"); st != doc.end() && !st->is_null()) {
    if (st->is_string()) {
      req.stop.push_back(st->get<std::string>());
    } else if (st->is_array()) {
      if (st->size() > kMaxStopStrings) {
        return out_of_range("stop", "at most " + std::to_string(kMaxStopStrings) + " strings");
      }
      for (const json& s : *st) {
        if (!s.is_string()) {
          return wrong_type("stop", "a string or an array of strings", s);
        }
        req.stop.push_back(s.get<std::string>());
      }
    } else {
      return wrong_type("stop", "a string or an array of strings", *st);
    }
    for (const std::string& s : req.stop) {
      if (s.empty() || s.size() > kMaxStopBytes) {
        return out_of_range("stop", "strings of 1 to " + std::to_string(kMaxStopBytes) + " bytes");
      }
    }
  }
  if (const auto sd = doc.find("seed"); sd != doc.end() && !sd->is_null()) {
    if (!sd->is_number_integer()) {
      return wrong_type("seed", "an integer", *sd);
    }
    if (!sd->is_number_unsigned() && sd->get<int64_t>() < 0) {
      return out_of_range("seed", "a non-negative integer");
    }
    req.seed = sd->get<uint64_t>();
  }
  if (const auto n = doc.find("n"); n != doc.end() && !n->is_null()) {
    if (!n->is_number_integer() || n->get<int64_t>() != 1) {
      return ApiError::invalid("n", "unsupported", "only n = 1 is supported");
    }
  }
  DD_ASSIGN_OR_RETURN(req.json_schema, parse_response_format(doc));
  return req;
}

llm::GenerationRequest to_generation_request(const ChatCompletionRequest& request) {
  llm::GenerationRequest g;
  const size_t last = request.messages.size() - 1;
  for (size_t i = 0; i < last; ++i) {
    const llm::ChatMessage& m = request.messages[i];
    if (m.role == "system") {
      g.system_instructions.push_back(m.content);
    } else {
      g.history.push_back(m);
    }
  }
  g.prompt = request.messages[last].content;
  g.temperature = request.temperature;
  g.top_p = request.top_p;
  g.max_output_tokens = request.max_tokens;
  g.stop = request.stop;
  g.seed = request.seed;
  g.json_schema = request.json_schema;
  return g;
}

// ---- Response JSON ------------------------------------------------------------------------------

namespace {
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json usage_json(const llm::Usage& u) {
  return json{{"prompt_tokens", u.input_tokens},
              {"completion_tokens", u.output_tokens},
              {"total_tokens", u.total_tokens}};
}
}  // namespace

std::string build_chat_completion(std::string_view id, std::string_view model, int64_t created,
                                  const llm::GenerationResponse& response) {
  return dump(json{{"id", id},
                   {"object", "chat.completion"},
                   {"created", created},
                   {"model", model},
                   {"choices", json::array({json{
                                   {"index", 0},
                                   {"message", {{"role", "assistant"}, {"content", response.text}}},
                                   {"finish_reason", llm::to_string(response.finish_reason)}}})},
                   {"usage", usage_json(response.usage)},
                   {"system_fingerprint", json(nullptr)},
                   {"seed", response.seed}});
}

std::string build_chat_chunk(std::string_view id, std::string_view model, int64_t created,
                             const ChunkFields& fields) {
  json chunk{
      {"id", id}, {"object", "chat.completion.chunk"}, {"created", created}, {"model", model}};
  if (fields.usage) {
    chunk["choices"] = json::array();
    chunk["usage"] = usage_json(*fields.usage);
  } else {
    json delta = json::object();
    if (fields.role) {
      delta["role"] = *fields.role;
    }
    if (fields.content) {
      delta["content"] = *fields.content;
    }
    chunk["choices"] = json::array(
        {json{{"index", 0},
              {"delta", delta},
              {"finish_reason", fields.finish_reason ? json(*fields.finish_reason) : json()}}});
  }
  return "data: " + dump(chunk) + "\n\n";
}

std::string build_models_list(std::string_view model_id, int64_t created) {
  return dump(json{{"object", "list"},
                   {"data", json::array({json{{"id", model_id},
                                              {"object", "model"},
                                              {"created", created},
                                              {"owned_by", "dailydrug"}}})}});
}

std::string build_error_json(const ApiError& error) {
  return dump(json{{"error",
                    {{"message", error.message},
                     {"type", error.type},
                     {"code", error.code},
                     {"kind", error.kind},
                     {"param", error.param.empty() ? json() : json(error.param)}}}});
}

std::string without_folders(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const bool starts_word =
        i == 0 || std::string_view(" \t(\"'=:,[").find(text[i - 1]) != std::string_view::npos;
    if (text[i] != '/' || !starts_word) {
      out += text[i++];
      continue;
    }
    // A path runs to the next space or closing punctuation; keep what follows its last '/'.
    size_t end = i;
    while (end < text.size() &&
           std::string_view(" \t)\"',;]").find(text[end]) == std::string_view::npos) {
      ++end;
    }
    const std::string_view path = text.substr(i, end - i);
    std::string_view last = path.substr(path.find_last_of('/') + 1);
    if (last.empty()) {  // "/a/b/": the folder's own name
      const std::string_view trimmed = path.substr(0, path.find_last_not_of('/') + 1);
      last = trimmed.substr(trimmed.find_last_of('/') + 1);
    }
    out += last;
    i = end;
  }
  return out;
}

ApiError api_error_from_llm(const llm::Error& error) {
  const frontend::ErrorReport r = frontend::report_of(error.kind);
  ApiError e;
  e.kind = std::string{llm::to_string(error.kind)};
  e.message = without_folders(error.message());
  e.code = r.http_code.empty() ? e.kind : std::string{r.http_code};
  e.http_status = r.http_status;
  e.type = std::string{r.http_type};
  // The request field at fault, for the client's own mistakes.
  if (error.kind == llm::ErrorKind::kConfigurationInvalid) e.param = error.subject;
  return e;
}

}  // namespace dailydrug::server

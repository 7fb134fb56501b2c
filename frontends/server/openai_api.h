// The OpenAI-compatible chat API of `dailydrug serve`, as pure functions: request parsing and
// validation, and the JSON of responses, stream chunks and errors. No server, no globals, no I/O,
// so that they can be unit-tested and fuzzed on their own (tests/server/openai_api_test.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/llm/chat_template.h"
#include "dailydrug/llm/error.h"
#include "dailydrug/llm/runner.h"
#include "dailydrug/result.h"

namespace dailydrug::server {

/// Largest request body accepted (also the server's payload limit): 1 MiB.
inline constexpr size_t kMaxBodyBytes = 1 << 20;
/// Limits on a chat request; beyond them the request is refused with a typed error.
inline constexpr size_t kMaxMessages = 256;
inline constexpr size_t kMaxStopStrings = 4;
inline constexpr size_t kMaxStopBytes = 64;
inline constexpr int32_t kMaxTokensLimit = 4096;
inline constexpr int kMaxJsonDepth = 64;

/// An error returned to an HTTP client as {"error": {"message", "type", "code", "kind", "param"}}.
/// `kind` is a LocalLlmError name ("ModelNotFound", ... see to_string(llm::ErrorKind)), an app
/// error kind ("Invalid", "NotFound", "Conflict", "Storage") or one of the server's own:
/// "PayloadTooLarge", "QueueFull", "Unauthorized", "Forbidden", "UnsupportedMediaType",
/// "LengthRequired", "RequestTimeout", "HeadersTooLarge", "MethodNotAllowed", "RouteNotFound",
/// "Cancelled", "Internal".
struct ApiError {
  int http_status = 400;
  std::string type = "invalid_request_error";  // OpenAI's error type
  std::string code;                            // machine-readable detail, e.g. "invalid_json"
  std::string kind = "Invalid";
  std::string message;
  std::string param;  // the offending request field, if any

  static ApiError invalid(std::string param, std::string code, std::string message);
  static ApiError payload_too_large(size_t size, size_t limit);
  static ApiError queue_full(size_t capacity);
  static ApiError unauthorized();
  /// 403: a request from another site (Host, Origin or Sec-Fetch-Site), `why` says which.
  static ApiError forbidden(std::string why);
  /// 415: a body in a media type or content coding the endpoint does not take.
  static ApiError unsupported_media_type(std::string code, std::string message);
  /// 411: a body without a Content-Length (chunked, or any Transfer-Encoding).
  static ApiError length_required();
  /// 408: the request's headers or body did not arrive in time.
  static ApiError request_timeout(std::string what);
  /// 431: the request's header block is larger than `limit` bytes.
  static ApiError headers_too_large(size_t limit);
  static ApiError not_found(std::string what);
  static ApiError method_not_allowed(std::string method);
  static ApiError internal(std::string message);
};

template <typename T>
using ApiResult = dailydrug::BasicResult<T, ApiError>;

/// A validated POST /v1/chat/completions body.
struct ChatCompletionRequest {
  std::string model;                       // echoed back; the server has one model
  std::vector<llm::ChatMessage> messages;  // roles system|user|assistant, the last one "user"
  bool stream = false;
  bool include_usage = false;         // stream_options.include_usage
  std::optional<float> temperature;   // [0, 2]
  std::optional<float> top_p;         // (0, 1]
  std::optional<int32_t> max_tokens;  // [1, kMaxTokensLimit] (max_completion_tokens too)
  std::vector<std::string> stop;      // string or array, at most kMaxStopStrings
  std::optional<uint64_t> seed;       // non-negative integer
  std::optional<std::string>
      json_schema;  // from response_format (json_object -> {"type":"object"})
};

/// `text` with every absolute path cut to its last component ("/home/u/.cache/b/model.pte" ->
/// "model.pte"): what a client may see of the machine's folders in an error message.
std::string without_folders(std::string_view text);

/// Parse and validate a request body. Errors (all ApiError, kind "Invalid" unless noted):
/// body larger than kMaxBodyBytes (413, kind "PayloadTooLarge"), not UTF-8 ("invalid_utf8"),
/// nested deeper than kMaxJsonDepth ("too_deep"), not JSON ("invalid_json"), not an object,
/// a field of the wrong type ("invalid_type"), a value out of range ("invalid_value"),
/// no messages / an unknown role / a last message that is not from the user ("invalid_messages"),
/// an unsupported response_format or n != 1 ("unsupported"). Unknown fields are ignored, as
/// OpenAI clients send many optional ones.
ApiResult<ChatCompletionRequest> parse_chat_completion_request(std::string_view body);

/// The runtime request for a parsed chat request: system messages become the system
/// instructions, earlier turns the history, the last user message the prompt.
llm::GenerationRequest to_generation_request(const ChatCompletionRequest& request);

/// The non-streaming response object ("chat.completion").
std::string build_chat_completion(std::string_view id, std::string_view model, int64_t created,
                                  const llm::GenerationResponse& response);

/// One SSE event "data: {chat.completion.chunk}\n\n". With `role`, the delta carries the role;
/// with `finish_reason`, the delta is empty and the reason is set; with `usage`, a usage-only
/// chunk (choices empty) as OpenAI sends for stream_options.include_usage.
struct ChunkFields {
  std::optional<std::string_view> role;
  std::optional<std::string_view> content;
  std::optional<std::string_view> finish_reason;
  std::optional<llm::Usage> usage;
};
std::string build_chat_chunk(std::string_view id, std::string_view model, int64_t created,
                             const ChunkFields& fields);
/// The stream's terminator.
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

/// GET /v1/models: {"object":"list","data":[{"id","object":"model","created","owned_by"}]}.
std::string build_models_list(std::string_view model_id, int64_t created);

/// {"error": {...}} for an ApiError.
std::string build_error_json(const ApiError& error);

/// The HTTP mapping of a runtime error: ConfigurationInvalid, TokenizationFailed and
/// ContextLengthExceeded are the client's fault (400); GenerationTimeout 504; the model-loading
/// kinds (ModelNotFound, ModelCorrupted, ModelLoadFailed, ...) 503; the rest 500.
ApiError api_error_from_llm(const llm::Error& error);

}  // namespace dailydrug::server

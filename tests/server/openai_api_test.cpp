// The OpenAI-compatible request parsing and response JSON (frontends/server/openai_api.h).
#include "openai_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace dailydrug::server {
namespace {

using nlohmann::json;

ApiError parse_error(std::string_view body) {
  auto r = parse_chat_completion_request(body);
  EXPECT_FALSE(r.ok()) << body;
  return r.ok() ? ApiError{} : r.error();
}

TEST(OpenAiApiTest, ParsesAFullRequest) {
  auto r = parse_chat_completion_request(R"({
    "model": "m", "stream": true, "stream_options": {"include_usage": true},
    "temperature": 0.5, "top_p": 0.9, "max_tokens": 32, "stop": ["\n\n", "END"], "seed": 7,
    "messages": [{"role": "system", "content": "be brief"},
                 {"role": "user", "content": "hi"},
                 {"role": "assistant", "content": "hello"},
                 {"role": "user", "content": [{"type": "text", "text": "타이레놀"}, {"type": "text", "text": "?"}]}],
    "frequency_penalty": 0, "user": "ignored"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->model, "m");
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_FLOAT_EQ(*r->temperature, 0.5f);
  EXPECT_FLOAT_EQ(*r->top_p, 0.9f);
  EXPECT_EQ(*r->max_tokens, 32);
  EXPECT_EQ(r->stop, (std::vector<std::string>{"\n\n", "END"}));
  EXPECT_EQ(*r->seed, 7u);
  ASSERT_EQ(r->messages.size(), 4u);
  EXPECT_EQ(r->messages[3].content, "타이레놀?");

  const llm::GenerationRequest g = to_generation_request(*r);
  EXPECT_EQ(g.prompt, "타이레놀?");
  EXPECT_EQ(g.system_instructions, std::vector<std::string>{"be brief"});
  ASSERT_EQ(g.history.size(), 2u);
  EXPECT_EQ(g.history[0].role, "user");
  EXPECT_EQ(g.history[1].role, "assistant");
  EXPECT_EQ(*g.max_output_tokens, 32);
  EXPECT_EQ(*g.seed, 7u);
  EXPECT_FALSE(g.json_schema.has_value());
}

TEST(OpenAiApiTest, MinimalRequestLeavesDefaultsUnset) {
  auto r = parse_chat_completion_request(R"({"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->stream);
  EXPECT_FALSE(r->temperature);
  EXPECT_FALSE(r->max_tokens);
  EXPECT_TRUE(r->stop.empty());
  EXPECT_EQ(to_generation_request(*r).prompt, "hi");
}

TEST(OpenAiApiTest, ResponseFormatMapsToJsonSchema) {
  auto obj = parse_chat_completion_request(
      R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}})");
  ASSERT_TRUE(obj.ok());
  EXPECT_EQ(json::parse(*obj->json_schema), json::parse(R"({"type":"object"})"));

  auto schema = parse_chat_completion_request(R"({"messages":[{"role":"user","content":"x"}],
      "response_format":{"type":"json_schema","json_schema":{"name":"n","schema":
      {"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}}}})");
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(json::parse(*schema->json_schema)["required"][0], "a");
  EXPECT_EQ(*to_generation_request(*schema).json_schema, *schema->json_schema);

  auto text = parse_chat_completion_request(
      R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"text"}})");
  ASSERT_TRUE(text.ok());
  EXPECT_FALSE(text->json_schema);

  EXPECT_EQ(
      parse_error(
          R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"grammar"}})")
          .code,
      "unsupported");
  EXPECT_EQ(
      parse_error(
          R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema"}})")
          .param,
      "response_format.json_schema");
}

TEST(OpenAiApiTest, MalformedBodiesAreTypedErrors) {
  EXPECT_EQ(parse_error("").code, "invalid_json");
  EXPECT_EQ(parse_error("{").code, "invalid_json");
  EXPECT_EQ(parse_error("[1,2]").code, "invalid_type");
  EXPECT_EQ(parse_error("\"x\"").code, "invalid_type");
  EXPECT_EQ(parse_error(std::string("{\"messages\":\"\xff\"}")).code, "invalid_utf8");
  EXPECT_EQ(parse_error(std::string(100, '[') + std::string(100, ']')).code, "too_deep");
  const ApiError e = parse_error("{");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.kind, "Invalid");
}

TEST(OpenAiApiTest, HugeBodyIs413) {
  const std::string body(kMaxBodyBytes + 1, ' ');
  const ApiError e = parse_error(body);
  EXPECT_EQ(e.http_status, 413);
  EXPECT_EQ(e.kind, "PayloadTooLarge");
}

TEST(OpenAiApiTest, MessagesAreValidated) {
  EXPECT_EQ(parse_error(R"({})").param, "messages");
  EXPECT_EQ(parse_error(R"({"messages":[]})").code, "invalid_messages");
  EXPECT_EQ(parse_error(R"({"messages":{}})").code, "invalid_type");
  EXPECT_EQ(parse_error(R"({"messages":[{"role":"wizard","content":"x"}]})").param,
            "messages[0].role");
  EXPECT_EQ(parse_error(R"({"messages":[{"role":"user"}]})").param, "messages[0].content");
  EXPECT_EQ(parse_error(R"({"messages":[{"role":"user","content":5}]})").code, "invalid_type");
  EXPECT_EQ(parse_error(R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})").code,
            "unsupported");
  EXPECT_EQ(
      parse_error(
          R"({"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]})")
          .code,
      "invalid_messages");
  std::string many = R"({"messages":[)";
  for (size_t i = 0; i <= kMaxMessages; ++i) many += R"({"role":"user","content":"x"},)";
  many.back() = ']';
  many += "}";
  EXPECT_EQ(parse_error(many).code, "invalid_value");
}

TEST(OpenAiApiTest, SamplingValuesAreRangeChecked) {
  const auto with = [](const std::string& field) {
    return R"({"messages":[{"role":"user","content":"x"}],)" + field + "}";
  };
  EXPECT_EQ(parse_error(with(R"("temperature": 2.5)")).param, "temperature");
  EXPECT_EQ(parse_error(with(R"("temperature": -0.1)")).code, "invalid_value");
  EXPECT_EQ(parse_error(with(R"("temperature": "hot")")).code, "invalid_type");
  EXPECT_EQ(parse_error(with(R"("top_p": 0)")).param, "top_p");
  EXPECT_EQ(parse_error(with(R"("top_p": 1.5)")).param, "top_p");
  EXPECT_EQ(parse_error(with(R"("max_tokens": 0)")).param, "max_tokens");
  EXPECT_EQ(parse_error(with(R"("max_tokens": 1e9)")).code, "invalid_type");
  EXPECT_EQ(parse_error(with(R"("max_tokens": 18446744073709551615)")).code, "invalid_value");
  EXPECT_EQ(parse_error(with(R"("max_completion_tokens": 5000)")).param, "max_completion_tokens");
  EXPECT_EQ(parse_error(with(R"("seed": -1)")).param, "seed");
  EXPECT_EQ(parse_error(with(R"("stop": ["a","b","c","d","e"])")).param, "stop");
  EXPECT_EQ(parse_error(with(R"("stop": [""])")).param, "stop");
  EXPECT_EQ(parse_error(with(R"("stop": 3)")).code, "invalid_type");
  EXPECT_EQ(parse_error(with(R"("stream": "yes")")).param, "stream");
  EXPECT_EQ(parse_error(with(R"("n": 2)")).param, "n");
  auto ok = parse_chat_completion_request(
      with(R"("temperature": 0, "top_p": 1, "max_tokens": 4096, "stop": "x")"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->stop, std::vector<std::string>{"x"});
}

TEST(OpenAiApiTest, CompletionAndChunksAreOpenAiShaped) {
  llm::GenerationResponse r;
  r.text = "안녕";
  r.usage = {5, 2, 7};
  r.finish_reason = llm::FinishReason::kLength;
  const json c = json::parse(build_chat_completion("id1", "m", 100, r));
  EXPECT_EQ(c["object"], "chat.completion");
  EXPECT_EQ(c["choices"][0]["message"]["content"], "안녕");
  EXPECT_EQ(c["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(c["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(c["usage"]["total_tokens"], 7);

  const std::string chunk = build_chat_chunk("id1", "m", 100, ChunkFields{.content = "가"});
  ASSERT_EQ(chunk.rfind("data: ", 0), 0u);
  ASSERT_EQ(chunk.substr(chunk.size() - 2), "\n\n");
  const json j = json::parse(chunk.substr(6));
  EXPECT_EQ(j["object"], "chat.completion.chunk");
  EXPECT_EQ(j["choices"][0]["delta"]["content"], "가");
  EXPECT_TRUE(j["choices"][0]["finish_reason"].is_null());

  const json fin = json::parse(
      build_chat_chunk("id1", "m", 100, ChunkFields{.finish_reason = "stop"}).substr(6));
  EXPECT_EQ(fin["choices"][0]["finish_reason"], "stop");
  EXPECT_TRUE(fin["choices"][0]["delta"].empty());
  const json usage =
      json::parse(build_chat_chunk("id1", "m", 100, ChunkFields{.usage = r.usage}).substr(6));
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 2);

  // Text from the model may hold broken UTF-8 only if the runtime had a bug; never throw on it.
  EXPECT_NO_THROW(build_chat_chunk("id", "m", 1, ChunkFields{.content = "\xff"}));
  EXPECT_EQ(json::parse(build_models_list("smollm", 5))["data"][0]["id"], "smollm");
}

TEST(OpenAiApiTest, ErrorsCarryKindAndStatus) {
  const json e = json::parse(build_error_json(ApiError::queue_full(3)));
  EXPECT_EQ(e["error"]["kind"], "QueueFull");
  EXPECT_EQ(e["error"]["type"], "rate_limit_error");
  EXPECT_EQ(ApiError::queue_full(3).http_status, 429);

  const ApiError bad_schema =
      api_error_from_llm(llm::Error::configuration_invalid("json_schema", "unsupported keyword"));
  EXPECT_EQ(bad_schema.http_status, 400);
  EXPECT_EQ(bad_schema.kind, "ConfigurationInvalid");
  EXPECT_EQ(bad_schema.param, "json_schema");
  EXPECT_EQ(api_error_from_llm(llm::Error::model_not_found("/x")).http_status, 503);
  EXPECT_EQ(api_error_from_llm(llm::Error::model_corrupted("/x", "sha")).kind, "ModelCorrupted");
  EXPECT_EQ(api_error_from_llm(llm::Error::context_length_exceeded(64, 90)).http_status, 400);
  EXPECT_EQ(api_error_from_llm(llm::Error::generation_timeout(10)).http_status, 504);
  EXPECT_EQ(api_error_from_llm(llm::Error::generation_failed("x")).http_status, 500);
}

TEST(OpenAiApiTest, ErrorMessagesNameFilesNotTheMachinesFolders) {
  EXPECT_EQ(without_folders("model not found: /home/u/.cache/bundles/default"),
            "model not found: default");
  EXPECT_EQ(without_folders("model corrupted: /x/y/model.pte (sha256 of '/x/y/z.ptd')"),
            "model corrupted: model.pte (sha256 of 'z.ptd')");
  EXPECT_EQ(without_folders("cannot open /a/b/"), "cannot open b");
  EXPECT_EQ(without_folders("3/4 done, a/b kept"), "3/4 done, a/b kept");
  const ApiError e = api_error_from_llm(llm::Error::model_not_found("/srv/secret/bundle"));
  EXPECT_EQ(e.http_status, 503);
  EXPECT_EQ(e.message.find("/srv"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace dailydrug::server

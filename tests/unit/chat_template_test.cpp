// ChatTemplate rendering for the families the exporter writes (chatml, llama3, gemma).
#include "dailydrug/llm/chat_template.h"

#include <gtest/gtest.h>

using dailydrug::llm::ChatTemplate;
using dailydrug::llm::ErrorKind;

namespace {

ChatTemplate chatml() {
  ChatTemplate t;
  t.name = "chatml";
  t.system = "<|im_start|>system\n{content}<|im_end|>\n";
  t.user = "<|im_start|>user\n{content}<|im_end|>\n";
  t.assistant = "<|im_start|>assistant\n{content}<|im_end|>\n";
  t.generation_prompt = "<|im_start|>assistant\n";
  return t;
}

ChatTemplate gemma() {
  ChatTemplate t;
  t.name = "gemma";
  t.prefix = "<bos>";
  t.system = "{content}\n\n";
  t.system_in_first_user = true;
  t.user = "<start_of_turn>user\n{content}<end_of_turn>\n";
  t.assistant = "<start_of_turn>model\n{content}<end_of_turn>\n";
  t.generation_prompt = "<start_of_turn>model\n";
  return t;
}

}  // namespace

TEST(ChatTemplateTest, ChatmlConversation) {
  auto r = chatml().render({{"system", "S"}, {"user", "hi"}, {"assistant", "yo"}, {"user", "q"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r,
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"
            "<|im_start|>assistant\nyo<|im_end|>\n<|im_start|>user\nq<|im_end|>\n"
            "<|im_start|>assistant\n");
}

TEST(ChatTemplateTest, DefaultSystemOnlyWhenNoneGiven) {
  auto t = chatml();
  t.default_system = "D";
  EXPECT_EQ(*t.render({{"user", "x"}}),
            "<|im_start|>system\nD<|im_end|>\n<|im_start|>user\nx<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(t.render({{"system", "S"}, {"user", "x"}})->find("D<|im_end|>"), std::string::npos);
}

TEST(ChatTemplateTest, SeveralSystemMessagesAreJoined) {
  auto r = chatml().render({{"system", "a"}, {"system", "b"}, {"user", "x"}});
  EXPECT_EQ(r->rfind("<|im_start|>system\na\nb<|im_end|>\n<|im_start|>user\nx", 0), 0u);
}

TEST(ChatTemplateTest, GemmaPutsSystemIntoFirstUserTurn) {
  auto r = gemma().render({{"system", "S"}, {"user", "hi"}, {"assistant", "yo"}, {"user", "q"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(
      *r,
      "<bos><start_of_turn>user\nS\n\nhi<end_of_turn>\n<start_of_turn>model\nyo<end_of_turn>\n"
      "<start_of_turn>user\nq<end_of_turn>\n<start_of_turn>model\n");
}

TEST(ChatTemplateTest, ContentWithBracesIsVerbatim) {
  auto r = chatml().render({{"user", "{content} {x}"}});
  EXPECT_NE(r->find("user\n{content} {x}<|im_end|>"), std::string::npos);
}

TEST(ChatTemplateTest, UnknownRoleIsConfigurationInvalid) {
  auto r = chatml().render({{"tool", "x"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kConfigurationInvalid);
}

TEST(ChatTemplateTest, RawPassesTextThrough) {
  EXPECT_EQ(*ChatTemplate::raw().render({{"user", "plain"}}), "plain");
}

#include "dailydrug/llm/cancel.h"

#include <gtest/gtest.h>

#include <thread>

namespace dailydrug::llm {
namespace {

TEST(CancelTokenTest, ACancelStaysUntilTheTokenIsGone) {
  auto token = make_cancel_token();
  EXPECT_FALSE(token->stop_requested());
  token->cancel();
  EXPECT_TRUE(token->cancelled());
  EXPECT_TRUE(token->stop_requested());
  EXPECT_FALSE(token->expired());
  token->cancel();  // a second cancel changes nothing
  EXPECT_TRUE(token->cancelled());
}

TEST(CancelTokenTest, ADeadlineStopsWithoutACancel) {
  auto token = make_cancel_token(std::chrono::milliseconds(20));
  EXPECT_FALSE(token->stop_requested());
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_TRUE(token->expired());
  EXPECT_FALSE(token->cancelled());
  EXPECT_TRUE(token->stop_requested());
}

TEST(CancelTokenTest, ANullTokenNeverStops) {
  EXPECT_FALSE(stop_requested(nullptr));
  CancelToken token;
  EXPECT_FALSE(stop_requested(&token));
  EXPECT_FALSE(token.deadline().has_value());
}

TEST(CancelTokenTest, ACancelFromAnotherThreadIsSeen) {
  auto token = make_cancel_token();
  std::thread other([token] { token->cancel(); });
  other.join();
  EXPECT_TRUE(token->stop_requested());
}

}  // namespace
}  // namespace dailydrug::llm

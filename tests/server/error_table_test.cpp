// The front ends' one error table (frontends/common/error_table.h): every kind has a row, and the
// server's ApiError and the CLI's exit code both come from it.
#include "error_table.h"

#include <gtest/gtest.h>

#include <set>

#include "openai_api.h"

namespace dailydrug::frontend {
namespace {

TEST(ErrorTableTest, EveryLlmKindHasOneRowAndTheServerUsesIt) {
  const std::set<int> statuses{400, 500, 503, 504};
  for (int k = 1; k <= 13; ++k) {
    const auto kind = static_cast<llm::ErrorKind>(k);
    const ErrorReport r = report_of(kind);
    EXPECT_TRUE(statuses.count(r.http_status)) << llm::to_string(kind);
    llm::Error e;
    e.kind = kind;
    e.subject = "/home/someone/bundle";
    const server::ApiError api = server::api_error_from_llm(e);
    EXPECT_EQ(api.http_status, r.http_status) << llm::to_string(kind);
    EXPECT_EQ(api.type, r.http_type) << llm::to_string(kind);
    EXPECT_EQ(api.kind, llm::to_string(kind));
    // A client's mistake is a usage error in the CLI and a 400 on the server; the model's state
    // is exit 4 and 503: the two front ends never disagree on whose fault it is.
    EXPECT_EQ(r.http_status == 400, r.exit_code == kExitUsage) << llm::to_string(kind);
    EXPECT_EQ(r.http_status == 503, r.exit_code == kExitModel) << llm::to_string(kind);
  }
  EXPECT_EQ(report_of(llm::ErrorKind::kContextLengthExceeded).http_status, 400);
  EXPECT_EQ(report_of(llm::ErrorKind::kGenerationTimeout).http_status, 504);
  EXPECT_EQ(report_of(llm::ErrorKind::kModelCorrupted).exit_code, kExitModel);
}

TEST(ErrorTableTest, EveryAppKindHasOneRow) {
  EXPECT_EQ(report_of(app::ErrorKind::kNotFound).http_status, 404);
  EXPECT_EQ(report_of(app::ErrorKind::kNotFound).exit_code, kExitNotFound);
  EXPECT_EQ(report_of(app::ErrorKind::kInvalid).http_status, 400);
  EXPECT_EQ(report_of(app::ErrorKind::kInvalid).exit_code, kExitUsage);
  EXPECT_EQ(report_of(app::ErrorKind::kConflict).http_status, 409);
  EXPECT_EQ(report_of(app::ErrorKind::kStorage).http_status, 500);
  EXPECT_EQ(report_of(app::ErrorKind::kStorage).http_code, "storage");
}

}  // namespace
}  // namespace dailydrug::frontend

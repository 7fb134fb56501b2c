#include "metrics.h"

#include <cstdio>
#include <sstream>

namespace dailydrug::server {

namespace {
/// A label value with \ " and newline escaped, as the exposition format requires.
std::string label(std::string_view v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}
}  // namespace

void Metrics::count_request(std::string_view route, int status) {
  const std::lock_guard lock(mutex_);
  ++requests_[{std::string{route}, status}];
}

void Metrics::count_error(std::string_view kind) {
  const std::lock_guard lock(mutex_);
  ++errors_[std::string{kind}];
}

void Metrics::count_generation(GenerationOutcome outcome, int64_t tokens,
                               double decode_tokens_per_s) {
  switch (outcome) {
    case GenerationOutcome::kCompleted:
      ++completed_;
      break;
    case GenerationOutcome::kCancelled:
      ++cancelled_;
      break;
    case GenerationOutcome::kFailed:
      ++failed_;
      break;
  }
  tokens_ += tokens;
  if (decode_tokens_per_s > 0) {
    const std::lock_guard lock(mutex_);
    last_decode_tps_ = decode_tokens_per_s;
    decode_tps_sum_ += decode_tokens_per_s;
    ++decode_tps_count_;
  }
}

void Metrics::count_speculation(int64_t drafted, int64_t accepted) {
  drafted_ += drafted;
  accepted_ += accepted;
}

std::string Metrics::prometheus_text(const QueueGauges& queue) const {
  std::ostringstream out;
  const std::lock_guard lock(mutex_);
  out << "# HELP dailydrug_http_requests_total HTTP responses by route and status.\n"
         "# TYPE dailydrug_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out << "dailydrug_http_requests_total{route=\"" << label(key.first) << "\",status=\""
        << key.second << "\"} " << n << '\n';
  }
  out << "# HELP dailydrug_errors_total Error responses by kind.\n"
         "# TYPE dailydrug_errors_total counter\n";
  for (const auto& [kind, n] : errors_) {
    out << "dailydrug_errors_total{kind=\"" << label(kind) << "\"} " << n << '\n';
  }
  out << "# HELP dailydrug_queue_depth Generations waiting for the model.\n"
         "# TYPE dailydrug_queue_depth gauge\n"
      << "dailydrug_queue_depth " << queue.depth << '\n'
      << "# HELP dailydrug_queue_capacity The most generations that may wait.\n"
         "# TYPE dailydrug_queue_capacity gauge\n"
      << "dailydrug_queue_capacity " << queue.capacity << '\n'
      << "# HELP dailydrug_generation_running 1 while a generation runs.\n"
         "# TYPE dailydrug_generation_running gauge\n"
      << "dailydrug_generation_running " << (queue.busy ? 1 : 0) << '\n'
      << "# HELP dailydrug_model_ready 1 when the model is loaded.\n"
         "# TYPE dailydrug_model_ready gauge\n"
      << "dailydrug_model_ready " << (queue.model_state == "ready" ? 1 : 0) << '\n'
      << "# HELP dailydrug_generations_total Generations by outcome.\n"
         "# TYPE dailydrug_generations_total counter\n"
      << "dailydrug_generations_total{outcome=\"completed\"} " << completed_.load() << '\n'
      << "dailydrug_generations_total{outcome=\"cancelled\"} " << cancelled_.load() << '\n'
      << "dailydrug_generations_total{outcome=\"failed\"} " << failed_.load() << '\n'
      << "# HELP dailydrug_tokens_generated_total Tokens generated.\n"
         "# TYPE dailydrug_tokens_generated_total counter\n"
      << "dailydrug_tokens_generated_total " << tokens_.load() << '\n'
      << "# HELP dailydrug_draft_tokens_total Speculative decoding: drafted tokens verified.\n"
         "# TYPE dailydrug_draft_tokens_total counter\n"
      << "dailydrug_draft_tokens_total " << drafted_.load() << '\n'
      << "# HELP dailydrug_draft_tokens_accepted_total Drafted tokens the model confirmed.\n"
         "# TYPE dailydrug_draft_tokens_accepted_total counter\n"
      << "dailydrug_draft_tokens_accepted_total " << accepted_.load() << '\n'
      << "# HELP dailydrug_decode_tokens_per_second Decode speed of the last generation.\n"
         "# TYPE dailydrug_decode_tokens_per_second gauge\n"
      << "dailydrug_decode_tokens_per_second " << number(last_decode_tps_) << '\n'
      << "# HELP dailydrug_decode_tokens_per_second_avg Mean decode speed over generations.\n"
         "# TYPE dailydrug_decode_tokens_per_second_avg gauge\n"
      << "dailydrug_decode_tokens_per_second_avg "
      << number(decode_tps_count_ > 0 ? decode_tps_sum_ / static_cast<double>(decode_tps_count_)
                                      : 0.0)
      << '\n';
  return out.str();
}

}  // namespace dailydrug::server

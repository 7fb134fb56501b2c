#include "dailydrug/app/clock.h"

#include <ctime>

namespace dailydrug::app {

LocalDateTime SystemClock::now() const {
  const std::time_t t = std::time(nullptr);
  std::tm local{};
  localtime_r(&t, &local);
  const Date date{std::chrono::year{local.tm_year + 1900},
                  std::chrono::month{static_cast<unsigned>(local.tm_mon + 1)},
                  std::chrono::day{static_cast<unsigned>(local.tm_mday)}};
  return start_of_day(date) + std::chrono::hours{local.tm_hour} +
         std::chrono::minutes{local.tm_min};
}

}  // namespace dailydrug::app

// What some tokens of a lexed line mean given their neighbours — passes the lexer
// (dosage_lexer.h) runs over a line's tokens after reading them one by one: dates written with
// spaces, clock times in words, message timestamps, sprays per dose, every N days, a condition
// phrase, time limits. Private to the app library. Pure functions; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "dailydrug/app/dosage_token.h"

namespace dailydrug::app {

/// Re-reads `tokens` of `line` (`lower`: the line ASCII lower-cased, same offsets) in context:
/// "2025. 11. 28." is a date and a clock time after it or alone with 오전/오후 in brackets a
/// timestamp; "밤 9시 30분" 21:30; "각 2회 분무" is sprays per dose, not a count; "3일(72시간)마다"
/// every 3 days; "열이 38도 이상일 때" an as-needed condition; "4주 안에" a time limit, not a
/// course.
void read_in_context(std::string_view line, std::string_view lower,
                     std::vector<DosageToken>& tokens);

}  // namespace dailydrug::app

// The condition of an as-needed dose written as a phrase ("열이 38도 이상일 때", "두통이 심할
// 때만", "열 38.5도 이상일 때", "변비가 심하면", "머리가 아플 때"), read in a lexed line's tokens
// as one condition token — one of the passes the lexer (dosage_lexer.h) runs in context
// (token_context.h). Private to the app library. Pure function; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "dailydrug/app/dosage_token.h"

namespace dailydrug::app {

/// Marks every condition phrase of `tokens` (of `line`): a
/// subject — a word ending in the particle 이/가, or a symptom word of the lexicon — followed
/// within four tokens by a word ending in 때 ("when") or 면 ("if"), with 만/는/에 after it or not;
/// or a subject right before a condition of the lexicon ("머리가" + "아플 때"). The phrase becomes
/// one kPrnCondition token, whose text is the condition's note. Not when the rest of its clause
/// is a caution or says to stop ("졸음이 오면 운전하지 마세요", "(발진이 생기면 복용 중지)"), and
/// the subject is never a name with a dosage form ("베아제정 소화가 안될 때 1정": "소화가").
void mark_condition_phrases(std::string_view line, std::vector<DosageToken>& tokens);

}  // namespace dailydrug::app

// The words of triage (private to triage.cpp): signs said in one phrase, and signs said in two
// parts close together. Korean entries are matched with spaces removed, English ones lower-cased;
// adding a spelling here is how triage learns a new way of saying a sign.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "dailydrug/app/triage.h"

namespace dailydrug::app::triage_words {

struct SignRule {
  EmergencyKind kind;
  std::vector<std::string_view> korean;   // substrings of the question with spaces removed
  std::vector<std::string_view> english;  // substrings of the lower-cased question
};

// A sign said in words the phrase lists do not spell out: a first part followed closely by a
// second ("변이 짜장처럼 새까맣게", "가슴이 꽉 조이듯이", "토했더니 피가 섞여"). Both parts are
// matched on the question with spaces removed and ASCII lower-cased, so English works too
// ("worstheadache").
struct NearRule {
  EmergencyKind kind;
  std::string_view name;
  std::vector<std::string_view> first, second;
  bool anywhere = false;                    // the second part may come anywhere in the question
  std::vector<std::string_view> also = {};  // one of these must occur too (empty: none needed)
  size_t within = 10;  // Hangul syllables from the first part's start to the second's
  std::vector<std::string_view> unless = {};  // none of these may occur ("가슴 근육이 뻐근")
};

/// In the order they are tried: the first rule that matches names the emergency.
const std::vector<SignRule>& sign_rules();
const std::vector<NearRule>& near_rules();

}  // namespace dailydrug::app::triage_words

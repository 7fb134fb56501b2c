// Triage's second opinion (private to triage.cpp): a logistic regression over TF-IDF vectors of a
// message's character 1- to 3-grams, learnt from messages outside authors wrote — the triage
// probes' dev parts (emergencies and look-alikes) and the assistant's ordinary dev questions, no
// sealed, blind or held-out set. The weights are app/data/triage_model.tsv, written by
// tools/triage/train_triage_model.py (which also has the cross-validation behind the threshold).
// It speaks only when the word rules found nothing: words recognise what they were shown, this
// recognises messages that read like the emergencies people write.
#pragma once

#include <string_view>
#include <vector>

namespace dailydrug::app::triage_model {

/// The model's decision value for `k`: the message with ASCII letters lower-cased and ASCII white
/// space removed (ascii_lower_without_spaces). Over threshold(): it reads like an emergency.
double decision_value(std::string_view k);

/// The decision value above which a message reads like an emergency.
double threshold();

/// The (message, decision value) pairs scikit-learn recorded in the table, for the tests.
struct Check {
  std::string_view message;
  double value = 0;
};
const std::vector<Check>& recorded_checks();

}  // namespace dailydrug::app::triage_model

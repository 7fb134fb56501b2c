// Triage: emergency signs in a question, found before anything else is answered.
//
// A question that mentions trouble breathing, swelling of the lips, face or throat, chest pain or
// pressure, fainting, a seizure, black or bloody stool, vomiting blood, an overdose, a child who
// swallowed medicine or a household chemical, thoughts of self-harm, a blistering rash or mouth
// sores, stroke signs, sudden loss of sight, a rigid or unbearably painful belly, a high fever with
// a stiff neck or confusion, a dehydrated baby, a very slow pulse, a very low blood sugar reading
// or a head injury on a blood thinner gets an answer that opens with the instruction to call 119 or
// go to an emergency room now — whether or not a medicine is recognised, and before any model text.
// Matching is on keywords (Korean with spaces removed, English on lower-cased words), plus the
// numbers of a pulse or a blood sugar reading. When no rule matches, a second opinion learnt from
// messages outside authors wrote (a linear model over character n-grams, app/src/triage_model.h)
// may still find that the message reads like an emergency (kind kUnspecified). It reads the
// question without the words of the signs the rules know, so a sign they set aside is not read
// again, and it is not asked about a "what if". A sign directly negated ("숨쉬기 힘들지는
// 않아요", "no trouble breathing"), told as the past ("작년에", "last month") or said as a figure
// of speech ("숨 막혀 죽겠다") does not count.
// Over-triage is the safe direction: the rules prefer a false alarm to a missed emergency.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dailydrug/app/medicine_facts.h"

namespace dailydrug::app {

enum class EmergencyKind {
  kBreathing,        // trouble breathing, swelling of lips/face/tongue/throat (anaphylaxis)
  kChestPain,        // chest pain, pressure or tightness
  kFainting,         // fainting, unconscious, cannot be woken
  kSeizure,          // seizure, convulsions
  kBleeding,         // black or bloody stool, vomiting or coughing blood, bleeding that won't stop
  kOverdose,         // took far more than prescribed (a whole pack, many tablets)
  kChildIngestion,   // a child swallowed medicine not meant for them
  kSelfHarm,         // thoughts of suicide or self-harm
  kSevereSkin,       // rash with blisters, peeling skin
  kStroke,           // weakness or numbness on one side, slurred speech, facial droop
  kHeadInjury,       // a blow to the head on a blood thinner, or with vomiting or drowsiness
  kPoisoning,        // a household chemical or a button battery swallowed
  kVisionLoss,       // sudden loss of sight in one or both eyes
  kAbdomen,          // a rigid belly, or abdominal pain too severe to move
  kSevereInfection,  // high fever with a stiff neck or confusion, fever during chemotherapy
  kDehydration,      // a baby or small child with no urine for hours, listless or hard to wake
  kPulse,            // a pulse under 45, or over 150 with dizziness or fainting
  kBloodPressure,    // blood pressure of 180/120 or more with a headache, blurred sight or vomiting
  kHighBloodSugar,   // blood sugar of 400 or more ("HI") with vomiting, drowsiness, deep breathing
  kClot,             // one leg swollen and sudden breathlessness (a clot in the lungs)
  kPregnancy,        // heavy bleeding, a severe headache with flashing sight, or no movements
  kPriapism,         // an erection that lasts four hours or more
  kUnspecified,      // no sign a rule names, but the message reads like an emergency
};

/// "breathing", "chest_pain", ... (for --json and logs).
std::string_view to_string(EmergencyKind kind);

struct Emergency {
  EmergencyKind kind = EmergencyKind::kBreathing;
  std::string sign;  // the keyword that matched, as written in the rules
};

/// The first emergency sign in `question`, or nullopt.
std::optional<Emergency> triage(std::string_view question);

/// The lines an emergency answer opens with: the 119 / emergency-room instruction first, then
/// what to do on the way (bring the package, do not induce vomiting, the 109 crisis line).
/// Each line ends with '\n'.
std::string emergency_lines(const Emergency& emergency, Language language);

}  // namespace dailydrug::app

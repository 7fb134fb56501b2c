// The phases of a tapering course written on one line ("소론도정5mg 1-3일: 1회 2정씩, 4-7일:
// 1회 1정씩 / 1일 2회 식후", "처음 3일 … / 다음 3일 … / 마지막 3일 …"): each phase read on its
// own, completed from what the line writes once for all of them. Private to the app library; used
// by the document reader (document_reader.h). Pure functions; thread-safe.
#pragma once

#include <vector>

#include "dailydrug/app/dosage_token.h"
#include "dailydrug/app/dose_parser.h"
#include "dailydrug/app/ocr_normalizer.h"

namespace dailydrug::app {

/// The phases of a tapering course in tokens[from, …) of `line`, each read on its own; what a
/// phase leaves out (the count and timing written once, before the first phase or after the
/// last) comes from the others, nearest first, without their labels. Empty unless the line has
/// two or more phases and each has a dose.
std::vector<InstructionFields> line_phases(const OcrLine& line,
                                           const std::vector<DosageToken>& tokens, size_t from);

}  // namespace dailydrug::app

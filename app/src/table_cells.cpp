#include "table_cells.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace dailydrug::app {
namespace {

bool is_whole_in(double v, int lo, int hi) {
  return v == std::floor(v) && v >= lo && v <= hi;
}

template <typename T>
void set_cell(LineField<T>& field, const T& value, int line, FieldSource& source) {
  if (!field.present()) {
    field.value = value;
    field.line = line;
    source = FieldSource::kTableCell;
  } else if (field.value && !(*field.value == value)) {
    field.value.reset();
    field.ambiguous = true;  // the cell and the written value disagree
  }
}

}  // namespace

void assign_row_numbers(const TableHeader& header, Entry& e, InstructionFields& f, int line) {
  const auto filled = [&](TableColumn c) {
    switch (c) {
      case TableColumn::kDose:
        return f.dose.present();
      case TableColumn::kTimesPerDay:
        return f.times.present() || f.non_daily;
      case TableColumn::kDays:
        return f.days.present() || f.days_in_months;
      case TableColumn::kUnused:
        return false;
    }
    return false;
  };
  const std::vector<TableColumn> all(header.columns, header.columns + header.count);
  // The cells are all columns; or the columns the row left empty; or, when the row's dose
  // is written with its unit in the dose cell, the other columns — their values may be
  // repeated in words in a directions column ("1 56 1일 1회 취침 전"). Columns of unused
  // numbers may be blank (a form's "본인부담률" left empty).
  std::vector<std::vector<TableColumn>> choices = {all, all};
  std::erase_if(choices[1], filled);
  if (f.dose.present()) {
    choices.push_back(all);
    std::erase(choices.back(), TableColumn::kDose);
  }
  const auto fits = [&](const std::vector<TableColumn>& targets) {
    return targets.size() == f.bare_numbers.size();
  };
  auto chosen = std::find_if(choices.begin(), choices.end(), fits);
  if (chosen == choices.end()) {
    for (std::vector<TableColumn>& c : choices) {
      std::erase(c, TableColumn::kUnused);
    }
    chosen = std::find_if(choices.begin(), choices.end(), fits);
  }
  if (chosen == choices.end()) {
    e.unassigned_numbers = true;
    return;
  }
  const std::vector<TableColumn>& targets = *chosen;
  for (size_t k = 0; k < targets.size(); ++k) {
    const double v = f.bare_numbers[k];
    switch (targets[k]) {
      case TableColumn::kDose:
        if (v > 0 && v <= 1000) {
          DoseAmount dose;
          dose.amount = v;
          set_cell(f.dose, dose, line, e.src.dose);
          if (e.src.dose == FieldSource::kTableCell) {
            f.dose_unit_from_form = true;
          }
        } else {
          e.unassigned_numbers = true;
        }
        break;
      case TableColumn::kTimesPerDay:
        if (is_whole_in(v, 1, 24)) {
          set_cell(f.times, static_cast<int>(v), line, e.src.times);
        } else {
          e.unassigned_numbers = true;
        }
        break;
      case TableColumn::kDays:
        if (is_whole_in(v, 1, 100000)) {
          set_cell(f.days, static_cast<int>(v), line, e.src.days);
        } else {
          e.unassigned_numbers = true;
        }
        break;
      case TableColumn::kUnused:
        break;  // a quantity, price or amount: not a field of the schedule
    }
  }
}

InstructionFields column_cell_fields(LayoutColumn column, const InstructionFields& f, int line) {
  // One bare number: the cell's value; 0 (no valid value) otherwise.
  const double bare = f.bare_numbers.size() == 1 ? f.bare_numbers[0] : 0;
  InstructionFields cell;
  switch (column) {
    case LayoutColumn::kDose:
      if (f.dose.value) {
        cell.dose = f.dose;
      } else if (bare > 0 && bare <= 1000) {
        cell.dose = {DoseAmount{.amount = bare}, false, line};
        cell.dose_unit_from_form = true;
      }
      break;
    case LayoutColumn::kTimesPerDay:
      if (f.times.value) {
        cell.times = f.times;
      } else if (is_whole_in(bare, 1, 24)) {
        cell.times = {static_cast<int>(bare), false, line};
      }
      break;
    case LayoutColumn::kDays:
      if (f.days.value) {
        cell.days = f.days;
      } else if (is_whole_in(bare, 1, 100000)) {
        cell.days = {static_cast<int>(bare), false, line};
      }
      break;
    case LayoutColumn::kDirections:
      cell = f;
      cell.bare_numbers.clear();
      break;
  }
  return cell;
}

InstructionFields row_cell_fields(TableColumn column, const InstructionFields& f, int line) {
  const bool only_dose = f.dose.value && f.bare_numbers.empty() && !f.times.present() &&
                         !f.days.present() && !f.when.present();
  const bool one_number = !f.has_fields() && f.bare_numbers.size() == 1;
  const double v = one_number ? f.bare_numbers[0] : 0;
  InstructionFields cell;
  switch (column) {
    case TableColumn::kDose:
      if (only_dose) {
        cell.dose = f.dose;
      } else if (one_number && v > 0 && v <= 1000) {
        cell.dose = {DoseAmount{.amount = v}, false, line};
        cell.dose_unit_from_form = true;
      }
      break;
    case TableColumn::kTimesPerDay:
      if (one_number && is_whole_in(v, 1, 24)) {
        cell.times = {static_cast<int>(v), false, line};
      }
      break;
    case TableColumn::kDays:
      if (one_number && is_whole_in(v, 1, 100000)) {
        cell.days = {static_cast<int>(v), false, line};
      }
      break;
    case TableColumn::kUnused:
      break;
  }
  return cell;
}

}  // namespace dailydrug::app

// Customer satisfaction from the feedback the front desks record (a score
// from 1 to 5 and a comment): how many answered, the average score and the
// share of low scores, by office, employee, month or in total.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hq/analytics/sales.h"
#include "node/store/store.h"

namespace crm {

// A score at or below this is a low score (an unhappy client: 1 or 2 of 5).
inline constexpr int kLowScore = 2;

enum class SatisfactionDimension { kOffice, kEmployee, kMonth, kTotal };

// "office", "employee", "month", "total" and back; nullopt for another name.
const char* SatisfactionDimensionName(SatisfactionDimension dimension);
std::optional<SatisfactionDimension> SatisfactionDimensionFromName(std::string_view name);

struct SatisfactionRow {
  std::string key;            // office code, employee (as EmployeeNames names them), "2026-03", "all"
  uint64_t responses = 0;     // feedback records with a score from 1 to 5
  uint64_t score_total = 0;   // the sum of their scores
  uint64_t low = 0;           // of them, scores of kLowScore or less
  uint64_t comments = 0;      // of them, with a comment that is not blank
  // score_total / responses (0 without responses).
  double AverageScore() const;
  // low / responses (0 without responses).
  double LowShare() const;
};

// Live feedback records made in `period` (months and days in its zone),
// grouped by `dimension`, in key order (months in date order). Feedback
// without an office or employee groups under "(none)"; a record whose score
// is not 1 to 5 is left out.
Result<std::vector<SatisfactionRow>> SatisfactionBy(const Store& store, SatisfactionDimension dimension,
                                                    const SalesFilter& period);

}  // namespace crm

// How a report that covers several currencies prints them: one section per
// currency, never a sum across them (hq/analytics/currencies.h decides which).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hq/reports/print_segments.h"

namespace crm {

// Before the section of `currency` in a table: a heading naming it, when the
// report covers more than one (one currency's table stays as it was).
void SectionHeading(Output output, std::FILE* out, const std::vector<std::string>& currencies,
                    size_t index);

// True if `currencies` is empty (the store holds no sales), after saying so:
// "The store holds no sales." (or `what`) in a table, [] as JSON, nothing as CSV.
bool ReportedEmpty(Output output, std::FILE* out, const std::vector<std::string>& currencies,
                   const char* what = "sales");

// A report whose JSON is one object per currency: the object alone when there
// is exactly one, else an array of them (each names its "currency").
void PrintJsonSections(const std::vector<nlohmann::json>& sections, std::FILE* out);

}  // namespace crm

// Writing CSV (RFC 4180), for every program that prints a table as CSV: the
// exporters (node/exchange/) and the managers' reports (hq/reports/). Reading
// CSV is node/exchange/csv.h.
#pragma once

#include <string>
#include <string_view>

namespace crm {

// `text` as one CSV field: in double quotes (a quote inside doubled) when it
// holds a comma, a quote or a line break; as it is otherwise.
inline std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace crm

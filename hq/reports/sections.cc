#include "hq/reports/sections.h"

#include <fmt/format.h>

namespace crm {

void SectionHeading(Output output, std::FILE* out, const std::vector<std::string>& currencies,
                    size_t index) {
  if (output != Output::kTable || currencies.size() < 2) return;
  fmt::print(out, "{}== {} ({} of {} currencies; amounts are never summed across them) ==\n",
             index == 0 ? "" : "\n", currencies[index], index + 1, currencies.size());
}

bool ReportedEmpty(Output output, std::FILE* out, const std::vector<std::string>& currencies,
                   const char* what) {
  if (!currencies.empty()) return false;
  if (output == Output::kTable) fmt::print(out, "The store holds no {}.\n", what);
  if (output == Output::kJson) fmt::print(out, "[]\n");
  return true;
}

void PrintJsonSections(const std::vector<nlohmann::json>& sections, std::FILE* out) {
  if (sections.size() == 1) {
    fmt::print(out, "{}\n", sections.front().dump(2));
    return;
  }
  fmt::print(out, "{}\n", nlohmann::json(sections).dump(2));
}

}  // namespace crm

// Comparing a report's rows with an independent computation's (sqlite3).
#pragma once

#include <map>
#include <set>
#include <string>

namespace crm::testing {

// Up to five keys on which `ours` and `theirs` differ, with both values
// ("(missing)" for a key only one has); empty if they are equal.
inline std::string Differences(const std::map<std::string, std::string>& ours,
                               const std::map<std::string, std::string>& theirs) {
  std::string out;
  int shown = 0;
  std::set<std::string> keys;
  for (const auto& [k, v] : ours) keys.insert(k);
  for (const auto& [k, v] : theirs) keys.insert(k);
  for (const std::string& k : keys) {
    auto a = ours.find(k);
    auto b = theirs.find(k);
    std::string va = a == ours.end() ? "(missing)" : a->second;
    std::string vb = b == theirs.end() ? "(missing)" : b->second;
    if (va != vb && shown++ < 5) out += k + ": ours " + va + ", sqlite3 " + vb + "\n";
  }
  return out;
}

}  // namespace crm::testing

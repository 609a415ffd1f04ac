// How the pos client writes and reads amounts, dates and tables.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sync/base/money.h"
#include "sync/base/status.h"

namespace crm::pos {

// UTC milliseconds as local time of this machine: "2026-11-22 14:05".
std::string FormatTime(int64_t utc_ms);

// "2026-11-30" or "2026-11-30T15:00" (local time of this machine) -> UTC ms.
Result<int64_t> ParseLocalTime(std::string_view text, std::string_view field);

// Columns padded to the widest cell (counting characters, not bytes).
std::string Table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows);

// Display width of UTF-8 text in characters.
size_t TextWidth(std::string_view utf8);

}  // namespace crm::pos

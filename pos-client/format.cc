#include "pos-client/format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace crm::pos {


std::string FormatTime(int64_t utc_ms) {
  if (utc_ms <= 0) return "-";
  std::time_t seconds = static_cast<std::time_t>(utc_ms / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M", &local);
  return buffer;
}

Result<int64_t> ParseLocalTime(std::string_view text, std::string_view field) {
  std::tm local{};
  std::string copy(text);
  const char* end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M", &local);
  if (end == nullptr || *end != '\0') {
    local = std::tm{};
    end = strptime(copy.c_str(), "%Y-%m-%d", &local);
  }
  if (end == nullptr || *end != '\0') {
    return Status::InvalidArgument(std::string(field), "'" + copy +
                                                           "' is not a date like 2026-11-30 or "
                                                           "2026-11-30T15:00");
  }
  local.tm_isdst = -1;
  std::time_t seconds = std::mktime(&local);
  if (seconds == -1) return Status::InvalidArgument(std::string(field), "date out of range");
  return static_cast<int64_t>(seconds) * 1000;
}

size_t TextWidth(std::string_view utf8) {
  return static_cast<size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string Table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) widths[i] = TextWidth(header[i]);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], TextWidth(row[i]));
    }
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) text += std::string(widths[i] - TextWidth(cells[i]) + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out;
}

}  // namespace crm::pos

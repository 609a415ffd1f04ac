// A reader of CSV files as spreadsheets and shop systems write them (RFC
// 4180): comma-separated, fields optionally in double quotes (a quote inside
// doubled), line breaks inside quotes kept, CRLF or LF, a UTF-8 byte order
// mark skipped. Bounded: a record longer than its limit is an error naming its
// line, never an unbounded buffer.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "node/common/csv_field.h"
#include "sync/base/status.h"

namespace crm {

class CsvReader {
 public:
  // Reads from `in`, which must outlive the reader.
  explicit CsvReader(std::istream& in, size_t max_record_bytes = 1u << 20);

  // The next record's fields into `fields`. Returns false at the end of the
  // input; kInvalidArgument for a malformed record (an unclosed quote, text
  // after a closing quote, a record over the limit, bytes that are not
  // UTF-8), naming its line. After an error the reader goes on at the next
  // line.
  Result<bool> Next(std::vector<std::string>& fields);

  // The line on which the last record returned began (1-based).
  size_t line() const { return record_line_; }

 private:
  std::istream& in_;
  size_t max_record_bytes_;
  size_t next_line_ = 1;
  size_t record_line_ = 0;
  bool started_ = false;
};

}  // namespace crm

#include "node/exchange/csv.h"

#include "node/common/text.h"

namespace crm {

CsvReader::CsvReader(std::istream& in, size_t max_record_bytes)
    : in_(in), max_record_bytes_(max_record_bytes) {}

Result<bool> CsvReader::Next(std::vector<std::string>& fields) {
  fields.clear();
  if (!started_) {
    started_ = true;
    if (in_.peek() == 0xEF) {  // a UTF-8 byte order mark
      char bom[3];
      in_.read(bom, 3);
      if (in_.gcount() != 3 || bom[1] != '\xBB' || bom[2] != '\xBF') {
        return Status::InvalidArgument("line 1", "the file starts with bytes that are not UTF-8");
      }
    }
  }
  if (in_.peek() == std::char_traits<char>::eof()) return false;
  record_line_ = next_line_;

  // On an error, skip to the end of the physical line and report.
  auto fail = [&](const std::string& why) -> Result<bool> {
    int c;
    while ((c = in_.get()) != std::char_traits<char>::eof() && c != '\n') {
    }
    ++next_line_;
    fields.clear();
    return Status::InvalidArgument("line " + std::to_string(record_line_), why);
  };

  std::string field;
  size_t bytes = 0;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field was quoted (and its quote closed)
  for (;;) {
    int c = in_.get();
    if (c == std::char_traits<char>::eof()) {
      if (quoted) return fail("a quoted field is not closed before the end of the file");
      break;
    }
    if (++bytes > max_record_bytes_) {
      return fail("the record is longer than " + std::to_string(max_record_bytes_) + " bytes");
    }
    char ch = static_cast<char>(c);
    if (quoted) {
      if (ch == '"') {
        if (in_.peek() == '"') {
          in_.get();
          field += '"';
        } else {
          quoted = false;
          was_quoted = true;
        }
      } else {
        if (ch == '\n') ++next_line_;
        field += ch;
      }
      continue;
    }
    if (ch == ',') {
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
      continue;
    }
    if (ch == '\r' && in_.peek() == '\n') continue;
    if (ch == '\n') break;
    if (was_quoted) return fail("text after a closing quote");
    if (ch == '"') {
      if (!field.empty()) return fail("a quote inside an unquoted field");
      quoted = true;
      continue;
    }
    field += ch;
  }
  ++next_line_;
  fields.push_back(std::move(field));
  for (const std::string& f : fields) {
    if (!IsCleanUtf8(f)) return Status::InvalidArgument("line " + std::to_string(record_line_),
                                                        "a field is not clean UTF-8 text");
  }
  return true;
}

}  // namespace crm

#include "node/exchange/records_csv.h"

#include <capnp/dynamic.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <unordered_map>

#include "node/common/crypto.h"
#include "node/common/local_time.h"
#include "node/exchange/client_csv.h"
#include "node/exchange/csv.h"
#include "node/exchange/people.h"
#include "node/store/client_index.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/money.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"

namespace crm {
namespace {

constexpr size_t kMaxShort = 200;        // titles, office codes
constexpr size_t kMaxLong = 64 * 1024;   // a note's text, a summary, a comment

// How a column's cell is read and written.
enum class Type {
  kShort,     // text of at most kMaxShort bytes
  kLong,      // text of at most kMaxLong bytes
  kTime,      // FormatUtcTime; 0 is a blank cell
  kEnum,      // the enumerant's name in records.capnp ("call", "inbound", "open")
  kCurrency,  // an ISO 4217 code
  kMoney,     // major units in the row's Currency ("12.50")
  kPerson,    // login, or login@OFFICE (node/exchange/people.h)
  kSale,      // a sale's id, which the store must hold
  kScore,     // 1 to 5
};

struct Column {
  const char* header;
  const char* field;  // of the record's records.capnp struct
  Type type;
  bool required = false;
};

// The columns after Id, ClientNumber and ClientId, per kind.
const std::vector<Column>& ColumnsOf(RecordFile file) {
  static const std::vector<Column> kInteractions = {
      {"Office", "office", Type::kShort},       {"Time", "time", Type::kTime, true},
      {"Channel", "channel", Type::kEnum, true}, {"Direction", "direction", Type::kEnum},
      {"Employee", "employee", Type::kPerson},   {"Summary", "summary", Type::kLong}};
  static const std::vector<Column> kNotes = {{"Office", "office", Type::kShort},
                                             {"Time", "time", Type::kTime, true},
                                             {"Author", "author", Type::kPerson},
                                             {"Text", "text", Type::kLong, true}};
  static const std::vector<Column> kTasks = {
      {"Office", "office", Type::kShort},        {"Title", "title", Type::kShort, true},
      {"Due", "due", Type::kTime},               {"Status", "status", Type::kEnum},
      {"Assignee", "assignee", Type::kPerson},   {"CreatedBy", "createdBy", Type::kPerson},
      {"CreatedAt", "createdAt", Type::kTime},   {"CompletedAt", "completedAt", Type::kTime}};
  static const std::vector<Column> kFeedback = {
      {"Office", "office", Type::kShort},      {"Time", "time", Type::kTime, true},
      {"Score", "score", Type::kScore, true},  {"Employee", "employee", Type::kPerson},
      {"Comment", "comment", Type::kLong},     {"SaleId", "sale", Type::kSale}};
  static const std::vector<Column> kDeals = {
      {"Office", "office", Type::kShort},          {"Title", "title", Type::kShort, true},
      {"Stage", "stage", Type::kEnum},             {"Currency", "currency", Type::kCurrency},
      {"Amount", "amount", Type::kMoney},          {"Owner", "owner", Type::kPerson},
      {"CreatedAt", "createdAt", Type::kTime},     {"FurthestStage", "furthestStage", Type::kEnum},
      {"ClosedAt", "closedAt", Type::kTime}};
  static const std::vector<Column> kPayments = {
      {"Office", "office", Type::kShort},          {"Time", "time", Type::kTime, true},
      {"Currency", "currency", Type::kCurrency, true}, {"Amount", "amount", Type::kMoney, true},
      {"Method", "method", Type::kEnum},           {"Cashier", "cashier", Type::kPerson},
      {"SaleId", "sale", Type::kSale},             {"Comment", "comment", Type::kLong}};
  switch (file) {
    case RecordFile::kInteractions:
      return kInteractions;
    case RecordFile::kNotes:
      return kNotes;
    case RecordFile::kTasks:
      return kTasks;
    case RecordFile::kFeedback:
      return kFeedback;
    case RecordFile::kDeals:
      return kDeals;
    case RecordFile::kPayments:
      break;
  }
  return kPayments;
}

struct KindInfo {
  EntityKind kind;
  capnp::StructSchema schema;
  bool event;            // written once (else a mutable record, patched)
  bool client_required;  // a task may be for no client
};

KindInfo InfoOf(RecordFile file) {
  switch (file) {
    case RecordFile::kInteractions:
      return {EntityKind::INTERACTION, capnp::Schema::from<schema::Interaction>(), true, true};
    case RecordFile::kNotes:
      return {EntityKind::NOTE, capnp::Schema::from<schema::Note>(), false, true};
    case RecordFile::kTasks:
      return {EntityKind::TASK, capnp::Schema::from<schema::Task>(), false, false};
    case RecordFile::kFeedback:
      return {EntityKind::FEEDBACK, capnp::Schema::from<schema::Feedback>(), true, true};
    case RecordFile::kDeals:
      return {EntityKind::DEAL, capnp::Schema::from<schema::Deal>(), false, true};
    case RecordFile::kPayments:
      break;
  }
  return {EntityKind::PAYMENT, capnp::Schema::from<schema::Payment>(), true, true};
}

std::string Str(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

Id IdOf(capnp::DynamicStruct::Reader record, const char* field) {
  if (!record.has(field)) return Id{};
  return IdFromWire(record.get(field).as<capnp::DynamicStruct>().as<schema::Id>());
}

// The enumerant names of an enum field, for an error message.
std::string EnumNames(capnp::EnumSchema schema) {
  std::string names;
  for (auto enumerant : schema.getEnumerants()) {
    names += (names.empty() ? "" : ", ") + std::string(enumerant.getProto().getName().cStr());
  }
  return names;
}

// One cell, checked.
struct Value {
  bool blank = true;
  std::string text;   // kShort, kLong, kCurrency
  int64_t number = 0;  // kTime, kMoney, kScore, kEnum (raw)
  PersonRef person;    // kPerson
  Id id;               // kSale
};

struct Draft {
  size_t line = 0;
  Id id;                  // null: derived from the line
  std::string id_source;  // what a derived id is derived from
  Id client_id;           // from ClientId, or null
  std::string number;     // ClientNumber
  std::vector<Value> values;  // per ColumnsOf(file)
};

std::string Bad(const std::string& header, std::string_view value, std::string_view why) {
  return header + " '" + std::string(value) + "': " + std::string(why);
}

// Reads the file's lines into checked drafts, a batch at a time.
class LineReader {
 public:
  LineReader(std::istream& csv, RecordFile file, const RecordImportOptions& options,
             RecordImportReport& report)
      : csv_(csv), file_(file), info_(InfoOf(file)), options_(options), report_(report) {}

  Status Start() {
    std::vector<std::string> header;
    auto read = csv_.Next(header);
    if (!read.ok()) return read.status();
    if (!*read)
      return Status::InvalidArgument("file", "the file is empty: a header line is needed");
    std::vector<bool> read_by_field(header.size(), false);
    auto find = [&](const std::string& name) -> std::optional<size_t> {
      for (size_t i = 0; i < header.size(); ++i) {
        if (header[i] == name) {
          read_by_field[i] = true;
          return i;
        }
      }
      return std::nullopt;
    };
    id_column_ = find("Id");
    number_column_ = find("ClientNumber");
    client_id_column_ = find("ClientId");
    if (info_.client_required && !number_column_ && !client_id_column_) {
      return Status::InvalidArgument(
          "file", std::string("the header has no ClientNumber or ClientId column: a ") +
                      RecordFileName(file_) + " file names each record's client");
    }
    for (const Column& column : ColumnsOf(file_)) {
      auto at = find(column.header);
      if (!at && column.required) {
        return Status::InvalidArgument("file", std::string("the header has no column '") +
                                                   column.header + "' (required)");
      }
      columns_.push_back(at);
    }
    for (size_t i = 0; i < header.size(); ++i) {
      if (!read_by_field[i]) report_.unread_columns.push_back(header[i]);
    }
    width_ = header.size();
    return Status::Ok();
  }

  // Appends up to `max` checked lines to `batch`; false once the file ends.
  bool Fill(std::vector<Draft>& batch, size_t max) {
    std::vector<std::string> fields;
    while (batch.size() < max) {
      auto more = csv_.Next(fields);
      if (!more.ok()) {
        ++report_.lines;
        Reject(csv_.line(), more.status().message());
        continue;
      }
      if (!*more) return false;
      if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
      ++report_.lines;
      Draft draft;
      draft.line = csv_.line();
      if (std::string why = Take(fields, draft); !why.empty()) {
        Reject(draft.line, std::move(why));
        continue;
      }
      if (!draft.id.IsNull()) {
        auto [it, fresh] = first_line_.try_emplace(draft.id, draft.line);
        if (!fresh) {
          Reject(draft.line, "Id " + draft.id.ToString() + " is on line " +
                                 std::to_string(it->second) + " already");
          continue;
        }
      }
      batch.push_back(std::move(draft));
    }
    return true;
  }

 private:
  static std::string Cell(const std::vector<std::string>& fields, std::optional<size_t> at) {
    return at ? fields[*at] : std::string();
  }

  // Checks one line into `draft`; returns why not, or "" if taken.
  std::string Take(const std::vector<std::string>& fields, Draft& draft) {
    if (fields.size() != width_) {
      return "it has " + std::to_string(fields.size()) + " fields, the header " +
             std::to_string(width_);
    }
    if (std::string text = Cell(fields, id_column_); !text.empty()) {
      auto id = Id::Parse(text);
      if (!id.ok() || id->IsNull()) return Bad("Id", text, "is not a record id (26 characters)");
      draft.id = *id;
    }
    if (std::string text = Cell(fields, client_id_column_); !text.empty()) {
      auto id = Id::Parse(text);
      if (!id.ok() || id->IsNull()) return Bad("ClientId", text, "is not a client id (26 characters)");
      draft.client_id = *id;
    }
    draft.number = Cell(fields, number_column_);
    if (draft.number.size() > 2 && draft.number.ends_with(".0")) draft.number.resize(draft.number.size() - 2);
    if (draft.number.size() > 64) return Bad("ClientNumber", draft.number, "is longer than 64 bytes");
    if (info_.client_required && draft.number.empty() && draft.client_id.IsNull()) {
      return "ClientNumber and ClientId are blank: the record's client is needed";
    }
    const std::vector<Column>& columns = ColumnsOf(file_);
    draft.values.resize(columns.size());
    std::string currency;
    for (size_t c = 0; c < columns.size(); ++c) {
      if (columns[c].type == Type::kCurrency) currency = Cell(fields, columns_[c]);
    }
    std::string office = Cell(fields, columns_[0]);  // every kind's first column is Office
    if (office.empty()) office = options_.office;
    for (size_t c = 0; c < columns.size(); ++c) {
      const Column& column = columns[c];
      const std::string text = Cell(fields, columns_[c]);
      draft.id_source += text + '\x1f';
      if (text.empty()) {
        if (column.required) return std::string(column.header) + " is blank (required)";
        continue;
      }
      Value& value = draft.values[c];
      value.blank = false;
      if (std::string why = Read(column, text, currency, office, value); !why.empty()) return why;
    }
    return {};
  }

  std::string Read(const Column& column, const std::string& text, const std::string& currency,
                   const std::string& office, Value& value) const {
    const std::string header = column.header;
    switch (column.type) {
      case Type::kShort:
      case Type::kLong: {
        size_t max = column.type == Type::kShort ? kMaxShort : kMaxLong;
        if (text.size() > max) return Bad(header, text.substr(0, 40) + "...", "is longer than " + std::to_string(max) + " bytes");
        value.text = text;
        return {};
      }
      case Type::kTime: {
        auto time = ParseUtcTime(text, header);
        if (!time.ok()) return time.status().message();
        value.number = *time;
        return {};
      }
      case Type::kEnum: {
        auto field_schema = info_.schema.getFieldByName(column.field).getType().asEnum();
        std::string lower = text;
        for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        auto enumerant = field_schema.findEnumerantByName(lower);
        if (enumerant == nullptr) {
          return Bad(header, text, "is not one of " + EnumNames(field_schema));
        }
        value.number = KJ_ASSERT_NONNULL(enumerant).getOrdinal();
        return {};
      }
      case Type::kCurrency:
        if (!IsKnownCurrency(text)) return Bad(header, text, "is not an ISO 4217 currency code like GBP");
        value.text = text;
        return {};
      case Type::kMoney: {
        if (currency.empty()) return Bad(header, text, "an amount needs its Currency");
        auto amount = ParseMoney(text, currency, header);
        if (!amount.ok()) {
          return Bad(header, text, "is not an amount in " + currency + " like " +
                                       FormatMoney(1250, currency) + " (no sign, at most " +
                                       std::to_string(MinorDigits(currency)) + " decimals)");
        }
        if (*amount > kMaxAmount) return Bad(header, text, "is too large");
        value.number = *amount;
        return {};
      }
      case Type::kPerson: {
        auto person = ParsePerson(text, office, header);
        if (!person.ok()) return person.status().message();
        value.person = *person;
        return {};
      }
      case Type::kSale: {
        auto id = Id::Parse(text);
        if (!id.ok() || id->IsNull()) return Bad(header, text, "is not a sale id (26 characters)");
        value.id = *id;
        return {};
      }
      case Type::kScore: {
        if (text.size() != 1 || text[0] < '1' || text[0] > '5') return Bad(header, text, "is not a score from 1 to 5");
        value.number = text[0] - '0';
        return {};
      }
    }
    return {};
  }

  void Reject(size_t line, std::string reason) {
    report_.rejected.push_back(ImportRejection{line, std::move(reason)});
  }

  CsvReader csv_;
  RecordFile file_;
  KindInfo info_;
  const RecordImportOptions& options_;
  RecordImportReport& report_;
  std::optional<size_t> id_column_, number_column_, client_id_column_;
  std::vector<std::optional<size_t>> columns_;  // per ColumnsOf(file)
  size_t width_ = 0;
  std::unordered_map<Id, size_t, IdHash> first_line_;  // record id -> the line that took it
};

enum class Outcome { kWritten, kUpdated, kUnchanged, kRemoved };

// The client a line names, or why not: its ClientId if given, else the
// client the client import made for its number, else the one client holding
// that card.
Result<Id> ClientOfLine(StoreTxn& txn, const RecordImportOptions& options, const Draft& draft,
                        std::string& why) {
  auto live = [&](const Id& id) -> Result<bool> {
    auto found = txn.Get(EntityKind::CLIENT, id);
    if (found.ok()) return IsLive(found->stored());
    if (found.status().code() != StatusCode::kNotFound) return found.status();
    return false;
  };
  if (!draft.client_id.IsNull()) {
    CRM_ASSIGN_OR_RETURN(bool held, live(draft.client_id));
    if (!held) why = Bad("ClientId", draft.client_id.ToString(), "no such client in the store (import the clients first)");
    return draft.client_id;
  }
  if (draft.number.empty()) return Id{};
  const Id derived = ImportedClientId(options.office, draft.number);
  CRM_ASSIGN_OR_RETURN(bool held, live(derived));
  if (held) return derived;
  CRM_ASSIGN_OR_RETURN(std::vector<Id> holders, txn.client_index().FindByCard(draft.number));
  if (holders.size() == 1) return holders[0];
  why = Bad("ClientNumber", draft.number,
            holders.empty() ? "no client has this number (import the clients first)"
                            : std::to_string(holders.size()) + " clients hold this card: give the ClientId");
  return Id{};
}

capnp::DynamicStruct::Builder BodyOf(ChangeMessage& change, capnp::StructSchema schema) {
  auto root = change.message().getRoot<schema::Change>();
  return root.isPatch() ? root.getPatch().getRecord().getAs<capnp::DynamicStruct>(schema)
                        : root.getEvent().getAs<capnp::DynamicStruct>(schema);
}

// Writes one line's record unless the store has it with these values.
Result<Outcome> WriteRecord(StoreTxn& txn, HybridClock& hlc, RecordFile file,
                            const RecordImportOptions& options, PeopleDirectory& people,
                            const Draft& draft, std::string& why) {
  const KindInfo info = InfoOf(file);
  const std::vector<Column>& columns = ColumnsOf(file);
  CRM_ASSIGN_OR_RETURN(Id client, ClientOfLine(txn, options, draft, why));
  if (!why.empty()) return Outcome::kUnchanged;
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].type != Type::kSale || draft.values[c].blank) continue;
    auto sale = txn.Get(EntityKind::SALE, draft.values[c].id);
    if (sale.ok()) continue;
    if (sale.status().code() != StatusCode::kNotFound) return sale.status();
    why = Bad(columns[c].header, draft.values[c].id.ToString(), "no such sale in the store (import the sales first)");
    return Outcome::kUnchanged;
  }
  int64_t time = 0;
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].type == Type::kTime && !draft.values[c].blank) time = draft.values[c].number;
  }
  const Id id = draft.id.IsNull()
                    ? DerivedId(std::string("import/") + RecordFileName(file) + "/" + options.office +
                                    "/" + client.ToString() + "/" + draft.id_source,
                                time)
                    : draft.id;

  std::optional<Record> existing;
  if (auto found = txn.Get(info.kind, id); found.ok()) {
    existing.emplace(std::move(found).value());
  } else if (found.status().code() != StatusCode::kNotFound) {
    return found.status();
  }
  if (existing && info.event) return Outcome::kUnchanged;  // written once, never changed
  if (existing && !IsLive(existing->stored())) return Outcome::kRemoved;
  capnp::DynamicStruct::Reader current =
      existing ? existing->stored().getValue().getAs<capnp::DynamicStruct>(info.schema)
               : capnp::DynamicStruct::Reader();
  const bool fresh = !existing;

  const Stamp stamp = hlc.Now();
  ChangeMessage change = info.event ? ChangeMessage::Event(info.kind, id, stamp, Id{})
                                    : ChangeMessage::Patch(info.kind, id, stamp, Id{});
  auto out = BodyOf(change, info.schema);
  bool changed = fresh;
  auto mark = [&](const char* field) -> Status {
    changed = true;
    return info.event ? Status::Ok() : change.Set(field);
  };
  if (!client.IsNull()) {
    Id have = fresh ? Id{} : IdOf(current, "client");
    bool same = !have.IsNull() && (have == client || (txn.ResolveClient(have).ok() &&
                                                       *txn.ResolveClient(have) == client));
    if (!same) {
      IdToWire(client, out.init("client").as<capnp::DynamicStruct>().as<schema::Id>());
      CRM_RETURN_IF_ERROR(mark("client"));
    }
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    const Column& column = columns[c];
    Value value = draft.values[c];
    if (column.type == Type::kShort && std::string_view(column.field) == "office" && value.blank && fresh) {
      value.blank = false;
      value.text = options.office;
    }
    if (value.blank) continue;
    switch (column.type) {
      case Type::kShort:
      case Type::kLong:
      case Type::kCurrency:
        if (!fresh && Str(current.get(column.field).as<capnp::Text>()) == value.text) continue;
        out.set(column.field, capnp::Text::Reader(value.text.c_str(), value.text.size()));
        break;
      case Type::kTime:
      case Type::kMoney:
      case Type::kScore:
        if (!fresh && current.get(column.field).as<int64_t>() == value.number) continue;
        out.set(column.field, value.number);
        break;
      case Type::kEnum: {
        auto schema = info.schema.getFieldByName(column.field).getType().asEnum();
        if (!fresh && current.get(column.field).as<capnp::DynamicEnum>().getRaw() == value.number) continue;
        out.set(column.field, capnp::DynamicEnum(schema, static_cast<uint16_t>(value.number)));
        break;
      }
      case Type::kPerson:
      case Type::kSale: {
        Id target = value.id;
        if (column.type == Type::kPerson) {
          CRM_ASSIGN_OR_RETURN(target, people.Resolve(txn, hlc, value.person));
        }
        if (!fresh && IdOf(current, column.field) == target) continue;
        IdToWire(target, out.init(column.field).as<capnp::DynamicStruct>().as<schema::Id>());
        break;
      }
    }
    CRM_RETURN_IF_ERROR(mark(column.field));
  }
  if (!changed) return Outcome::kUnchanged;
  CRM_RETURN_IF_ERROR(txn.ApplyLocal(change.change()).status());
  return fresh ? Outcome::kWritten : Outcome::kUpdated;
}

// A cell of the export for `column` of `record`.
Result<std::string> ExportCell(const Column& column, capnp::DynamicStruct::Reader record,
                               std::string_view office, PeopleNames& people) {
  switch (column.type) {
    case Type::kShort:
    case Type::kLong:
    case Type::kCurrency:
      return Str(record.get(column.field).as<capnp::Text>());
    case Type::kTime: {
      int64_t time = record.get(column.field).as<int64_t>();
      return time == 0 ? std::string() : FormatUtcTime(time);
    }
    case Type::kScore:
      return std::to_string(record.get(column.field).as<int64_t>());
    case Type::kMoney: {
      std::string currency = Str(record.get("currency").as<capnp::Text>());
      int64_t amount = record.get(column.field).as<int64_t>();
      if (currency.empty()) return amount == 0 ? std::string() : std::to_string(amount);
      return FormatMoney(amount, currency);
    }
    case Type::kEnum: {
      auto enumerant = record.get(column.field).as<capnp::DynamicEnum>().getEnumerant();
      if (enumerant == nullptr) return std::string();
      return std::string(KJ_ASSERT_NONNULL(enumerant).getProto().getName().cStr());
    }
    case Type::kPerson:
      return people.Name(IdOf(record, column.field), office);
    case Type::kSale: {
      Id id = IdOf(record, column.field);
      return id.IsNull() ? std::string() : id.ToString();
    }
  }
  return std::string();
}

}  // namespace

const char* RecordFileName(RecordFile file) {
  switch (file) {
    case RecordFile::kInteractions:
      return "interactions";
    case RecordFile::kNotes:
      return "notes";
    case RecordFile::kTasks:
      return "tasks";
    case RecordFile::kFeedback:
      return "feedback";
    case RecordFile::kDeals:
      return "deals";
    case RecordFile::kPayments:
      break;
  }
  return "payments";
}

std::vector<RecordFile> AllRecordFiles() {
  return {RecordFile::kPayments, RecordFile::kInteractions, RecordFile::kNotes,
          RecordFile::kTasks,    RecordFile::kFeedback,     RecordFile::kDeals};
}

Result<RecordFile> RecordFileNamed(std::string_view name) {
  std::string names;
  for (RecordFile file : AllRecordFiles()) {
    if (name == RecordFileName(file)) return file;
    names += (names.empty() ? "" : ", ") + std::string(RecordFileName(file));
  }
  return Status::InvalidArgument("kind", "'" + std::string(name) + "' is not one of " + names);
}

std::vector<std::string> RecordColumns(RecordFile file) {
  std::vector<std::string> out = {"Id", "ClientNumber", "ClientId"};
  for (const Column& column : ColumnsOf(file)) out.push_back(column.header);
  return out;
}

std::string FormatUtcTime(int64_t utc_ms) {
  std::string text = FormatLocalSeconds(utc_ms, "UTC");
  text[10] = 'T';
  int64_t millis = ((utc_ms % 1000) + 1000) % 1000;
  if (millis != 0) {
    char fraction[8];
    std::snprintf(fraction, sizeof(fraction), ".%03d", static_cast<int>(millis));
    text += fraction;
  }
  return text + "Z";
}

Result<int64_t> ParseUtcTime(std::string_view text, std::string_view column) {
  auto bad = [&] {
    return Status::InvalidArgument(
        std::string(column), Bad(std::string(column), text, "is not a time like 2026-11-22T14:05:09Z (UTC)"));
  };
  std::string copy(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, consumed = 0;
  char separator = 0;
  int got = std::sscanf(copy.c_str(), "%4d-%2d-%2d%c%2d:%2d%n", &y, &mo, &d, &separator, &h, &mi,
                        &consumed);
  if (got != 6 || (separator != 'T' && separator != ' ') || copy.size() < 16) return bad();
  std::string_view rest = std::string_view(copy).substr(static_cast<size_t>(consumed));
  int millis = 0;
  if (rest.size() >= 3 && rest[0] == ':' && std::isdigit(static_cast<unsigned char>(rest[1])) &&
      std::isdigit(static_cast<unsigned char>(rest[2]))) {
    s = (rest[1] - '0') * 10 + (rest[2] - '0');
    rest.remove_prefix(3);
    if (!rest.empty() && rest[0] == '.') {
      rest.remove_prefix(1);
      int digits = 0;
      while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest[0])) && digits < 3) {
        millis = millis * 10 + (rest[0] - '0');
        rest.remove_prefix(1);
        ++digits;
      }
      if (digits == 0) return bad();
      for (; digits < 3; ++digits) millis *= 10;
    }
  }
  if (separator == 'T' ? rest != "Z" : !(rest.empty() || rest == "Z")) return bad();
  if (h > 23 || mi > 59 || s > 59 || h < 0 || mi < 0 || s < 0) return bad();
  auto utc = LocalToUtc(LocalDateTime{LocalDate{y, mo, d}, h, mi, s}, "UTC");
  if (!utc.ok()) return bad();
  return *utc + millis;
}

Result<RecordImportReport> ImportRecords(Writer& writer, HybridClock& hlc, std::istream& csv,
                                         RecordFile file, const RecordImportOptions& options) {
  if (options.office.empty() || options.office.size() > 64 || options.records_per_transaction == 0) {
    return Status::InvalidArgument("options", "an office code and a batch size are needed");
  }
  RecordImportReport report;
  LineReader reader(csv, file, options, report);
  CRM_RETURN_IF_ERROR(reader.Start());
  PeopleDirectory people;
  std::vector<Draft> batch;
  for (bool more = true; more;) {
    batch.clear();
    more = reader.Fill(batch, options.records_per_transaction);
    if (batch.empty()) continue;
    size_t counts[4] = {};
    std::vector<ImportRejection> rejected;
    const size_t made_before = people.made().size();
    CRM_RETURN_IF_ERROR(writer.Run([&](StoreTxn& txn) -> Status {
      std::fill(std::begin(counts), std::end(counts), 0);  // the work may run again
      rejected.clear();
      people.Rewind(made_before);
      for (const Draft& draft : batch) {
        std::string why;
        CRM_ASSIGN_OR_RETURN(Outcome outcome,
                             WriteRecord(txn, hlc, file, options, people, draft, why));
        if (!why.empty()) {
          rejected.push_back(ImportRejection{draft.line, std::move(why)});
          continue;
        }
        ++counts[static_cast<size_t>(outcome)];
      }
      return Status::Ok();
    }));
    report.written += counts[static_cast<size_t>(Outcome::kWritten)];
    report.updated += counts[static_cast<size_t>(Outcome::kUpdated)];
    report.unchanged += counts[static_cast<size_t>(Outcome::kUnchanged)];
    report.removed += counts[static_cast<size_t>(Outcome::kRemoved)];
    report.rejected.insert(report.rejected.end(), rejected.begin(), rejected.end());
  }
  report.users_made = people.made();
  std::sort(report.rejected.begin(), report.rejected.end(),
            [](const ImportRejection& a, const ImportRejection& b) { return a.line < b.line; });
  return report;
}

Result<size_t> ExportRecords(const Store& store, std::ostream& csv, RecordFile file) {
  const KindInfo info = InfoOf(file);
  const std::vector<Column>& columns = ColumnsOf(file);
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  std::string header;
  for (const std::string& column : RecordColumns(file)) header += (header.empty() ? "" : ",") + column;
  csv << header << '\n';
  PeopleNames people(view);
  std::unordered_map<Id, std::pair<std::string, Id>, IdHash> clients;  // number, resolved id
  size_t written = 0;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      info.kind, [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto record = stored.getValue().getAs<capnp::DynamicStruct>(info.schema);
        std::string number, client_id;
        if (Id client = IdOf(record, "client"); !client.IsNull()) {
          auto it = clients.find(client);
          if (it == clients.end()) {
            CRM_ASSIGN_OR_RETURN(Id resolved, view.ResolveClient(client));
            std::string card = resolved.ToString();
            auto found = view.Get(EntityKind::CLIENT, resolved);
            if (found.ok() && found->value<schema::Client>().getLoyaltyCard().size() > 0) {
              card = Str(found->value<schema::Client>().getLoyaltyCard());
            }
            it = clients.emplace(client, std::make_pair(card, resolved)).first;
          }
          number = it->second.first;
          client_id = it->second.second.ToString();
        }
        const std::string office = Str(record.get("office").as<capnp::Text>());
        std::string line = CsvField(id.ToString()) + "," + CsvField(number) + "," + CsvField(client_id);
        for (const Column& column : columns) {
          CRM_ASSIGN_OR_RETURN(std::string cell, ExportCell(column, record, office, people));
          line += "," + CsvField(cell);
        }
        csv << line << '\n';
        ++written;
        return csv ? Status::Ok() : Status::IOError("cannot write the CSV");
      }));
  return written;
}

}  // namespace crm

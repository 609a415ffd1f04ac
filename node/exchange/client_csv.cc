#include "node/exchange/client_csv.h"

#include <capnp/dynamic.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <optional>
#include <set>
#include <unordered_map>

#include "node/common/contact.h"
#include "node/common/crypto.h"
#include "node/common/local_time.h"
#include "node/exchange/csv.h"
#include "node/exchange/people.h"
#include "node/exchange/records_csv.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"
#include "sync/merge.h"

namespace crm {
namespace {

constexpr size_t kMaxCell = 512;  // bytes in any cell, as in the sales import
// The front desk's limits (node/frontdesk/clients.cc), so that an imported
// client can be saved there again as it is.
constexpr size_t kMaxName = 200;  // names and address parts
constexpr size_t kMaxShort = 64;  // client number, acquisition channel, office code
constexpr size_t kMaxTag = 50;

// Every field, with its default column, in the order the export writes them.
struct FieldColumn {
  const char* field;
  const char* column;
};
constexpr FieldColumn kFields[] = {
    {"number", "ClientNumber"},
    {"kind", "Kind"},
    {"firstName", "FirstName"},
    {"lastName", "LastName"},
    {"middleName", "MiddleName"},
    {"companyName", "CompanyName"},
    {"phones", "Phones"},
    {"emails", "Emails"},
    {"birthDate", "BirthDate"},
    {"gender", "Gender"},
    {"country", "Country"},
    {"region", "Region"},
    {"city", "City"},
    {"street", "Street"},
    {"postalCode", "PostalCode"},
    {"consentEmail", "ConsentEmail"},
    {"consentSms", "ConsentSms"},
    {"consentPhone", "ConsentPhone"},
    {"consentPost", "ConsentPost"},
    {"consentMessenger", "ConsentMessenger"},
    {"acquisitionChannel", "AcquisitionChannel"},
    {"tags", "Tags"},
    {"homeOffice", "HomeOffice"},
    {"addressCountry", "AddressCountry"},
    {"company", "Company"},
    {"responsible", "Responsible"},
    {"createdAt", "CreatedAt"},
    {"id", "Id"},
};
// A column headed "Attribute:KEY" holds the client's attribute KEY (car
// brand, children, preferences ...); the "country" attribute is Country's.
constexpr std::string_view kAttributePrefix = "Attribute:";
// Text fields of schema::Client set from the cell of the same name, and their limits.
constexpr std::pair<const char*, size_t> kTextFields[] = {
    {"firstName", kMaxName},           {"lastName", kMaxName},
    {"middleName", kMaxName},          {"companyName", kMaxName},
    {"acquisitionChannel", kMaxShort}, {"homeOffice", kMaxShort}};
// Text fields of schema::Address, each from the cell of the same name.
constexpr const char* kAddressFields[] = {"region", "city", "street", "postalCode"};
constexpr const char* kConsentFields[] = {"consentEmail", "consentSms", "consentPhone",
                                          "consentPost", "consentMessenger"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Str(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

// The pieces of a ';'-separated cell, trimmed, empty ones and repeats dropped.
std::vector<std::string> SplitList(std::string_view cell) {
  std::vector<std::string> out;
  while (!cell.empty()) {
    size_t semicolon = cell.find(';');
    std::string piece(Trim(cell.substr(0, semicolon)));
    if (!piece.empty() && std::find(out.begin(), out.end(), piece) == out.end())
      out.push_back(piece);
    if (semicolon == std::string_view::npos) break;
    cell.remove_prefix(semicolon + 1);
  }
  return out;
}

std::optional<schema::Consent> ParseConsent(std::string_view text) {
  std::string t = AsciiLower(text);
  if (t == "granted" || t == "yes" || t == "y" || t == "1" || t == "true")
    return schema::Consent::GRANTED;
  if (t == "refused" || t == "no" || t == "n" || t == "0" || t == "false")
    return schema::Consent::REFUSED;
  return std::nullopt;
}

const char* ConsentName(schema::Consent consent) {
  switch (consent) {
    case schema::Consent::GRANTED:
      return "granted";
    case schema::Consent::REFUSED:
      return "refused";
    default:
      return "";
  }
}

std::optional<schema::Gender> ParseGender(std::string_view text) {
  std::string t = AsciiLower(text);
  if (t == "female") return schema::Gender::FEMALE;
  if (t == "male") return schema::Gender::MALE;
  if (t == "other") return schema::Gender::OTHER;
  return std::nullopt;
}

const char* GenderName(schema::Gender gender) {
  switch (gender) {
    case schema::Gender::FEMALE:
      return "female";
    case schema::Gender::MALE:
      return "male";
    case schema::Gender::OTHER:
      return "other";
    default:
      return "";
  }
}

// "YYYY-MM-DD" exactly; the calendar is checked later.
std::optional<LocalDate> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto number = [&](size_t from, size_t length) -> int {
    int value = 0;
    for (size_t i = from; i < from + length; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  LocalDate date{number(0, 4), number(5, 2), number(8, 2)};
  if (date.year < 0 || date.month < 0 || date.day < 0) return std::nullopt;
  return date;
}

// The number as the sales import reads it: a spreadsheet's "17850.0" is
// "17850". Not trimmed either, so both imports key a client alike.
std::string ClientNumberOf(std::string cell) {
  if (cell.size() > 2 && cell.compare(cell.size() - 2, 2, ".0") == 0) cell.resize(cell.size() - 2);
  return cell;
}

// One line's values, checked. An empty string or an empty optional is a
// blank cell: the stored value stays.
struct Draft {
  size_t line = 0;
  std::string number;
  std::optional<schema::ClientKind> kind;
  std::map<std::string, std::string> texts;    // kTextFields
  std::map<std::string, std::string> address;  // kAddressFields
  std::optional<LocalDate> birth_date;
  std::optional<schema::Gender> gender;
  std::map<std::string, schema::Consent> consents;
  std::map<std::string, std::string> attributes;  // Country and the Attribute: columns
  Id id;                  // the Id column's; null: derived from the number
  Id company;             // null if blank
  std::optional<PersonRef> responsible;
  int64_t created_at = 0;  // 0 if blank
  std::vector<std::string> phones;  // E.164
  std::vector<std::string> emails;  // normalized
  std::vector<std::string> tags;
};

// Reads the file a batch of checked lines at a time.
class LineReader {
 public:
  LineReader(std::istream& csv, const ClientImportOptions& options, const std::string& region,
             LocalDate today, ClientImportReport& report)
      : csv_(csv), options_(options), region_(region), today_(today), report_(report) {}

  // Reads the header and maps the columns.
  Status Start() {
    std::vector<std::string> header;
    auto read = csv_.Next(header);
    if (!read.ok()) return read.status();
    if (!*read)
      return Status::InvalidArgument("file", "the file is empty: a header line is needed");
    std::map<std::string, std::string> wanted = DefaultClientColumns();
    for (const auto& [field, column] : options_.columns) {
      if (!wanted.count(field)) {
        std::string names;
        for (const FieldColumn& f : kFields)
          names += std::string(names.empty() ? "" : ", ") + f.field;
        return Status::InvalidArgument("map",
                                       "unknown field '" + field + "'; the fields are " + names);
      }
      wanted[field] = column;
    }
    std::vector<bool> read_by_field(header.size(), false);
    for (const auto& [field, column] : wanted) {
      if (column.empty()) continue;
      for (size_t i = 0; i < header.size(); ++i) {
        if (header[i] == column) {
          column_[field] = {i, column};
          read_by_field[i] = true;
          break;
        }
      }
      if (!column_.count(field) && (field == "number" || options_.columns.count(field))) {
        return Status::InvalidArgument("map", "the header has no column '" + column + "' for the " +
                                                  field + " (map it with --map " + field +
                                                  "=COLUMN)");
      }
    }
    for (size_t i = 0; i < header.size(); ++i) {
      if (read_by_field[i]) continue;
      if (header[i].starts_with(kAttributePrefix) && header[i].size() > kAttributePrefix.size()) {
        attribute_columns_.emplace_back(i, header[i].substr(kAttributePrefix.size()));
        continue;
      }
      report_.unread_columns.push_back(header[i]);
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
      auto [it, fresh] = first_line_.try_emplace(draft.number, draft.line);
      if (!fresh) {
        Reject(draft.line, "ClientNumber " + draft.number + " is on line " +
                               std::to_string(it->second) + " already");
        continue;
      }
      batch.push_back(std::move(draft));
    }
    return true;
  }

 private:
  struct Column {
    size_t index;
    std::string header;
  };

  std::string Cell(const std::vector<std::string>& fields, const char* field) const {
    auto it = column_.find(field);
    if (it == column_.end()) return {};
    return std::string(Trim(fields[it->second.index]));
  }
  const std::string& Header(const char* field) const { return column_.at(field).header; }

  // Checks one line into `draft`; returns why not, or "".
  std::string Take(const std::vector<std::string>& fields, Draft& draft) {
    if (fields.size() != width_) {
      return "it has " + std::to_string(fields.size()) + " fields, the header " +
             std::to_string(width_);
    }
    for (const std::string& f : fields) {
      if (f.size() > kMaxCell)
        return "a field is longer than " + std::to_string(kMaxCell) + " bytes";
    }
    draft.number = ClientNumberOf(fields[column_.at("number").index]);
    if (Trim(draft.number).empty()) return Header("number") + " is empty";
    if (draft.number.size() > kMaxShort) {
      return Header("number") + " is longer than " + std::to_string(kMaxShort) + " bytes";
    }
    auto bad = [&](const char* field, const std::string& value, std::string_view why) {
      return Header(field) + " '" + value + "': " + std::string(why);
    };
    auto too_long = [&](const char* field, size_t max) {
      return Header(field) + " is longer than " + std::to_string(max) + " bytes";
    };

    if (std::string kind = Cell(fields, "kind"); !kind.empty()) {
      std::string k = AsciiLower(kind);
      if (k == "person") {
        draft.kind = schema::ClientKind::PERSON;
      } else if (k == "company") {
        draft.kind = schema::ClientKind::COMPANY;
      } else {
        return bad("kind", kind, "is not person or company");
      }
    }
    for (const auto& [field, max] : kTextFields) {
      std::string value = Cell(fields, field);
      if (value.size() > max) return too_long(field, max);
      if (!value.empty()) draft.texts[field] = value;
    }
    for (const char* field : kAddressFields) {
      std::string value = Cell(fields, field);
      if (value.size() > kMaxName) return too_long(field, kMaxName);
      if (!value.empty()) draft.address[field] = value;
    }
    if (std::string country = Cell(fields, "country"); !country.empty()) {
      if (country.size() > kMaxName) return too_long("country", kMaxName);
      draft.attributes["country"] = country;
    }
    for (const auto& [index, key] : attribute_columns_) {
      std::string value(Trim(fields[index]));
      if (value.size() > kMaxName) {
        return std::string(kAttributePrefix) + key + " is longer than " + std::to_string(kMaxName) +
               " bytes";
      }
      if (!value.empty()) draft.attributes[key] = value;
    }
    if (std::string text = Cell(fields, "addressCountry"); !text.empty()) {
      if (text.size() > kMaxName) return too_long("addressCountry", kMaxName);
      draft.address["country"] = text;
    }
    for (auto [field, id] : {std::pair{"id", &draft.id}, std::pair{"company", &draft.company}}) {
      std::string text = Cell(fields, field);
      if (text.empty()) continue;
      auto parsed = Id::Parse(text);
      if (!parsed.ok() || parsed->IsNull()) return bad(field, text, "is not a client id (26 characters)");
      *id = *parsed;
    }
    if (std::string text = Cell(fields, "responsible"); !text.empty()) {
      // A login of the client's home office, as ExportClients writes it.
      std::string office = Cell(fields, "homeOffice");
      auto person = ParsePerson(text, office.empty() ? options_.office : office, Header("responsible"));
      if (!person.ok()) return std::string(person.status().message());
      draft.responsible = *person;
    }
    if (std::string text = Cell(fields, "createdAt"); !text.empty()) {
      auto time = ParseUtcTime(text, Header("createdAt"));
      if (!time.ok()) return std::string(time.status().message());
      draft.created_at = *time;
    }

    std::string phones = Cell(fields, "phones");
    for (const std::string& raw : SplitList(phones)) {
      auto e164 = NormalizePhone(raw, region_);
      if (!e164.ok()) return bad("phones", phones, e164.status().message());
      if (std::find(draft.phones.begin(), draft.phones.end(), *e164) == draft.phones.end()) {
        draft.phones.push_back(*e164);
      }
    }
    std::string emails = Cell(fields, "emails");
    for (const std::string& raw : SplitList(emails)) {
      auto email = NormalizeEmail(raw);
      if (!email.ok()) return bad("emails", emails, email.status().message());
      if (std::find(draft.emails.begin(), draft.emails.end(), *email) == draft.emails.end()) {
        draft.emails.push_back(*email);
      }
    }
    std::string tags = Cell(fields, "tags");
    for (std::string& tag : SplitList(tags)) {
      if (tag.size() > kMaxTag)
        return bad("tags", tag, "a tag is longer than " + std::to_string(kMaxTag) + " bytes");
      draft.tags.push_back(std::move(tag));
    }

    if (std::string text = Cell(fields, "birthDate"); !text.empty()) {
      auto date = ParseDate(text);
      if (!date) return bad("birthDate", text, "is not a date like 1980-04-23");
      if (Status s = CheckPastDate(Header("birthDate"), *date, today_); !s.ok()) {
        return bad("birthDate", text, s.message());
      }
      draft.birth_date = date;
    }
    if (std::string text = Cell(fields, "gender"); !text.empty()) {
      draft.gender = ParseGender(text);
      if (!draft.gender) return bad("gender", text, "is not female, male or other");
    }
    for (const char* field : kConsentFields) {
      std::string text = Cell(fields, field);
      if (text.empty()) continue;
      auto consent = ParseConsent(text);
      if (!consent)
        return bad(field, text, "is not granted or refused (or yes/no, y/n, 1/0, true/false)");
      draft.consents[field] = *consent;
    }
    return {};
  }

  void Reject(size_t line, std::string reason) {
    report_.rejected.push_back(ImportRejection{line, std::move(reason)});
  }

  CsvReader csv_;
  const ClientImportOptions& options_;
  const std::string& region_;
  const LocalDate today_;
  ClientImportReport& report_;
  std::map<std::string, Column> column_;  // by field
  std::vector<std::pair<size_t, std::string>> attribute_columns_;  // index, attribute key
  size_t width_ = 0;
  std::unordered_map<std::string, size_t> first_line_;  // client number -> the line that took it
};

uint16_t ClientOrdinal(const char* field) {
  return static_cast<uint16_t>(capnp::Schema::from<schema::Client>()
                                   .getFieldByName(field)
                                   .getProto()
                                   .getOrdinal()
                                   .getExplicit());
}

// True if the element was ever in the client's set or map `field`: present,
// or removed since (the import does not add back what an office removed).
bool EverHeld(const schema::StoredRecord::Reader* stored, uint16_t field,
              std::string_view element) {
  if (stored == nullptr) return false;
  for (auto state : stored->getElements()) {
    if (state.getField() == field && Str(state.getElement()) == element) return true;
  }
  return false;
}

enum class Outcome { kWritten, kUpdated, kUnchanged, kRemoved, kMerged };

// Writes what `draft` holds that the client's stored record does not.
Result<Outcome> WriteClient(StoreTxn& txn, HybridClock& hlc, const ClientImportOptions& options,
                            PeopleDirectory& people, const Draft& draft) {
  static const uint16_t kPhones = ClientOrdinal("phones");
  static const uint16_t kEmails = ClientOrdinal("emails");
  static const uint16_t kTags = ClientOrdinal("tags");
  static const uint16_t kAttributes = ClientOrdinal("attributes");

  const Id id = draft.id.IsNull() ? ImportedClientId(options.office, draft.number) : draft.id;
  std::optional<Record> existing;
  if (auto found = txn.Get(EntityKind::CLIENT, id); found.ok()) {
    existing.emplace(std::move(found).value());
  } else if (found.status().code() != StatusCode::kNotFound) {
    return found.status();
  }
  schema::StoredRecord::Reader stored_reader;
  const schema::StoredRecord::Reader* stored = nullptr;
  schema::Client::Reader current;  // defaults for a new client
  if (existing) {
    stored_reader = existing->stored();
    stored = &stored_reader;
    if (!IsLive(stored_reader)) return Outcome::kRemoved;
    current = existing->value<schema::Client>();
    if (current.hasMergedInto() && !IdFromWire(current.getMergedInto()).IsNull())
      return Outcome::kMerged;
  }

  const Stamp stamp = hlc.Now();
  ChangeMessage change = ChangeMessage::Patch(EntityKind::CLIENT, id, stamp, Id{});
  auto out = change.record<schema::Client>();
  auto dynamic_out = capnp::toDynamic(out);
  auto dynamic_current = capnp::toDynamic(current);
  bool changed = false;

  std::map<std::string, std::string> texts = draft.texts;
  std::optional<schema::ClientKind> kind = draft.kind;
  if (!existing) {
    // A card-less client is named by its id (as ExportClients writes it).
    if (draft.number != id.ToString()) texts["loyaltyCard"] = draft.number;
    texts.try_emplace("homeOffice", options.office);
    if (!kind && texts.count("companyName") && !texts.count("firstName") &&
        !texts.count("lastName")) {
      kind = schema::ClientKind::COMPANY;
    }
    out.setCreatedAt(draft.created_at != 0 ? draft.created_at : stamp.physical);
    CRM_RETURN_IF_ERROR(change.Set("createdAt"));
    changed = true;
  } else if (draft.created_at != 0 && draft.created_at != current.getCreatedAt()) {
    out.setCreatedAt(draft.created_at);
    CRM_RETURN_IF_ERROR(change.Set("createdAt"));
    changed = true;
  }
  auto set_id = [&](const char* field, const Id& want) -> Status {
    auto have = dynamic_current.get(field).as<capnp::DynamicStruct>();
    if (dynamic_current.has(field) && IdFromWire(have.as<schema::Id>()) == want) return Status::Ok();
    IdToWire(want, dynamic_out.init(field).as<capnp::DynamicStruct>().as<schema::Id>());
    changed = true;
    return change.Set(field);
  };
  if (!draft.company.IsNull()) CRM_RETURN_IF_ERROR(set_id("company", draft.company));
  if (draft.responsible) {
    CRM_ASSIGN_OR_RETURN(Id responsible, people.Resolve(txn, hlc, *draft.responsible));
    CRM_RETURN_IF_ERROR(set_id("responsible", responsible));
  }
  for (const auto& [field, value] : texts) {
    if (Str(dynamic_current.get(field).as<capnp::Text>()) == value) continue;
    dynamic_out.set(field, capnp::Text::Reader(value.c_str(), value.size()));
    CRM_RETURN_IF_ERROR(change.Set(field));
    changed = true;
  }
  if (kind && *kind != current.getKind()) {
    out.setKind(*kind);
    CRM_RETURN_IF_ERROR(change.Set("kind"));
    changed = true;
  }
  if (draft.gender && *draft.gender != current.getGender()) {
    out.setGender(*draft.gender);
    CRM_RETURN_IF_ERROR(change.Set("gender"));
    changed = true;
  }
  for (const auto& [field, consent] : draft.consents) {
    if (dynamic_current.get(field).as<schema::Consent>() == consent) continue;
    dynamic_out.set(field, consent);
    CRM_RETURN_IF_ERROR(change.Set(field));
    changed = true;
  }
  if (draft.birth_date) {
    auto have = current.getBirthDate();
    const LocalDate& want = *draft.birth_date;
    if (!current.hasBirthDate() || have.getYear() != want.year || have.getMonth() != want.month ||
        have.getDay() != want.day) {
      auto date = out.initBirthDate();
      date.setYear(static_cast<int16_t>(want.year));
      date.setMonth(static_cast<uint8_t>(want.month));
      date.setDay(static_cast<uint8_t>(want.day));
      CRM_RETURN_IF_ERROR(change.Set("birthDate"));
      changed = true;
    }
  }
  // The address is one field: the stored one with the file's parts over it.
  auto have_address = capnp::toDynamic(current.getAddress());
  bool address_differs = false;
  for (const auto& [part, value] : draft.address) {
    if (Str(have_address.get(part).as<capnp::Text>()) != value) address_differs = true;
  }
  if (address_differs) {
    out.setAddress(current.getAddress());
    auto address = capnp::toDynamic(out.getAddress());
    for (const auto& [part, value] : draft.address) {
      address.set(part, capnp::Text::Reader(value.c_str(), value.size()));
    }
    CRM_RETURN_IF_ERROR(change.Set("address"));
    changed = true;
  }

  auto add_new = [&](const char* field, uint16_t ordinal,
                     const std::vector<std::string>& elements) -> Status {
    for (const std::string& element : elements) {
      if (EverHeld(stored, ordinal, element)) continue;
      CRM_RETURN_IF_ERROR(change.AddElement(field, element));
      changed = true;
    }
    return Status::Ok();
  };
  CRM_RETURN_IF_ERROR(add_new("phones", kPhones, draft.phones));
  CRM_RETURN_IF_ERROR(add_new("emails", kEmails, draft.emails));
  CRM_RETURN_IF_ERROR(add_new("tags", kTags, draft.tags));
  for (const auto& [key, value] : draft.attributes) {
    std::optional<std::string> have;
    for (auto attribute : current.getAttributes()) {
      if (Str(attribute.getKey()) == key) have = Str(attribute.getValue());
    }
    // Set when it differs; not added back if an office removed it.
    if (have ? *have != value : !EverHeld(stored, kAttributes, key)) {
      CRM_RETURN_IF_ERROR(change.AddElement("attributes", key, value));
      changed = true;
    }
  }

  if (!changed) return Outcome::kUnchanged;
  CRM_RETURN_IF_ERROR(txn.ApplyLocal(change.change()).status());
  return existing ? Outcome::kUpdated : Outcome::kWritten;
}

}  // namespace

std::map<std::string, std::string> DefaultClientColumns() {
  std::map<std::string, std::string> columns;
  for (const FieldColumn& f : kFields) columns[f.field] = f.column;
  return columns;
}

Id ImportedClientId(std::string_view office, std::string_view number) {
  return DerivedId("import/client/" + std::string(office) + "/" + std::string(number), 0);
}

Result<ClientImportReport> ImportClients(Writer& writer, HybridClock& hlc, std::istream& csv,
                                         const ClientImportOptions& options) {
  std::string region;
  for (char c : options.region)
    region += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  if (!IsKnownPhoneRegion(region)) {
    return Status::InvalidArgument(
        "region", "'" + options.region + "' is not a region code like GB (ISO 3166-1 alpha-2)");
  }
  if (options.office.empty() || options.office.size() > kMaxShort ||
      options.clients_per_transaction == 0) {
    return Status::InvalidArgument("options", "an office code and a batch size are needed");
  }
  // The latest date it is anywhere now (UTC+14), so no one's birthday today is refused.
  const LocalDate today = ToLocalDate(hlc.Now().physical, "Pacific/Kiritimati");

  ClientImportReport report;
  LineReader reader(csv, options, region, today, report);
  CRM_RETURN_IF_ERROR(reader.Start());
  size_t done = 0;
  size_t next_progress = options.progress_every;
  PeopleDirectory people;
  std::vector<Draft> batch;
  for (bool more = true; more;) {
    batch.clear();
    more = reader.Fill(batch, options.clients_per_transaction);
    if (batch.empty()) continue;
    size_t counts[5] = {};
    const size_t made_before = people.made().size();
    CRM_RETURN_IF_ERROR(writer.Run([&](StoreTxn& txn) -> Status {
      std::fill(std::begin(counts), std::end(counts), 0);  // the work may run again
      people.Rewind(made_before);
      for (const Draft& draft : batch) {
        CRM_ASSIGN_OR_RETURN(Outcome outcome, WriteClient(txn, hlc, options, people, draft));
        ++counts[static_cast<size_t>(outcome)];
      }
      return Status::Ok();
    }));
    report.clients_written += counts[static_cast<size_t>(Outcome::kWritten)];
    report.clients_updated += counts[static_cast<size_t>(Outcome::kUpdated)];
    report.clients_unchanged += counts[static_cast<size_t>(Outcome::kUnchanged)];
    report.clients_removed += counts[static_cast<size_t>(Outcome::kRemoved)];
    report.clients_merged += counts[static_cast<size_t>(Outcome::kMerged)];
    done += batch.size();
    if (options.progress && options.progress_every > 0 && report.lines >= next_progress) {
      options.progress(report.lines, done);
      next_progress = (report.lines / options.progress_every + 1) * options.progress_every;
    }
  }
  if (options.progress) options.progress(report.lines, done);
  report.users_made = people.made();
  return report;
}

Result<size_t> ExportClients(const Store& store, std::ostream& csv) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  auto exported = [](schema::StoredRecord::Reader stored) {
    if (!IsLive(stored)) return false;
    auto client = stored.getValue().getAs<schema::Client>();
    return !client.hasMergedInto() || IdFromWire(client.getMergedInto()).IsNull();
  };
  // A column per attribute key any client holds (country has its own).
  std::set<std::string> keys;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::CLIENT, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!exported(stored)) return Status::Ok();
        for (auto attribute : stored.getValue().getAs<schema::Client>().getAttributes()) {
          if (attribute.getKey() != "country") keys.insert(Str(attribute.getKey()));
        }
        return Status::Ok();
      }));
  std::string header;
  for (const FieldColumn& f : kFields) header += std::string(header.empty() ? "" : ",") + f.column;
  for (const std::string& key : keys) header += "," + CsvField(std::string(kAttributePrefix) + key);
  csv << header << '\n';
  PeopleNames people(view);
  auto joined = [](capnp::List<capnp::Text>::Reader list) {
    std::string out;
    for (auto item : list) out += (out.empty() ? "" : ";") + Str(item);
    return out;
  };
  size_t written = 0;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::CLIENT, [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
        if (!exported(stored)) return Status::Ok();
        auto client = stored.getValue().getAs<schema::Client>();
        auto address = client.getAddress();
        std::map<std::string, std::string> attributes;
        for (auto attribute : client.getAttributes()) {
          attributes[Str(attribute.getKey())] = Str(attribute.getValue());
        }
        Id company = client.hasCompany() ? IdFromWire(client.getCompany()) : Id{};
        Id responsible_id = client.hasResponsible() ? IdFromWire(client.getResponsible()) : Id{};
        CRM_ASSIGN_OR_RETURN(std::string responsible,
                             people.Name(responsible_id, Str(client.getHomeOffice())));
        std::string birth_date;
        if (client.hasBirthDate()) {
          auto d = client.getBirthDate();
          char text[16];
          std::snprintf(text, sizeof(text), "%04d-%02d-%02d", d.getYear(), d.getMonth(),
                        d.getDay());
          birth_date = text;
        }
        std::string number =
            client.getLoyaltyCard().size() ? Str(client.getLoyaltyCard()) : id.ToString();
        const std::string cells[] = {
            number,
            client.getKind() == schema::ClientKind::COMPANY ? "company" : "person",
            Str(client.getFirstName()),
            Str(client.getLastName()),
            Str(client.getMiddleName()),
            Str(client.getCompanyName()),
            joined(client.getPhones()),
            joined(client.getEmails()),
            birth_date,
            GenderName(client.getGender()),
            attributes["country"],
            Str(address.getRegion()),
            Str(address.getCity()),
            Str(address.getStreet()),
            Str(address.getPostalCode()),
            ConsentName(client.getConsentEmail()),
            ConsentName(client.getConsentSms()),
            ConsentName(client.getConsentPhone()),
            ConsentName(client.getConsentPost()),
            ConsentName(client.getConsentMessenger()),
            Str(client.getAcquisitionChannel()),
            joined(client.getTags()),
            Str(client.getHomeOffice()),
            Str(address.getCountry()),
            company.IsNull() ? std::string() : company.ToString(),
            responsible,
            client.getCreatedAt() == 0 ? std::string() : FormatUtcTime(client.getCreatedAt()),
            id.ToString(),
        };
        static_assert(sizeof(cells) / sizeof(cells[0]) == std::size(kFields), "a cell per column");
        std::string line = CsvField(cells[0]);
        for (size_t i = 1; i < std::size(kFields); ++i) line += "," + CsvField(cells[i]);
        for (const std::string& key : keys) line += "," + CsvField(attributes[key]);
        csv << line << '\n';
        ++written;
        return csv ? Status::Ok() : Status::IOError("cannot write the CSV");
      }));
  return written;
}

}  // namespace crm

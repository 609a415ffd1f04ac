#include "node/exchange/catalogue_csv.h"

#include <fmt/format.h>

#include <map>
#include <optional>

#include "node/common/text.h"
#include "node/exchange/csv.h"
#include "node/sales/catalogue.h"
#include "sync/base/money.h"

namespace crm {
namespace {

constexpr size_t kRowsPerCommit = 200;

// Where each column is.
struct Columns {
  size_t sku = SIZE_MAX;
  size_t name = SIZE_MAX;
  size_t category = SIZE_MAX;
  size_t active = SIZE_MAX;
  std::map<std::string, size_t> prices;  // currency -> column
  // office code -> its column and the office's currency
  std::map<std::string, std::pair<size_t, std::string>> office_prices;
};

// The columns `header` names; an office's price column needs the office
// enrolled in `view` with its currency.
Result<Columns> ReadHeader(const StoreView& view, const std::vector<std::string>& header) {
  Columns columns;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string name = LowerCase(header[i]);
    size_t* known = name == "sku"        ? &columns.sku
                    : name == "name"     ? &columns.name
                    : name == "category" ? &columns.category
                    : name == "active"   ? &columns.active
                                         : nullptr;
    if (known != nullptr) {
      if (*known != SIZE_MAX) {
        return Status::InvalidArgument("header", "the column '" + name + "' is there twice");
      }
      *known = i;
      continue;
    }
    if (name.starts_with("price_")) {
      std::string currency = header[i].substr(6);
      for (char& c : currency) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (!IsKnownCurrency(currency)) {
        return Status::InvalidArgument(
            "header", "column '" + header[i] + "': '" + currency +
                          "' is not an ISO 4217 currency code (price columns are price_GBP, "
                          "price_RUB ...)");
      }
      if (!columns.prices.emplace(currency, i).second) {
        return Status::InvalidArgument("header", "two price columns for " + currency);
      }
      continue;
    }
    if (name.starts_with("office_price_")) {
      std::string office = header[i].substr(13);
      for (char& c : office) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      CRM_ASSIGN_OR_RETURN(std::string currency,
                           EnrolledCurrency(view, office, "header: column '" + header[i] + "'"));
      if (!columns.office_prices.emplace(office, std::make_pair(i, currency)).second) {
        return Status::InvalidArgument("header", "two price columns for office " + office);
      }
      continue;
    }
    return Status::InvalidArgument(
        "header", "unknown column '" + header[i] +
                      "' (the columns are sku, name, category, active, price_CUR per currency "
                      "and office_price_OFFICE per office)");
  }
  if (columns.sku == SIZE_MAX) {
    return Status::InvalidArgument("header", "the first line names the columns and needs 'sku'");
  }
  return columns;
}

std::string Cell(const std::vector<std::string>& fields, size_t column) {
  return column < fields.size() ? fields[column] : std::string();
}

// A row as an edit; kInvalidArgument saying what is wrong with it.
Result<ProductEdit> ReadRow(const Columns& columns, const std::vector<std::string>& fields) {
  ProductEdit edit;
  edit.sku = Cell(fields, columns.sku);
  if (edit.sku.empty()) return Status::InvalidArgument("sku", "no SKU");
  if (std::string name = Cell(fields, columns.name); !name.empty()) edit.name = name;
  if (std::string category = Cell(fields, columns.category); !category.empty()) {
    edit.category = category;
  }
  if (std::string active = LowerCase(Cell(fields, columns.active)); !active.empty()) {
    if (active == "yes" || active == "true" || active == "1") {
      edit.active = true;
    } else if (active == "no" || active == "false" || active == "0") {
      edit.active = false;
    } else {
      return Status::InvalidArgument("active", "'" + active + "' is not yes or no");
    }
  }
  for (const auto& [currency, column] : columns.prices) {
    const std::string text = Cell(fields, column);
    if (text.empty()) continue;
    CRM_ASSIGN_OR_RETURN(int64_t amount, ParsePrice(text, currency, "price_" + currency));
    edit.prices[currency] = amount;
  }
  for (const auto& [office, column] : columns.office_prices) {
    const std::string text = Cell(fields, column.first);
    if (text.empty()) continue;
    CRM_ASSIGN_OR_RETURN(int64_t amount, ParsePrice(text, column.second, "office_price_" + office));
    edit.office_prices[office] = OfficePrice{amount, column.second};
  }
  return edit;
}

std::string Reason(const Status& status) {
  return status.field().empty() ? status.message() : status.field() + ": " + status.message();
}

struct PendingRow {
  size_t line = 0;
  ProductEdit edit;
};

// Writes `rows` in one transaction; a row the catalogue refuses (a new SKU
// without a name, a text too long) is rejected alone.
Status WriteRows(Writer& writer, HybridClock& hlc, const std::vector<PendingRow>& rows,
                 CatalogueImportReport& report) {
  CatalogueImportReport batch;
  CRM_RETURN_IF_ERROR(writer.Run([&](StoreTxn& txn) -> Status {
    batch = {};  // the writer may run this again (a grown map)
    for (const PendingRow& row : rows) {
      auto outcome = ApplyProductEdit(txn, row.edit, hlc.Now(), Id{});
      if (!outcome.ok()) {
        const StatusCode code = outcome.status().code();
        if (code != StatusCode::kInvalidArgument && code != StatusCode::kNotFound) {
          return outcome.status();
        }
        batch.rejected.push_back({row.line, Reason(outcome.status())});
        continue;
      }
      ++(outcome->created ? batch.created : outcome->changed ? batch.changed : batch.unchanged);
    }
    return Status::Ok();
  }));
  report.created += batch.created;
  report.changed += batch.changed;
  report.unchanged += batch.unchanged;
  report.rejected.insert(report.rejected.end(), batch.rejected.begin(), batch.rejected.end());
  return Status::Ok();
}

}  // namespace

Result<CatalogueImportReport> ImportCatalogue(const Store& store, Writer& writer, HybridClock& hlc,
                                              std::istream& in) {
  CsvReader reader(in);
  std::vector<std::string> fields;
  auto first = reader.Next(fields);
  if (!first.ok()) return first.status();
  if (!*first) return Status::InvalidArgument("file", "the file is empty (no header line)");
  Columns columns;
  {
    CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
    CRM_ASSIGN_OR_RETURN(columns, ReadHeader(view, fields));
  }

  CatalogueImportReport report;
  std::map<std::string, size_t> seen;  // SKU -> its first line
  std::vector<PendingRow> pending;
  for (;;) {
    auto next = reader.Next(fields);
    if (!next.ok()) {
      ++report.rows;
      report.rejected.push_back({reader.line(), next.status().message()});
      continue;
    }
    if (!*next) break;
    if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
    ++report.rows;
    auto edit = ReadRow(columns, fields);
    if (!edit.ok()) {
      report.rejected.push_back({reader.line(), Reason(edit.status())});
      continue;
    }
    auto [at, fresh] = seen.emplace(edit->sku, reader.line());
    if (!fresh) {
      report.rejected.push_back(
          {reader.line(), fmt::format("SKU {} is on line {} already", edit->sku, at->second)});
      continue;
    }
    pending.push_back({reader.line(), std::move(edit).value()});
    if (pending.size() == kRowsPerCommit) {
      CRM_RETURN_IF_ERROR(WriteRows(writer, hlc, pending, report));
      pending.clear();
    }
  }
  if (!pending.empty()) CRM_RETURN_IF_ERROR(WriteRows(writer, hlc, pending, report));
  std::stable_sort(report.rejected.begin(), report.rejected.end(),
                   [](const ImportRejection& a, const ImportRejection& b) { return a.line < b.line; });
  return report;
}

}  // namespace crm

#include "hq/cli/product_commands.h"

#include <fmt/format.h>

#include <fstream>
#include <set>

#include "hq/cli/log_failure.h"
#include "hq/analytics/sales.h"
#include "node/common/csv_field.h"
#include "node/common/private_file.h"
#include "node/exchange/catalogue_csv.h"
#include "node/sales/catalogue.h"
#include "node/store/audit.h"
#include "node/store/runtime.h"
#include "sync/base/entities.h"
#include "sync/base/money.h"

namespace crm {
namespace {

std::string Str(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

// "GBP 34.99, RUB 3499.00" (or "none").
std::string FormatPrices(schema::Product::Reader product) {
  std::string text;
  for (const auto& [currency, amount] : PriceList(product)) {
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", currency,
                        FormatMoney(amount, currency));
  }
  return text.empty() ? "none" : text;
}

// "MSK RUB 3400.00" (or "-").
std::string FormatOverrides(schema::Product::Reader product) {
  std::string text;
  for (const auto& [office, price] : OfficePrices(product)) {
    text += fmt::format("{}{} {} {}", text.empty() ? "" : ", ", office, price.currency,
                        FormatMoney(price.amount, price.currency));
  }
  return text.empty() ? "-" : text;
}

// The edit the options ask for, checked against the offices enrolled in
// `view` (an override is in its office's currency).
Result<ProductEdit> EditOf(const ProductFlags& flags, bool is_new, const StoreView& view) {
  ProductEdit edit;
  edit.sku = flags.sku;
  if (!flags.name.empty()) edit.name = flags.name;
  edit.category = flags.category;
  if (flags.active && flags.inactive) {
    return Status::InvalidArgument("--active", "give --active or --inactive, not both");
  }
  if (flags.active || flags.inactive) edit.active = flags.active;
  if (is_new && flags.prices.empty()) {
    return Status::InvalidArgument("--price", "a product needs a price: --price CUR=AMOUNT");
  }
  for (const std::string& text : flags.prices) {
    CRM_ASSIGN_OR_RETURN(auto price, ParseCurrencyPrice(text, "--price"));
    if (!edit.prices.emplace(price.first, price.second).second) {
      return Status::InvalidArgument("--price", "two prices for " + price.first);
    }
  }
  for (const std::string& currency : flags.remove_prices) {
    if (!IsKnownCurrency(currency)) {
      return Status::InvalidArgument(
          "--remove-price", "'" + currency + "' is not an ISO 4217 currency code (like GBP)");
    }
    if (!edit.prices.emplace(currency, std::nullopt).second) {
      return Status::InvalidArgument("--remove-price",
                                     "--price and --remove-price both name " + currency);
    }
  }
  for (const std::string& text : flags.office_prices) {
    CRM_ASSIGN_OR_RETURN(auto sides, SplitAssignment(text, "--office-price",
                                                     "OFFICE=AMOUNT (like MSK=3400.00)"));
    CRM_ASSIGN_OR_RETURN(std::string currency,
                         EnrolledCurrency(view, sides.first, "--office-price"));
    CRM_ASSIGN_OR_RETURN(int64_t amount, ParsePrice(sides.second, currency, "--office-price"));
    if (!edit.office_prices.emplace(sides.first, OfficePrice{amount, currency}).second) {
      return Status::InvalidArgument("--office-price", "two prices for office " + sides.first);
    }
  }
  for (const std::string& office : flags.remove_office_prices) {
    if (!edit.office_prices.emplace(office, std::nullopt).second) {
      return Status::InvalidArgument("--remove-office-price",
                                     "--office-price and --remove-office-price both name " + office);
    }
  }
  return edit;
}

AuditEvent HeadquartersEvent(HybridClock& hlc, std::string action, const std::string& sku,
                             const Id& product) {
  AuditEvent event;
  event.time_ms = hlc.Now().physical;
  event.login = "crm-hq";
  event.role = schema::Role::ADMIN;
  event.action = std::move(action);
  event.detail = sku;
  event.subjects.emplace_back(EntityKind::PRODUCT, product);
  return event;
}

// Every product by SKU, as `view` holds them.
Result<std::vector<Record>> AllProducts(const StoreView& view) {
  std::vector<std::pair<std::string, Id>> ids;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::PRODUCT, [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
        if (IsLive(stored)) {
          ids.emplace_back(Str(stored.getValue().getAs<schema::Product>().getSku()), id);
        }
        return Status::Ok();
      }));
  std::sort(ids.begin(), ids.end());
  std::vector<Record> products;
  for (const auto& [sku, id] : ids) {
    CRM_ASSIGN_OR_RETURN(Record record, view.Get(EntityKind::PRODUCT, id));
    products.push_back(std::move(record));
  }
  return products;
}

}  // namespace

int SaveProductCommand(const ProductFlags& flags, bool is_new) {
  StoreRuntime hq;
  if (Status opened = hq.Open(ReportStore(flags.data_dir)); !opened.ok()) return LogEditFailure(opened);
  Result<ProductEdit> edit = Status::Internal("unset");
  {
    auto view = hq.store->Read();
    if (!view.ok()) return LogEditFailure(view.status());
    edit = EditOf(flags, is_new, *view);
  }
  if (!edit.ok()) return LogEditFailure(edit.status());
  EditOutcome outcome;
  Status written = hq.writer->Run([&](StoreTxn& txn) -> Status {
    const bool exists = txn.FindByKey(EntityKind::PRODUCT, edit->sku).ok();
    if (is_new && exists) {
      return Status::AlreadyExists("product " + edit->sku +
                                   " is in the catalogue already; change it with `crm-hq "
                                   "product edit " + edit->sku + " ...`");
    }
    if (!is_new && !exists) {
      return Status(StatusCode::kNotFound,
                    "no product with SKU '" + edit->sku + "'; add it with `crm-hq product add`",
                    "sku");
    }
    CRM_ASSIGN_OR_RETURN(outcome, ApplyProductEdit(txn, *edit, hq.hlc->Now(), Id{}));
    if (!outcome.changed) return Status::Ok();
    return AppendAudit(txn, HeadquartersEvent(*hq.hlc, is_new ? "add a product" : "edit a product",
                                              edit->sku, outcome.id));
  });
  if (!written.ok()) return LogEditFailure(written);
  auto view = hq.store->Read();
  if (!view.ok()) return LogEditFailure(view.status());
  auto record = view->Get(EntityKind::PRODUCT, outcome.id);
  if (!record.ok()) return LogEditFailure(record.status());
  auto product = record->value<schema::Product>();
  fmt::print("product {} {}: {}{}\n  prices: {}\n  office prices: {}\n", edit->sku,
             is_new ? "added" : outcome.changed ? "changed" : "unchanged",
             Str(product.getName()), product.getActive() ? "" : " (off sale)",
             FormatPrices(product), FormatOverrides(product));
  return 0;
}

int ListProductsCommand(const ProductFlags& flags) {
  StoreRuntime hq;
  if (Status opened = hq.Open(ReportStore(flags.data_dir)); !opened.ok()) return LogEditFailure(opened);
  auto view = hq.store->Read();
  if (!view.ok()) return LogEditFailure(view.status());
  auto products = AllProducts(*view);
  if (!products.ok()) return LogEditFailure(products.status());
  if (!flags.csv) {
    fmt::print("{:<14} {:<32} {:<12} {:<6} {:<32} {}\n", "SKU", "NAME", "CATEGORY", "ACTIVE",
               "PRICES", "OFFICE PRICES");
    for (const Record& record : *products) {
      auto p = record.value<schema::Product>();
      fmt::print("{:<14} {:<32} {:<12} {:<6} {:<32} {}\n", Str(p.getSku()), Str(p.getName()),
                 Str(p.getCategory()), p.getActive() ? "yes" : "no", FormatPrices(p),
                 FormatOverrides(p));
    }
    if (products->empty()) fmt::print("(no products: add one with `crm-hq product add`)\n");
    return 0;
  }
  // The import's columns (office overrides after them, for reading only).
  std::set<std::string> currencies, offices;
  for (const Record& record : *products) {
    for (const auto& [currency, amount] : PriceList(record.value<schema::Product>())) {
      currencies.insert(currency);
    }
    for (const auto& [office, price] : OfficePrices(record.value<schema::Product>())) {
      offices.insert(office);
    }
  }
  std::string out = "sku,name,category,active";
  for (const std::string& currency : currencies) out += ",price_" + currency;
  for (const std::string& office : offices) out += ",office_price_" + office;
  out += "\n";
  for (const Record& record : *products) {
    auto p = record.value<schema::Product>();
    auto list = PriceList(p);
    auto overrides = OfficePrices(p);
    out += fmt::format("{},{},{},{}", CsvField(Str(p.getSku())), CsvField(Str(p.getName())),
                       CsvField(Str(p.getCategory())), p.getActive() ? "yes" : "no");
    for (const std::string& currency : currencies) {
      auto found = list.find(currency);
      out += "," + (found == list.end() ? "" : FormatMoney(found->second, currency));
    }
    for (const std::string& office : offices) {
      auto found = overrides.find(office);
      out += "," + (found == overrides.end()
                        ? ""
                        : FormatMoney(found->second.amount, found->second.currency) + " " +
                              found->second.currency);
    }
    out += "\n";
  }
  fmt::print("{}", out);
  return 0;
}

int ImportProductsCommand(const ProductFlags& flags) {
  std::ifstream in(flags.file, std::ios::binary);
  if (!in) return LogEditFailure(Status::NotFound("cannot open " + flags.file));
  StoreRuntime hq;
  if (Status opened = hq.Open(ReportStore(flags.data_dir)); !opened.ok()) return LogEditFailure(opened);
  auto report = ImportCatalogue(*hq.store, *hq.writer, *hq.hlc, in);
  if (!report.ok()) return LogEditFailure(report.status());
  fmt::print("{} rows read: {} products added, {} changed, {} already so, {} rejected\n",
             report->rows, report->created, report->changed, report->unchanged,
             report->rejected.size());
  if (!flags.rejects.empty()) {
    if (Status created = CreatePrivateFile(flags.rejects); !created.ok()) return LogEditFailure(created);
    std::ofstream out(flags.rejects, std::ios::trunc);
    out << "line,reason\n";
    for (const ImportRejection& r : report->rejected) {
      out << r.line << "," << CsvField(r.reason) << "\n";
    }
    if (!out) return LogEditFailure(Status::IOError("cannot write " + flags.rejects));
    if (!report->rejected.empty()) fmt::print("rejected rows with their reasons: {}\n", flags.rejects);
    return 0;
  }
  for (size_t i = 0; i < report->rejected.size() && i < 10; ++i) {
    fmt::print("  line {}: {}\n", report->rejected[i].line, report->rejected[i].reason);
  }
  if (report->rejected.size() > 10) fmt::print("  ... (--rejects FILE lists them all)\n");
  return 0;
}

ProductCommands::ProductCommands(CLI::App& app) {
  CLI::App* product =
      app.add_subcommand("product", "headquarters' catalogue: products and their price lists");
  product->require_subcommand(1);
  add_ = product->add_subcommand("add", "add a product with its price in each currency");
  edit_ = product->add_subcommand(
      "edit", "change a product: its name, prices, offices' prices, on or off sale");
  for (CLI::App* command : {add_, edit_}) {
    command->add_option("sku", flags_.sku, "the product's SKU")->required();
    auto* name = command->add_option("--name", flags_.name, "the product's name");
    if (command == add_) name->required();
    command->add_option("--category", category_, "its category");
    auto* price = command->add_option(
        "--price", flags_.prices,
        "its price in a currency, CUR=AMOUNT (GBP=34.99); one per currency");
    if (command == add_) price->required();
    command->add_option("--office-price", flags_.office_prices,
                        "an office's own price, OFFICE=AMOUNT in that office's currency "
                        "(MSK=3400.00)");
  }
  edit_->add_option("--remove-price", flags_.remove_prices,
                    "take the price in this currency off (offices selling in it cannot sell the "
                    "product until it has one again)");
  edit_->add_option("--remove-office-price", flags_.remove_office_prices,
                    "the office sells at its currency's price again");
  edit_->add_flag("--active", flags_.active, "put the product on sale");
  edit_->add_flag("--inactive", flags_.inactive, "take the product off sale");
  list_ = product->add_subcommand("list", "every product with its prices");
  list_->add_flag("--csv", flags_.csv, "print CSV (the columns `product import` reads)");
  import_ = product->add_subcommand(
      "import", "add and change products from a CSV: sku,name,category,price_GBP,price_RUB ...");
  import_->add_option("--file", flags_.file, "the CSV file")->required();
  import_->add_option("--rejects", flags_.rejects, "write the rejected rows' lines and reasons here");
}

std::optional<int> ProductCommands::Run(const std::string& data_dir) {
  if (!*add_ && !*edit_ && !*list_ && !*import_) return std::nullopt;
  flags_.data_dir = data_dir;
  if ((*add_ && add_->count("--category") > 0) || (*edit_ && edit_->count("--category") > 0)) {
    flags_.category = category_;
  }
  if (*add_) return SaveProductCommand(flags_, true);
  if (*edit_) return SaveProductCommand(flags_, false);
  if (*list_) return ListProductsCommand(flags_);
  return ImportProductsCommand(flags_);
}

}  // namespace crm

// crm-hq product add|edit|list|import: headquarters' catalogue, a price list
// per currency and per-office overrides (node/sales/catalogue.h,
// docs/frontdesk.md "The catalogue"). Every command works beside a running
// `crm-hq serve` on the same store: it commits through its own writer (LMDB
// serializes the writers) and the hub, seeing its log grow, tells the
// offices at once.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace crm {

struct ProductFlags {
  std::string data_dir;
  std::string sku;
  std::string name;                         // add: required; edit: empty keeps it
  std::optional<std::string> category;      // unset keeps it
  std::vector<std::string> prices;          // CUR=AMOUNT (major units)
  std::vector<std::string> remove_prices;   // CUR
  std::vector<std::string> office_prices;   // OFFICE=AMOUNT, in the office's currency
  std::vector<std::string> remove_office_prices;  // OFFICE
  bool active = false;
  bool inactive = false;
  bool csv = false;  // list: as CSV (the import's format)
  std::string file;     // import: the CSV
  std::string rejects;  // import: where the rejected rows go
};

// `product add` (new = true) or `product edit`: checks every option first
// (an unknown currency, a malformed or negative amount, an office not
// enrolled: nothing is written), then writes only what differs and prints
// the product. Exit code 0; 2 for bad arguments (the message names the
// option); 4 for a SKU the catalogue lacks (edit) or an unknown office; 3
// for a SKU that exists already (add); 1 if the store fails.
int SaveProductCommand(const ProductFlags& flags, bool is_new);

// `product list`: every product with its prices and overrides, as a table
// or as CSV (sku,name,category,active,price_CUR...,office_price_CODE...).
int ListProductsCommand(const ProductFlags& flags);

// `product import`: the CSV of node/exchange/catalogue_csv.h. Prints what
// it did; rejected rows (line and reason) go to --rejects FILE or are
// printed. Exit code 0 even with rejected rows; 2 for a file that cannot be
// imported at all; 1 if the store fails.
int ImportProductsCommand(const ProductFlags& flags);

class ProductCommands {
 public:
  // Adds `product add|edit|list|import` to `app`.
  explicit ProductCommands(CLI::App& app);
  ProductCommands(const ProductCommands&) = delete;
  ProductCommands& operator=(const ProductCommands&) = delete;

  // Runs the chosen command over the store in `data_dir` and returns its
  // exit code; nullopt if the command line chose none of them.
  std::optional<int> Run(const std::string& data_dir);

 private:
  ProductFlags flags_;
  std::string category_;
  CLI::App* add_ = nullptr;
  CLI::App* edit_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* import_ = nullptr;
};

}  // namespace crm

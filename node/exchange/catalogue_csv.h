// The catalogue from a CSV file (`crm-hq product import`, docs/import.md,
// "The catalogue"): one product a row, its prices per currency.
//
//   sku,name,category,price_GBP,price_RUB,active
//   85123A,WHITE HANGING HEART T-LIGHT HOLDER,Home,2.55,250.00,yes
//
// The header names the columns, in any order and case: `sku` (required),
// `name` (required for a product the catalogue lacks), `category`,
// `active` (yes/no, true/false, 1/0), a `price_CUR` column per ISO 4217
// currency, the price in major units with at most the currency's decimals,
// and an `office_price_OFFICE` column per office HQ prices apart (in that
// enrolled office's currency): what `crm-hq product list --csv` prints.
// An empty cell leaves that value as it is (a price is removed with `crm-hq
// product edit SKU --remove-price CUR`). A row is written whole or not at all;
// a bad row is reported with its line and the reason, the others are written.
// Only what differs from the catalogue is written, so a re-run of the same
// file writes nothing.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

#include "node/exchange/sales_csv.h"  // ImportRejection
#include "node/store/writer.h"
#include "sync/base/hlc.h"
#include "sync/base/status.h"

namespace crm {

struct CatalogueImportReport {
  size_t rows = 0;       // data rows read (the header not counted)
  size_t created = 0;    // new products
  size_t changed = 0;    // products with something new
  size_t unchanged = 0;  // rows the catalogue already matched
  std::vector<ImportRejection> rejected;  // in line order
};

// Imports the catalogue CSV read from `in` (format above) through `writer`,
// as headquarters (authored by no user; `hlc` stamps each product's change).
// kInvalidArgument for a file that cannot be imported at all (no header, no
// `sku` column, a price column of an unknown currency, an unknown column),
// kNotFound for an office price column of an office not enrolled in `store`,
// with nothing written; a store failure stops the import (rows written
// before it stay).
Result<CatalogueImportReport> ImportCatalogue(const Store& store, Writer& writer, HybridClock& hlc,
                                              std::istream& in);

}  // namespace crm

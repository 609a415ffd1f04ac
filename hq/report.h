// Managers' reports over the hub's store (read-only; they run beside a live
// hub). The first one: sales by office.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "node/store.h"

namespace crm {

struct OfficeSales {
  std::string office;
  std::string currency;
  uint64_t sales = 0;
  int64_t revenue = 0;   // minor units, sale totals
  int64_t refunded = 0;  // minor units, refunds made at this office
  uint64_t clients = 0;  // distinct clients who bought (merged duplicates count once)
};

// Sales per office and currency, over every sale the store holds, in office
// code order.
Result<std::vector<OfficeSales>> SalesByOffice(const Store& store);

}  // namespace crm

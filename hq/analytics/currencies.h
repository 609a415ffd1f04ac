// Which currencies a report covers. A report never sums amounts across
// currencies: without a currency asked for it covers each currency the store
// holds, one section each; a currency asked for that the store holds no
// records in is an error naming the ones it holds (an empty report would look
// like a fact).
#pragma once

#include <string>
#include <vector>

#include "node/store/store.h"
#include "sync/base/entities.h"

namespace crm {

// The currencies of the live records of `kind` (EntityKind::SALE or
// EntityKind::DEAL) in `store`, in code order; empty if there are none.
Result<std::vector<std::string>> CurrenciesHeld(const Store& store, EntityKind kind = EntityKind::SALE);

// The currencies a report over records of `kind` covers: `asked` alone if it
// is given and the store holds such records in it; every currency they are
// in if `asked` is empty (none if there are no records). kInvalidArgument
// (field "currency") for an asked currency the records are not in, naming
// those they are in.
Result<std::vector<std::string>> ReportCurrencies(const Store& store, const std::string& asked,
                                                  EntityKind kind = EntityKind::SALE);

}  // namespace crm

// The name a report lists a client by (before the loyalty card; the
// internal id last, if at all).
#pragma once

#include <string>

#include "schema/records.capnp.h"

namespace crm {

// A company's name; a person's first, middle and last names, those not blank,
// joined by spaces (a company without a name of its own: those too, and a
// person without them: the company name). Empty if the client has none.
std::string ClientName(schema::Client::Reader client);

}  // namespace crm

// The managers' dashboard of `crm-hq serve --web` (docs/web.md): the hub's
// own front desk answers login, duplicates, merges and conflicts through
// WebApi; these are the dashboard's own requests under /api/hq/, for HQ
// managers and admins only: the office links, the reports, the anomalies.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/server/web_api.h"
#include "node/store/store.h"

namespace crm {

// The dashboard's files (hq/dashboard/web/), built in by CMake.
std::vector<WebAsset> DashboardAssets();

// Adds GET /api/hq/sync (what `sync_status` says), /api/hq/report/<name>
// (what `crm-hq report <name> --json` prints, options as query parameters)
// and /api/hq/anomalies (the changes the hub quarantined) to `api`.
// REQUIRES: `store` outlives `api`.
void AddDashboardRoutes(WebApi& api, const Store& store,
                        std::function<nlohmann::json()> sync_status);

}  // namespace crm

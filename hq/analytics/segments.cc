#include "hq/analytics/segments.h"

#include "hq/analytics/client_name.h"
#include "hq/analytics/client_resolver.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "node/common/local_time.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/wire.h"

namespace crm {
namespace {

constexpr int64_t kDayMs = 86'400'000;

// Sums of squares of units overflow 64 bits for the busiest products.
__extension__ typedef __int128 Int128;

// 1 + 5 * (how many are strictly worse) / n, capped at 5. `worse(a, b)`:
// a is worse than b.
template <typename T, typename Worse>
std::vector<int> Scores(const std::vector<T>& values, Worse worse) {
  std::vector<size_t> order(values.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return worse(values[a], values[b]); });
  std::vector<int> scores(values.size());
  size_t n = values.size();
  size_t worse_count = 0;
  for (size_t i = 0; i < n; ++i) {
    // The first of a run of equal values: everything before it is worse.
    if (i > 0 && worse(values[order[i - 1]], values[order[i]])) worse_count = i;
    scores[order[i]] = static_cast<int>(std::min<size_t>(5, 1 + 5 * worse_count / n));
  }
  return scores;
}

// The R/F grid (docs/reports.md).
std::string Segment(int r, int f) {
  if (r >= 5 && f >= 4) return "champions";
  if (r >= 3 && r <= 4 && f >= 4) return "loyal";
  if (r >= 4 && f >= 2 && f <= 3) return "potential loyalists";
  if (r == 5 && f == 1) return "new";
  if (r == 4 && f == 1) return "promising";
  if (r == 3 && f == 3) return "need attention";
  if (r == 3 && f <= 2) return "about to sleep";
  if (r <= 2 && f == 5) return "cannot lose";
  if (r <= 2 && f >= 3) return "at risk";
  return "hibernating";
}

}  // namespace

Result<RfmReport> Rfm(const Store& store, int64_t as_of_ms, const std::string& currency) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  ClientResolver clients(view);
  const bool to_end = as_of_ms <= 0;
  if (to_end) as_of_ms = INT64_MAX;
  int64_t latest = 0;
  std::unordered_map<Id, RfmRow, IdHash> by_client;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::SALE, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto sale = stored.getValue().getAs<schema::Sale>();
        if (!sale.hasClient() || sale.getTime() >= as_of_ms || sale.getCurrency() != currency) {
          return Status::Ok();
        }
        Id raw = IdFromWire(sale.getClient());
        if (raw.IsNull()) return Status::Ok();
        CRM_ASSIGN_OR_RETURN(Id client, clients.Resolve(raw));
        latest = std::max(latest, sale.getTime());
        RfmRow& row = by_client[client];
        row.client = client;
        row.last_sale = std::max(row.last_sale, sale.getTime());
        ++row.frequency;
        row.monetary += sale.getTotal();
        return Status::Ok();
      }));
  if (to_end) as_of_ms = (latest / kDayMs + 1) * kDayMs;
  std::vector<RfmRow> rows;
  rows.reserve(by_client.size());
  for (auto& [id, row] : by_client) {
    row.recency_days = static_cast<uint64_t>((as_of_ms - row.last_sale) / kDayMs);
    auto record = view.Get(EntityKind::CLIENT, id);
    if (record.ok()) {
      row.card = record->value<schema::Client>().getLoyaltyCard();
      row.name = ClientName(record->value<schema::Client>());
    }
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const RfmRow& a, const RfmRow& b) { return a.client < b.client; });
  std::vector<uint64_t> recency, frequency;
  std::vector<int64_t> monetary;
  for (const RfmRow& row : rows) {
    recency.push_back(row.recency_days);
    frequency.push_back(row.frequency);
    monetary.push_back(row.monetary);
  }
  auto r = Scores(recency, [](uint64_t a, uint64_t b) { return a > b; });  // longer ago is worse
  auto f = Scores(frequency, [](uint64_t a, uint64_t b) { return a < b; });
  auto m = Scores(monetary, [](int64_t a, int64_t b) { return a < b; });
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].r = r[i];
    rows[i].f = f[i];
    rows[i].m = m[i];
    rows[i].segment = Segment(r[i], f[i]);
  }
  return RfmReport{as_of_ms, std::move(rows)};
}

Result<std::vector<AbcRow>> Abc(const Store& store, AbcOf of, const std::string& currency) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  ClientResolver clients(view);
  std::map<std::string, AbcRow> items;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::SALE, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto sale = stored.getValue().getAs<schema::Sale>();
        if (sale.getCurrency() != currency) return Status::Ok();
        if (of == AbcOf::kProducts) {
          for (auto line : sale.getLines()) {
            AbcRow& row = items[line.getSku()];
            row.key = line.getSku();
            if (line.getName().size()) row.label = line.getName();
            row.revenue += line.getAmount();
          }
          return Status::Ok();
        }
        Id raw = sale.hasClient() ? IdFromWire(sale.getClient()) : Id{};
        if (raw.IsNull()) return Status::Ok();
        CRM_ASSIGN_OR_RETURN(Id client, clients.Resolve(raw));
        AbcRow& row = items[client.ToString()];
        if (row.key.empty()) {
          row.key = client.ToString();
          auto record = view.Get(EntityKind::CLIENT, client);
          if (record.ok()) {
            row.label = record->value<schema::Client>().getLoyaltyCard();
            row.name = ClientName(record->value<schema::Client>());
          }
        }
        row.revenue += sale.getTotal();
        return Status::Ok();
      }));
  std::vector<AbcRow> rows;
  int64_t total = 0;
  for (auto& [key, row] : items) {
    total += row.revenue;
    rows.push_back(std::move(row));
  }
  // Ties go by SKU, or for clients by loyalty card, which a manager's own
  // tally would use too (then by id).
  std::sort(rows.begin(), rows.end(), [of](const AbcRow& a, const AbcRow& b) {
    if (a.revenue != b.revenue) return a.revenue > b.revenue;
    if (of == AbcOf::kClients && a.label != b.label) return a.label < b.label;
    return a.key < b.key;
  });
  int64_t before = 0;
  for (AbcRow& row : rows) {
    // Compared in integers: before / total < 80% <=> 100 * before < 80 * total.
    row.abc = 100 * before < 80 * total ? 'A' : 100 * before < 95 * total ? 'B' : 'C';
    before += row.revenue;
    row.share = total ? static_cast<double>(row.revenue) / static_cast<double>(total) : 0;
    row.cumulative = total ? static_cast<double>(before) / static_cast<double>(total) : 0;
  }
  return rows;
}

Result<std::vector<XyzRow>> Xyz(const Store& store, const std::string& time_zone) {
  CRM_RETURN_IF_ERROR(CheckTimeZone(time_zone));
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  std::unordered_map<int64_t, int> month_of_quarter;  // quarter hour -> year * 12 + month - 1
  std::map<std::string, std::map<int, int64_t>> units;  // sku -> month -> units
  std::map<std::string, std::string> names;
  int first = INT32_MAX, last = INT32_MIN;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::SALE, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto sale = stored.getValue().getAs<schema::Sale>();
        int64_t quarter = sale.getTime() / (15 * 60 * 1000);
        auto [it, fresh] = month_of_quarter.try_emplace(quarter);
        if (fresh) {
          LocalDate date = ToLocalDate(sale.getTime(), time_zone);
          it->second = date.year * 12 + date.month - 1;
        }
        int month = it->second;
        first = std::min(first, month);
        last = std::max(last, month);
        for (auto line : sale.getLines()) {
          units[line.getSku()][month] += line.getQuantity();
          if (line.getName().size()) names[line.getSku()] = line.getName();
        }
        return Status::Ok();
      }));
  std::vector<XyzRow> rows;
  for (auto& [sku, by_month] : units) {
    XyzRow row;
    row.sku = sku;
    row.name = names[sku];
    double sum = 0;
    for (int month = first; month <= last; ++month) {
      auto it = by_month.find(month);
      row.monthly_units.push_back(it == by_month.end() ? 0 : it->second);
      sum += static_cast<double>(row.monthly_units.back());
    }
    double n = static_cast<double>(row.monthly_units.size());
    row.mean = sum / n;
    double squares = 0;
    for (int64_t u : row.monthly_units) {
      double d = static_cast<double>(u) - row.mean;
      squares += d * d;
    }
    row.variation = row.mean > 0 ? std::sqrt(squares / n) / row.mean : 0;
    // The classes in whole numbers, so no rounding decides one: with S the
    // sum, Q the sum of squares and M the months, variation < v exactly when
    // Q * M < (1 + v^2) * S^2.
    Int128 s = 0, q = 0, months = static_cast<Int128>(row.monthly_units.size());
    for (int64_t u : row.monthly_units) {
      s += u;
      q += static_cast<Int128>(u) * u;
    }
    row.xyz = 4 * q * months < 5 * s * s ? 'X' : q * months < 2 * s * s ? 'Y' : 'Z';
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace crm

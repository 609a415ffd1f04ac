#include "hq/dashboard/dashboard.h"

#include <stdio.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "hq/reports/print_credit.h"
#include "hq/reports/print_effectiveness.h"
#include "hq/reports/print_pipeline.h"
#include "hq/reports/print_sales.h"
#include "hq/reports/print_satisfaction.h"
#include "hq/reports/print_segments.h"
#include "node/store/offices.h"
#include "schema/change.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/wire.h"

namespace crm {
namespace {

constexpr size_t kMaxAnomaliesListed = 1000;

// The options of one report request, taken from the query string; every
// option must be known to the report and well-formed.
class ReportOptions {
 public:
  // Option names are taken as crm-hq spells them (time-zone) or with
  // underscores (time_zone).
  ReportOptions(const std::map<std::string, std::string>& query, std::set<std::string> known)
      : known_(std::move(known)) {
    for (const auto& [name, value] : query) {
      std::string key = name;
      std::replace(key.begin(), key.end(), '-', '_');
      query_[key] = value;
    }
  }

  Status Check() const {
    for (const auto& [name, value] : query_) {
      if (!known_.contains(name))
        return Status::InvalidArgument(name, "this report has no option '" + name + "'");
    }
    return Status::Ok();
  }
  void Text(const std::string& name, std::string& into) const {
    if (auto it = query_.find(name); it != query_.end()) into = it->second;
  }
  template <typename Number>
  Status Integer(const std::string& name, Number& into) const {
    auto it = query_.find(name);
    if (it == query_.end()) return Status::Ok();
    const std::string& text = it->second;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), into);
    if (error != std::errc() || end != text.data() + text.size()) {
      return Status::InvalidArgument(name, "'" + text + "' is not a whole number");
    }
    return Status::Ok();
  }
  bool Flag(const std::string& name) const {
    auto it = query_.find(name);
    return it != query_.end() && (it->second.empty() || it->second == "1" || it->second == "true");
  }

 private:
  std::map<std::string, std::string> query_;
  std::set<std::string> known_;
};

// Runs `write` into memory and answers with what it wrote.
WebResponse Written(const std::function<Status(std::FILE*)>& write) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  if (out == nullptr) return WebError(Status::ResourceExhausted("no memory for the report"));
  Status written = write(out);
  std::fclose(out);
  std::string body(buffer, size);
  std::free(buffer);
  if (!written.ok()) return WebError(written);
  return WebJson(std::move(body));
}

WebResponse Report(const Store& store, std::string_view name, const WebRequest& request) {
  const auto& query = request.query;
  if (name == "sales") {
    ReportOptions options(query, {"by", "from", "to", "time_zone", "top"});
    SalesReportFlags flags;
    flags.output = Output::kJson;
    options.Text("by", flags.by);
    options.Text("from", flags.from);
    options.Text("to", flags.to);
    options.Text("time_zone", flags.time_zone);
    if (Status s = options.Check(); !s.ok()) return WebError(s);
    if (Status s = options.Integer("top", flags.top); !s.ok()) return WebError(s);
    return Written([&](std::FILE* out) { return WriteSales(store, flags, out); });
  }
  if (name == "rfm" || name == "abc" || name == "xyz" || name == "abc-xyz" || name == "forecast") {
    ReportOptions options(query, {"currency", "time_zone", "as_of", "of", "clients", "top",
                                  "window", "held_out", "ahead"});
    SegmentReportFlags flags;
    flags.output = Output::kJson;
    options.Text("currency", flags.currency);
    options.Text("time_zone", flags.time_zone);
    options.Text("as_of", flags.as_of);
    options.Text("of", flags.of);
    flags.clients = options.Flag("clients");
    if (Status s = options.Check(); !s.ok()) return WebError(s);
    for (auto [option, into] : {std::pair{"window", &flags.window},
                                {"held_out", &flags.held_out},
                                {"ahead", &flags.ahead}}) {
      if (Status s = options.Integer(option, *into); !s.ok()) return WebError(s);
    }
    if (Status s = options.Integer("top", flags.top); !s.ok()) return WebError(s);
    auto write = name == "rfm"       ? WriteRfm
                 : name == "abc"     ? WriteAbc
                 : name == "xyz"     ? WriteXyz
                 : name == "abc-xyz" ? WriteAbcXyz
                                     : WriteForecast;
    return Written([&](std::FILE* out) { return write(store, flags, out); });
  }
  if (name == "effectiveness") {
    ReportOptions options(query, {"of", "from", "to", "time_zone", "currency"});
    EffectivenessFlags flags;
    flags.output = Output::kJson;
    options.Text("of", flags.of);
    options.Text("from", flags.from);
    options.Text("to", flags.to);
    options.Text("time_zone", flags.time_zone);
    options.Text("currency", flags.currency);
    if (Status s = options.Check(); !s.ok()) return WebError(s);
    return Written([&](std::FILE* out) { return WriteEffectiveness(store, flags, out); });
  }
  if (name == "satisfaction") {
    ReportOptions options(query, {"by", "from", "to", "time_zone"});
    SatisfactionFlags flags;
    flags.output = Output::kJson;
    options.Text("by", flags.by);
    options.Text("from", flags.from);
    options.Text("to", flags.to);
    options.Text("time_zone", flags.time_zone);
    if (Status s = options.Check(); !s.ok()) return WebError(s);
    return Written([&](std::FILE* out) { return WriteSatisfaction(store, flags, out); });
  }
  if (name == "credit") {
    ReportOptions options(query, {"as_of", "time_zone", "terms_days", "currency"});
    CreditReportFlags flags;
    flags.output = Output::kJson;
    options.Text("as_of", flags.as_of);
    options.Text("time_zone", flags.time_zone);
    options.Text("currency", flags.currency);
    if (Status s = options.Check(); !s.ok()) return WebError(s);
    if (Status s = options.Integer("terms_days", flags.terms_days); !s.ok()) return WebError(s);
    return Written([&](std::FILE* out) { return WriteCredit(store, flags, out); });
  }
  if (name == "pipeline") {
    ReportOptions options(query, {"office"});
    PipelineFlags flags;
    flags.output = Output::kJson;
    options.Text("office", flags.office);
    if (Status s = options.Check(); !s.ok()) return WebError(s);
    return Written([&](std::FILE* out) { return WritePipeline(store, flags, out); });
  }
  return WebError(Status::NotFound("no such report: " + std::string(name)));
}

Result<nlohmann::json> Anomalies(const Store& store) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  CRM_ASSIGN_OR_RETURN(auto offices, OfficeCodesByNode(view));
  CRM_ASSIGN_OR_RETURN(auto quarantined, view.Quarantined(kMaxAnomaliesListed));
  nlohmann::json out = nlohmann::json::array();
  // Records the merged state of which breaks a rule (a sale refunded beyond
  // what it sold), then the changes the hub refused.
  CRM_ASSIGN_OR_RETURN(auto anomalies, view.Anomalies(kMaxAnomaliesListed));
  for (const StoreView::Anomaly& anomaly : anomalies) {
    std::string office, time;
    if (anomaly.kind == EntityKind::SALE) {
      if (auto sale = view.Get(EntityKind::SALE, anomaly.id); sale.ok()) {
        office = sale->value<schema::Sale>().getOffice().cStr();
        time = std::to_string(sale->value<schema::Sale>().getTime());
      }
    }
    out.push_back({{"origin", ""},
                   {"office", office},
                   {"originSeq", ""},
                   {"kind", std::string(EntityName(anomaly.kind))},
                   {"id", anomaly.id.ToString()},
                   {"time", time},
                   {"reason", anomaly.what}});
  }
  for (const QuarantinedChange& entry : quarantined) {
    auto change = entry.change.Root<schema::Change>();
    Id origin = change.hasOrigin() ? IdFromWire(change.getOrigin()) : Id{};
    auto office = offices.find(origin);
    EntityKind kind = change.getEntity();
    out.push_back({{"origin", origin.ToString()},
                   {"office", office != offices.end() ? office->second : origin.ToString()},
                   {"originSeq", std::to_string(change.getOriginSeq())},
                   {"kind", IsKnownKind(static_cast<uint16_t>(kind)) ? std::string(EntityName(kind))
                                                                     : "unknown"},
                   {"id", change.hasId() ? IdFromWire(change.getId()).ToString() : ""},
                   {"time", std::to_string(change.getStamp().getPhysical())},
                   {"reason", entry.reason}});
  }
  return out;
}

}  // namespace

void AddDashboardRoutes(WebApi& api, const Store& store,
                        std::function<nlohmann::json()> sync_status) {
  api.AddRoute("/api/hq/", [&store, sync_status = std::move(sync_status)](const WebRequest& request,
                                                                          const SessionUser& user) {
    if (user.role != schema::Role::HQ_MANAGER && user.role != schema::Role::ADMIN) {
      return WebError(Status::PermissionDenied("the dashboard is for HQ managers and admins"));
    }
    if (request.method != "GET")
      return WebError(Status::InvalidArgument("method", "the dashboard reads with GET"));
    std::string_view path =
        std::string_view(request.path).substr(std::string_view("/api/hq/").size());
    if (path == "sync") return WebJson(sync_status().dump());
    if (path == "anomalies") {
      auto anomalies = Anomalies(store);
      return anomalies.ok() ? WebJson(anomalies->dump()) : WebError(anomalies.status());
    }
    if (path.starts_with("report/")) return Report(store, path.substr(7), request);
    return WebError(Status::NotFound("no such dashboard request: " + request.path));
  });
}

}  // namespace crm

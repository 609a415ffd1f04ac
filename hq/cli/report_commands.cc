#include "hq/cli/report_commands.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>

#include "hq/analytics/sales.h"
#include "hq/cli/log_failure.h"
#include "node/common/local_time.h"
#include "node/common/private_file.h"
#include "node/store/runtime.h"

namespace crm {
namespace {

constexpr const char* kCurrencyHelp =
    "ISO 4217 code; default: every currency the sales are in, one section each (a currency with no "
    "sales is an error naming those there are)";

Output OutputOf(bool json, bool csv) {
  return json ? Output::kJson : csv ? Output::kCsv : Output::kTable;
}

// Writes the HTML report to `out`, or prints it if `out` is empty.
int WriteHtmlReport(const std::string& data_dir, const HtmlReportOptions& options,
                    const std::string& out) {
  if (Status zone = CheckTimeZone(options.time_zone); !zone.ok()) return LogFailure(zone);
  StoreRuntime hq;
  if (Status opened = hq.Open(ReportStore(data_dir)); !opened.ok()) return LogFailure(opened);
  auto page = HtmlReport(*hq.store, options);
  if (!page.ok()) return LogFailure(page.status());
  if (out.empty()) {
    fmt::print("{}", *page);
    return 0;
  }
  if (Status created = CreatePrivateFile(out); !created.ok()) return LogFailure(created);
  std::ofstream file(out, std::ios::trunc);
  file << *page;
  if (!file) return LogFailure(Status::IOError("cannot write " + out));
  fmt::print("{} written\n", out);
  return 0;
}

}  // namespace

ReportCommands::ReportCommands(CLI::App& app) {
  report_ = app.add_subcommand("report", "managers' reports over the hub's store");
  report_->require_subcommand(1);
  AddSales(*report_);
  AddSegments(*report_);
  AddForecast(*report_);
  AddEffectiveness(*report_);
  AddCredit(*report_);
  AddSatisfaction(*report_);
  AddHtml(*report_);
}

void ReportCommands::AddSales(CLI::App& report) {
  sales_ = report.add_subcommand(
      "sales",
      "sales by office, month, employee, channel, product or campaign (or in total): count, units, "
      "revenue, refunds, average ticket, clients");
  sales_
      ->add_option("--by", sales_flags_.by,
                   "office, month, employee, channel, product, campaign, or total (one row per "
                   "currency, with its distinct clients)")
      ->capture_default_str();
  sales_->add_option("--from", sales_flags_.from, "first day, YYYY-MM-DD");
  sales_->add_option("--to", sales_flags_.to, "the day after the last, YYYY-MM-DD");
  sales_->add_option("--time-zone", sales_flags_.time_zone, "IANA zone of days and months")
      ->capture_default_str();
  sales_->add_option("--top", sales_flags_.top, "only the first N rows (biggest revenue first)");
  sales_->add_flag("--json", sales_json_, "print JSON");
  sales_->add_flag("--csv", sales_csv_, "print CSV");
}

void ReportCommands::AddSegments(CLI::App& report) {
  rfm_ =
      report.add_subcommand("rfm", "recency, frequency and monetary scores, and client segments");
  AddSegmentOptions(*rfm_);
  rfm_->add_option("--as-of", segment_flags_.as_of,
                   "the day to measure recency to (default: after the last sale)");
  rfm_->add_option("--time-zone", segment_flags_.time_zone, "IANA zone of --as-of")
      ->capture_default_str();
  rfm_->add_flag("--clients", segment_flags_.clients, "one row per client instead of per segment");
  abc_ =
      report.add_subcommand("abc", "ABC analysis: products or clients by their share of revenue");
  AddSegmentOptions(*abc_);
  abc_->add_option("--of", segment_flags_.of, "products or clients")->capture_default_str();
  abc_->add_option("--top", segment_flags_.top, "only the first N rows");
  xyz_ = report.add_subcommand("xyz", "XYZ analysis: products by the variation of monthly demand");
  AddSegmentOptions(*xyz_);
  xyz_->add_option("--time-zone", segment_flags_.time_zone, "IANA zone of months")
      ->capture_default_str();
  xyz_->add_option(
      "--top", segment_flags_.top,
      "only the N products with the most units a month (otherwise every product, in SKU order)");
  abc_xyz_ = report.add_subcommand("abc-xyz", "the ABC-XYZ matrix of products");
  AddSegmentOptions(*abc_xyz_);
  abc_xyz_->add_option("--time-zone", segment_flags_.time_zone, "IANA zone of months")
      ->capture_default_str();
}

void ReportCommands::AddSegmentOptions(CLI::App& command) {
  command.add_option("--currency", segment_flags_.currency, kCurrencyHelp);
  command.add_flag("--json", segment_json_, "print JSON");
  command.add_flag("--csv", segment_csv_, "print CSV");
}

void ReportCommands::AddForecast(CLI::App& report) {
  forecast_ = report.add_subcommand(
      "forecast",
      "units per product for the next months, with the method's error on held-out months");
  AddSegmentOptions(*forecast_);
  forecast_->add_option("--time-zone", segment_flags_.time_zone, "IANA zone of months")
      ->capture_default_str();
  forecast_->add_option("--window", segment_flags_.window, "months averaged")
      ->capture_default_str()
      ->check(CLI::Range(1, 24));
  forecast_
      ->add_option("--held-out", segment_flags_.held_out,
                   "last months kept out to measure the error")
      ->capture_default_str()
      ->check(CLI::Range(1, 24));
  forecast_->add_option("--ahead", segment_flags_.ahead, "months forecast")
      ->capture_default_str()
      ->check(CLI::Range(1, 24));
  forecast_->add_option("--top", segment_flags_.top,
                        "only the N products with the biggest forecast");
}

void ReportCommands::AddEffectiveness(CLI::App& report) {
  effectiveness_ = report.add_subcommand(
      "effectiveness",
      "of acquisition channels, campaigns (audience, response rate) and employees, "
      "the deal pipeline's stage conversion, and the purchase funnel where clients drop off");
  effectiveness_
      ->add_option("--of", effect_flags_.of, "channels, campaigns, employees, deals or funnel")
      ->capture_default_str();
  effectiveness_->add_option("--from", effect_flags_.from, "first day, YYYY-MM-DD");
  effectiveness_->add_option("--to", effect_flags_.to, "the day after the last, YYYY-MM-DD");
  effectiveness_->add_option("--time-zone", effect_flags_.time_zone, "IANA zone of the days")
      ->capture_default_str();
  effectiveness_->add_option("--currency", effect_flags_.currency, kCurrencyHelp);
  effectiveness_->add_flag("--json", effect_json_, "print JSON");
  effectiveness_->add_flag("--csv", effect_csv_, "print CSV");
}

void ReportCommands::AddCredit(CLI::App& report) {
  credit_ =
      report.add_subcommand("credit", "what each client owes on account, and how much is overdue");
  credit_->add_option("--as-of", credit_flags_.as_of, "the day to judge by (default: now)");
  credit_->add_option("--terms-days", credit_flags_.terms_days, "days a credit may stay unpaid")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  credit_->add_option("--time-zone", credit_flags_.time_zone, "IANA zone of --as-of")
      ->capture_default_str();
  credit_->add_option("--currency", credit_flags_.currency, kCurrencyHelp);
  credit_->add_flag("--json", credit_json_, "print JSON");
  credit_->add_flag("--csv", credit_csv_, "print CSV");
}

void ReportCommands::AddSatisfaction(CLI::App& report) {
  satisfaction_ = report.add_subcommand(
      "satisfaction",
      "customer satisfaction from feedback: responses, average score, share of low scores (1 or 2 "
      "of 5)");
  satisfaction_->add_option("--by", satisfaction_flags_.by, "office, employee, month or total")
      ->capture_default_str();
  satisfaction_->add_option("--from", satisfaction_flags_.from, "first day, YYYY-MM-DD");
  satisfaction_->add_option("--to", satisfaction_flags_.to, "the day after the last, YYYY-MM-DD");
  satisfaction_->add_option("--time-zone", satisfaction_flags_.time_zone, "IANA zone of days and months")
      ->capture_default_str();
  satisfaction_->add_flag("--json", satisfaction_json_, "print JSON");
  satisfaction_->add_flag("--csv", satisfaction_csv_, "print CSV");
}

void ReportCommands::AddHtml(CLI::App& report) {
  html_ = report.add_subcommand(
      "html", "one self-contained HTML page with charts: months, best sellers, segments, ABC-XYZ (per "
      "currency), satisfaction");
  html_->add_option("--out", html_out_, "write it here (default: standard output)");
  html_->add_option("--title", html_options_.title, "the page's title")->capture_default_str();
  html_->add_option("--currency", html_options_.currency, kCurrencyHelp);
  html_->add_option("--time-zone", html_options_.time_zone, "IANA zone of months")
      ->capture_default_str();
}

std::optional<int> ReportCommands::Run(const std::string& data_dir) {
  if (*sales_) {
    sales_flags_.data_dir = data_dir;
    sales_flags_.output = OutputOf(sales_json_, sales_csv_);
    return RunReport(data_dir, [&](const Store& store, std::FILE* out) {
      return WriteSales(store, sales_flags_, out);
    });
  }
  if (std::optional<int> code = RunSegments(data_dir)) return code;
  if (*html_) return WriteHtmlReport(data_dir, html_options_, html_out_);
  if (*credit_) {
    credit_flags_.data_dir = data_dir;
    credit_flags_.output = OutputOf(credit_json_, credit_csv_);
    return RunReport(data_dir, [&](const Store& store, std::FILE* out) {
      return WriteCredit(store, credit_flags_, out);
    });
  }
  if (*satisfaction_) {
    satisfaction_flags_.data_dir = data_dir;
    satisfaction_flags_.output = OutputOf(satisfaction_json_, satisfaction_csv_);
    return RunReport(data_dir, [&](const Store& store, std::FILE* out) {
      return WriteSatisfaction(store, satisfaction_flags_, out);
    });
  }
  if (*effectiveness_) {
    effect_flags_.data_dir = data_dir;
    effect_flags_.output = OutputOf(effect_json_, effect_csv_);
    return RunReport(data_dir, [&](const Store& store, std::FILE* out) {
      return WriteEffectiveness(store, effect_flags_, out);
    });
  }
  return std::nullopt;
}

// rfm, abc, xyz, abc-xyz and forecast, which share their options.
std::optional<int> ReportCommands::RunSegments(const std::string& data_dir) {
  using Write = Status (*)(const Store&, const SegmentReportFlags&, std::FILE*);
  Write write = *rfm_        ? WriteRfm
                : *abc_      ? WriteAbc
                : *xyz_      ? WriteXyz
                : *abc_xyz_  ? WriteAbcXyz
                : *forecast_ ? WriteForecast
                             : nullptr;
  if (write == nullptr) return std::nullopt;
  segment_flags_.data_dir = data_dir;
  segment_flags_.output = OutputOf(segment_json_, segment_csv_);
  return RunReport(data_dir, [&](const Store& store, std::FILE* out) {
    return write(store, segment_flags_, out);
  });
}

}  // namespace crm

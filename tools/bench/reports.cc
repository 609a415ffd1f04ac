// reports: a year of sales history imported from CSV (crm-admin's importer),
// then every HQ report over it, each timed.
#include <fstream>
#include <random>

#include "hq/analytics/sales.h"
#include "hq/analytics/segments.h"
#include "node/exchange/sales_csv.h"
#include "tools/bench/scenarios.h"

namespace crm::bench {

ReportsFigures RunReports(size_t sales) {
  ScratchDir dir;
  std::filesystem::path csv = dir.path() / "sales.csv";
  {
    // Two lines a receipt; clients buy about five times a year; 2,000 SKUs
    // with a few best sellers; times spread over 2025 in London.
    std::ofstream out(csv);
    out << "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";
    std::mt19937_64 random(42);
    size_t clients = std::max<size_t>(1, sales / 5);
    for (size_t i = 0; i < sales; ++i) {
      uint64_t r = random();
      int day = static_cast<int>(i * 365 / sales);
      int month = 1, left = day;
      static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      while (left >= kDays[month - 1]) left -= kDays[month - 1], ++month;
      std::string time = fmt::format("2025-{:02}-{:02} {:02}:{:02}:00", month, left + 1, 9 + r % 10, r % 60);
      std::string client = (r >> 8) % 4 == 0 ? "" : std::to_string(10000 + (r >> 16) % clients);
      for (int line = 0; line < 2; ++line) {
        uint64_t p = random();
        size_t sku = p % 8 == 0 ? p % 20 : p % 2000;
        out << "R" << i << ",SKU" << sku << ",Product " << sku << "," << 1 + p % 12 << "," << time
            << "," << 1 + sku % 50 << "." << (p >> 8) % 100 / 10 << "5," << client << ",United Kingdom\n";
      }
    }
  }
  StoreOptions options;
  options.dir = dir.path() / "hq";
  options.durable = false;  // the reports are measured, not the disk
  options.initial_map_bytes = size_t{1} << 30;
  StoreRuntime hq;
  Must(hq.Open(options), "open store");
  ReportsFigures figures;
  figures.sales = sales;
  auto started = std::chrono::steady_clock::now();
  {
    std::ifstream in(csv);
    ImportOptions import;
    import.office = "WEB";
    auto report = Must(ImportSales(*hq.writer, *hq.hlc, in, import), "import");
    if (report.sales_written != sales) Die("import", Status::Internal("not every sale was imported"));
  }
  figures.import_s = MicrosSince(started) / 1e6;

  auto time = [](auto&& run) {
    auto start = std::chrono::steady_clock::now();
    run();
    return MicrosSince(start) / 1e6;
  };
  SalesFilter filter;
  filter.time_zone = "Europe/London";
  figures.by_month_s = time([&] { Must(SalesBy(*hq.store, SalesDimension::kMonth, filter), "by month"); });
  figures.by_product_s = time([&] { Must(SalesBy(*hq.store, SalesDimension::kProduct, filter), "by product"); });
  figures.rfm_s = time([&] { Must(Rfm(*hq.store, 0, "GBP"), "rfm"); });
  figures.abc_s = time([&] { Must(Abc(*hq.store, AbcOf::kClients, "GBP"), "abc"); });
  figures.xyz_s = time([&] { Must(Xyz(*hq.store, "Europe/London"), "xyz"); });
  return figures;
}

}  // namespace crm::bench

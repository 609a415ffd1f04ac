#include "node/exchange/sales_csv.h"

#include <capnp/schema.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "node/common/local_time.h"
#include "node/exchange/csv.h"
#include "node/exchange/people.h"
#include "node/sales/net_sales.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/money.h"
#include "sync/base/wire.h"

namespace crm {
namespace {

// A sale's time in `time_zone`, with its milliseconds when not 0.
std::string ExportTime(int64_t utc_ms, const std::string& time_zone) {
  std::string text = FormatLocalSeconds(utc_ms, time_zone);
  if (int64_t millis = ((utc_ms % 1000) + 1000) % 1000; millis != 0) {
    char fraction[8];
    std::snprintf(fraction, sizeof(fraction), ".%03d", static_cast<int>(millis));
    text += fraction;
  }
  return text;
}

// "cash 10.00;credit 5.50".
std::string PaymentsCell(schema::Sale::Reader sale) {
  std::string cell;
  auto methods = capnp::Schema::from<schema::PaymentMethod>();
  for (auto part : sale.getPayments()) {
    auto method = methods.getEnumerants()[static_cast<unsigned>(part.getMethod())];
    cell += (cell.empty() ? "" : ";") + std::string(method.getProto().getName().cStr()) + " " +
            FormatMoney(part.getAmount(), sale.getCurrency().cStr());
  }
  return cell;
}

}  // namespace

Result<size_t> ExportSales(const Store& store, std::ostream& csv, const std::string& time_zone) {
  CRM_RETURN_IF_ERROR(CheckTimeZone(time_zone));
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  // A client's card and country, looked up once.
  std::unordered_map<Id, std::pair<std::string, std::string>, IdHash> clients;
  auto client_of = [&](const Id& id) -> Result<std::pair<std::string, std::string>> {
    auto it = clients.find(id);
    if (it != clients.end()) return it->second;
    CRM_ASSIGN_OR_RETURN(Id resolved, view.ResolveClient(id));
    std::pair<std::string, std::string> found{resolved.ToString(), ""};
    auto record = view.Get(EntityKind::CLIENT, resolved);
    if (record.ok()) {
      auto client = record->value<schema::Client>();
      if (client.getLoyaltyCard().size()) found.first = client.getLoyaltyCard();
      for (auto attribute : client.getAttributes()) {
        if (attribute.getKey() == "country") found.second = attribute.getValue();
      }
    }
    clients.emplace(id, found);
    return found;
  };
  PeopleNames people(view);
  csv << "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country,Office,Channel,"
         "Campaign,Cashier,Currency,Discount,Payments,SaleId,ClientId,RefundId\n";
  size_t written = 0;
  // Refunds as cancellation lines (negative quantities) after the sales, so
  // that an import of the file finds each sale before what returns it; in
  // the order they were made, as the import takes them in file order. The
  // refunds are the ones every report counts (node/sales/net_sales.h).
  std::vector<std::tuple<int64_t, std::string, std::string>> returns;  // time, receipt, rows
  CRM_RETURN_IF_ERROR(ForEachNetSale(view, [&](const NetSale& net) -> Status {
    auto sale = net.sale;
    std::pair<std::string, std::string> client;
    std::string client_id;
    if (sale.hasClient() && !IdFromWire(sale.getClient()).IsNull()) {
      CRM_ASSIGN_OR_RETURN(client, client_of(IdFromWire(sale.getClient())));
      CRM_ASSIGN_OR_RETURN(Id resolved, view.ResolveClient(IdFromWire(sale.getClient())));
      client_id = resolved.ToString();
    }
    const std::string office = sale.getOffice().cStr();
    const std::string currency = sale.getCurrency().cStr();
    Id cashier_id = sale.hasCashier() ? IdFromWire(sale.getCashier()) : Id{};
    CRM_ASSIGN_OR_RETURN(std::string cashier, people.Name(cashier_id, office));
    std::string time = ExportTime(sale.getTime(), time_zone);
    // What follows the discount: the same on every line of the receipt.
    const std::string payments = "," + CsvField(PaymentsCell(sale)) + "," +
                                 CsvField(net.id.ToString()) + "," + CsvField(client_id) + ",\n";
    std::string tail = "," + CsvField(client.first) + "," + CsvField(client.second) + "," +
                       CsvField(office) + "," + CsvField(sale.getChannel().cStr()) + "," +
                       CsvField(sale.getCampaignCode().cStr()) + "," + CsvField(cashier) + "," +
                       CsvField(currency) + ",";
    auto lines = sale.getLines();
    for (auto line : lines) {
      csv << CsvField(sale.getReceiptNo().cStr()) << ',' << CsvField(line.getSku().cStr()) << ','
          << CsvField(line.getName().cStr()) << ',' << line.getQuantity() << ',' << time << ','
          << FormatMoney(line.getUnitPrice(), currency) << tail
          << (line.getDiscount() == 0 ? "" : FormatMoney(line.getDiscount(), currency)) << payments;
    }
    ++written;
    if (!csv) return Status::IOError("cannot write the CSV");
    if (net.refunds == nullptr) return Status::Ok();
    for (const RefundEntry& entry : net.refunds->refunds) {
      CRM_ASSIGN_OR_RETURN(Record record, view.Get(EntityKind::REFUND, entry.id));
      auto refund = record.value<schema::Refund>();
      std::string_view reason = refund.getReason().cStr();
      std::string receipt = reason.rfind(kCancellationReason, 0) == 0
                                ? std::string(reason.substr(std::strlen(kCancellationReason)))
                                : "C" + std::string(sale.getReceiptNo().cStr());
      std::string when = ExportTime(refund.getTime(), time_zone);
      std::string rows;
      for (auto returned : refund.getLines()) {
        if (returned.getLineIndex() >= lines.size()) continue;
        auto line = lines[returned.getLineIndex()];
        rows += CsvField(receipt) + ',' + CsvField(line.getSku().cStr()) + ',' +
                CsvField(line.getName().cStr()) + ',' + std::to_string(-int64_t{returned.getQuantity()}) +
                ',' + when + ',' + FormatMoney(line.getUnitPrice(), currency) + tail + ",," +
                CsvField(net.id.ToString()) + "," + CsvField(client_id) + "," +
                CsvField(entry.id.ToString()) + "\n";
      }
      returns.emplace_back(refund.getTime(), receipt, std::move(rows));
    }
    return Status::Ok();
  }));
  std::sort(returns.begin(), returns.end());
  for (const auto& [time, receipt, rows] : returns) csv << rows;
  if (!csv) return Status::IOError("cannot write the CSV");
  return written;
}


}  // namespace crm

// Front desk: sales, receipts, refunds and payments on credit.
#include <fmt/format.h>

#include "node/common/local_time.h"
#include "node/frontdesk/internal.h"
#include "node/frontdesk/till_limits.h"
#include "node/sales/catalogue.h"
#include "sync/base/entities.h"
#include "sync/base/money.h"

namespace crm::frontdesk {
namespace {

constexpr size_t kMaxLines = 200;
constexpr int32_t kMaxQuantity = 100'000;
constexpr int64_t kMaxPayment = kMaxUnitPrice * kMaxQuantity;

bool IsKnownMethod(schema::PaymentMethod method) {
  return static_cast<uint16_t>(method) <= static_cast<uint16_t>(schema::PaymentMethod::OTHER);
}

std::string LineField(unsigned i, const char* name) {
  return fmt::format("lines[{}].{}", i, name);
}

void FillSaleEntry(schema::SaleEntry::Builder out, const Id& id, schema::Sale::Reader sale,
                   int64_t refunded, std::string_view approved_by) {
  IdToWire(id, out.initId());
  out.setSale(sale);
  out.setRefunded(refunded);
  if (!approved_by.empty()) out.setApprovedBy(std::string(approved_by));
}

// `part` of `whole` in basis points, rounded up (so a share over a limit is
// never shown as the limit). REQUIRES: 0 <= part, 0 < whole, both at most
// 10^15 (a line's price), so the product fits.
int64_t BasisPoints(int64_t part, int64_t whole) {
  const uint64_t scaled = static_cast<uint64_t>(part) * kAllBasisPoints;
  return static_cast<int64_t>((scaled + static_cast<uint64_t>(whole) - 1) /
                              static_cast<uint64_t>(whole));
}

// True if `part` of `whole` is more than `limit` basis points of it.
bool Exceeds(int64_t part, int64_t whole, int32_t limit) {
  return static_cast<uint64_t>(part) * kAllBasisPoints >
         static_cast<uint64_t>(limit) * static_cast<uint64_t>(whole);
}

// 1000 -> "10%", 9990 -> "99.9%", 1 -> "0.01%".
std::string Percent(int64_t basis_points) {
  std::string text = fmt::format("{}.{:02}", basis_points / 100, basis_points % 100);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text + "%";
}

// Who may lower prices how far in one sale (docs/frontdesk.md, "Limits at the
// till"): the seller on their own, and beyond that the approver who came with
// the sale, if any.
class PriceAuthority {
 public:
  static Result<PriceAuthority> Load(const Context& ctx, const StoreView& view,
                                     const SessionUser* approver) {
    PriceAuthority authority(ctx, approver);
    CRM_ASSIGN_OR_RETURN(authority.seller_limits_,
                         EffectiveTillLimits(view, ctx.office.code, ctx.user.role));
    if (approver) {
      // The approver as the store holds them now (the password was checked
      // on a snapshot taken before this transaction).
      CRM_ASSIGN_OR_RETURN(Record record, view.Get(EntityKind::USER, approver->user));
      auto user = record.value<schema::User>();
      if (!IsLive(record.stored()) || !user.getActive()) {
        return Status(StatusCode::kPermissionDenied, "the approver's user is deactivated",
                      "approval");
      }
      authority.approver_role_ = user.getRole();
      CRM_ASSIGN_OR_RETURN(authority.approver_limits_,
                           EffectiveTillLimits(view, ctx.office.code, user.getRole()));
    }
    return authority;
  }

  // OK if line `index` (its SKU, the catalogue's unit price, the one charged,
  // the quantity and the discount) is within the seller's limits, or the
  // approver's (the approval is then used); kPermissionDenied naming the
  // line's price or discount, the limit and what to do otherwise.
  Status CheckLine(unsigned index, std::string_view sku, int64_t catalogue, int64_t unit_price,
                   int64_t quantity, int64_t discount) {
    const std::string line = fmt::format("line {} ({})", index + 1, sku);
    const std::string& currency = ctx_.office.currency;
    if (unit_price < catalogue) {
      const int64_t cut = catalogue - unit_price;
      CRM_RETURN_IF_ERROR(
          Check(LineField(index, "unitPrice"), cut, catalogue, &TillLimits::max_price_cut_bp,
                fmt::format("{}: a unit price of {} is {} below the catalogue's {}", line,
                            FormatMoney(unit_price, currency), Percent(BasisPoints(cut, catalogue)),
                            FormatMoney(catalogue, currency)),
                "cut a price by"));
    }
    const int64_t gross = unit_price * quantity;
    if (discount > 0) {
      CRM_RETURN_IF_ERROR(
          Check(LineField(index, "discount"), discount, gross, &TillLimits::max_discount_bp,
                fmt::format("{}: a discount of {} is {} of the line's {}", line,
                            FormatMoney(discount, currency), Percent(BasisPoints(discount, gross)),
                            FormatMoney(gross, currency)),
                "give a discount of"));
    }
    return Status::Ok();
  }

  // True if some line needed the approval.
  bool approval_used() const { return approval_used_; }

 private:
  PriceAuthority(const Context& ctx, const SessionUser* approver)
      : ctx_(ctx), approver_(approver) {}

  Status Check(const std::string& field, int64_t part, int64_t whole, int32_t TillLimits::*limit,
               const std::string& what, const char* verb) {
    if (!Exceeds(part, whole, seller_limits_.*limit)) return Status::Ok();
    const std::string own = fmt::format("{} may {} at most {} at {}", RoleName(ctx_.user.role),
                                        verb, Percent(seller_limits_.*limit), ctx_.office.code);
    if (!approver_) {
      return Status(StatusCode::kPermissionDenied,
                    what + "; " + own + ": that takes a manager's approval (--approve-by LOGIN)",
                    field);
    }
    if (approver_->user == ctx_.user.user) {
      return Status(StatusCode::kPermissionDenied,
                    what + "; " + own +
                        ", and nobody approves their own sale beyond their own limit: that "
                        "takes a manager's approval (--approve-by LOGIN)",
                    field);
    }
    if (Exceeds(part, whole, approver_limits_.*limit)) {
      return Status(StatusCode::kPermissionDenied,
                    what + "; " + own + ", and " + approver_->login + " (" +
                        RoleName(approver_role_) + ") may approve at most " +
                        Percent(approver_limits_.*limit) +
                        ": that takes the approval of someone whose limit covers it",
                    field);
    }
    approval_used_ = true;
    return Status::Ok();
  }

  const Context& ctx_;
  const SessionUser* approver_;
  TillLimits seller_limits_;
  schema::Role approver_role_ = schema::Role::CASHIER;
  TillLimits approver_limits_;
  bool approval_used_ = false;
};

// The product a sale's line `i` names by `sku`, with the price this office
// charges for it (node/sales/catalogue.h). kNotFound on the line's sku for
// an unknown SKU or one without a price in the office's currency (whatever
// price the till states: there is no catalogue price to hold a cut
// against); kInvalidArgument for a product off sale.
struct LineProduct {
  Id id;
  Record record;
  int64_t price = 0;  // the catalogue's, in the office's currency
};

Result<LineProduct> ProductOfLine(const Context& ctx, const StoreTxn& txn, unsigned i,
                                  const std::string& sku) {
  auto product_id = txn.FindByKey(EntityKind::PRODUCT, sku);
  if (!product_id.ok()) {
    if (product_id.status().code() != StatusCode::kNotFound) return product_id.status();
    return Status(StatusCode::kNotFound, "no product with SKU '" + sku + "'", LineField(i, "sku"));
  }
  CRM_ASSIGN_OR_RETURN(Record record, txn.Get(EntityKind::PRODUCT, *product_id));
  auto product = record.value<schema::Product>();
  if (!product.getActive()) {
    return Status::InvalidArgument(
        LineField(i, "sku"),
        "product " + sku + " is off sale (headquarters puts it back with `crm-hq product edit " +
            sku + " --active`)");
  }
  auto price = PriceAt(product, ctx.office.code, ctx.office.currency);
  if (!price.ok()) return Status(price.status().code(), price.status().message(), LineField(i, "sku"));
  return LineProduct{*product_id, std::move(record), price->amount};
}

}  // namespace

Status CheckUnitPrice(const Context& ctx, std::string_view field, int64_t price) {
  if (price < 0) return Status::InvalidArgument(std::string(field), "may not be negative");
  if (price > kMaxUnitPrice) {
    return Status::InvalidArgument(std::string(field),
                                   fmt::format("may be at most {} {} ({} in minor units)",
                                               FormatMoney(kMaxUnitPrice, ctx.office.currency),
                                               ctx.office.currency, kMaxUnitPrice));
  }
  return Status::Ok();
}

Status RecordSale(Context& ctx, StoreTxn& txn, schema::NewSale::Reader args,
                  const SessionUser* approver, schema::Response::Builder response) {
  const bool has_client = args.hasClient() && !IdFromWire(args.getClient()).IsNull();
  Id client_id;
  if (has_client) {
    client_id = IdFromWire(args.getClient());
    CRM_RETURN_IF_ERROR(Require(txn, EntityKind::CLIENT, client_id, "client").status());
  }
  auto lines = args.getLines();
  if (lines.size() == 0) return Status::InvalidArgument("lines", "a sale needs at least one line");
  if (lines.size() > kMaxLines) {
    return Status::InvalidArgument("lines", fmt::format("a sale has at most {} lines", kMaxLines));
  }
  CRM_RETURN_IF_ERROR(CheckText("campaignCode", Str(args.getCampaignCode()), 64, false));
  CRM_RETURN_IF_ERROR(CheckText("channel", Str(args.getChannel()), 32, false));

  CRM_ASSIGN_OR_RETURN(PriceAuthority authority, PriceAuthority::Load(ctx, txn, approver));

  const int64_t now = ctx.wall.NowMillis();
  const Id sale_id = Id::Generate(now);
  ChangeMessage change = NewEvent(ctx, EntityKind::SALE, sale_id);
  auto sale = change.record<schema::Sale>();
  auto out_lines = sale.initLines(lines.size());
  int64_t total = 0;
  for (unsigned i = 0; i < lines.size(); ++i) {
    auto line = lines[i];
    std::string sku = Str(line.getSku());
    CRM_RETURN_IF_ERROR(CheckText(LineField(i, "sku"), sku, 64, true));
    CRM_ASSIGN_OR_RETURN(LineProduct found, ProductOfLine(ctx, txn, i, sku));
    auto product = found.record.value<schema::Product>();
    if (line.getQuantity() <= 0 || line.getQuantity() > kMaxQuantity) {
      return Status::InvalidArgument(LineField(i, "quantity"),
                                     fmt::format("must be 1 to {}", kMaxQuantity));
    }
    int64_t unit_price = line.getUnitPrice() == -1 ? found.price : line.getUnitPrice();
    CRM_RETURN_IF_ERROR(CheckUnitPrice(ctx, LineField(i, "unitPrice"), unit_price));
    int64_t gross = unit_price * line.getQuantity();
    if (line.getDiscount() < 0 || line.getDiscount() > gross) {
      return Status::InvalidArgument(LineField(i, "discount"),
                                     "must be between 0 and the line's price");
    }
    CRM_RETURN_IF_ERROR(authority.CheckLine(i, sku, found.price, unit_price,
                                            line.getQuantity(), line.getDiscount()));
    auto out = out_lines[i];
    IdToWire(found.id, out.initProduct());
    out.setSku(sku);
    out.setName(product.getName());
    out.setQuantity(line.getQuantity());
    out.setUnitPrice(unit_price);
    out.setDiscount(line.getDiscount());
    out.setAmount(gross - line.getDiscount());
    total += gross - line.getDiscount();
  }

  auto payments = args.getPayments();
  if (payments.size() == 0) return Status::InvalidArgument("payments", "a sale needs a payment");
  if (payments.size() > 10) return Status::InvalidArgument("payments", "at most 10 payments");
  // One payment may leave its amount at 0: it pays whatever the others leave.
  int64_t stated = 0;
  int open_amounts = 0;
  for (auto p : payments) {
    if (p.getAmount() == 0) ++open_amounts;
    if (p.getAmount() > 0 && p.getAmount() <= kMaxPayment) stated += p.getAmount();
  }
  if (open_amounts > 1) {
    return Status::InvalidArgument("payments", "only one payment may leave its amount open");
  }
  auto out_payments = sale.initPayments(payments.size());
  int64_t paid = 0, bonus = 0;
  for (unsigned i = 0; i < payments.size(); ++i) {
    auto p = payments[i];
    std::string field = fmt::format("payments[{}]", i);
    if (!IsKnownMethod(p.getMethod())) return Status::InvalidArgument(field, "unknown payment method");
    int64_t amount = p.getAmount() == 0 ? total - stated : p.getAmount();
    if (amount <= 0) return Status::InvalidArgument(field, "an amount must be positive");
    if (amount > kMaxPayment) {
      return Status::InvalidArgument(
          field, fmt::format("an amount may be at most {} {} ({} in minor units)",
                             FormatMoney(kMaxPayment, ctx.office.currency), ctx.office.currency,
                             kMaxPayment));
    }
    out_payments[i].setMethod(p.getMethod());
    out_payments[i].setAmount(amount);
    if ((p.getMethod() == schema::PaymentMethod::CREDIT ||
         p.getMethod() == schema::PaymentMethod::BONUS) && !has_client) {
      return Status::InvalidArgument(field, "credit and bonus payments need a client");
    }
    if (p.getMethod() == schema::PaymentMethod::BONUS) bonus += amount;
    paid += amount;
  }
  if (paid < total) {
    return Status::InvalidArgument(
        "payments", fmt::format("payments of {} do not cover the total of {}", paid, total));
  }
  if (paid > total) {
    return Status::InvalidArgument(
        "payments", fmt::format("payments of {} exceed the total of {}; record the amount due, "
                                "the change is given at the till", paid, total));
  }
  if (bonus > 0) {
    CRM_ASSIGN_OR_RETURN(ClientFigures figures, ComputeFigures(txn, client_id, ctx.office.time_zone, ctx.office.currency));
    if (bonus > figures.loyalty_balance) {
      return Status::InvalidArgument(
          "payments", fmt::format("the client has {} bonus points, not {}", figures.loyalty_balance, bonus));
    }
  }

  LocalDate today = ToLocalDate(now, ctx.office.time_zone);
  std::string day = fmt::format("{}-{:04}{:02}{:02}", ctx.office.code, today.year, today.month, today.day);
  // The counter is the usual answer; a number some sale already holds (the
  // store was restored from a backup taken before it) is skipped.
  std::string receipt;
  for (;;) {
    CRM_ASSIGN_OR_RETURN(uint64_t number, txn.NextCounter("receipt/" + day));
    receipt = fmt::format("{}-{:04}", day, number);
    auto taken = txn.FindByKey(EntityKind::SALE, receipt);
    if (!taken.ok() && taken.status().code() == StatusCode::kNotFound) break;
    CRM_RETURN_IF_ERROR(taken.status());
  }
  sale.setReceiptNo(receipt);
  sale.setOffice(ctx.office.code);
  IdToWire(ctx.user.user, sale.initCashier());
  if (has_client) IdToWire(client_id, sale.initClient());
  sale.setTime(now);
  sale.setCurrency(ctx.office.currency);
  sale.setTotal(total);
  sale.setCampaignCode(args.getCampaignCode());
  sale.setChannel(args.getChannel().size() ? Str(args.getChannel()) : std::string("store"));
  // An approval the sale did not need approved nothing: only a used one is kept.
  const bool approved = authority.approval_used();
  if (approved) IdToWire(approver->user, sale.initApprovedBy());

  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  FillSaleEntry(response.initReceipt(), sale_id, sale.asReader(), 0,
                approved ? approver->login : std::string());
  return Status::Ok();
}

Status GetSale(Context&, const StoreView& view, std::string_view receipt_or_id,
               schema::Response::Builder response) {
  CRM_ASSIGN_OR_RETURN(auto found, FindSale(view, receipt_or_id, "sale"));
  auto sale = found.second.value<schema::Sale>();
  CRM_ASSIGN_OR_RETURN(SaleRefunds refunds, RefundsOfSale(view, found.first, sale));
  std::string approved_by;
  if (sale.hasApprovedBy()) {
    auto approver = view.Get(EntityKind::USER, IdFromWire(sale.getApprovedBy()));
    if (approver.ok()) approved_by = Str(approver->value<schema::User>().getLogin());
  }
  auto receipt = response.initReceipt();
  FillSaleEntry(receipt, found.first, sale, refunds.amount, approved_by);
  receipt.setOverRefunded(refunds.OverRefunded(sale));
  return Status::Ok();
}

Status RefundSale(Context& ctx, StoreTxn& txn, schema::NewRefund::Reader args,
                  schema::Response::Builder response) {
  CRM_ASSIGN_OR_RETURN(auto found, FindSale(txn, Str(args.getSale()), "sale"));
  auto sale = found.second.value<schema::Sale>();
  auto sale_lines = sale.getLines();
  CRM_ASSIGN_OR_RETURN(SaleRefunds refunds, RefundsOfSale(txn, found.first, sale));
  std::vector<RefundedLine>& refunded = refunds.lines;
  CRM_RETURN_IF_ERROR(CheckText("reason", Str(args.getReason()), 500, false));
  if (!IsKnownMethod(args.getMethod())) return Status::InvalidArgument("method", "unknown payment method");
  if ((args.getMethod() == schema::PaymentMethod::CREDIT ||
       args.getMethod() == schema::PaymentMethod::BONUS) && !sale.hasClient()) {
    return Status::InvalidArgument("method", "an anonymous sale cannot be refunded to an account");
  }
  auto lines = args.getLines();
  if (lines.size() == 0) return Status::InvalidArgument("lines", "name the lines to refund");
  if (lines.size() > sale_lines.size()) return Status::InvalidArgument("lines", "more lines than the sale has");

  const int64_t now = ctx.wall.NowMillis();
  const Id refund_id = Id::Generate(now);
  ChangeMessage change = NewEvent(ctx, EntityKind::REFUND, refund_id);
  auto refund = change.record<schema::Refund>();
  auto out_lines = refund.initLines(lines.size());
  int64_t total = 0;
  for (unsigned i = 0; i < lines.size(); ++i) {
    auto line = lines[i];
    uint32_t index = line.getLineIndex();
    if (index >= sale_lines.size()) {
      return Status::InvalidArgument(LineField(i, "lineIndex"),
                                     fmt::format("the sale has lines 0 to {}", sale_lines.size() - 1));
    }
    auto sold = sale_lines[index];
    RefundedLine& done = refunded[index];
    int64_t remaining = sold.getQuantity() - done.quantity;
    if (line.getQuantity() <= 0 || line.getQuantity() > remaining) {
      return Status::InvalidArgument(
          LineField(i, "quantity"),
          fmt::format("{} of line {} can still be refunded", remaining, index));
    }
    // Pro rata; the last unit takes what rounding left over, so a fully
    // refunded line returns exactly what was paid for it.
    int64_t amount = line.getQuantity() == remaining
                         ? sold.getAmount() - done.amount
                         : sold.getAmount() * line.getQuantity() / sold.getQuantity();
    done.quantity += line.getQuantity();
    done.amount += amount;
    out_lines[i].setLineIndex(index);
    out_lines[i].setQuantity(line.getQuantity());
    out_lines[i].setAmount(amount);
    total += amount;
  }
  IdToWire(found.first, refund.initSale());
  refund.setOffice(ctx.office.code);
  IdToWire(ctx.user.user, refund.initCashier());
  if (sale.hasClient()) refund.setClient(sale.getClient());
  refund.setTime(now);
  refund.setCurrency(sale.getCurrency());
  refund.setAmount(total);
  refund.setMethod(args.getMethod());
  refund.setReason(args.getReason());
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));

  auto out = response.initRefund();
  IdToWire(refund_id, out.initId());
  out.setRefund(refund.asReader());
  return Status::Ok();
}

Status RecordPayment(Context& ctx, StoreTxn& txn, schema::NewPayment::Reader args,
                     schema::Response::Builder response) {
  Id client_id = args.hasClient() ? IdFromWire(args.getClient()) : Id{};
  CRM_RETURN_IF_ERROR(Require(txn, EntityKind::CLIENT, client_id, "client").status());
  if (!IsKnownMethod(args.getMethod()) || args.getMethod() == schema::PaymentMethod::CREDIT ||
      args.getMethod() == schema::PaymentMethod::BONUS) {
    return Status::InvalidArgument("method", "a payment on credit is made in cash, by card or transfer");
  }
  if (args.getAmount() <= 0) return Status::InvalidArgument("amount", "must be positive");
  CRM_RETURN_IF_ERROR(CheckText("comment", Str(args.getComment()), 500, false));
  CRM_ASSIGN_OR_RETURN(ClientFigures figures, ComputeFigures(txn, client_id, ctx.office.time_zone, ctx.office.currency));
  if (args.getAmount() > figures.outstanding) {
    return Status::InvalidArgument(
        "amount", fmt::format("the client owes {}, less than {}", figures.outstanding, args.getAmount()));
  }
  const int64_t now = ctx.wall.NowMillis();
  const Id id = Id::Generate(now);
  ChangeMessage change = NewEvent(ctx, EntityKind::PAYMENT, id);
  auto payment = change.record<schema::Payment>();
  IdToWire(client_id, payment.initClient());
  payment.setOffice(ctx.office.code);
  IdToWire(ctx.user.user, payment.initCashier());
  payment.setTime(now);
  payment.setCurrency(ctx.office.currency);
  payment.setAmount(args.getAmount());
  payment.setMethod(args.getMethod());
  payment.setComment(args.getComment());
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(id, response.initSaved());
  return Status::Ok();
}

}  // namespace crm::frontdesk

namespace crm {

Status NoteOverRefund(StoreTxn& txn, schema::Change::Reader change) {
  if (change.getEntity() != EntityKind::REFUND || !change.isEvent()) return Status::Ok();
  auto refund = change.getEvent().getAs<schema::Refund>();
  if (!refund.hasSale()) return Status::Ok();
  const Id sale_id = IdFromWire(refund.getSale());
  auto record = txn.Get(EntityKind::SALE, sale_id);
  if (!record.ok()) {
    // Not here (yet): nothing to compare with.
    return record.status().code() == StatusCode::kNotFound ? Status::Ok() : record.status();
  }
  auto sale = record->value<schema::Sale>();
  CRM_ASSIGN_OR_RETURN(SaleRefunds refunds, RefundsOfSale(txn, sale_id, sale));
  const int64_t over = refunds.OverRefunded(sale);
  if (over <= 0) return Status::Ok();
  const std::string currency = frontdesk::Str(sale.getCurrency());
  std::string offices;
  for (const RefundEntry& made : refunds.refunds) {
    offices += (offices.empty() ? "" : ", ") + FormatMoney(made.amount, currency) + " at " + made.office;
  }
  return txn.NoteAnomaly(
      EntityKind::SALE, sale_id,
      "sale " + frontdesk::Str(sale.getReceiptNo()) + " of " +
          FormatMoney(sale.getTotal(), currency) + " " + currency + " was refunded " +
          FormatMoney(refunds.amount, currency) + " (" + offices + "): " + FormatMoney(over, currency) +
          " more than it sold. Refunds made while offices were apart; a manager decides what "
          "to recover");
}

}  // namespace crm

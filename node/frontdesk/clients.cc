// Front desk: finding clients, saving them, and the client card.
#include <capnp/dynamic.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "node/common/contact.h"
#include "node/common/local_time.h"
#include "node/common/text.h"
#include "node/frontdesk/internal.h"
#include "sync/merge.h"

namespace crm::frontdesk {
namespace {

constexpr size_t kMaxName = 200;
constexpr size_t kMaxElementsPerSave = 50;

// The scalar fields of a client the front desk may set.
const std::set<std::string>& EditableClientFields() {
  static const std::set<std::string> fields = {
      "kind",         "firstName",      "lastName",      "middleName",      "companyName",
      "company",      "address",        "birthDate",     "gender",          "consentEmail",
      "consentSms",   "consentPhone",   "consentPost",   "consentMessenger", "loyaltyCard",
      "acquisitionChannel", "responsible"};
  return fields;
}

Status CheckClientField(Context& ctx, StoreTxn& txn, const std::string& name,
                        schema::Client::Reader client, const Id& self) {
  if (name == "firstName" || name == "lastName" || name == "middleName" || name == "companyName") {
    auto value = capnp::toDynamic(client).get(name).as<capnp::Text>();
    return CheckText(name, Str(value), kMaxName, false);
  }
  if (name == "birthDate" && client.hasBirthDate()) {
    auto date = client.getBirthDate();
    return CheckPastDate(name, LocalDate{date.getYear(), date.getMonth(), date.getDay()},
                         ToLocalDate(ctx.wall.NowMillis(), ctx.office.time_zone));
  }
  if (name == "address") {
    auto a = client.getAddress();
    for (auto [f, v] : {std::pair{"address.country", a.getCountry()}, {"address.region", a.getRegion()},
                        {"address.city", a.getCity()}, {"address.street", a.getStreet()},
                        {"address.postalCode", a.getPostalCode()}}) {
      CRM_RETURN_IF_ERROR(CheckText(f, Str(v), kMaxName, false));
    }
    return Status::Ok();
  }
  if (name == "loyaltyCard") {
    std::string card = Str(client.getLoyaltyCard());
    CRM_RETURN_IF_ERROR(CheckText(name, card, 64, false));
    if (!card.empty()) {
      CRM_ASSIGN_OR_RETURN(std::vector<Id> holders, txn.client_index().FindByCard(card));
      for (const Id& holder : holders) {
        if (holder != self) {
          return Status(StatusCode::kAlreadyExists,
                        "card " + card + " already belongs to client " + holder.ToString(), name);
        }
      }
    }
    return Status::Ok();
  }
  if (name == "acquisitionChannel") {
    return CheckText(name, Str(client.getAcquisitionChannel()), 64, false);
  }
  if (name == "company" && client.hasCompany()) {
    CRM_ASSIGN_OR_RETURN(Record company,
                         Require(txn, EntityKind::CLIENT, IdFromWire(client.getCompany()), name));
    if (company.value<schema::Client>().getKind() != schema::ClientKind::COMPANY) {
      return Status::InvalidArgument(name, "names a person, not a company");
    }
    return Status::Ok();
  }
  if (name == "responsible" && client.hasResponsible()) {
    return Require(txn, EntityKind::USER, IdFromWire(client.getResponsible()), name).status();
  }
  return Status::Ok();
}

}  // namespace

std::string ClientLabel(schema::Client::Reader client) {
  std::string name = Str(client.getFirstName());
  if (client.getLastName().size()) name += (name.empty() ? "" : " ") + Str(client.getLastName());
  if (client.getKind() == schema::ClientKind::COMPANY || name.empty()) {
    name = Str(client.getCompanyName()) + (name.empty() ? "" : " (" + name + ")");
  }
  if (name.empty()) name = Str(client.getLoyaltyCard());
  return name;
}

namespace {

void FillSummary(schema::ClientSummary::Builder out, const Id& id, const Record& record) {
  IdToWire(id, out.initId());
  out.setClient(record.value<schema::Client>());
}

template <typename Entry>
void FillEntry(Entry out, const Id& id) {
  IdToWire(id, out.initId());
}

}  // namespace

Status FindClients(Context& ctx, const StoreView& view, schema::FindClients::Reader args,
                   schema::Response::Builder response) {
  std::string query = Str(args.getQuery());
  CRM_RETURN_IF_ERROR(CheckText("query", query, 200, true));
  size_t limit = std::clamp<size_t>(args.getLimit(), 1, 200);

  std::vector<Id> found;
  auto add = [&](const std::vector<Id>& ids) {
    for (const Id& id : ids) {
      if (found.size() < limit && std::find(found.begin(), found.end(), id) == found.end()) {
        found.push_back(id);
      }
    }
  };
  if (query.find('@') != std::string::npos) {
    auto email = NormalizeEmail(query);
    if (email.ok()) {
      CRM_ASSIGN_OR_RETURN(std::vector<Id> ids, view.client_index().FindByEmail(*email));
      add(ids);
    }
  }
  if (LooksLikePhone(query)) {
    auto phone = NormalizePhone(query, ctx.office.phone_region);
    if (phone.ok()) {
      CRM_ASSIGN_OR_RETURN(std::vector<Id> ids, view.client_index().FindByPhone(*phone));
      add(ids);
    }
  }
  std::string trimmed = query.substr(query.find_first_not_of(" \t"));
  trimmed.erase(trimmed.find_last_not_of(" \t") + 1);
  CRM_ASSIGN_OR_RETURN(std::vector<Id> by_card, view.client_index().FindByCard(trimmed));
  add(by_card);
  // A card number typed in another script's digits.
  if (std::string card = FoldDigits(trimmed); card != trimmed) {
    CRM_ASSIGN_OR_RETURN(std::vector<Id> by_folded_card, view.client_index().FindByCard(card));
    add(by_folded_card);
  }
  if (found.size() < limit) {
    CRM_ASSIGN_OR_RETURN(std::vector<Id> by_name, view.client_index().FindByName(query, limit));
    add(by_name);
  }

  // A merged duplicate is shown as the client it was merged into.
  std::vector<std::pair<Id, Record>> shown;
  for (const Id& id : found) {
    auto resolved = view.ResolveClient(id);
    // A damaged client is left out (it is being fetched back; the card says so).
    if (!resolved.ok() && resolved.status().code() == StatusCode::kCorruption) continue;
    CRM_ASSIGN_OR_RETURN(Id survivor, std::move(resolved));
    bool seen = std::any_of(shown.begin(), shown.end(),
                            [&](const auto& entry) { return entry.first == survivor; });
    if (seen) continue;
    auto record = view.Get(EntityKind::CLIENT, survivor);
    if (!record.ok() || !IsLive(record->stored())) continue;
    shown.emplace_back(survivor, std::move(record).value());
  }
  auto out = response.initClients(static_cast<unsigned>(shown.size()));
  for (unsigned i = 0; i < shown.size(); ++i) FillSummary(out[i], shown[i].first, shown[i].second);
  return Status::Ok();
}

Result<std::vector<Id>> ClientGroup(const StoreView& view, const Id& id) {
  CRM_ASSIGN_OR_RETURN(Id survivor, view.ResolveClient(id));
  std::vector<Id> group = {survivor};
  for (size_t i = 0; i < group.size() && group.size() < 1000; ++i) {
    CRM_ASSIGN_OR_RETURN(auto links, view.RecordsLinkedTo(group[i]));
    for (const auto& [kind, linked] : links) {
      if (kind != EntityKind::CLIENT || std::find(group.begin(), group.end(), linked) != group.end()) {
        continue;
      }
      CRM_ASSIGN_OR_RETURN(Id resolved, view.ResolveClient(linked));
      if (resolved == survivor) group.push_back(linked);
    }
  }
  return group;
}

Status ListDuplicates(Context&, const StoreView& view, schema::Response::Builder response) {
  CRM_ASSIGN_OR_RETURN(auto pairs, view.Duplicates());
  auto out = response.initDuplicates(static_cast<unsigned>(std::min<size_t>(pairs.size(), 500)));
  for (unsigned i = 0; i < out.size(); ++i) {
    CRM_ASSIGN_OR_RETURN(Record first, view.Get(EntityKind::CLIENT, pairs[i].first));
    CRM_ASSIGN_OR_RETURN(Record second, view.Get(EntityKind::CLIENT, pairs[i].second));
    FillSummary(out[i].initFirst(), pairs[i].first, first);
    FillSummary(out[i].initSecond(), pairs[i].second, second);
    out[i].setShared(pairs[i].shared);
    out[i].setReason(DuplicateReason(pairs[i].shared));
  }
  return Status::Ok();
}

Status MergeClients(Context& ctx, StoreTxn& txn, schema::MergeClients::Reader args,
                    schema::Response::Builder response) {
  Id survivor_id = args.hasSurvivor() ? IdFromWire(args.getSurvivor()) : Id{};
  Id duplicate_id = args.hasDuplicate() ? IdFromWire(args.getDuplicate()) : Id{};
  CRM_RETURN_IF_ERROR(Require(txn, EntityKind::CLIENT, survivor_id, "survivor").status());
  CRM_RETURN_IF_ERROR(Require(txn, EntityKind::CLIENT, duplicate_id, "duplicate").status());
  CRM_ASSIGN_OR_RETURN(Id survivor, txn.ResolveClient(survivor_id));
  CRM_ASSIGN_OR_RETURN(Id already, txn.ResolveClient(duplicate_id));
  if (survivor == already) {
    return Status(StatusCode::kAlreadyExists, "the two clients are one already", "duplicate");
  }
  ChangeMessage change = NewPatch(ctx, EntityKind::CLIENT, duplicate_id);
  IdToWire(survivor, change.record<schema::Client>().initMergedInto());
  CRM_RETURN_IF_ERROR(change.Set("mergedInto"));
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(survivor, response.initSaved());
  return Status::Ok();
}

Status RemoveClient(Context& ctx, StoreTxn& txn, const Id& client, bool erase,
                    schema::Response::Builder response) {
  CRM_RETURN_IF_ERROR(Require(txn, EntityKind::CLIENT, client, "client").status());
  if (erase) {
    // The person goes with every record merged into theirs: a duplicate
    // registered elsewhere holds the same personal data.
    CRM_ASSIGN_OR_RETURN(std::vector<Id> group, ClientGroup(txn, client));
    if (std::find(group.begin(), group.end(), client) == group.end()) group.push_back(client);
    for (const Id& member : group) {
      ChangeMessage change =
          ChangeMessage::Erase(EntityKind::CLIENT, member, ctx.hlc.Now(), ctx.user.user);
      CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
    }
    IdToWire(client, response.initSaved());
    return Status::Ok();
  }
  ChangeMessage change =
      ChangeMessage::Tombstone(EntityKind::CLIENT, client, ctx.hlc.Now(), ctx.user.user);
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(client, response.initSaved());
  return Status::Ok();
}

Status SaveClient(Context& ctx, StoreTxn& txn, schema::SaveClient::Reader args,
                  schema::Response::Builder response) {
  const bool create = !args.hasId() || IdFromWire(args.getId()).IsNull();
  const Id id = create ? Id::Generate(ctx.wall.NowMillis()) : IdFromWire(args.getId());
  if (!create) CRM_RETURN_IF_ERROR(Require(txn, EntityKind::CLIENT, id, "id").status());
  auto client = args.getClient();
  auto dynamic_client = capnp::toDynamic(client);

  // The scalar fields this save sets.
  std::vector<std::string> fields;
  for (auto name : args.getFields()) {
    std::string field = Str(name);
    if (EditableClientFields().count(field) == 0) {
      return Status::InvalidArgument(field, "is not a client field the front desk can set");
    }
    fields.push_back(field);
  }
  if (create && fields.empty()) {
    for (const std::string& field : EditableClientFields()) {
      if (dynamic_client.has(field, capnp::HasMode::NON_DEFAULT)) fields.push_back(field);
    }
  }
  for (const std::string& field : fields) {
    CRM_RETURN_IF_ERROR(CheckClientField(ctx, txn, field, client, id));
  }
  if (create) {
    bool named = client.getFirstName().size() || client.getLastName().size() ||
                 client.getCompanyName().size();
    if (!named) return Status::InvalidArgument("name", "a client needs a name or a company name");
    if (client.getKind() == schema::ClientKind::COMPANY && client.getCompanyName().size() == 0) {
      return Status::InvalidArgument("companyName", "a company needs its name");
    }
  }

  ChangeMessage change = NewPatch(ctx, EntityKind::CLIENT, id);
  auto record = capnp::toDynamic(change.record<schema::Client>());
  for (const std::string& field : fields) {
    if (dynamic_client.has(field, capnp::HasMode::NON_DEFAULT)) {
      record.set(field, dynamic_client.get(field));
    }
    CRM_RETURN_IF_ERROR(change.Set(field));
  }
  if (create) {
    auto typed = change.record<schema::Client>();
    typed.setHomeOffice(ctx.office.code);
    typed.setCreatedAt(ctx.wall.NowMillis());
    CRM_RETURN_IF_ERROR(change.Set("homeOffice"));
    CRM_RETURN_IF_ERROR(change.Set("createdAt"));
  }

  size_t element_ops = 0;
  auto each = [&](auto list, const char* field, auto&& fn) -> Status {
    for (auto item : list) {
      if (++element_ops > kMaxElementsPerSave) {
        return Status::InvalidArgument(field, "too many changes in one save (at most 50)");
      }
      CRM_RETURN_IF_ERROR(fn(Str(item)));
    }
    return Status::Ok();
  };
  auto phone = [&](const std::string& raw) -> Result<std::string> {
    auto e164 = NormalizePhone(raw, ctx.office.phone_region);
    if (!e164.ok()) return Status::InvalidArgument("phone", e164.status().message());
    return e164;
  };
  CRM_RETURN_IF_ERROR(each(args.getAddPhones(), "phone", [&](const std::string& raw) -> Status {
    CRM_ASSIGN_OR_RETURN(std::string e164, phone(raw));
    return change.AddElement("phones", e164);
  }));
  CRM_RETURN_IF_ERROR(each(args.getRemovePhones(), "phone", [&](const std::string& raw) -> Status {
    CRM_ASSIGN_OR_RETURN(std::string e164, phone(raw));
    return change.RemoveElement("phones", e164);
  }));
  CRM_RETURN_IF_ERROR(each(args.getAddEmails(), "email", [&](const std::string& raw) -> Status {
    CRM_ASSIGN_OR_RETURN(std::string email, NormalizeEmail(raw));
    return change.AddElement("emails", email);
  }));
  CRM_RETURN_IF_ERROR(each(args.getRemoveEmails(), "email", [&](const std::string& raw) -> Status {
    CRM_ASSIGN_OR_RETURN(std::string email, NormalizeEmail(raw));
    return change.RemoveElement("emails", email);
  }));
  CRM_RETURN_IF_ERROR(each(args.getAddTags(), "tag", [&](const std::string& tag) -> Status {
    CRM_RETURN_IF_ERROR(CheckText("tag", tag, 50, true));
    return change.AddElement("tags", tag);
  }));
  CRM_RETURN_IF_ERROR(each(args.getRemoveTags(), "tag", [&](const std::string& tag) {
    return change.RemoveElement("tags", tag);
  }));
  for (auto attribute : args.getSetAttributes()) {
    if (++element_ops > kMaxElementsPerSave) {
      return Status::InvalidArgument("attribute", "too many changes in one save (at most 50)");
    }
    CRM_RETURN_IF_ERROR(CheckText("attribute", Str(attribute.getKey()), 64, true));
    CRM_RETURN_IF_ERROR(CheckText("attribute " + Str(attribute.getKey()),
                                  Str(attribute.getValue()), 1000, false));
    CRM_RETURN_IF_ERROR(
        change.AddElement("attributes", Str(attribute.getKey()), Str(attribute.getValue())));
  }
  CRM_RETURN_IF_ERROR(each(args.getRemoveAttributes(), "attribute", [&](const std::string& key) {
    return change.RemoveElement("attributes", key);
  }));
  if (!create && fields.empty() && element_ops == 0) {
    return Status::InvalidArgument("fields", "nothing to change");
  }

  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(id, response.initSaved());
  return Status::Ok();
}

Result<ClientHistory> LoadClientHistory(const StoreView& view, const Id& client) {
  ClientHistory history;
  CRM_ASSIGN_OR_RETURN(history.group, ClientGroup(view, client));
  for (const Id& member : history.group) {
    CRM_ASSIGN_OR_RETURN(auto links, view.RecordsLinkedTo(member));
    for (const auto& [kind, id] : links) {
      if (kind == EntityKind::CLIENT || !IsKnownKind(static_cast<uint16_t>(kind))) continue;
      CRM_ASSIGN_OR_RETURN(Record record, view.Get(kind, id));
      history.records.push_back(LinkedRecord{kind, id, std::move(record)});
    }
  }
  return history;
}

Result<ClientFigures> ComputeFigures(const StoreView& view, const Id& client,
                                     std::string_view time_zone, std::string_view currency) {
  CRM_ASSIGN_OR_RETURN(ClientHistory history, LoadClientHistory(view, client));
  return FiguresOf(history, time_zone, currency);
}

std::map<Id, SaleRefunds> RefundsInHistory(const ClientHistory& history) {
  std::map<Id, schema::Sale::Reader> sales;
  for (const LinkedRecord& linked : history.records) {
    if (linked.kind == EntityKind::SALE) sales.emplace(linked.id, linked.record.value<schema::Sale>());
  }
  std::map<Id, SaleRefunds> refunds;
  for (const LinkedRecord& linked : history.records) {
    if (linked.kind != EntityKind::REFUND || !IsLive(linked.record.stored())) continue;
    auto refund = linked.record.value<schema::Refund>();
    auto sale = sales.find(IdFromWire(refund.getSale()));
    // Not a sale of this client (or not here yet): a refund counts with its
    // sale, on the card of the sale's client.
    if (sale == sales.end()) continue;
    refunds[sale->first].Add(linked.id, refund, Str(sale->second.getCurrency()),
                             sale->second.getLines().size());
  }
  return refunds;
}

ClientFigures FiguresOf(const ClientHistory& history, std::string_view time_zone,
                        std::string_view currency) {
  ClientFigures figures;
  std::set<LocalDate> visit_days;
  const std::map<Id, SaleRefunds> refunds = RefundsInHistory(history);
  auto visit = [&](int64_t time) {
    visit_days.insert(ToLocalDate(time, time_zone));
    figures.last_visit = std::max(figures.last_visit, time);
  };
  // Each currency's money apart: a client who bought in London and in
  // Moscow spent pounds and roubles, which no sum may mix.
  auto money_in = [&](std::string currency_code) -> CurrencyFigures& {
    return figures.money[std::move(currency_code)];
  };
  for (const LinkedRecord& linked : history.records) {
    const Record& record = linked.record;
    switch (linked.kind) {
      case EntityKind::SALE: {
        auto sale = record.value<schema::Sale>();
        visit(sale.getTime());
        CurrencyFigures& money = money_in(Str(sale.getCurrency()));
        money.sales_total += sale.getTotal();
        ++money.sales;
        for (auto part : sale.getPayments()) {
          if (part.getMethod() == schema::PaymentMethod::CREDIT) money.outstanding += part.getAmount();
          if (part.getMethod() == schema::PaymentMethod::BONUS) money.redeemed += part.getAmount();
        }
        auto of_sale = refunds.find(linked.id);
        if (of_sale == refunds.end()) break;
        money.refunded += of_sale->second.amount;
        for (const RefundEntry& refund : of_sale->second.refunds) {
          if (refund.method == schema::PaymentMethod::CREDIT) money.outstanding -= refund.amount;
          if (refund.method == schema::PaymentMethod::BONUS) money.redeemed -= refund.amount;
        }
        break;
      }
      case EntityKind::PAYMENT: {
        auto payment = record.value<schema::Payment>();
        money_in(Str(payment.getCurrency())).outstanding -= payment.getAmount();
        break;
      }
      case EntityKind::INTERACTION: {
        auto interaction = record.value<schema::Interaction>();
        if (interaction.getChannel() == schema::InteractionChannel::VISIT) visit(interaction.getTime());
        break;
      }
      default:
        break;
    }
  }
  figures.visit_count = static_cast<uint32_t>(visit_days.size());
  // The headline figures are in the office's currency; points are earned
  // and redeemed in it.
  if (auto here = figures.money.find(std::string(currency)); here != figures.money.end()) {
    const CurrencyFigures& money = here->second;
    figures.total_spent = money.spent();
    figures.outstanding = money.outstanding;
    figures.average_ticket = money.sales > 0 ? money.sales_total / money.sales : 0;
    // One point per whole currency unit spent; a point pays one minor unit.
    figures.loyalty_balance = std::max<int64_t>(0, money.spent() / 100) - money.redeemed;
  }
  return figures;
}

namespace {

// The client's live deals on the card: open ones first (in pipeline order),
// newest first within a stage.
Status FillCardDeals(Context& ctx, const StoreView& view, const std::vector<const LinkedRecord*>& linked,
                     schema::ClientCard::Builder card) {
  std::vector<const LinkedRecord*> deals;
  for (const LinkedRecord* entry : linked) {
    if (IsLive(entry->record.stored())) deals.push_back(entry);
  }
  std::sort(deals.begin(), deals.end(), [](const LinkedRecord* a, const LinkedRecord* b) {
    auto x = a->record.value<schema::Deal>();
    auto y = b->record.value<schema::Deal>();
    return std::make_tuple(static_cast<uint16_t>(x.getStage()), -x.getCreatedAt(), a->id) <
           std::make_tuple(static_cast<uint16_t>(y.getStage()), -y.getCreatedAt(), b->id);
  });
  NameBook names(view, ctx.office.code);
  auto out = card.initDeals(static_cast<unsigned>(deals.size()));
  for (unsigned i = 0; i < out.size(); ++i) {
    CRM_RETURN_IF_ERROR(FillDealItem(names, deals[i]->id, deals[i]->record.value<schema::Deal>(),
                                     ctx.wall.NowMillis(), out[i]));
  }
  return Status::Ok();
}

}  // namespace

Status GetClientCard(Context& ctx, const StoreView& view, const Id& asked_id,
                     schema::Response::Builder response) {
  if (asked_id.IsNull()) return Status::InvalidArgument("client", "is required");
  // One read of everything the card shows; the figures come from the same records.
  CRM_ASSIGN_OR_RETURN(ClientHistory history, LoadClientHistory(view, asked_id));
  const std::vector<Id>& group = history.group;
  const Id client_id = group.front();
  CRM_ASSIGN_OR_RETURN(Record client, Require(view, EntityKind::CLIENT, client_id, "client"));
  auto card = response.initCard();
  IdToWire(client_id, card.initId());
  card.setClient(client.value<schema::Client>());
  card.setCurrency(ctx.office.currency);

  auto company_id = client.value<schema::Client>().getCompany();
  if (client.value<schema::Client>().hasCompany() && !IdFromWire(company_id).IsNull()) {
    auto company = view.Get(EntityKind::CLIENT, IdFromWire(company_id));
    if (company.ok()) FillSummary(card.initCompany(), IdFromWire(company_id), *company);
  }

  auto merged = card.initMerged(static_cast<unsigned>(group.size() - 1));
  for (unsigned i = 0; i + 1 < group.size(); ++i) {
    CRM_ASSIGN_OR_RETURN(Record member, view.Get(EntityKind::CLIENT, group[i + 1]));
    FillSummary(merged[i], group[i + 1], member);
  }
  std::vector<const LinkedRecord*> by_kind[14];
  const std::map<Id, SaleRefunds> refunds = RefundsInHistory(history);
  for (const LinkedRecord& linked : history.records) {
    by_kind[static_cast<size_t>(linked.kind)].push_back(&linked);
  }
  auto list = [&](EntityKind kind) -> const std::vector<const LinkedRecord*>& {
    return by_kind[static_cast<size_t>(kind)];
  };

  auto sales = card.initSales(static_cast<unsigned>(list(EntityKind::SALE).size()));
  for (unsigned i = 0; i < sales.size(); ++i) {
    const LinkedRecord& entry = *list(EntityKind::SALE)[i];
    FillEntry(sales[i], entry.id);
    sales[i].setSale(entry.record.value<schema::Sale>());
    if (auto made = refunds.find(entry.id); made != refunds.end()) {
      sales[i].setRefunded(made->second.amount);
      sales[i].setOverRefunded(made->second.OverRefunded(entry.record.value<schema::Sale>()));
    }
  }
#define CRM_CARD_LIST(KIND, INIT, SET, TYPE)                                    \
  {                                                                             \
    auto& items = list(EntityKind::KIND);                                       \
    auto out = card.INIT(static_cast<unsigned>(items.size()));                  \
    for (unsigned i = 0; i < out.size(); ++i) {                                 \
      FillEntry(out[i], items[i]->id);                                          \
      out[i].SET(items[i]->record.value<schema::TYPE>());                       \
    }                                                                           \
  }
  CRM_CARD_LIST(REFUND, initRefunds, setRefund, Refund)
  CRM_CARD_LIST(PAYMENT, initPayments, setPayment, Payment)
  CRM_CARD_LIST(INTERACTION, initInteractions, setInteraction, Interaction)
  CRM_CARD_LIST(NOTE, initNotes, setNote, Note)
  CRM_CARD_LIST(TASK, initTasks, setTask, Task)
  CRM_CARD_LIST(FEEDBACK, initFeedback, setFeedback, Feedback)
  CRM_CARD_LIST(FILE, initFiles, setFile, FileAttachment)
#undef CRM_CARD_LIST
  CRM_RETURN_IF_ERROR(FillCardDeals(ctx, view, list(EntityKind::DEAL), card));

  ClientFigures figures = FiguresOf(history, ctx.office.time_zone, ctx.office.currency);
  card.setTotalSpent(figures.total_spent);
  card.setVisitCount(figures.visit_count);
  card.setLastVisit(figures.last_visit);
  card.setAverageTicket(figures.average_ticket);
  card.setLoyaltyBalance(figures.loyalty_balance);
  card.setOutstanding(figures.outstanding);
  auto money = card.initMoney(static_cast<unsigned>(figures.money.size()));
  unsigned i = 0;
  for (const auto& [currency, in_currency] : figures.money) {
    money[i].setCurrency(currency);
    money[i].setTotalSpent(in_currency.spent());
    money[i].setOutstanding(in_currency.outstanding);
    money[i].setSales(in_currency.sales);
    ++i;
  }
  return FillCardPeople(view, ctx.office.code, card);
}

}  // namespace crm::frontdesk

#include "hq/actions/campaign_list.h"

#include <capnp/schema.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "hq/analytics/campaign_tag.h"
#include "hq/analytics/currencies.h"
#include "hq/analytics/segments.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"
#include "sync/change_builder.h"

namespace crm {
namespace {

std::string Str(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

uint16_t ClientOrdinal(const char* field) {
  return static_cast<uint16_t>(capnp::Schema::from<schema::Client>()
                                   .getFieldByName(field)
                                   .getProto()
                                   .getOrdinal()
                                   .getExplicit());
}

char AbcClass(char abc) { return static_cast<char>(std::toupper(static_cast<unsigned char>(abc))); }

// The members of the segment or class, each with its label.
// REQUIRES: CheckAudienceQuery(query).ok()
Result<std::vector<std::pair<Id, std::string>>> Members(const Store& store,
                                                        const AudienceQuery& query) {
  std::vector<std::pair<Id, std::string>> members;
  // Segments and classes are of one currency's sales: the one asked for, or
  // the only one there is.
  CRM_ASSIGN_OR_RETURN(std::vector<std::string> currencies, ReportCurrencies(store, query.currency));
  if (currencies.empty()) return members;  // no sales: nobody is in a segment
  if (currencies.size() > 1) {
    std::string list;
    for (const std::string& c : currencies) list += (list.empty() ? "" : ", ") + c;
    return Status::InvalidArgument("currency", "the store's sales are in " + list +
                                                   ": say which the segments are of with --currency");
  }
  const std::string& currency = currencies.front();
  if (!query.segment.empty()) {
    const std::string wanted = AsciiLower(query.segment);
    CRM_ASSIGN_OR_RETURN(RfmReport rfm, Rfm(store, 0, currency));
    for (const RfmRow& row : rfm.clients) {
      if (row.segment == wanted) members.emplace_back(row.client, row.segment);
    }
    return members;
  }
  const char abc = AbcClass(query.abc);
  CRM_ASSIGN_OR_RETURN(std::vector<AbcRow> rows, Abc(store, AbcOf::kClients, currency));
  for (const AbcRow& row : rows) {
    if (row.abc != abc) continue;
    CRM_ASSIGN_OR_RETURN(Id client, Id::Parse(row.key));
    members.emplace_back(client, std::string(1, abc));
  }
  return members;
}

}  // namespace

Status CheckAudienceQuery(const AudienceQuery& query) {
  if (query.segment.empty() == (query.abc == 0)) {
    return Status::InvalidArgument(
        "segment", "an audience is either an RFM segment or an ABC class of clients");
  }
  if (!query.segment.empty()) {
    const std::string wanted = AsciiLower(query.segment);
    if (std::find(kRfmSegments.begin(), kRfmSegments.end(), wanted) != kRfmSegments.end())
      return Status::Ok();
    std::string names;
    for (std::string_view name : kRfmSegments)
      names += (names.empty() ? "" : ", ") + std::string(name);
    return Status::InvalidArgument(
        "segment", "'" + query.segment + "' is not an RFM segment; the segments are " + names);
  }
  const char abc = AbcClass(query.abc);
  if (abc == 'A' || abc == 'B' || abc == 'C') return Status::Ok();
  return Status::InvalidArgument(
      "abc", "'" + std::string(1, query.abc) + "' is not an ABC class: A, B or C");
}

Result<Audience> CampaignAudience(const Store& store, const AudienceQuery& query) {
  CRM_RETURN_IF_ERROR(CheckAudienceQuery(query));
  CRM_ASSIGN_OR_RETURN(auto members, Members(store, query));
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  Audience audience;
  for (auto& [id, segment] : members) {
    auto record = view.Get(EntityKind::CLIENT, id);
    if (!record.ok()) {
      if (record.status().code() == StatusCode::kNotFound)
        continue;  // sales naming no client record
      return record.status();
    }
    if (!IsLive(record->stored())) continue;
    // The reports resolve merges already; a merge made since they read is
    // seen here.
    CRM_ASSIGN_OR_RETURN(Id survivor, view.ResolveClient(id));
    if (survivor != id) continue;
    ++audience.in_segment;
    auto client = record->value<schema::Client>();
    switch (ConsentFor(client, query.channel)) {
      case schema::Consent::GRANTED:
        break;
      case schema::Consent::REFUSED:
        ++audience.consent_refused;
        continue;
      default:
        ++audience.consent_unknown;
        continue;
    }
    std::string contact = ContactFor(client, query.channel);
    if (contact.empty()) {
      ++audience.no_contact;
      continue;
    }
    audience.clients.push_back(AudienceRow{id, Str(client.getLoyaltyCard()), ClientName(client),
                                           std::move(contact), std::move(segment)});
  }
  std::sort(audience.clients.begin(), audience.clients.end(),
            [](const AudienceRow& a, const AudienceRow& b) {
              return a.card != b.card ? a.card < b.card : a.client < b.client;
            });
  return audience;
}

Status CheckCampaignCode(std::string_view code) {
  constexpr size_t kMaxCode = 50 - std::string_view("campaign:").size();
  bool ok =
      !code.empty() && code.size() <= kMaxCode && std::all_of(code.begin(), code.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
               c == '/';
      });
  if (ok) return Status::Ok();
  return Status::InvalidArgument(
      "code",
      fmt::format("'{}': a campaign code is 1 to {} ASCII letters, digits, '-', '_', '.' or '/'",
                  code, kMaxCode));
}

Result<TagOutcome> TagAudience(Writer& writer, HybridClock& hlc, const Audience& audience,
                               std::string_view code) {
  static const uint16_t kTags = ClientOrdinal("tags");
  const std::string tag = CampaignTag(code);
  TagOutcome outcome;
  constexpr size_t kBatch = 1000;
  const auto& rows = audience.clients;
  for (size_t from = 0; from < rows.size(); from += kBatch) {
    TagOutcome batch;
    CRM_RETURN_IF_ERROR(writer.Run([&](StoreTxn& txn) -> Status {
      batch = {};  // the writer may run this again after growing the map
      for (size_t i = from; i < std::min(rows.size(), from + kBatch); ++i) {
        auto record = txn.Get(EntityKind::CLIENT, rows[i].client);
        if (!record.ok()) {
          if (record.status().code() == StatusCode::kNotFound) continue;
          return record.status();
        }
        if (!IsLive(record->stored())) continue;
        // An element ever added stays in the record's element states, marked
        // removed if it was.
        bool held = false;
        for (auto state : record->stored().getElements()) {
          if (state.getField() != kTags || Str(state.getElement()) != tag) continue;
          held = true;
          ++(state.getRemoved() ? batch.removed_before : batch.already);
          break;
        }
        if (held) continue;
        ChangeMessage change =
            ChangeMessage::Patch(EntityKind::CLIENT, rows[i].client, hlc.Now(), Id{});
        CRM_RETURN_IF_ERROR(change.AddElement("tags", tag));
        CRM_RETURN_IF_ERROR(txn.ApplyLocal(change.change()).status());
        ++batch.tagged;
      }
      return Status::Ok();
    }));
    outcome.tagged += batch.tagged;
    outcome.already += batch.already;
    outcome.removed_before += batch.removed_before;
  }
  return outcome;
}

}  // namespace crm

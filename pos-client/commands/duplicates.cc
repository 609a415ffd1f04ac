// pos duplicates, conflicts and merge: what an office manager resolves, clients
// recorded twice and edits that lost to another office's.
#include <fmt/format.h>

#include <memory>

#include "pos-client/commands/common.h"
#include "pos-client/format.h"
#include "pos-client/pos.h"
#include "sync/base/wire.h"

namespace crm::pos {
namespace {

struct MergeOptions {
  std::string survivor;
  std::string duplicate;
};

// The pairs of clients suspected to be one (sharing a phone, email or card, or
// a name and birth date, or an address), with the reason, as a table.
std::string DuplicatesText(capnp::List<schema::DuplicatePair>::Reader pairs) {
  if (pairs.size() == 0) return "No duplicates\n";
  std::vector<std::vector<std::string>> rows;
  for (auto pair : pairs) {
    rows.push_back(
        {IdFromWire(pair.getFirst().getId()).ToString(), ClientName(pair.getFirst().getClient()),
         IdFromWire(pair.getSecond().getId()).ToString(), ClientName(pair.getSecond().getClient()),
         Text(pair.getReason()), Text(pair.getShared())});
  }
  return Table({"CLIENT", "NAME", "DUPLICATE", "NAME", "REASON", "SHARED"}, rows);
}

// The values that lost to a concurrent edit, beside the ones kept, as a table.
std::string ConflictsText(capnp::List<schema::ConflictEntry>::Reader conflicts) {
  if (conflicts.size() == 0) return "No conflicting edits\n";
  std::vector<std::vector<std::string>> rows;
  for (auto c : conflicts) {
    std::string record = Text(c.getEntity()) + " " + IdFromWire(c.getId()).ToString();
    if (c.getLabel().size() > 0) record += " (" + Text(c.getLabel()) + ")";
    rows.push_back(
        {record, Text(c.getField()),
         Text(c.getLostValue()) + " @" + Text(c.getLostOffice()) + " " + FormatTime(c.getLostAt()),
         Text(c.getWonValue()) + " @" + Text(c.getWonOffice()) + " " + FormatTime(c.getWonAt())});
  }
  return Table({"RECORD", "FIELD", "LOST", "KEPT"}, rows);
}

}  // namespace

void Pos::AddDuplicateCommands(CLI::App& app) {
  app.add_subcommand("duplicates",
                     "suspected duplicate clients and why: the same phone, email or card, the same "
                     "name and birth date, or the same address (office manager)")
      ->callback([this] {
        auto reply = Send([](schema::Request::Builder r) { r.setListDuplicates(); }, false);
        if (!reply) return;
        PrintOrJson(*reply, [&] {
          Print(DuplicatesText(reply->Root<schema::Response>().getDuplicates()));
        });
      });

  app.add_subcommand("conflicts",
                     "values that lost to a concurrent edit at another office (office manager)")
      ->callback([this] {
        auto reply = Send([](schema::Request::Builder r) { r.setListConflicts(); }, false);
        if (!reply) return;
        PrintOrJson(*reply,
                    [&] { Print(ConflictsText(reply->Root<schema::Response>().getConflicts())); });
      });

  auto merge_options = std::make_shared<MergeOptions>();
  auto* merge = app.add_subcommand("merge", "merge a duplicate into a client (office manager)");
  merge->add_option("survivor", merge_options->survivor, "the client to keep")->required();
  merge->add_option("duplicate", merge_options->duplicate, "the duplicate to merge into it")
      ->required();
  merge->callback([this, merge_options] {
    auto survivor = ParseId(merge_options->survivor, "survivor");
    auto duplicate = ParseId(merge_options->duplicate, "duplicate");
    if (!survivor || !duplicate) return;
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initMergeClients();
          IdToWire(*survivor, args.initSurvivor());
          IdToWire(*duplicate, args.initDuplicate());
        },
        true);
    if (reply && !settings_.json) {
      Print(fmt::format("Client {} merged into {}\n", duplicate->ToString(), survivor->ToString()));
    }
  });
}

}  // namespace crm::pos

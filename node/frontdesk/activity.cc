// Front desk: interactions, notes, new tasks, deals, feedback and attached
// files (the work queue's actions on tasks: task_actions.cc).
#include <fmt/format.h>

#include "node/common/crypto.h"
#include "node/common/text.h"
#include "node/frontdesk/internal.h"
#include "node/store/blobs.h"
#include "node/store/file_content.h"
#include "sync/base/money.h"

namespace crm::frontdesk {
namespace {

Result<Id> RequireClient(const StoreView& view, bool has, schema::Id::Reader wire) {
  Id id = has ? IdFromWire(wire) : Id{};
  CRM_RETURN_IF_ERROR(Require(view, EntityKind::CLIENT, id, "client").status());
  return id;
}

}  // namespace

Status LogInteraction(Context& ctx, StoreTxn& txn, schema::NewInteraction::Reader args,
                      schema::Response::Builder response) {
  CRM_ASSIGN_OR_RETURN(Id client, RequireClient(txn, args.hasClient(), args.getClient()));
  if (static_cast<uint16_t>(args.getChannel()) > static_cast<uint16_t>(schema::InteractionChannel::SMS)) {
    return Status::InvalidArgument("channel", "is one of call, email, visit, social, sms");
  }
  if (static_cast<uint16_t>(args.getDirection()) > static_cast<uint16_t>(schema::Direction::OUTBOUND)) {
    return Status::InvalidArgument("direction", "is in or out");
  }
  CRM_RETURN_IF_ERROR(CheckText("summary", Str(args.getSummary()), 4000, true));
  const int64_t now = ctx.wall.NowMillis();
  const Id id = Id::Generate(now);
  ChangeMessage change = NewEvent(ctx, EntityKind::INTERACTION, id);
  auto interaction = change.record<schema::Interaction>();
  IdToWire(client, interaction.initClient());
  interaction.setOffice(ctx.office.code);
  IdToWire(ctx.user.user, interaction.initEmployee());
  interaction.setTime(now);
  interaction.setChannel(args.getChannel());
  interaction.setDirection(args.getDirection());
  interaction.setSummary(args.getSummary());
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(id, response.initSaved());
  return Status::Ok();
}

Status AddNote(Context& ctx, StoreTxn& txn, schema::NewNote::Reader args,
               schema::Response::Builder response) {
  CRM_ASSIGN_OR_RETURN(Id client, RequireClient(txn, args.hasClient(), args.getClient()));
  CRM_RETURN_IF_ERROR(CheckText("text", Str(args.getText()), 10000, true));
  const int64_t now = ctx.wall.NowMillis();
  const Id id = Id::Generate(now);
  ChangeMessage change = NewPatch(ctx, EntityKind::NOTE, id);
  auto note = change.record<schema::Note>();
  IdToWire(client, note.initClient());
  IdToWire(ctx.user.user, note.initAuthor());
  note.setOffice(ctx.office.code);
  note.setTime(now);
  note.setText(args.getText());
  for (const char* f : {"client", "author", "office", "time", "text"}) {
    CRM_RETURN_IF_ERROR(change.Set(f));
  }
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(id, response.initSaved());
  return Status::Ok();
}

Status CreateTask(Context& ctx, StoreTxn& txn, schema::NewTask::Reader args,
                  schema::Response::Builder response) {
  CRM_ASSIGN_OR_RETURN(Id client, RequireClient(txn, args.hasClient(), args.getClient()));
  CRM_RETURN_IF_ERROR(CheckText("title", Str(args.getTitle()), 200, true));
  if (args.getDue() <= 0) return Status::InvalidArgument("due", "a task needs a due date");
  Id assignee = ctx.user.user;
  if (args.getAssignee().size() > 0) {
    // `kate` is this office's; `anna@HQ`, `kate@MSK` name users elsewhere.
    CRM_ASSIGN_OR_RETURN(DeskLogin name,
                         ParseDeskLogin(Str(args.getAssignee()), ctx.office.code, "assignee"));
    CRM_ASSIGN_OR_RETURN(assignee, FindUser(txn, name, "assignee"));
  }
  const int64_t now = ctx.wall.NowMillis();
  const Id id = Id::Generate(now);
  ChangeMessage change = NewPatch(ctx, EntityKind::TASK, id);
  auto task = change.record<schema::Task>();
  IdToWire(client, task.initClient());
  task.setTitle(args.getTitle());
  task.setDue(args.getDue());
  IdToWire(assignee, task.initAssignee());
  task.setStatus(schema::TaskStatus::OPEN);
  task.setOffice(ctx.office.code);
  IdToWire(ctx.user.user, task.initCreatedBy());
  task.setCreatedAt(now);
  for (const char* f : {"client", "title", "due", "assignee", "status", "office", "createdBy",
                        "createdAt"}) {
    CRM_RETURN_IF_ERROR(change.Set(f));
  }
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(id, response.initSaved());
  return Status::Ok();
}

Status SaveDeal(Context& ctx, StoreTxn& txn, schema::SaveDeal::Reader args,
                schema::Response::Builder response) {
  using Stage = schema::DealStage;
  const Stage stage = args.getStage();
  if (static_cast<uint16_t>(stage) > static_cast<uint16_t>(Stage::LOST)) {
    return Status::InvalidArgument("stage", "is lead, qualified, proposal, negotiation, won or lost");
  }
  if (args.getAmount() < 0 || args.getAmount() > kMaxAmount) {
    return Status::InvalidArgument(
        "amount", "is 0 to " + FormatMoney(kMaxAmount, ctx.office.currency) + " " + ctx.office.currency);
  }
  const bool closing = stage == Stage::WON || stage == Stage::LOST;
  const int64_t now = ctx.wall.NowMillis();
  Id id = args.hasDeal() ? IdFromWire(args.getDeal()) : Id{};
  const bool opening = id.IsNull();
  if (opening) id = Id::Generate(now);
  std::vector<const char*> fields = {"stage"};
  ChangeMessage change = NewPatch(ctx, EntityKind::DEAL, id);
  auto deal = change.record<schema::Deal>();
  deal.setStage(stage);
  if (opening) {
    CRM_ASSIGN_OR_RETURN(Id client, RequireClient(txn, args.hasClient(), args.getClient()));
    CRM_RETURN_IF_ERROR(CheckText("title", Str(args.getTitle()), 200, true));
    IdToWire(client, deal.initClient());
    deal.setTitle(args.getTitle());
    deal.setAmount(args.getAmount());
    deal.setCurrency(ctx.office.currency);
    IdToWire(ctx.user.user, deal.initOwner());
    deal.setOffice(ctx.office.code);
    deal.setCreatedAt(now);
    deal.setFurthestStage(closing ? Stage::LEAD : stage);
    fields.insert(fields.end(), {"client", "title", "amount", "currency", "owner", "office", "createdAt",
                                 "furthestStage"});
  } else {
    CRM_ASSIGN_OR_RETURN(Record record, Require(txn, EntityKind::DEAL, id, "deal"));
    auto current = record.value<schema::Deal>();
    if (current.getStage() == Stage::WON || current.getStage() == Stage::LOST) {
      return Status(StatusCode::kConflict, "the deal is closed", "deal");
    }
    if (!closing && static_cast<uint16_t>(stage) > static_cast<uint16_t>(current.getFurthestStage())) {
      deal.setFurthestStage(stage);
      fields.push_back("furthestStage");
    }
    if (args.getAmount() > 0) {
      deal.setAmount(args.getAmount());
      fields.push_back("amount");
    }
  }
  if (closing) {
    deal.setClosedAt(now);
    fields.push_back("closedAt");
  }
  for (const char* f : fields) CRM_RETURN_IF_ERROR(change.Set(f));
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(id, response.initSaved());
  return Status::Ok();
}

Status RecordFeedback(Context& ctx, StoreTxn& txn, schema::NewFeedback::Reader args,
                      schema::Response::Builder response) {
  CRM_ASSIGN_OR_RETURN(Id client, RequireClient(txn, args.hasClient(), args.getClient()));
  if (args.getScore() < 1 || args.getScore() > 5) {
    return Status::InvalidArgument("score", "is 1 to 5");
  }
  CRM_RETURN_IF_ERROR(CheckText("comment", Str(args.getComment()), 4000, false));
  Id sale_id;
  if (args.getSale().size() > 0) {
    CRM_ASSIGN_OR_RETURN(auto found, FindSale(txn, Str(args.getSale()), "sale"));
    sale_id = found.first;
  }
  const int64_t now = ctx.wall.NowMillis();
  const Id id = Id::Generate(now);
  ChangeMessage change = NewEvent(ctx, EntityKind::FEEDBACK, id);
  auto feedback = change.record<schema::Feedback>();
  IdToWire(client, feedback.initClient());
  feedback.setOffice(ctx.office.code);
  IdToWire(ctx.user.user, feedback.initEmployee());
  feedback.setTime(now);
  feedback.setScore(args.getScore());
  feedback.setComment(args.getComment());
  if (!sale_id.IsNull()) IdToWire(sale_id, feedback.initSale());
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(id, response.initSaved());
  return Status::Ok();
}

Status AttachFile(Context& ctx, StoreTxn& txn, schema::NewFile::Reader args,
                  schema::Response::Builder response) {
  CRM_ASSIGN_OR_RETURN(Id client, RequireClient(txn, args.hasClient(), args.getClient()));
  CRM_RETURN_IF_ERROR(CheckText("name", Str(args.getName()), 255, true));
  const std::string name = FileBaseName(Str(args.getName()));
  if (name.empty()) {
    return Status::InvalidArgument("name", "'" + Str(args.getName()) + "' names no file");
  }
  CRM_RETURN_IF_ERROR(CheckText("mediaType", Str(args.getMediaType()), 100, false));
  auto content = args.getContent();
  if (content.size() == 0) return Status::InvalidArgument("content", "the file is empty");
  if (content.size() > ctx.office.max_file_bytes) {
    return Status(StatusCode::kResourceExhausted,
                  fmt::format("the file has {} bytes; the limit is {}", content.size(),
                              ctx.office.max_file_bytes),
                  "content");
  }
  std::string_view bytes(reinterpret_cast<const char*>(content.begin()), content.size());
  std::string sha = Sha256Hex(bytes);
  // The bytes go to every node as a FileContent event, once per content:
  // the same bytes attached before (here or anywhere the record came from)
  // are not sent again.
  auto held = txn.Get(EntityKind::FILE_CONTENT, FileContentId(sha));
  if (held.ok() && held->stored().hasErased()) {
    // Erasure wins over every later copy of the bytes, on every node.
    return Status(StatusCode::kConflict,
                  "this file's content was erased with a client (right to be forgotten) and "
                  "cannot be attached again",
                  "content");
  }
  if (!held.ok() && held.status().code() != StatusCode::kNotFound) return held.status();
  if (!held.ok()) {
    auto event = FileContentEvent(sha, bytes, ctx.hlc.Now(), ctx.user.user);
    CRM_RETURN_IF_ERROR(txn.ApplyLocal(event->getRoot<schema::Change>()).status());
    // A store from before kept the bytes in its blobs table: once here.
    CRM_RETURN_IF_ERROR(txn.blobs().Forget(sha));
  }
  const int64_t now = ctx.wall.NowMillis();
  const Id id = Id::Generate(now);
  ChangeMessage change = NewEvent(ctx, EntityKind::FILE, id);
  auto file = change.record<schema::FileAttachment>();
  IdToWire(client, file.initClient());
  file.setName(name);
  file.setMediaType(args.getMediaType().size() ? Str(args.getMediaType())
                                               : std::string("application/octet-stream"));
  file.setSize(content.size());
  file.setSha256(sha);
  file.setOffice(ctx.office.code);
  IdToWire(ctx.user.user, file.initAuthor());
  file.setTime(now);
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(id, response.initSaved());
  return Status::Ok();
}

Status GetFile(Context&, const StoreView& view, std::string_view asked,
               schema::Response::Builder response) {
  // A file's id names its record too (its name and media type, for a
  // download); a digest names only the bytes.
  std::optional<Record> attachment;
  std::string sha256(asked);
  if (auto id = Id::Parse(asked); asked.size() != 64 && id.ok()) {
    CRM_ASSIGN_OR_RETURN(Record record, Require(view, EntityKind::FILE, *id, "file"));
    sha256 = Str(record.value<schema::FileAttachment>().getSha256());
    attachment = std::move(record);
  } else if (!IsSha256Hex(sha256)) {
    return Status::InvalidArgument("sha256",
                                   "is 64 lower-case hex digits (the content's) or a file's id");
  }
  CRM_ASSIGN_OR_RETURN(std::string content, ReadFileContent(view, sha256));
  auto out = response.initFile();
  if (attachment) {
    out.setFile(attachment->value<schema::FileAttachment>());
  } else {
    out.initFile().setSha256(sha256);
  }
  out.getFile().setSize(content.size());
  out.setContent(kj::arrayPtr(reinterpret_cast<const kj::byte*>(content.data()), content.size()));
  return Status::Ok();
}

}  // namespace crm::frontdesk

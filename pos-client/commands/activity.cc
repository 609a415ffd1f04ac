// pos log, note, task, deal and feedback: what happens with a client
// between sales.
#include <fmt/format.h>

#include <cstdlib>
#include <map>
#include <memory>

#include "pos-client/commands/common.h"
#include "pos-client/format.h"
#include "pos-client/pos.h"
#include "sync/base/wire.h"

namespace crm::pos {
namespace {

struct LogOptions {
  std::string client;
  std::string channel;
  std::string direction;
  std::string summary;
};

struct NoteOptions {
  std::string client;
  std::string text;
};

struct TaskAddOptions {
  std::string client;
  std::string title;
  std::string due;
  std::string assignee;
};

struct TaskDoneOptions {
  std::string task;
};

struct DealOpenOptions {
  std::string client;
  std::string title;
  std::string amount;
  std::string stage;
};

struct DealMoveOptions {
  std::string deal;
  std::string stage;
  std::string amount;
};

struct FeedbackOptions {
  std::string client;
  std::string score;
  std::string comment;
  std::string sale;
};

std::optional<schema::InteractionChannel> ChannelOf(const std::string& name) {
  static const std::map<std::string, schema::InteractionChannel> channels = {
      {"call", schema::InteractionChannel::CALL},
      {"email", schema::InteractionChannel::EMAIL},
      {"visit", schema::InteractionChannel::VISIT},
      {"social", schema::InteractionChannel::SOCIAL},
      {"sms", schema::InteractionChannel::SMS}};
  auto it = channels.find(name);
  return it == channels.end() ? std::nullopt : std::optional(it->second);
}

}  // namespace

void Pos::AddActivityCommands(CLI::App& app) {
  auto log_options = std::make_shared<LogOptions>();
  auto* log = app.add_subcommand("log", "log a call, email, visit, social message or sms");
  log->add_option("client", log_options->client, "client id")->required();
  log->add_option("--channel", log_options->channel, "call, email, visit, social, sms")->required();
  log->add_option("--direction", log_options->direction, "in or out (default in)");
  log->add_option("--summary", log_options->summary, "what was said")->required();
  log->callback([this, log_options] {
    const LogOptions& o = *log_options;
    auto id = ParseId(o.client, "client");
    if (!id) return;
    auto channel = ChannelOf(o.channel);
    if (!channel) {
      Fail(Status::InvalidArgument("--channel", "is call, email, visit, social or sms"));
      return;
    }
    std::string direction = o.direction.empty() ? "in" : o.direction;
    if (direction != "in" && direction != "out") {
      Fail(Status::InvalidArgument("--direction", "is in or out"));
      return;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initLogInteraction();
          IdToWire(*id, args.initClient());
          args.setChannel(*channel);
          args.setDirection(direction == "in" ? schema::Direction::INBOUND
                                              : schema::Direction::OUTBOUND);
          args.setSummary(o.summary);
        },
        true);
    if (reply && !settings_.json) Print("Logged\n");
  });

  auto note_options = std::make_shared<NoteOptions>();
  auto* note = app.add_subcommand("note", "add a note to a client");
  note->add_option("client", note_options->client, "client id")->required();
  note->add_option("text", note_options->text, "the note")->required();
  note->callback([this, note_options] {
    auto id = ParseId(note_options->client, "client");
    if (!id) return;
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initAddNote();
          IdToWire(*id, args.initClient());
          args.setText(note_options->text);
        },
        true);
    if (reply && !settings_.json) Print("Note added\n");
  });

  AddTaskCommands(app);
  AddDealCommands(app);

  auto feedback_options = std::make_shared<FeedbackOptions>();
  auto* feedback = app.add_subcommand("feedback", "record a client's feedback");
  feedback->add_option("client", feedback_options->client, "client id")->required();
  feedback->add_option("--score", feedback_options->score, "1 to 5")->required();
  feedback->add_option("--comment", feedback_options->comment, "what they said");
  feedback->add_option("--sale", feedback_options->sale, "the receipt it is about");
  feedback->callback([this, feedback_options] {
    const FeedbackOptions& o = *feedback_options;
    auto id = ParseId(o.client, "client");
    if (!id) return;
    char* end = nullptr;
    long score = std::strtol(o.score.c_str(), &end, 10);
    if (*end != '\0' || score < 0 || score > 255) {
      Fail(Status::InvalidArgument("score", "is 1 to 5"));
      return;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initRecordFeedback();
          IdToWire(*id, args.initClient());
          args.setScore(static_cast<uint8_t>(score));
          args.setComment(o.comment);
          args.setSale(o.sale);
        },
        true);
    if (reply && !settings_.json) Print("Feedback recorded\n");
  });
}

void Pos::AddTaskCommands(CLI::App& app) {
  auto* task = app.add_subcommand("task", "create, complete, reassign or snooze tasks");
  task->require_subcommand(1);
  auto add_options = std::make_shared<TaskAddOptions>();
  auto* task_add = task->add_subcommand("add", "create a task about a client");
  task_add->add_option("client", add_options->client, "client id")->required();
  task_add->add_option("--title", add_options->title, "what to do")->required();
  task_add->add_option("--due", add_options->due, "YYYY-MM-DD or YYYY-MM-DDTHH:MM")->required();
  task_add->add_option("--assignee", add_options->assignee, "login of the user (default: you)");
  task_add->callback([this, add_options] {
    const TaskAddOptions& o = *add_options;
    auto id = ParseId(o.client, "client");
    if (!id) return;
    auto due = ParseLocalTime(o.due, "--due");
    if (!due.ok()) {
      Fail(due.status());
      return;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initCreateTask();
          IdToWire(*id, args.initClient());
          args.setTitle(o.title);
          args.setDue(*due);
          args.setAssignee(o.assignee);
        },
        true);
    if (!reply) return;
    Id task_id = IdFromWire(reply->Root<schema::Response>().getSaved());
    Print(settings_.json ? fmt::format("{{\"id\": \"{}\"}}\n", task_id.ToString())
                         : fmt::format("Task {} created\n", task_id.ToString()));
  });
  auto done_options = std::make_shared<TaskDoneOptions>();
  auto* task_done = task->add_subcommand("done", "complete a task");
  task_done->add_option("task", done_options->task, "task id")->required();
  task_done->callback([this, done_options] {
    auto id = ParseId(done_options->task, "task");
    if (!id) return;
    auto reply =
        Send([&](schema::Request::Builder r) { IdToWire(*id, r.initCompleteTask()); }, true);
    if (reply && !settings_.json) Print("Task completed\n");
  });
  AddTaskActionCommands(*task);
}

void Pos::AddDealCommands(CLI::App& app) {
  auto* deal =
      app.add_subcommand("deal", "open a deal with a client, or move one along the pipeline");
  deal->require_subcommand(1);
  auto open_options = std::make_shared<DealOpenOptions>();
  auto* deal_open = deal->add_subcommand("open", "open a deal with a client");
  deal_open->add_option("client", open_options->client, "client id")->required();
  deal_open->add_option("--title", open_options->title, "what is being sold")->required();
  deal_open->add_option("--amount", open_options->amount, "expected amount, like 1200.00")
      ->required();
  deal_open->add_option("--stage", open_options->stage,
                        "lead (default), qualified, proposal, negotiation");
  deal_open->callback([this, open_options] {
    const DealOpenOptions& o = *open_options;
    auto id = ParseId(o.client, "client");
    if (!id) return;
    auto stage = DealStageByName(o.stage.empty() ? "lead" : o.stage);
    if (!stage) {
      Fail(Status::InvalidArgument("--stage", "is lead, qualified, proposal or negotiation"));
      return;
    }
    auto amount = Money(o.amount, "--amount");
    if (!amount.ok()) {
      Fail(amount.status());
      return;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initSaveDeal();
          IdToWire(*id, args.initClient());
          args.setTitle(o.title);
          args.setAmount(*amount);
          args.setStage(*stage);
        },
        true);
    if (!reply) return;
    Id deal_id = IdFromWire(reply->Root<schema::Response>().getSaved());
    Print(settings_.json ? fmt::format("{{\"id\": \"{}\"}}\n", deal_id.ToString())
                         : fmt::format("Deal {} opened\n", deal_id.ToString()));
  });
  auto move_options = std::make_shared<DealMoveOptions>();
  auto* deal_move = deal->add_subcommand("move", "move a deal to a stage; won or lost closes it");
  deal_move->add_option("deal", move_options->deal, "deal id")->required();
  deal_move
      ->add_option("stage", move_options->stage, "qualified, proposal, negotiation, won or lost")
      ->required();
  deal_move->add_option("--amount", move_options->amount, "a new expected amount");
  deal_move->callback([this, move_options] {
    const DealMoveOptions& o = *move_options;
    auto id = ParseId(o.deal, "deal");
    if (!id) return;
    auto stage = DealStageByName(o.stage);
    if (!stage) {
      Fail(Status::InvalidArgument("stage",
                                   "is lead, qualified, proposal, negotiation, won or lost"));
      return;
    }
    int64_t amount = 0;
    if (!o.amount.empty()) {
      auto parsed = Money(o.amount, "--amount");
      if (!parsed.ok()) {
        Fail(parsed.status());
        return;
      }
      amount = *parsed;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initSaveDeal();
          IdToWire(*id, args.initDeal());
          args.setStage(*stage);
          args.setAmount(amount);
        },
        true);
    if (reply && !settings_.json) Print(fmt::format("Deal moved to {}\n", o.stage));
  });
}

}  // namespace crm::pos

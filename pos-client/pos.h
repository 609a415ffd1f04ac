// The pos client: one-shot commands for scripts and an interactive shell for
// the desk, over the front-desk API of the office node.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pos-client/node_client.h"
#include "schema/frontdesk.capnp.h"

namespace crm::pos {

// Exit codes, one per kind of failure, for scripts.
enum ExitCode : int {
  kOk = 0,
  kFailed = 1,          // internal error
  kUsage = 2,           // the command line is wrong
  kInvalid = 3,         // the node refused the input
  kNotFound = 4,
  kDenied = 5,          // not logged in, wrong password, or the role may not
  kConflict = 6,        // already exists, or contradicts what is stored
  kUnavailable = 7,     // the node did not answer
  kTooLarge = 8,        // a size limit, or the node's disk is full
};

struct Settings {
  std::string node = "tcp://127.0.0.1:7700";
  // The node's public key file (its --desk-key's .pub): talk CURVE to it.
  // Empty: in clear, which a node allows only on loopback.
  std::string node_key_file;
  std::string session_file;  // default ~/.config/crm-pos/session
  bool json = false;
  int timeout_ms = 5000;
};

// The saved login (file mode 0600).
struct SavedSession {
  std::string token;
  std::string login;
  std::string office;
  std::string currency = "GBP";
};

class Pos {
 public:
  explicit Pos(Settings settings);

  // Runs one command line (without the program name). Returns the exit code;
  // output goes to stdout, errors to stderr.
  int Run(const std::vector<std::string>& args);

  // Reads command lines from stdin until "exit" or end of input.
  int Shell();

 private:
  using Fill = std::function<void(schema::Request::Builder)>;
  // Sends a request with the saved session. A write gets a request id
  // (`request_id` if given) and is retried with it when the node does not
  // answer, so it happens once. On success returns the response; on failure
  // prints the error and returns nullopt with `exit_code_` set.
  std::optional<DecodedMessage> Send(const Fill& fill, bool write, const std::string& request_id = {});
  int Fail(const Status& status);
  int FailResponse(schema::Error::Reader error);
  void Print(const std::string& text);
  void PrintJson(schema::Response::Reader response);

  bool LoadSession();
  Status SaveSession();

  Result<int64_t> Money(const std::string& text, const std::string& field);
  // Prints the response as JSON with --json, else runs `human`.
  void PrintOrJson(const DecodedMessage& reply, const std::function<void()>& human);
  // The id in `text`; else fails naming `what` and returns nullopt.
  std::optional<Id> ParseId(const std::string& text, const char* what);
  // pos sync: polls the node's status until it is in step with its hub
  // (nothing to send, nothing to receive), or fails after `timeout_s`.
  void WaitForSync(double timeout_s);

  // Adds every command in the order `pos --help` lists them: the groups of
  // the front desk's operations, each defined in pos-client/commands/.
  void AddCommands(CLI::App& app);
  void AddSessionCommands(CLI::App& app);    // session.cc: login, logout, status, sync
  void AddClientCommands(CLI::App& app);     // clients.cc: find, client
  void AddDuplicateCommands(CLI::App& app);  // duplicates.cc: duplicates, conflicts, merge
  void AddCardCommand(CLI::App& app);        // card.cc: card
  void AddSaleCommands(CLI::App& app);       // sales.cc: sale, receipt, refund, pay
  void AddActivityCommands(CLI::App& app);   // activity.cc: log, note, task, deal, feedback
  void AddTaskCommands(CLI::App& app);       // activity.cc: task add, task done
  void AddWorkQueueCommand(CLI::App& app);   // tasks.cc: tasks
  void AddTaskActionCommands(CLI::App& task);  // tasks.cc: task reassign, task snooze
  void AddDealListCommand(CLI::App& app);    // deals.cc: deals
  void AddDealCommands(CLI::App& app);       // activity.cc: deal open, deal move
  void AddFileCommands(CLI::App& app);       // files.cc: attach, file
  void AddSetupCommands(CLI::App& app);      // setup.cc: product, user add, user unlock
  void AddUserCommands(CLI::App& user);      // users.cc: user list, deactivate, activate, role, reset-password

  Settings settings_;
  std::unique_ptr<NodeClient> client_;  // for settings_.node and the key it was made with
  std::string client_key_file_;
  SavedSession session_;
  int exit_code_ = kOk;
};

}  // namespace crm::pos

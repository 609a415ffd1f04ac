#include "pos-client/pos.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "pos-client/format.h"
#include "sync/base/json_codec.h"
#include "sync/base/wire.h"
#include "sync/keys/curve_keys.h"

namespace crm::pos {
namespace {

int ExitCodeFor(schema::ErrorCode code) {
  switch (code) {
    case schema::ErrorCode::INVALID_ARGUMENT: return kInvalid;
    case schema::ErrorCode::NOT_FOUND: return kNotFound;
    case schema::ErrorCode::PERMISSION_DENIED:
    case schema::ErrorCode::UNAUTHENTICATED: return kDenied;
    case schema::ErrorCode::ALREADY_EXISTS:
    case schema::ErrorCode::CONFLICT: return kConflict;
    case schema::ErrorCode::UNAVAILABLE: return kUnavailable;
    case schema::ErrorCode::RESOURCE_EXHAUSTED: return kTooLarge;
    case schema::ErrorCode::VERSION_MISMATCH: return kUsage;
    default: return kFailed;
  }
}

std::string DefaultSessionFile() {
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.config/crm-pos/session";
}

// Splits a shell line into words; "double" and 'single' quotes group words.
std::vector<std::string> SplitWords(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace

Pos::Pos(Settings settings) : settings_(std::move(settings)) {
  if (settings_.session_file.empty()) settings_.session_file = DefaultSessionFile();
}

bool Pos::LoadSession() {
  std::ifstream in(settings_.session_file);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "token") session_.token = value;
    if (key == "login") session_.login = value;
    if (key == "office") session_.office = value;
    if (key == "currency") session_.currency = value;
  }
  return !session_.token.empty();
}

Status Pos::SaveSession() {
  std::filesystem::path path(settings_.session_file);
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  std::string tmp = path.string() + ".tmp";
  ::umask(077);
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return Status::IOError("cannot write the session file " + tmp);
    out << "token=" << session_.token << "\nlogin=" << session_.login
        << "\noffice=" << session_.office << "\ncurrency=" << session_.currency << "\n";
  }
  ::chmod(tmp.c_str(), 0600);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("cannot write the session file " + path.string());
  }
  return Status::Ok();
}

int Pos::Fail(const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.ToString().c_str());
  switch (status.code()) {
    case StatusCode::kInvalidArgument: return exit_code_ = kInvalid;
    case StatusCode::kNotFound: return exit_code_ = kNotFound;
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied: return exit_code_ = kDenied;
    case StatusCode::kUnavailable: return exit_code_ = kUnavailable;
    case StatusCode::kResourceExhausted: return exit_code_ = kTooLarge;
    case StatusCode::kAlreadyExists:
    case StatusCode::kConflict: return exit_code_ = kConflict;
    default: return exit_code_ = kFailed;
  }
}

int Pos::FailResponse(schema::Error::Reader error) {
  std::string field = error.getField().cStr();
  std::fprintf(stderr, "error: %s%s\n", field.empty() ? "" : (field + ": ").c_str(),
               error.getMessage().cStr());
  if (error.getCode() == schema::ErrorCode::UNAUTHENTICATED) {
    std::fprintf(stderr, "hint: pos login USER\n");
  }
  return exit_code_ = ExitCodeFor(error.getCode());
}

void Pos::Print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void Pos::PrintJson(schema::Response::Reader response) {
  Print(MessageJson(/*pretty=*/true).Encode(response) + "\n");
}

Result<int64_t> Pos::Money(const std::string& text, const std::string& field) {
  return ParseMoney(text, session_.currency, field);
}

std::optional<DecodedMessage> Pos::Send(const Fill& fill, bool write,
                                        const std::string& request_id) {
  Id id = Id::Generate(0);
  if (!request_id.empty()) {
    auto parsed = Id::Parse(request_id);
    if (!parsed.ok()) {
      Fail(Status::InvalidArgument("--request-id", parsed.status().message()));
      return std::nullopt;
    }
    id = *parsed;
  } else {
    id = Id::Generate(static_cast<int64_t>(std::time(nullptr)) * 1000);
  }
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<schema::Request>();
  request.setProtocolVersion(schema::FRONT_DESK_PROTOCOL_VERSION);
  IdToWire(id, request.initRequestId());
  request.setSession(session_.token);
  fill(request);
  if (!client_ || client_->endpoint() != settings_.node ||
      client_key_file_ != settings_.node_key_file) {
    std::string node_key;
    if (!settings_.node_key_file.empty()) {
      auto read = ReadPublicKey(settings_.node_key_file);
      if (!read.ok()) {
        std::fprintf(stderr, "error: --node-key: %s\n", read.status().message().c_str());
        exit_code_ = kUsage;
        return std::nullopt;
      }
      node_key = *read;
    }
    client_ = std::make_unique<NodeClient>(settings_.node, settings_.timeout_ms, nullptr, node_key);
    client_key_file_ = settings_.node_key_file;
  }
  // A write whose reply was lost is sent again with the same request id: the
  // node answers with the first outcome instead of doing it twice.
  const int attempts = write ? 3 : 1;
  for (int attempt = 1;; ++attempt) {
    auto reply = client_->Call(message);
    if (reply.ok()) {
      auto response = reply->Root<schema::Response>();
      if (response.isError()) {
        FailResponse(response.getError());
        return std::nullopt;
      }
      return std::move(reply).value();
    }
    if (reply.status().code() != StatusCode::kUnavailable || attempt >= attempts) {
      Fail(reply.status());
      if (write) {
        std::fprintf(stderr, "hint: retry with --request-id %s; it will not be done twice\n",
                     id.ToString().c_str());
      }
      return std::nullopt;
    }
  }
}

void Pos::AddCommands(CLI::App& app) {
  AddSessionCommands(app);
  AddClientCommands(app);
  AddDuplicateCommands(app);
  AddCardCommand(app);
  AddSaleCommands(app);
  AddActivityCommands(app);
  AddWorkQueueCommand(app);
  AddDealListCommand(app);
  AddFileCommands(app);
  AddSetupCommands(app);
  app.add_subcommand("shell", "interactive front desk: type commands, 'exit' to leave")
      ->callback([this] { exit_code_ = Shell(); });
}

int Pos::Run(const std::vector<std::string>& args) {
  exit_code_ = kOk;
  LoadSession();
  CLI::App app{"pos: the front desk of the point-of-sale CRM"};
  app.require_subcommand(1);
  app.add_option("--node", settings_.node, "the office node (env POS_NODE)");
  app.add_option("--node-key", settings_.node_key_file,
                 "the node's public key file, NODE.pub: talk CURVE (env POS_NODE_KEY)");
  app.add_flag("--json", settings_.json, "print responses as JSON");
  AddCommands(app);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e);
    return kOk;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kUsage;
  }
  return exit_code_;
}

int Pos::Shell() {
  const bool interactive = isatty(STDIN_FILENO);
  std::string line;
  int last = kOk;
  for (;;) {
    if (interactive) {
      std::fputs("pos> ", stdout);
      std::fflush(stdout);
    }
    if (!std::getline(std::cin, line)) break;
    std::vector<std::string> words = SplitWords(line);
    if (words.empty()) continue;
    if (words[0] == "exit" || words[0] == "quit") break;
    if (words[0] == "shell") continue;
    last = Run(words);
  }
  return last;
}

}  // namespace crm::pos

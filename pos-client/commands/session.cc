// pos login, logout and status: the session at the desk and the node behind it.
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <thread>

#include "pos-client/commands/common.h"
#include "pos-client/format.h"
#include "pos-client/pos.h"
#include "sync/base/wire.h"

namespace crm::pos {
namespace {

struct LoginOptions {
  std::string user;
};

// The node's status as `pos status` prints it.
std::string StatusText(schema::NodeStatus::Reader st) {
  std::string out = fmt::format(
      "node             {}\noffice           {}\nrecords          {}\nlog seq          {}\n"
      "unsent changes   {}\noldest unsent    {}\nlast hub contact {}\ntime zone        {}\n"
      "currency         {}\nsafe to close shift: {}\n",
      IdFromWire(st.getNodeId()).ToString(), Text(st.getOffice()), st.getRecords(), st.getLogSeq(),
      st.getUnsentChanges(), st.getOldestUnsent() ? FormatTime(st.getOldestUnsent()) : "-",
      st.getLastHubContact() ? FormatTime(st.getLastHubContact()) : "never", Text(st.getTimeZone()),
      Text(st.getCurrency()), st.getUnsentChanges() == 0 ? "yes" : "no, changes wait for the hub");
  if (st.getClockProblem().size() > 0) {
    out += fmt::format("writes are refused: {}\n", Text(st.getClockProblem()));
  }
  if (st.getHubRefusal().size() > 0) {
    out += fmt::format("the hub refuses this node: {}\n", Text(st.getHubRefusal()));
  }
  if (st.getHubRejected() > 0) {
    out += fmt::format("changes the hub refused: {} (the last: {})\n", st.getHubRejected(),
                       Text(st.getLastHubRejection()));
  }
  return out;
}

}  // namespace

void Pos::WaitForSync(double timeout_s) {
  using SteadyClock = std::chrono::steady_clock;
  const auto deadline =
      SteadyClock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  // What the node knows of the hub's log counts only as of after this
  // command began (the hub answers the node's heartbeats, at least one a
  // second, with its log's newest seq). Times are the node's own, not this
  // till's.
  int64_t began = 0;
  for (;;) {
    auto reply = Send([](schema::Request::Builder r) { r.setStatus(); }, false);
    if (!reply) return;
    auto st = reply->Root<schema::Response>().getStatus();
    if (began == 0) began = st.getNow();
    if (!st.getHubConfigured()) {
      Fail(Status::Unavailable("this node has no hub to sync with (crm-node --hub)"));
      return;
    }
    if (st.getHubRefusal().size() > 0) {
      Fail(Status::PermissionDenied("the hub refuses this node: " + Text(st.getHubRefusal())));
      return;
    }
    const uint64_t to_receive =
        st.getHubLogSeq() > st.getPulledThrough() ? st.getHubLogSeq() - st.getPulledThrough() : 0;
    const bool heard_since = st.getHubLogSeqAsOf() >= began;
    if (st.getHubConnected() && heard_since && st.getUnsentChanges() == 0 && to_receive == 0) {
      if (!settings_.json) Print("in step with the hub: nothing to send, nothing to receive\n");
      else PrintOrJson(*reply, [] {});
      return;
    }
    if (SteadyClock::now() >= deadline) {
      Fail(Status::Unavailable(fmt::format(
          "not in step with the hub after {}s: {}, {} changes to send, the hub's log {} entries "
          "ahead",
          timeout_s, st.getHubConnected() ? "connected" : "not connected", st.getUnsentChanges(),
          to_receive)));
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void Pos::AddSessionCommands(CLI::App& app) {
  auto login_options = std::make_shared<LoginOptions>();
  auto* login = app.add_subcommand("login", "log in; the session is kept for later commands");
  login->add_option("user", login_options->user, "login")->required();
  login->callback([this, login_options] {
    std::optional<std::string> password = ReadPassword("Password: ");
    if (!password) {
      Fail(Status::InvalidArgument("password", "no password on standard input"));
      return;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initLogin();
          args.setLogin(login_options->user);
          args.setPassword(*password);
        },
        false);
    if (!reply) return;
    auto session = reply->Root<schema::Response>().getSession();
    session_ = SavedSession{Text(session.getToken()), Text(session.getLogin()),
                            Text(session.getOffice()), Text(session.getCurrency())};
    if (Status saved = SaveSession(); !saved.ok()) {
      Fail(saved);
      return;
    }
    if (settings_.json) {
      Print(fmt::format("{{\"login\": \"{}\", \"office\": \"{}\"}}\n", session_.login,
                        session_.office));
    } else {
      Print(fmt::format("Logged in as {} ({}) at office {}\n", Text(session.getDisplayName()),
                        session_.login, session_.office));
    }
  });

  app.add_subcommand("logout", "end the session")->callback([this] {
    auto reply = Send([](schema::Request::Builder r) { r.setLogout(); }, false);
    session_ = SavedSession{};
    (void)SaveSession();
    if (reply && !settings_.json) Print("Logged out\n");
  });

  auto timeout_s = std::make_shared<double>(30);
  auto* sync = app.add_subcommand(
      "sync", "wait until the hub holds every change made here and this node has the hub's");
  sync->add_option("--timeout", *timeout_s, "give up after this many seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  sync->callback([this, timeout_s] { WaitForSync(*timeout_s); });

  app.add_subcommand("status", "the node: records, changes not yet sent, hub contact")
      ->callback([this] {
        auto reply = Send([](schema::Request::Builder r) { r.setStatus(); }, false);
        if (!reply) return;
        PrintOrJson(*reply,
                    [&] { Print(StatusText(reply->Root<schema::Response>().getStatus())); });
      });
}

}  // namespace crm::pos

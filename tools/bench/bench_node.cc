#include "tools/bench/bench_node.h"

#include "sync/base/wire.h"

namespace crm::bench {

Till::Till(const std::string& endpoint, std::string session,
           std::shared_ptr<pos::ClientContext> context)
    : client_(endpoint, 30'000, std::move(context)), session_(std::move(session)) {}

void Till::Prepare(schema::Request::Builder request) {
  request.setProtocolVersion(schema::FRONT_DESK_PROTOCOL_VERSION);
  IdToWire(Id::Generate(0), request.initRequestId());
  request.setSession(session_);
}

DecodedMessage Till::Send(const std::string& what, capnp::MessageBuilder& message) {
  DecodedMessage reply = Must(client_.Call(message), what);
  auto response = reply.Root<schema::Response>();
  if (response.isError()) Die(what, Status::Internal(response.getError().getMessage().cStr()));
  return reply;
}

BenchNode::BenchNode(int workers, const std::function<void(StoreRuntime&)>& fill)
    : tills_context_(std::make_shared<pos::ClientContext>()) {
  StoreOptions options;
  options.dir = dir_.path() / "node";
  options.initial_map_bytes = size_t{1} << 30;
  Must(runtime_.Open(options), "open store");
  if (fill) fill(runtime_);
  OfficeConfig office;
  office.code = "BENCH";
  office.password_cost = PasswordCost::Cheap();  // logging in is not what is measured
  desk_ = std::make_unique<FrontDesk>(*runtime_.store, *runtime_.writer, runtime_.wall,
                                      *runtime_.hlc, office);
  Must(desk_->BootstrapAdmin("admin", "Bench Admin", "bench-password-1"), "bootstrap admin");
  ServerOptions server_options;
  server_options.endpoint = "tcp://127.0.0.1:*";
  server_options.workers = workers;
  server_ = Must(FrontDeskServer::Start(*desk_, server_options), "front-desk server");
  Till anonymous(server_->endpoint(), "", tills_context_);
  DecodedMessage login = anonymous.Call("login", [](schema::Request::Builder r) {
    auto args = r.initLogin();
    args.setLogin("admin");
    args.setPassword("bench-password-1");
  });
  session_ = login.Root<schema::Response>().getSession().getToken().cStr();
}

BenchNode::~BenchNode() {
  if (server_) server_->Stop();
}

}  // namespace crm::bench

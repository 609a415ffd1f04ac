#include "tools/admin/key_commands.h"

#include <fmt/format.h>

#include "node/store/offices.h"
#include "sync/keys/curve_keys.h"
#include "tools/admin/common.h"

namespace crm::admin {

KeyCommands::KeyCommands(CLI::App& app) {
  keygen_ = app.add_subcommand("keygen", "make a CURVE key pair");
  keygen_->add_option("--out", out_, "path prefix of the key files")->required();

  node_id_ = app.add_subcommand("node-id", "print the node id of a store (creating it if new)");
  node_id_->add_option("--data", data_, "store directory")->required();

  enroll_ = app.add_subcommand("enroll", "let an office's key connect to the hub");
  enroll_->add_option("--hub-data", hub_data_, "the hub's store directory")->required();
  enroll_->add_option("--office", office_, "office code")->required();
  enroll_->add_option("--node-id", node_, "the office's node id (crm-admin node-id)")->required();
  enroll_->add_option("--public-key", key_file_, "the office's .pub file")->required();
  enroll_->add_option("--parent", parent_, "office code of its regional hub");
  enroll_->add_option("--name", name_, "office name");
  enroll_->add_option("--currency", currency_,
                      "ISO 4217 currency the office sells in (HQ sets its price overrides in it)");

  CLI::App* revoke = app.add_subcommand("revoke", "refuse an office's key from now on");
  revoke->add_option("--hub-data", hub_data_, "the hub's store directory")->required();
  revoke->add_option("--office", office_, "office code")->required();
}

int KeyCommands::Run() {
  if (*keygen_) {
    auto keys = GenerateCurveKeys();
    if (!keys.ok()) return Fail(keys.status());
    if (Status s = WriteKeyFiles(out_, *keys); !s.ok()) return Fail(s);
    fmt::print("{}.key (secret, mode 0600) and {}.pub written\n", out_, out_);
    return 0;
  }
  StoreRuntime opened;
  if (Status s = OpenStore(opened, *node_id_ ? data_ : hub_data_, false); !s.ok()) return Fail(s);
  if (*node_id_) {
    fmt::print("{}\n", opened.store->node_id().ToString());
    return 0;
  }
  if (*enroll_) {
    auto node_parsed = Id::Parse(node_);
    if (!node_parsed.ok()) {
      return Fail(Status::InvalidArgument("node-id", node_parsed.status().message()));
    }
    auto public_key = ReadPublicKey(key_file_);
    if (!public_key.ok()) return Fail(public_key.status());
    Status s = EnrollOffice(
        *opened.writer, *opened.hlc,
        OfficeEnrollment{office_, name_, *node_parsed, *public_key, parent_, currency_});
    if (!s.ok()) return Fail(s);
    fmt::print("office {} enrolled (node {})\n", office_, node_);
    return 0;
  }
  Status s = RevokeOffice(*opened.writer, *opened.hlc, office_);
  if (!s.ok()) return Fail(s);
  fmt::print("office {} revoked\n", office_);
  return 0;
}

}  // namespace crm::admin

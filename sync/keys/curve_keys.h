// CURVE key pairs and their files, the ZeroMQ side of a link's identity:
// shared by the replication transport (sync/transport.h) and the front desk's
// clients (pos), which need a node's public key but nothing of replication.
#pragma once

#include <filesystem>
#include <string>

#include "sync/base/status.h"

namespace crm {

// A CURVE key pair, both halves as 40 Z85 characters.
struct CurveKeys {
  std::string public_key;
  std::string secret_key;
};

Result<CurveKeys> GenerateCurveKeys();
// Writes PREFIX.key (both halves, mode 0600) and PREFIX.pub (the public half).
// kAlreadyExists rather than overwrite a key.
Status WriteKeyFiles(const std::filesystem::path& prefix, const CurveKeys& keys);
// Reads a .key file; kPermissionDenied if others may read it.
Result<CurveKeys> ReadKeyFile(const std::filesystem::path& path);
// Reads a .pub file (or a .key file's public half).
Result<std::string> ReadPublicKey(const std::filesystem::path& path);

}  // namespace crm

#include "sync/keys/curve_keys.h"

#include <sys/stat.h>
#include <zmq.h>

#include <fstream>

namespace crm {
namespace {

bool IsZ85Key(const std::string& key) {
  if (key.size() != 40) return false;
  uint8_t bytes[32];
  return zmq_z85_decode(bytes, key.c_str()) != nullptr;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<CurveKeys> GenerateCurveKeys() {
  if (!zmq_has("curve")) return Status::Unavailable("this libzmq was built without CURVE");
  char public_key[41];
  char secret_key[41];
  if (zmq_curve_keypair(public_key, secret_key) != 0) {
    return Status::Internal("zmq_curve_keypair failed");
  }
  return CurveKeys{public_key, secret_key};
}

Status WriteKeyFiles(const std::filesystem::path& prefix, const CurveKeys& keys) {
  std::filesystem::path key_file = prefix.string() + ".key";
  std::filesystem::path pub_file = prefix.string() + ".pub";
  if (std::filesystem::exists(key_file) || std::filesystem::exists(pub_file)) {
    return Status::AlreadyExists(key_file.string() + " exists; keys are never overwritten");
  }
  mode_t old_mask = ::umask(077);
  {
    std::ofstream out(key_file);
    out << "public=" << keys.public_key << "\nsecret=" << keys.secret_key << "\n";
    if (!out) {
      ::umask(old_mask);
      return Status::IOError("cannot write " + key_file.string());
    }
  }
  ::umask(old_mask);
  ::chmod(key_file.c_str(), 0600);
  std::ofstream pub(pub_file);
  pub << keys.public_key << "\n";
  if (!pub) return Status::IOError("cannot write " + pub_file.string());
  return Status::Ok();
}

Result<CurveKeys> ReadKeyFile(const std::filesystem::path& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return Status::NotFound("no key file " + path.string());
  if ((info.st_mode & 077) != 0) {
    return Status::PermissionDenied(path.string() +
                                    " may be read by others; chmod 600 it (or make a new key)");
  }
  std::ifstream in(path);
  CurveKeys keys;
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.rfind("public=", 0) == 0) keys.public_key = line.substr(7);
    if (line.rfind("secret=", 0) == 0) keys.secret_key = line.substr(7);
  }
  if (!IsZ85Key(keys.public_key) || !IsZ85Key(keys.secret_key)) {
    return Status::InvalidArgument("key", path.string() + " is not a key file made by crm-admin keygen");
  }
  return keys;
}

Result<std::string> ReadPublicKey(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("no key file " + path.string());
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.rfind("public=", 0) == 0) line = line.substr(7);
    if (IsZ85Key(line)) return line;
  }
  return Status::InvalidArgument("key", path.string() + " holds no public key");
}

}  // namespace crm

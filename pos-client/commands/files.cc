// pos attach and file: files kept with a client, in and out.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "pos-client/pos.h"
#include "sync/base/wire.h"

namespace crm::pos {
namespace {

struct AttachOptions {
  std::string client;
  std::string file;
  std::string type;
};

struct FileOptions {
  std::string sha256;
  std::string out;
};

}  // namespace

void Pos::AddFileCommands(CLI::App& app) {
  auto attach_options = std::make_shared<AttachOptions>();
  auto* attach = app.add_subcommand("attach", "attach a file to a client");
  attach->add_option("client", attach_options->client, "client id")->required();
  attach->add_option("file", attach_options->file, "path of the file")->required();
  attach->add_option("--type", attach_options->type,
                     "media type (default application/octet-stream)");
  attach->callback([this, attach_options] {
    const AttachOptions& o = *attach_options;
    auto id = ParseId(o.client, "client");
    if (!id) return;
    std::ifstream in(o.file, std::ios::binary);
    if (!in) {
      Fail(Status::NotFound("cannot read " + o.file));
      return;
    }
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string name = std::filesystem::path(o.file).filename().string();
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initAttachFile();
          IdToWire(*id, args.initClient());
          args.setName(name);
          args.setMediaType(o.type);
          args.setContent(
              kj::arrayPtr(reinterpret_cast<const kj::byte*>(content.data()), content.size()));
        },
        true);
    if (reply && !settings_.json) {
      Print(fmt::format("Attached {} ({} bytes)\n", name, content.size()));
    }
  });

  auto file_options = std::make_shared<FileOptions>();
  auto* file = app.add_subcommand("file", "download an attached file by its SHA-256");
  file->add_option("sha256", file_options->sha256, "the file's SHA-256 (from the card)")
      ->required();
  file->add_option("--out", file_options->out, "where to write it")->required();
  file->callback([this, file_options] {
    const FileOptions& o = *file_options;
    auto reply = Send([&](schema::Request::Builder r) { r.setGetFile(o.sha256); }, false);
    if (!reply) return;
    auto content = reply->Root<schema::Response>().getFile().getContent();
    std::ofstream out(o.out, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(content.begin()),
              static_cast<std::streamsize>(content.size()));
    if (!out) {
      Fail(Status::IOError("cannot write " + o.out));
      return;
    }
    if (!settings_.json) Print(fmt::format("Wrote {} bytes to {}\n", content.size(), o.out));
  });
}

}  // namespace crm::pos

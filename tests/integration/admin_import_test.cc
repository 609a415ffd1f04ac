// crm-admin import clients and export clients through the real binary: exit
// codes, the summary and the rejected-lines file a user sees.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using testing::RunResult;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("crm-admin import clients prints its summary and export clients writes them back",
          "[integration][import]") {
  testing::TempDir dir;
  const std::string data = (dir.path() / "data").string();
  const std::string csv = (dir.path() / "clients.csv").string();
  const std::string rejects = (dir.path() / "rejects.csv").string();
  {
    std::ofstream out(csv);
    out << "ClientNumber,FirstName,Phones,Emails,Notes\n"
           "1,Ann,020 7946 0958,Ann@Example.com,x\n"
           "2,Bob,12,,\n"
           "3,Cy,,cy@example.com,\n";
  }
  auto admin = [&](std::vector<std::string> args) {
    args.insert(args.begin(), CRM_ADMIN);
    return testing::Run(args, "", {}, dir.path());
  };

  RunResult first =
      admin({"import", "clients", "--data", data, "--file", csv, "--rejects", rejects});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);  // rejected lines are reported, the rest is in
  CHECK(first.out.find("3 lines read, 2 imported, 1 rejected\n") != std::string::npos);
  CHECK(first.out.find("clients  2 written, 0 updated, 0 unchanged\n") != std::string::npos);
  CHECK(first.out.find("columns not read: Notes\n") != std::string::npos);
  CHECK(ReadFile(rejects) ==
        "line,reason\n3,Phones '12': '12' is not a valid phone number (read with region GB)\n");

  RunResult again = admin({"import", "clients", "--data", data, "--file", csv});
  INFO(again.out << again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(again.out.find("clients  0 written, 0 updated, 2 unchanged\n") != std::string::npos);
  CHECK(again.out.find("  line 3: Phones '12'") != std::string::npos);  // no --rejects: printed

  const std::string exported = (dir.path() / "export.csv").string();
  RunResult out = admin({"export", "clients", "--data", data, "--out", exported});
  INFO(out.out << out.err);
  REQUIRE(out.exit_code == 0);
  CHECK(out.out == "2 clients written to " + exported + "\n");
  std::string text = ReadFile(exported);
  CHECK(text.find("\n1,person,Ann,,,,+442079460958,ann@example.com,") != std::string::npos);

  RunResult bad_region =
      admin({"import", "clients", "--data", data, "--file", csv, "--region", "XX"});
  CHECK(bad_region.exit_code == 2);
  CHECK(bad_region.err.find("'XX' is not a region code") != std::string::npos);
  RunResult bad_map =
      admin({"import", "clients", "--data", data, "--file", csv, "--map", "number=Card"});
  CHECK(bad_map.exit_code == 2);
  CHECK(bad_map.err.find("no column 'Card' for the number") != std::string::npos);
  RunResult no_file = admin({"import", "clients", "--data", data, "--file", csv + ".missing"});
  CHECK(no_file.exit_code == 1);
}

TEST_CASE("crm-admin export --out - writes to standard output and import --file - reads standard input",
          "[integration][import]") {
  testing::TempDir dir;
  const std::string data = (dir.path() / "data").string();
  auto admin = [&](std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), CRM_ADMIN);
    return testing::Run(args, input, {}, dir.path());
  };
  RunResult clients = admin({"import", "clients", "--data", data, "--file", "-"},
                            "ClientNumber,FirstName,Attribute:car brand\n1,Ann,Volvo\n");
  INFO(clients.out << clients.err);
  REQUIRE(clients.exit_code == 0);
  CHECK(clients.out.find("clients  1 written") != std::string::npos);
  RunResult notes = admin({"import", "notes", "--data", data, "--file", "-"},
                          "ClientNumber,Time,Author,Text\n"
                          "1,2026-10-05T10:00:00Z,kate,\"rings back, mornings\"\n"
                          "2,2026-10-05T10:00:00Z,kate,nobody\n");
  INFO(notes.out << notes.err);
  REQUIRE(notes.exit_code == 0);
  CHECK(notes.out.find("2 lines read, 1 imported, 1 rejected\n") != std::string::npos);
  CHECK(notes.out.find("users made (inactive, no password: an administrator sets them up): kate@WEB\n") !=
        std::string::npos);
  CHECK(notes.out.find("  line 3: ClientNumber '2': no client has this number") != std::string::npos);

  for (const char* out : {"-", ""}) {
    std::vector<std::string> args = {"export", "notes", "--data", data};
    if (*out) args.insert(args.end(), {"--out", out});
    RunResult exported = admin(args);
    INFO(exported.out << exported.err);
    REQUIRE(exported.exit_code == 0);
    CHECK(exported.out.rfind("Id,ClientNumber,ClientId,Office,Time,Author,Text\n", 0) == 0);
    CHECK(exported.out.find(",1,") != std::string::npos);
    CHECK(exported.out.find(",WEB,2026-10-05T10:00:00Z,kate,\"rings back, mornings\"\n") !=
          std::string::npos);
    // Read back from standard input: nothing new.
    RunResult again = admin({"import", "notes", "--data", data, "--file", "-"}, exported.out);
    INFO(again.out << again.err);
    CHECK(again.out.find("notes 0 written, 0 updated, 1 unchanged\n") != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(dir.path() / "-"));
  RunResult clients_out = admin({"export", "clients", "--data", data, "--out", "-"});
  CHECK(clients_out.out.find(",Attribute:car brand\n") != std::string::npos);
  CHECK(clients_out.out.find(",Volvo\n") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "-"));
}

}  // namespace
}  // namespace crm

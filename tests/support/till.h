// A till at one office of a test Network, with a session file of its own:
// another person at the same office's node (the Network's own pos session is
// the office's admin).
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tests/support/network.h"

namespace crm::testing {

class Till {
 public:
  Till(Network& net, const std::string& office, const std::string& who)
      : net_(net),
        env_({"POS_NODE=" + WaitForLine(net.Path(office + ".endpoint")),
              "POS_SESSION_FILE=" + net.Path(who + ".session").string(), "POS_TIMEOUT_MS=10000",
              "TZ=UTC"}) {}

  // Runs pos with `args` (and `input` on its standard input).
  RunResult Try(const std::vector<std::string>& args, const std::string& input = "") {
    std::vector<std::string> argv = {CRM_POS};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, input, env_, net_.Path(""));
  }
  // pos --json with `args`, which must succeed; its output parsed.
  nlohmann::json Json(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    RunResult r = Try(args);
    INFO("pos " << args[1] << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
  }

 private:
  Network& net_;
  std::vector<std::string> env_;
};

}  // namespace crm::testing

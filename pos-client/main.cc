// pos: the front-desk client. See `pos --help`.
#include <cstdlib>
#include <string>
#include <vector>

#include "pos-client/pos.h"

int main(int argc, char** argv) {
  crm::pos::Settings settings;
  if (const char* node = std::getenv("POS_NODE")) settings.node = node;
  if (const char* key = std::getenv("POS_NODE_KEY")) settings.node_key_file = key;
  if (const char* file = std::getenv("POS_SESSION_FILE")) settings.session_file = file;
  if (const char* timeout = std::getenv("POS_TIMEOUT_MS")) settings.timeout_ms = std::atoi(timeout);
  std::vector<std::string> args(argv + 1, argv + argc);
  crm::pos::Pos pos(settings);
  return pos.Run(args);
}

// Runs programs for multi-process tests: a command with its output captured,
// and a background server that is stopped (and reaped) when the test ends.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace crm::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string ShellQuote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

// Runs `args` (args[0] is the program) with `input` on stdin and `env`
// ("NAME=value" entries) added to the environment.
inline RunResult Run(const std::vector<std::string>& args, const std::string& input,
                     const std::vector<std::string>& env, const std::filesystem::path& scratch) {
  std::filesystem::path in_file = scratch / "stdin.txt";
  std::filesystem::path err_file = scratch / "stderr.txt";
  {
    std::ofstream in(in_file, std::ios::trunc);
    in << input;
  }
  std::string command;
  for (const std::string& e : env) command += e.substr(0, e.find('=') + 1) + ShellQuote(e.substr(e.find('=') + 1)) + " ";
  for (const std::string& arg : args) command += ShellQuote(arg) + " ";
  command += "<" + ShellQuote(in_file.string()) + " 2>" + ShellQuote(err_file.string());
  RunResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  char buffer[4096];
  size_t got;
  while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.out.append(buffer, got);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  std::stringstream err_text;
  err_text << err.rdbuf();
  result.err = err_text.str();
  return result;
}

// A child process; SIGTERM then SIGKILL when destroyed.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::filesystem::path& log) {
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      FILE* out = std::fopen(log.c_str(), "a");
      if (out != nullptr) {
        dup2(fileno(out), STDOUT_FILENO);
        dup2(fileno(out), STDERR_FILENO);
      }
      std::vector<char*> argv;
      for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Child() { Stop(SIGTERM); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The process id; 0 once it was stopped.
  pid_t pid() const { return pid_; }

  // Sends `signal` and waits up to 10 s for the exit (then SIGKILL). Returns
  // the exit code, or -signal if it died of a signal.
  int Stop(int signal) {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, signal);
    int status = 0;
    for (int i = 0; i < 1000; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = 0;
    return exit_code_ = -SIGKILL;
  }

 private:
  pid_t pid_ = 0;
  int exit_code_ = -1;
};

// Waits up to 10 s for `path` to exist and returns its first line.
inline std::string WaitForLine(const std::filesystem::path& path) {
  for (int i = 0; i < 1000; ++i) {
    std::ifstream in(path);
    std::string line;
    if (in && std::getline(in, line) && !line.empty()) return line;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("timed out waiting for " + path.string());
}

}  // namespace crm::testing

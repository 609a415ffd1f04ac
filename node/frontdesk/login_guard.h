// Throttling of password guessing at the front desk. Failed attempts, counted
// per login and per address, make each next attempt wait longer (1 s, 2 s,
// 4 s ... up to 15 minutes); an attempt made before its wait is over is
// refused at once, without checking the password, so a flood of them costs
// a hash for none and holds up nobody. A login that fails `lock_after` times
// in a row is locked until an admin lifts the lock; the lock itself is kept
// in the store by the front desk, so it survives a restart.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sync/base/clock.h"
#include "sync/base/mutex.h"
#include "sync/base/status.h"

namespace crm {

struct LoginGuardOptions {
  int free_failures = 3;               // per login: failures before any wait
  int free_address_failures = 10;      // per address, over every login
  int64_t first_wait_ms = 1000;        // then doubled at each further failure
  int64_t max_wait_ms = 15 * 60'000;
  int lock_after = 10;                 // failures of one login in a row that lock it
  int64_t forget_after_ms = 60 * 60'000;  // failures this old no longer count
  size_t max_tracked = 100'000;        // logins and addresses remembered at most
};

class LoginGuard {
 public:
  LoginGuard(Clock& wall, LoginGuardOptions options);

  // What Check says about an attempt.
  struct Verdict {
    Status status;       // OK: check the password; else why not, with the wait
    bool first = false;  // the first attempt refused since the last failure (audit it)
    uint64_t refused_since = 0;  // attempts refused since the last audited one
  };
  // Whether an attempt for `login` (any case) from `address` may be checked
  // now. Cheap. Thread-safe.
  Verdict Check(std::string_view login, std::string_view address);

  // The attempt failed (a wrong password or no such login). Returns the
  // login's failures in a row, so the caller locks it at `lock_after`.
  int Failed(std::string_view login, std::string_view address);
  // The attempt succeeded: the login's count starts again.
  void Succeeded(std::string_view login);
  // An admin lifted the login's lock: its count starts again.
  void Forget(std::string_view login);

  const LoginGuardOptions& options() const { return options_; }

 private:
  struct Failures {
    int count = 0;
    int64_t last_ms = 0;
    uint64_t refused = 0;  // attempts refused since the last failure
  };
  // The wait after `count` failures with `free` free ones: 0 if none.
  int64_t WaitAfter(int count, int free) const;
  // Drops entries older than forget_after_ms once the maps grow past
  // max_tracked.
  void Trim(int64_t now) REQUIRES(mutex_);

  Clock& wall_;
  const LoginGuardOptions options_;
  Mutex mutex_;
  std::unordered_map<std::string, Failures> logins_ GUARDED_BY(mutex_);
  std::unordered_map<std::string, Failures> addresses_ GUARDED_BY(mutex_);
};

// The key a login is counted and locked under (ASCII letters folded, as
// logins are found in any case).
std::string LoginKey(std::string_view login);

}  // namespace crm

#include "node/frontdesk/login_guard.h"

#include <algorithm>
#include <cctype>

namespace crm {

std::string LoginKey(std::string_view login) {
  std::string key(login.substr(0, 64));
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

LoginGuard::LoginGuard(Clock& wall, LoginGuardOptions options)
    : wall_(wall), options_(options) {}

int64_t LoginGuard::WaitAfter(int count, int free) const {
  if (count < free) return 0;
  int64_t wait = options_.first_wait_ms;
  for (int i = free; i < count && wait < options_.max_wait_ms; ++i) wait *= 2;
  return std::min(wait, options_.max_wait_ms);
}

void LoginGuard::Trim(int64_t now) {
  for (auto* map : {&logins_, &addresses_}) {
    if (map->size() <= options_.max_tracked) continue;
    std::erase_if(*map, [&](const auto& entry) {
      return now - entry.second.last_ms > options_.forget_after_ms;
    });
    // Still too many (a flood of new names): keep only those that wait.
    if (map->size() > options_.max_tracked) {
      int free = map == &logins_ ? options_.free_failures : options_.free_address_failures;
      std::erase_if(*map, [&](const auto& entry) { return entry.second.count < free; });
    }
  }
}

LoginGuard::Verdict LoginGuard::Check(std::string_view login, std::string_view address) {
  const int64_t now = wall_.NowMillis();
  MutexLock lock(&mutex_);
  Verdict verdict;
  int64_t wait_left = 0;
  Failures* waiting = nullptr;
  std::string who;
  auto consider = [&](std::unordered_map<std::string, Failures>& map, const std::string& key,
                      int free, std::string what) {
    auto it = map.find(key);
    if (it == map.end()) return;
    if (now - it->second.last_ms > options_.forget_after_ms) {
      map.erase(it);
      return;
    }
    int64_t left = it->second.last_ms + WaitAfter(it->second.count, free) - now;
    if (left > wait_left) {
      wait_left = left;
      waiting = &it->second;
      who = std::move(what);
    }
  };
  consider(logins_, LoginKey(login), options_.free_failures,
           "for '" + std::string(login.substr(0, 64)) + "'");
  if (!address.empty()) {
    consider(addresses_, std::string(address), options_.free_address_failures,
             "from " + std::string(address));
  }
  if (waiting == nullptr) return verdict;
  verdict.first = waiting->refused == 0;
  verdict.refused_since = waiting->refused;
  ++waiting->refused;
  const int64_t seconds = (wait_left + 999) / 1000;
  verdict.status = Status::PermissionDenied(
      "too many failed logins " + who + " (" + std::to_string(waiting->count) + "); try again in " +
      std::to_string(seconds) + (seconds == 1 ? " second" : " seconds"));
  return verdict;
}

int LoginGuard::Failed(std::string_view login, std::string_view address) {
  const int64_t now = wall_.NowMillis();
  MutexLock lock(&mutex_);
  auto count = [&](Failures& failures) {
    if (now - failures.last_ms > options_.forget_after_ms) failures.count = 0;
    ++failures.count;
    failures.last_ms = now;
    failures.refused = 0;
    return failures.count;
  };
  int in_a_row = count(logins_[LoginKey(login)]);
  if (!address.empty()) count(addresses_[std::string(address)]);
  Trim(now);
  return in_a_row;
}

void LoginGuard::Succeeded(std::string_view login) {
  MutexLock lock(&mutex_);
  logins_.erase(LoginKey(login));
}

void LoginGuard::Forget(std::string_view login) { Succeeded(login); }

}  // namespace crm

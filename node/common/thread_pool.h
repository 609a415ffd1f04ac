// A fixed set of threads running jobs in the order they were queued: for work
// slow on purpose (a login's password hash) that must not hold up the thread
// that takes requests.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "sync/base/mutex.h"

namespace crm {

class ThreadPool {
 public:
  // A job; it must not throw.
  using Job = std::function<void()>;

  // Starts `threads` threads (at least one), each named `name`.
  ThreadPool(int threads, std::string name);
  // Runs every job still queued, then joins the threads.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `job` for the next free thread. Thread-safe.
  void Submit(Job job);

  // Jobs queued and not yet taken by a thread. Thread-safe.
  size_t Queued();

 private:
  void Loop();

  Mutex mutex_;
  CondVar wake_;
  std::deque<Job> jobs_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  const std::string name_;
  std::vector<std::thread> threads_;  // last: started once the rest exists
};

}  // namespace crm

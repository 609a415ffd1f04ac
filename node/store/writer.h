// Group commit: the single writer thread of a store. Concurrent callers submit
// write work; the writer runs everything waiting in one durable LMDB
// transaction, each piece in its own nested transaction, so one failing
// request never spoils the others, and one disk flush serves them all.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include "node/store/store.h"
#include "sync/base/mutex.h"
#include "sync/base/status.h"

namespace crm {

struct WriterOptions {
  // The most requests one transaction carries.
  size_t max_batch = 512;
};

struct WriterStats {
  uint64_t requests = 0;
  uint64_t commits = 0;
  uint64_t map_grows = 0;
  int64_t work_micros = 0;    // running requests inside transactions
  int64_t commit_micros = 0;  // committing them (writing and flushing to disk)
  uint64_t pages_wiped = 0;   // free pages overwritten after erasures
  uint64_t wipe_failures = 0; // wipes that failed (tried again after the next batch)
};

class Writer {
 public:
  // Work done inside the write transaction. It may run more than once (after
  // the map grows, the whole batch is retried), so it must not have effects
  // outside the transaction other than overwriting its own outputs. It must
  // not commit the transaction it is given, nor wait on this Writer.
  using Work = std::function<Status(StoreTxn&)>;

  explicit Writer(Store& store, WriterOptions options = {});
  // Finishes what was submitted, then stops the thread.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Told the final outcome of a piece of work (see Submit).
  using Done = std::function<void(Status)>;

  // Queues `work`. The future becomes ready once the outcome is final: OK only
  // after everything `work` wrote is durable; otherwise the error of `work`
  // (nothing it wrote is kept) or of the commit. Thread-safe.
  std::future<Status> Submit(Work work);
  // The same, but `done` is called with the outcome instead: on the writer's
  // thread once it is final, or at once on the caller's thread if the writer
  // is stopping. `done` must be quick and must not throw or wait on this
  // Writer (the whole batch waits for it).
  void Submit(Work work, Done done);

  // Submit and wait.
  Status Run(Work work) { return Submit(std::move(work)).get(); }

  WriterStats stats() const;

  // Calls `listener` on the writer's thread after every commit that stored
  // at least one request (the uplink's Wake: changes made here go up at
  // once). Replaces the one before; an empty function stops it, and once
  // NotifyCommits returns the one before is not running and never runs
  // again (so what it points to may go). The listener must be quick and must
  // not wait on this Writer nor call NotifyCommits. Thread-safe.
  void NotifyCommits(std::function<void()> listener);

 private:
  struct Request {
    Work work;
    Done done;
  };

  void Loop();
  // Runs one batch to its final outcome; returns one Status per request.
  std::vector<Status> RunBatch(std::vector<Request>& batch);

  Store& store_;
  const WriterOptions options_;
  mutable Mutex mutex_;
  CondVar wake_;
  std::deque<Request> queue_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  WriterStats stats_ GUARDED_BY(mutex_);
  // Apart from mutex_: the listener runs under it, outside the batch's lock.
  Mutex listener_mutex_;
  std::function<void()> on_commit_ GUARDED_BY(listener_mutex_);
  std::thread thread_;
};

}  // namespace crm

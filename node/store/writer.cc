#include "node/store/writer.h"

#include <kj/exception.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>

#include "sync/base/thread_name.h"

namespace crm {
namespace {

// Runs one request's work in a nested transaction; commits it into the parent
// on success, drops it on failure.
Status RunNested(StoreTxn& parent, const Writer::Work& work) {
  CRM_ASSIGN_OR_RETURN(StoreTxn child, parent.BeginChild());
  Status status;
  try {
    status = work(child);
  } catch (const kj::Exception& e) {
    status = Status::Internal(std::string("write failed: ") + e.getDescription().cStr());
  } catch (const std::exception& e) {
    status = Status::Internal(std::string("write failed: ") + e.what());
  } catch (...) {
    status = Status::Internal("write failed with an unknown exception");
  }
  if (!status.ok()) return status;  // the child aborts as it goes out of scope
  return child.Commit();
}

int64_t Micros(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

}  // namespace

Writer::Writer(Store& store, WriterOptions options)
    : store_(store), options_(options), thread_([this] {
        NameThisThread("crm-writer");
        Loop();
      }) {
  if (options_.max_batch == 0) throw std::invalid_argument("WriterOptions::max_batch must be > 0");
}

Writer::~Writer() {
  {
    MutexLock lock(&mutex_);
    stopping_ = true;
  }
  wake_.NotifyAll();
  thread_.join();
}

std::future<Status> Writer::Submit(Work work) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> outcome = promise->get_future();
  Submit(std::move(work), [promise](Status status) { promise->set_value(std::move(status)); });
  return outcome;
}

void Writer::Submit(Work work, Done done) {
  {
    MutexLock lock(&mutex_);
    if (!stopping_) {
      queue_.push_back(Request{std::move(work), std::move(done)});
      done = nullptr;
    }
  }
  if (done) {
    done(Status::Unavailable("the store is shutting down"));
    return;
  }
  wake_.NotifyOne();
}

WriterStats Writer::stats() const {
  MutexLock lock(&mutex_);
  return stats_;
}

void Writer::NotifyCommits(std::function<void()> listener) {
  MutexLock lock(&listener_mutex_);
  on_commit_ = std::move(listener);
}

void Writer::Loop() {
  std::vector<Request> batch;
  for (;;) {
    {
      MutexLock lock(&mutex_);
      while (!stopping_ && queue_.empty()) wake_.Wait(&mutex_);
      if (queue_.empty()) return;  // stopping, and everything is done
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<Status> outcomes = RunBatch(batch);
    const bool stored = std::any_of(outcomes.begin(), outcomes.end(),
                                    [](const Status& outcome) { return outcome.ok(); });
    for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(outcomes[i]));
    batch.clear();
    if (stored) {
      MutexLock lock(&listener_mutex_);
      if (on_commit_) on_commit_();
    }
    // A batch took personal data away (an erase): overwrite the pages LMDB
    // freed, which still hold it. Asked again next time if it fails.
    if (store_.TakeWipeRequest()) {
      auto wiped = store_.WipeFreePages();
      MutexLock lock(&mutex_);
      if (wiped.ok()) {
        stats_.pages_wiped += *wiped;
      } else {
        ++stats_.wipe_failures;
        store_.RequestWipe();
      }
    }
  }
}

std::vector<Status> Writer::RunBatch(std::vector<Request>& batch) {
  std::vector<Status> outcomes(batch.size());
  for (;;) {
    bool map_full = false;
    Status commit;
    {
      auto started = std::chrono::steady_clock::now();
      auto txn = store_.BeginWrite();
      if (!txn.ok()) return std::vector<Status>(batch.size(), txn.status());
      for (size_t i = 0; i < batch.size() && !map_full; ++i) {
        outcomes[i] = RunNested(*txn, batch[i].work);
        map_full = txn->map_full();
      }
      auto worked = std::chrono::steady_clock::now();
      if (!map_full) {
        commit = txn->Commit();
        map_full = txn->map_full();
      }
      auto committed = std::chrono::steady_clock::now();
      MutexLock lock(&mutex_);
      stats_.work_micros += Micros(worked - started);
      stats_.commit_micros += Micros(committed - worked);
    }  // an uncommitted transaction aborts here, before the map may grow
    if (map_full) {
      Status grown = store_.GrowMap();
      if (!grown.ok()) return std::vector<Status>(batch.size(), grown);
      MutexLock lock(&mutex_);
      ++stats_.map_grows;
      continue;  // retry the whole batch in the bigger map
    }
    {
      MutexLock lock(&mutex_);
      stats_.requests += batch.size();
      ++stats_.commits;
    }
    if (!commit.ok()) {
      // Nothing of the batch is stored: every request that had succeeded fails now.
      for (Status& outcome : outcomes) {
        if (outcome.ok()) outcome = commit;
      }
    }
    return outcomes;
  }
}

}  // namespace crm

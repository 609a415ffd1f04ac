#include "node/common/thread_pool.h"

#include <algorithm>
#include <utility>

#include "sync/base/thread_name.h"

namespace crm {

ThreadPool::ThreadPool(int threads, std::string name) : name_(std::move(name)) {
  for (int i = 0; i < std::max(threads, 1); ++i) threads_.emplace_back([this] { Loop(); });
}

ThreadPool::~ThreadPool() {
  {
    MutexLock lock(&mutex_);
    stopping_ = true;
  }
  wake_.NotifyAll();
  for (std::thread& thread : threads_) thread.join();
}

void ThreadPool::Submit(Job job) {
  {
    MutexLock lock(&mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.NotifyOne();
}

size_t ThreadPool::Queued() {
  MutexLock lock(&mutex_);
  return jobs_.size();
}

void ThreadPool::Loop() {
  NameThisThread(name_);
  for (;;) {
    Job job;
    {
      MutexLock lock(&mutex_);
      while (!stopping_ && jobs_.empty()) wake_.Wait(&mutex_);
      if (jobs_.empty()) return;  // stopping, and nothing left to run
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace crm

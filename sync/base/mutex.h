// Locks whose discipline the compiler checks. clang's thread-safety analysis
// (-Wthread-safety, on in every clang build, see the top CMakeLists.txt)
// proves that a member declared GUARDED_BY(mu_) is read and written only with
// mu_ held, and that a function declared REQUIRES(mu_) is called only so.
// The attributes are clang's (as in abseil's absl/base/thread_annotations.h
// and LevelDB's port/thread_annotations.h); other compilers see nothing.
//
//   class Queue {
//    public:
//     void Push(int job) {
//       MutexLock lock(&mutex_);
//       jobs_.push_back(job);
//     }
//    private:
//     void DropOldest() REQUIRES(mutex_);
//     Mutex mutex_;
//     std::deque<int> jobs_ GUARDED_BY(mutex_);
//   };
#pragma once

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define CRM_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CRM_THREAD_ANNOTATION(x)
#endif

// On a class: its objects are capabilities (mutexes), called `x` in warnings.
#define CAPABILITY(x) CRM_THREAD_ANNOTATION(capability(x))
// On a class: an object that holds a capability from construction to destruction.
#define SCOPED_CAPABILITY CRM_THREAD_ANNOTATION(scoped_lockable)
// On a data member: read and written only with `x` held.
#define GUARDED_BY(x) CRM_THREAD_ANNOTATION(guarded_by(x))
// On a pointer member: what it points to is read and written only with `x` held.
#define PT_GUARDED_BY(x) CRM_THREAD_ANNOTATION(pt_guarded_by(x))
// On a mutex member: the order in which mutexes are taken.
#define ACQUIRED_BEFORE(...) CRM_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) CRM_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
// On a function: the caller holds these (exclusively, or at least shared).
#define REQUIRES(...) CRM_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) CRM_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
// On a function: it takes these and returns holding them, or releases them.
#define ACQUIRE(...) CRM_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) CRM_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) CRM_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) CRM_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) CRM_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
// On a function: the caller must not hold these (the function takes them).
#define EXCLUDES(...) CRM_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// On a function: after it returns, the analysis takes `x` as held.
#define ASSERT_CAPABILITY(x) CRM_THREAD_ANNOTATION(assert_capability(x))
// On a function: it returns (a reference to) the capability `x`.
#define RETURN_CAPABILITY(x) CRM_THREAD_ANNOTATION(lock_returned(x))
// On a function: not analysed. Only with a comment saying why the analysis
// cannot follow it.
#define NO_THREAD_SAFETY_ANALYSIS CRM_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace crm {

class CondVar;

// A std::mutex the analysis knows. Not recursive. Usually held through a
// MutexLock.
class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mutex_.lock(); }
  void Unlock() RELEASE() { mutex_.unlock(); }

  // Tells the analysis that the calling thread holds this mutex where it
  // cannot see so itself. Checks nothing at run time (as LevelDB's
  // port::Mutex::AssertHeld).
  void AssertHeld() const ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mutex_;
};

// Holds a Mutex for the rest of the scope (as absl::MutexLock).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_->Lock(); }
  ~MutexLock() RELEASE() { mutex_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mutex_;
};

// A MutexLock that may let go before the end of its scope (as
// absl::ReleasableMutexLock).
class SCOPED_CAPABILITY ReleasableMutexLock {
 public:
  explicit ReleasableMutexLock(Mutex* mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_->Lock(); }
  ~ReleasableMutexLock() RELEASE() {
    if (mutex_ != nullptr) mutex_->Unlock();
  }
  ReleasableMutexLock(const ReleasableMutexLock&) = delete;
  ReleasableMutexLock& operator=(const ReleasableMutexLock&) = delete;

  // Unlocks now. REQUIRES: not released yet.
  void Release() RELEASE() {
    mutex_->Unlock();
    mutex_ = nullptr;
  }

 private:
  Mutex* mutex_;
};

// A std::condition_variable waited on with a Mutex held. Wait in a loop on
// the condition, which the analysis then checks is read under the mutex:
//   while (jobs_.empty()) wake_.Wait(&mutex_);
class CondVar {
 public:
  // Releases `mutex`, sleeps until notified (or woken spuriously), and takes
  // `mutex` again before it returns.
  void Wait(Mutex* mutex) REQUIRES(mutex) {
    std::unique_lock<std::mutex> lock(mutex->mutex_, std::adopt_lock);
    changed_.wait(lock);
    lock.release();  // the caller's MutexLock still holds it
  }

  void NotifyOne() { changed_.notify_one(); }
  void NotifyAll() { changed_.notify_all(); }

 private:
  std::condition_variable changed_;
};

}  // namespace crm

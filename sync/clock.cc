#include "sync/clock.h"

#include <chrono>

namespace crm {

int64_t SystemClock::NowMillis() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace crm

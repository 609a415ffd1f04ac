// Names the calling thread (as top, perf and gdb show it). Linux keeps at
// most 15 characters; longer names are cut.
#pragma once

#include <pthread.h>

#include <string>
#include <string_view>

namespace crm {

inline void NameThisThread(std::string_view name) {
  std::string cut(name.substr(0, 15));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace crm

// What the fuzz targets share: a node (store, writer, clock) in a temporary
// directory that lives as long as the fuzzing process. Not flushed to disk:
// what is fuzzed is the decoding and the logic behind it.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "node/store/replica.h"
#include "node/store/runtime.h"

namespace crm::fuzz {

struct FuzzNode {
  std::filesystem::path dir;
  StoreRuntime runtime;
  std::unique_ptr<StoreReplica> replica;

  explicit FuzzNode(const std::string& name) {
    std::string pattern = (std::filesystem::temp_directory_path() / ("crm-fuzz-" + name + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = pattern;
    StoreOptions options;
    options.dir = dir;
    options.durable = false;
    if (!runtime.Open(options).ok()) throw std::runtime_error("cannot open the fuzz store");
    replica = std::make_unique<StoreReplica>(*runtime.store, *runtime.writer, *runtime.hlc);
  }
  ~FuzzNode() {
    replica.reset();
    runtime.writer.reset();
    runtime.store.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

}  // namespace crm::fuzz

// The JSON form of the CRM's Cap'n Proto messages as they are shown outside
// (`pos --json`, the browser API of docs/web.md): Cap'n Proto's JSON codec,
// with ids as their 26-character text and dates as "YYYY-MM-DD". The one
// place that uses capnp's JSON library.
#pragma once

#include <capnp/dynamic.h>

#include <memory>
#include <string>
#include <string_view>

#include "sync/base/status.h"

namespace crm {

class MessageJson {
 public:
  explicit MessageJson(bool pretty = false);
  ~MessageJson();
  MessageJson(const MessageJson&) = delete;
  MessageJson& operator=(const MessageJson&) = delete;

  // The JSON of `message` (any struct reader converts).
  std::string Encode(capnp::DynamicStruct::Reader message) const;

  // Fills `message` from `json`. kInvalidArgument naming the problem if the
  // text is not JSON of that struct (unknown fields, wrong types, bad ids or
  // dates, nesting deeper than 32). Thread-safe.
  Status Decode(std::string_view json, capnp::DynamicStruct::Builder message) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crm

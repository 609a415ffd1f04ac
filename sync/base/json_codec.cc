#include "sync/base/json_codec.h"

#include <capnp/compat/json.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include <cstdio>

#include "schema/common.capnp.h"
#include "sync/base/id.h"
#include "sync/base/wire.h"

namespace crm {
namespace {

// (Cap'n Proto's handler base has a protected non-virtual destructor by
// design.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"

// An id travels as its 26-character text; an absent id is an absent field.
class IdHandler final : public capnp::JsonCodec::Handler<schema::Id> {
 public:
  void encode(const capnp::JsonCodec&, schema::Id::Reader input,
              capnp::JsonValue::Builder output) const override {
    output.setString(IdFromWire(input).ToString());
  }
  void decode(const capnp::JsonCodec&, capnp::JsonValue::Reader input,
              schema::Id::Builder output) const override {
    KJ_REQUIRE(input.isString(), "an id is a 26-character string");
    auto id = Id::Parse(std::string_view(input.getString().cStr(), input.getString().size()));
    KJ_REQUIRE(id.ok(), "not an id", input.getString());
    IdToWire(*id, output);
  }
};

// A date travels as "YYYY-MM-DD"; whether the day exists is the reader's
// business (the front desk checks the calendar).
class DateHandler final : public capnp::JsonCodec::Handler<schema::Date> {
 public:
  void encode(const capnp::JsonCodec&, schema::Date::Reader input,
              capnp::JsonValue::Builder output) const override {
    output.setString(
        fmt::format("{:04}-{:02}-{:02}", input.getYear(), input.getMonth(), input.getDay())
            .c_str());
  }
  void decode(const capnp::JsonCodec&, capnp::JsonValue::Reader input,
              schema::Date::Builder output) const override {
    KJ_REQUIRE(input.isString(), "a date is a \"YYYY-MM-DD\" string");
    int year = 0, month = 0, day = 0;
    char tail = 0;
    KJ_REQUIRE(
        std::sscanf(input.getString().cStr(), "%4d-%2d-%2d%c", &year, &month, &day, &tail) == 3 &&
            month >= 0 && month <= 99 && day >= 0 && day <= 99,
        "a date is written YYYY-MM-DD", input.getString());
    output.setYear(static_cast<int16_t>(year));
    output.setMonth(static_cast<uint8_t>(month));
    output.setDay(static_cast<uint8_t>(day));
  }
};

#pragma GCC diagnostic pop

}  // namespace

struct MessageJson::Impl {
  IdHandler ids;
  DateHandler dates;
  capnp::JsonCodec codec;
};

MessageJson::MessageJson(bool pretty) : impl_(std::make_unique<Impl>()) {
  impl_->codec.addTypeHandler(impl_->ids);
  impl_->codec.addTypeHandler(impl_->dates);
  impl_->codec.setMaxNestingDepth(32);
  impl_->codec.setPrettyPrint(pretty);
}

MessageJson::~MessageJson() = default;

std::string MessageJson::Encode(capnp::DynamicStruct::Reader message) const {
  kj::String text = impl_->codec.encode(message);
  return std::string(text.cStr(), text.size());
}

Status MessageJson::Decode(std::string_view json, capnp::DynamicStruct::Builder message) const {
  KJ_IF_MAYBE (problem, kj::runCatchingExceptions([&] {
                 impl_->codec.decode(kj::ArrayPtr<const char>(json.data(), json.size()), message);
               })) {
    return Status::InvalidArgument("json", problem->getDescription().cStr());
  }
  return Status::Ok();
}

}  // namespace crm

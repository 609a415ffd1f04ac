// The table of front-desk operations (node/frontdesk/operations.h): every
// operation the schema names is defined there once, with a handler for the
// way it runs.
#include <capnp/schema.h>
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "node/frontdesk/operations.h"

namespace crm {
namespace {

TEST_CASE("every operation of the schema is in the table once, with a handler for its route") {
  std::set<std::string> names;
  size_t in_schema = 0;
  for (auto field : capnp::Schema::from<schema::Request>().getUnionFields()) {
    const std::string member = field.getProto().getName().cStr();
    ++in_schema;
    INFO(member);
    const auto which = static_cast<schema::Request::Which>(field.getProto().getDiscriminantValue());
    const Operation* op = FindOperation(which);
    REQUIRE(op != nullptr);
    CHECK(op->which == which);
    CHECK(names.insert(op->name).second);
    switch (op->route) {
      case Route::kInline:
      case Route::kWorker:
        CHECK(op->read != nullptr);
        CHECK(op->write == nullptr);
        break;
      case Route::kWrite:
        CHECK(op->write != nullptr);
        CHECK(op->read == nullptr);
        break;
      case Route::kLogin:
      case Route::kLogout:
        CHECK(op->read == nullptr);
        CHECK(op->write == nullptr);
        break;
    }
    // Only a write can carry a manager's approval.
    if (op->approval != nullptr) CHECK(op->route == Route::kWrite);
  }
  CHECK(Operations().size() == in_schema);
}

TEST_CASE("roles rank cashier, office manager, HQ manager, admin") {
  using R = schema::Role;
  CHECK(RoleAllows(R::ADMIN, R::HQ_MANAGER));
  CHECK(RoleAllows(R::OFFICE_MANAGER, R::OFFICE_MANAGER));
  CHECK_FALSE(RoleAllows(R::CASHIER, R::OFFICE_MANAGER));
  CHECK_FALSE(RoleAllows(R::OFFICE_MANAGER, R::HQ_MANAGER));
  CHECK_FALSE(RoleAllows(static_cast<R>(77), R::CASHIER));
  CHECK(FindOperation(schema::Request::Which::REFUND_SALE)->minimum_role == R::OFFICE_MANAGER);
  CHECK(FindOperation(schema::Request::Which::CREATE_USER)->minimum_role == R::ADMIN);
}

}  // namespace
}  // namespace crm

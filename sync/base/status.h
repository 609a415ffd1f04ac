// Status and Result<T>: how every library of the project reports an expected
// failure (not found, invalid input, conflict, disk full ...). Exceptions are
// reserved for broken invariants.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace crm {

enum class StatusCode {
  kOk,
  kInvalidArgument,    // the caller's input is wrong; field() names it
  kNotFound,
  kAlreadyExists,
  kConflict,           // the input contradicts what is stored
  kCorruption,         // stored or received bytes are not what they should be
  kResourceExhausted,  // disk full, map full, size limit
  kPermissionDenied,
  kUnauthenticated,
  kUnavailable,        // try again later
  kIOError,
  kInternal,
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // An OK status.
  Status() = default;
  Status(StatusCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string field, std::string message) {
    return {StatusCode::kInvalidArgument, std::move(message), std::move(field)};
  }
  static Status NotFound(std::string message) { return {StatusCode::kNotFound, std::move(message)}; }
  static Status AlreadyExists(std::string message) {
    return {StatusCode::kAlreadyExists, std::move(message)};
  }
  static Status Conflict(std::string message) { return {StatusCode::kConflict, std::move(message)}; }
  static Status Corruption(std::string message) {
    return {StatusCode::kCorruption, std::move(message)};
  }
  static Status ResourceExhausted(std::string message) {
    return {StatusCode::kResourceExhausted, std::move(message)};
  }
  static Status PermissionDenied(std::string message) {
    return {StatusCode::kPermissionDenied, std::move(message)};
  }
  static Status Unauthenticated(std::string message) {
    return {StatusCode::kUnauthenticated, std::move(message)};
  }
  static Status Unavailable(std::string message) {
    return {StatusCode::kUnavailable, std::move(message)};
  }
  static Status IOError(std::string message) { return {StatusCode::kIOError, std::move(message)}; }
  static Status Internal(std::string message) { return {StatusCode::kInternal, std::move(message)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The input field to blame, empty when no single field is.
  const std::string& field() const { return field_; }

  // "invalid argument: phone: not a phone number" style text for logs and CLIs.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "a Result without a value needs an error status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok()
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace crm

#define CRM_CONCAT_INNER(a, b) a##b
#define CRM_CONCAT(a, b) CRM_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function unless it is OK.
#define CRM_RETURN_IF_ERROR(expr) CRM_RETURN_IF_ERROR_IMPL(CRM_CONCAT(crm_status_, __LINE__), expr)
#define CRM_RETURN_IF_ERROR_IMPL(status, expr) \
  do {                                         \
    ::crm::Status status = (expr);             \
    if (!status.ok()) return status;           \
  } while (false)

// Evaluates a Result<T> expression; returns its Status on failure, otherwise
// moves the value into `lhs` (a declaration or an lvalue).
#define CRM_ASSIGN_OR_RETURN(lhs, expr) \
  CRM_ASSIGN_OR_RETURN_IMPL(CRM_CONCAT(crm_result_, __LINE__), lhs, expr)
#define CRM_ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                              \
  if (!result.ok()) return result.status();          \
  lhs = std::move(result).value()

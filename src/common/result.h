#pragma once

#include <string>
#include <utility>
#include <variant>

namespace driftguard {

// An error that names the operation and the object it failed on, plus the errno-style
// code where one exists (libbpf's negative returns are stored as positive errno).
struct Error {
    std::string message;
    int code = 0;
};

// Either a value or an Error; the value-or-error type every kernel-facing call returns.
template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
    Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return std::holds_alternative<T>(state_); }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<T>(state_); }
    T&& value() && { return std::get<T>(std::move(state_)); }
    const T& value() const& { return std::get<T>(state_); }
    const Error& error() const { return std::get<Error>(state_); }

    T* operator->() { return &value(); }
    T& operator*() & { return value(); }

  private:
    std::variant<T, Error> state_;
};

struct Ok {};

// Result of an operation that yields nothing but may fail.
using Status = Result<Ok>;

}  // namespace driftguard

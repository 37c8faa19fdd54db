// Request ids: a name for each request this process serves, so that a person who was refused
// (or an operator looking into a complaint) can point at one log line.
//
// An id is this process's prefix (8 hex digits, random at start, so that nodes sharing a store
// and restarts of one node do not repeat each other's ids) and a count of the requests it has
// served, as "3f9a1c07-42". The server sends it in the X-Request-Id header of every answer,
// puts it in the request's log line (`request_id`) and in every problem document.
//
// A client's own X-Request-Id (a proxy in front of the server sets one) is never used in place
// of the server's: it is logged beside it, as `client_request_id`, when it is a plausible id
// (1 to 128 letters, digits and . _ : -, and not a bearer token's form), and ignored otherwise,
// so that nothing a client sends can forge or garble a log line or put a secret in it.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace concordat::server {

class RequestIds {
 public:
  RequestIds();  // draws the prefix
  explicit RequestIds(std::string prefix) : prefix_(std::move(prefix)) {}

  std::string Next();
  const std::string& prefix() const { return prefix_; }

  // Whether a client's X-Request-Id may be logged as it is.
  static bool AcceptableFromClient(std::string_view id);

 private:
  std::string prefix_;
  std::atomic<uint64_t> count_{0};
};

}  // namespace concordat::server

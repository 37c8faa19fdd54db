// HTTPS transport for the Service (Boost.Beast over Asio and OpenSSL). TLS only; a client
// certificate is requested but not required, and is identified by its fingerprint (pinned in
// the configuration's devices), so it needs no CA. Bodies over max_body_bytes get 413 and the
// connection closes; malformed HTTP gets 400; a client that does not finish a request within
// request_timeout_seconds is disconnected. Handlers run on a worker pool, so a request waiting
// for its audit entry to be durable never holds up the network threads.
//
// Stop() (SIGTERM, SIGINT) stops accepting, answers what is in flight, then returns from Run().
#pragma once

#include <memory>

#include "base/status.h"
#include "server/config.h"
#include "server/log_lines.h"
#include "server/service.h"

namespace concordat::server {

class HttpsServer {
 public:
  HttpsServer(const ServerConfig& config, Service* service, LogLines* log);
  ~HttpsServer();

  Status Listen();  // binds the listen address; fails naming it when taken
  void Run();       // serves until Stop() or SIGTERM/SIGINT, then drains
  void Stop();
  // After Run(): waits for handlers still running on the worker pool. Call it before the
  // Service is destroyed; destroy the Service before this server (its log writer may still
  // hand results to the network threads' queues, which this server owns).
  void JoinWorkers();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace concordat::server

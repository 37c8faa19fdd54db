#include "server/https_server.h"

#include <openssl/ssl.h>
#include <pthread.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <ctime>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "server/request_ids.h"
#include "server/tls_identity.h"

namespace concordat::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

// Work handed to one network thread from other threads (the audit log's writer): one post
// wakes the thread for everything that arrived meanwhile, instead of one wake-up per item.
class Inbox {
 public:
  explicit Inbox(boost::asio::io_context* ioc) : ioc_(ioc) {}
  void Push(std::function<void()> fn) {
    bool wake;
    {
      std::lock_guard<std::mutex> lock(mu_);
      items_.push_back(std::move(fn));
      wake = !scheduled_;
      scheduled_ = true;
    }
    if (wake) boost::asio::post(*ioc_, [this] { Drain(); });
  }

 private:
  void Drain() {
    std::vector<std::function<void()>> now;
    {
      std::lock_guard<std::mutex> lock(mu_);
      now.swap(items_);
      scheduled_ = false;
    }
    for (auto& fn : now) fn();
  }
  boost::asio::io_context* ioc_;
  std::mutex mu_;
  std::vector<std::function<void()>> items_;
  bool scheduled_ = false;
};

struct HttpsServer::Impl {
  // Connections open now. First, so that it outlives the io_contexts whose destruction ends
  // the last sessions.
  std::atomic<int> sessions{0};
  ServerConfig config;
  Service* service;
  LogLines* log;
  // One io_context per network thread, each connection on one of them (round robin): no
  // strand or lock between a connection's steps, and the threads share the load evenly.
  std::vector<std::unique_ptr<net::io_context>> iocs;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::vector<std::unique_ptr<Inbox>> inboxes;  // one per io_context
  size_t next = 0;
  net::io_context& ioc;  // the first: acceptor, signals, draining
  // The TLS context new connections take: made at Listen(), made again from the same files at
  // each SIGHUP (a renewed certificate). A connection keeps the one it began with.
  std::shared_ptr<ssl::context> tls;  // guarded by tls_mu
  std::mutex tls_mu;
  std::shared_ptr<ssl::context> CurrentTls() {
    std::lock_guard<std::mutex> lock(tls_mu);
    return tls;
  }
  void ReloadTls();  // on the worker pool
  tcp::acceptor acceptor{ioc};
  net::thread_pool workers;
  net::signal_set signals{ioc, SIGINT, SIGTERM};
  net::signal_set reload_signals{ioc, SIGHUP};
  void WaitForReload();  // each SIGHUP reloads the registry, until draining begins
  std::atomic<int> in_flight{0};
  std::atomic<bool> draining{false};
  RequestIds request_ids;  // each answer's X-Request-Id

  static std::vector<std::unique_ptr<net::io_context>> MakeContexts() {
    std::vector<std::unique_ptr<net::io_context>> v;
    const unsigned n = std::max(2u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) v.push_back(std::make_unique<net::io_context>());
    return v;
  }
  Impl(const ServerConfig& c, Service* s, LogLines* l)
      : config(c),
        service(s),
        log(l),
        iocs(MakeContexts()),
        ioc(*iocs[0]),
        workers(static_cast<size_t>(c.worker_threads)) {
    for (auto& i : iocs) {
      guards.push_back(net::make_work_guard(*i));
      inboxes.push_back(std::make_unique<Inbox>(i.get()));
    }
  }
  void StopAll() {
    for (auto& g : guards) g.reset();
    for (auto& i : iocs) i->stop();
  }
  void Accept();
  void AcceptLater(beast::error_code ec);  // after a failed accept (out of descriptors)
  uint64_t accept_failures = 0;            // since the last accept that worked (ioc's thread)
  std::atomic<uint64_t> accept_failures_ever{0};  // for /metrics
  net::steady_timer accept_timer{ioc};
  void BeginDrain();
  void PollDrain();  // until nothing is in flight (or 30 s have passed), then stop
  net::steady_timer drain_timer{ioc};
  std::chrono::steady_clock::time_point drain_deadline;
};

namespace {

// The most a request's start line and headers may take together.
constexpr uint32_t kHeaderLimit = 16 * 1024;

// A request target in absolute form ("https://host:port/path?query", which RFC 9112 section
// 3.2.2 says a server must accept) as the origin form the service routes on ("/path?query").
// Any other target is kept as it came (the service answers what it does not know with 404).
std::string OriginForm(std::string_view target) {
  if (target.empty() || target.front() == '/') return std::string(target);
  const size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return std::string(target);
  const std::string_view scheme = target.substr(0, scheme_end);
  if (!beast::iequals(scheme, "https") && !beast::iequals(scheme, "http"))
    return std::string(target);
  const size_t path = target.find_first_of("/?", scheme_end + 3);
  if (path == std::string_view::npos) return "/";
  return (target[path] == '?' ? "/" : "") + std::string(target.substr(path));
}

// Now as HTTP writes it (RFC 9110 section 5.6.7, "Sun, 06 Nov 1994 08:49:37 GMT"), which a
// server with a clock must send in each answer. Made at most once a second on each thread.
std::string_view HttpDate() {
  thread_local time_t made_for = -1;
  thread_local char text[32];
  thread_local size_t length = 0;
  const time_t now = ::time(nullptr);
  if (now != made_for) {
    struct tm utc;
    ::gmtime_r(&now, &utc);
    length = ::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
    made_for = now;
  }
  return {text, length};
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, HttpsServer::Impl* server, Inbox* inbox,
          std::shared_ptr<ssl::context> tls)
      : tls_(std::move(tls)), stream_(std::move(socket), *tls_), server_(server), inbox_(inbox) {
    ++server_->sessions;
  }
  ~Session() { --server_->sessions; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Handshake(); });
  }

 private:
  void Handshake() {
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) {
      auto addr = ep.address();
      if (addr.is_v6() && addr.to_v6().is_v4_mapped())
        addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
      peer_ = addr.to_string();
    }
    beast::get_lowest_layer(stream_).expires_after(Timeout());
    stream_.async_handshake(
        ssl::stream_base::server, [self = shared_from_this()](beast::error_code e) {
          if (e) return;  // not TLS, or gave up: nothing to answer
          if (X509* cert = SSL_get1_peer_certificate(self->stream_.native_handle())) {
            self->fingerprint_ = Fingerprint(cert);
            X509_free(cert);
          }
          self->Read();
        });
  }

  std::chrono::seconds Timeout() const {
    return std::chrono::seconds(server_->config.request_timeout_seconds);
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(server_->config.max_body_bytes);
    parser_->header_limit(kHeaderLimit);
    beast::get_lowest_layer(stream_).expires_after(Timeout());
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // The header is in (a body over the limit by its Content-Length is already an error here).
  // A client that sent "Expect: 100-continue" waits for a go-ahead before it sends the body
  // (curl sends it for large bodies and on request, then waits a second without one; other
  // clients wait longer): it gets one.
  void OnHeader(beast::error_code ec) {
    if (ec || parser_->is_done()) return OnRead(ec);
    auto read_body = [self = shared_from_this()] {
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       [self](beast::error_code e, size_t) { self->OnRead(e); });
    };
    if (!beast::iequals(parser_->get()[http::field::expect], "100-continue")) return read_body();
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [read_body](beast::error_code e, size_t) {
                       if (!e) read_body();
                     });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return Close();
    if (ec == http::error::body_limit)
      return Refuse(Problem(413, "PAYLOAD_TOO_LARGE",
                            "the body is larger than " +
                                std::to_string(server_->config.max_body_bytes) +
                                " bytes; nothing was done"));
    if (ec == http::error::header_limit)
      return Refuse(Problem(431, "HEADER_TOO_LARGE",
                            "the request line and headers are larger than " +
                                std::to_string(kHeaderLimit) +
                                " bytes (a long URL, or many headers); nothing was done"));
    if (ec == beast::error::timeout) return Close();
    if (ec) {
      if (ec.category() == http::make_error_code(http::error::bad_target).category())
        return Refuse(Problem(400, "MALFORMED_HTTP", "malformed HTTP request: " + ec.message()));
      return;  // the connection failed
    }
    auto req = parser_->release();
    // A URL is printable ASCII (RFC 3986); anything else is percent-encoded. The parser lets
    // other bytes through, and a path segment (a provider, a category) goes into the decision
    // and the audit log, which are JSON, so UTF-8: refused here, before anything is decided.
    for (const char c : req.target())
      if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
        return Refuse(Problem(400, "MALFORMED_HTTP",
                              "the request target holds a byte a URL may not (a space, a "
                              "control character or one above ASCII); percent-encode it"));
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = OriginForm(req.target());
    r.authorization = std::string(req[http::field::authorization]);
    r.content_type = std::string(req[http::field::content_type]);
    r.body = std::move(req.body());
    r.peer_address = peer_;
    r.client_fingerprint = fingerprint_;
    const bool keep = req.keep_alive() && !server_->draining;
    std::string client_id;
    if (const auto it = req.find("X-Request-Id");
        it != req.end() && RequestIds::AcceptableFromClient(it->value()))
      client_id = std::string(it->value());
    ++server_->in_flight;
    const auto t0 = std::chrono::steady_clock::now();
    // Runs on this connection's thread: the request's log line, then the answer.
    const bool head = r.method == "HEAD";
    auto respond = [self = shared_from_this(), keep, head, t0, method = r.method,
                    path = r.target.substr(0, r.target.find('?')),
                    client_id = std::move(client_id)](HttpResponse resp) {
      std::string id = self->server_->request_ids.Next();
      // A request line is information, whatever its status, except an internal error (a
      // fault here). A refusal because something it needs failed (503: the audit log cannot be
      // written; 502: a source failed) is reported where it failed, with the cause (the audit
      // log's failures at most once a second), not again as an error line per request.
      const Level level = resp.status == 500 ? Level::kError : Level::kInfo;
      const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - t0);
      self->server_->service->metrics()->Answered(resp.status, took);
      if (self->server_->log->Enabled(level)) {
        const auto us = took.count();
        LogLines::Fields f = {{"request_id", id},
                              {"method", method},
                              {"path", path},
                              {"#status", std::to_string(resp.status)},
                              {"#ms", std::to_string(us / 1000.0)}};
        if (!resp.log_user.empty()) f.emplace_back("user", resp.log_user);
        if (!resp.log_org.empty()) f.emplace_back("org", resp.log_org);
        if (!resp.log_outcome.empty()) f.emplace_back("outcome", resp.log_outcome);
        if (resp.log_audit_index)
          f.emplace_back("#audit_index", std::to_string(*resp.log_audit_index));
        if (!self->fingerprint_.empty()) f.emplace_back("client_cert", self->fingerprint_);
        if (!client_id.empty()) f.emplace_back("client_request_id", client_id);
        self->server_->log->Write(level, "request", f);
      }
      self->Answer(std::move(resp), id, keep, true, head);
    };
    // Decisions and look-ups wait for the audit log without holding a thread, and come back
    // through this thread's inbox; the rest run on the worker pool, where waiting is allowed.
    auto resume = [inbox = inbox_](std::function<void()> fn) { inbox->Push(std::move(fn)); };
    if (server_->service->TryHandleAsync(r, resume, respond)) return;
    net::post(server_->workers, [self = shared_from_this(), r = std::move(r),
                                 respond = std::move(respond)]() mutable {
      HttpResponse resp = self->server_->service->Handle(r);
      net::post(self->stream_.get_executor(),
                [resp = std::move(resp), respond = std::move(respond)]() mutable {
                  respond(std::move(resp));
                });
    });
  }

  // A request refused before it could be handled (too large, not HTTP): its log line, with
  // what of its start line was read, then the answer, and the connection closes (what follows
  // on it cannot be trusted to be the next request).
  void Refuse(HttpResponse resp) {
    std::string id = server_->request_ids.Next();
    server_->service->metrics()->Answered(resp.status, std::nullopt);
    if (server_->log->Enabled(Level::kInfo)) {
      LogLines::Fields f = {{"request_id", id}};
      const auto& header = parser_->get();
      if (header.method() != http::verb::unknown)
        f.emplace_back("method", std::string(header.method_string()));
      f.emplace_back("#status", std::to_string(resp.status));
      f.emplace_back("outcome", resp.log_outcome);
      server_->log->Write(Level::kInfo, "request", f);
    }
    Answer(std::move(resp), id, false, false);
  }

  // The response is written as one buffer made here: status line, the fixed headers, the
  // body's length and type, then the body (one TLS record, one send for small answers). The
  // answer to HEAD is the same without its body. A problem document also carries the request
  // id, as its last member. The fixed headers are those OWASP's REST Security Cheat Sheet asks
  // of an API: nothing cached, HTTPS only, no content sniffing, nothing framed or run.
  void Answer(HttpResponse resp, const std::string& id, bool keep, bool counted,
              bool head = false) {
    std::string& out = out_;
    out.clear();
    out.reserve(256 + resp.body.size());
    out += "HTTP/1.1 ";
    out += std::to_string(resp.status);
    out += ' ';
    out += http::obsolete_reason(static_cast<http::status>(resp.status));
    out += "\r\nServer: concordatd\r\nDate: ";
    out += HttpDate();
    out +=
        "\r\nCache-Control: no-store\r\n"
        "Strict-Transport-Security: max-age=31536000\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
        "Content-Type: ";
    out += resp.content_type;
    if (resp.status == 401) out += "\r\nWWW-Authenticate: Bearer realm=\"concordat\"";
    // Refused for now (the log or the store cannot be written): when to try again (RFC 9110
    // 10.2.3), so that clients back off rather than retry at once.
    if (resp.retry_after_seconds > 0) {
      out += "\r\nRetry-After: ";
      out += std::to_string(resp.retry_after_seconds);
    } else if (resp.status == 503) {
      out += "\r\nRetry-After: 5";
    }
    if (!resp.allow.empty()) {
      out += "\r\nAllow: ";
      out += resp.allow;
    }
    if (!keep) out += "\r\nConnection: close";
    out += "\r\nX-Request-Id: ";
    out += id;
    if (resp.content_type == "application/problem+json" && !resp.body.empty() &&
        resp.body.back() == '}') {
      resp.body.pop_back();
      resp.body += ",\"request_id\":\"";
      resp.body += id;  // letters, digits and '-': nothing to escape
      resp.body += "\"}";
    }
    out += "\r\nContent-Length: ";
    out += std::to_string(resp.body.size());
    out += "\r\n\r\n";
    if (!head) out += resp.body;
    beast::get_lowest_layer(stream_).expires_after(Timeout());
    net::async_write(stream_, net::buffer(out),
                     [self = shared_from_this(), keep, counted](beast::error_code ec, size_t) {
                       if (counted) --self->server_->in_flight;
                       if (ec) return;
                       if (!keep) return self->Close();
                       self->Read();
                     });
  }

  void Close() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  std::shared_ptr<ssl::context> tls_;  // first: it outlives the stream made with it
  beast::ssl_stream<beast::tcp_stream> stream_;
  HttpsServer::Impl* server_;
  Inbox* inbox_;  // of the io_context this connection runs on
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string out_;  // the response being written
  std::string peer_, fingerprint_;
};

}  // namespace

void HttpsServer::Impl::Accept() {
  const size_t k = next++ % iocs.size();
  acceptor.async_accept(*iocs[k], [this, k](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;  // draining
      return AcceptLater(ec);
    }
    if (accept_failures > 0) {
      log->Write(Level::kInfo, "accepting connections again",
                 {{"#failed_attempts", std::to_string(accept_failures)}});
      accept_failures = 0;
    }
    // Answers go out when written, not held back to coalesce with later ones (Nagle).
    socket.set_option(tcp::no_delay(true), ec);
    std::make_shared<Session>(std::move(socket), this, inboxes[k].get(), CurrentTls())->Start();
    Accept();
  });
}

// Out of file descriptors (or memory) for a new connection: the connection waits in the
// listen backlog, and accepting again at once would fail again at once. Logged once when it
// begins (and once when it ends, above), then tried again every 100 ms: connections ending,
// or idle ones timing out, make room, and the server goes on without a restart.
void HttpsServer::Impl::AcceptLater(beast::error_code ec) {
  accept_failures_ever.fetch_add(1, std::memory_order_relaxed);
  if (accept_failures++ == 0)
    log->Write(Level::kWarn, "cannot accept a connection; trying again every 100 ms",
               {{"error", ec.message()}, {"#connections_open", std::to_string(sessions.load())}});
  accept_timer.expires_after(std::chrono::milliseconds(100));
  accept_timer.async_wait([this](beast::error_code e) {
    if (!e && !draining) Accept();
  });
}

void HttpsServer::Impl::BeginDrain() {
  if (draining.exchange(true)) return;
  log->Write(Level::kInfo, "stopping: no new connections; answering requests in flight",
             {{"#in_flight", std::to_string(in_flight.load())}});
  beast::error_code ec;
  acceptor.close(ec);
  drain_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  PollDrain();
}

void HttpsServer::Impl::WaitForReload() {
  reload_signals.async_wait([this](beast::error_code ec, int) {
    if (ec || draining.load()) return;
    log->Write(Level::kInfo, "reloading the configuration and the registry (SIGHUP)");
    // It reads files and writes to the store: on the worker pool, never a network thread.
    net::post(workers, [this] {
      (void)service->Reload();
      ReloadTls();
    });
    WaitForReload();
  });
}

void HttpsServer::Impl::PollDrain() {
  if (in_flight.load() == 0 || std::chrono::steady_clock::now() > drain_deadline) {
    log->Write(Level::kInfo, "stopped", {{"#unanswered", std::to_string(in_flight.load())}});
    StopAll();
    return;
  }
  drain_timer.expires_after(std::chrono::milliseconds(20));
  drain_timer.async_wait([this](beast::error_code) { PollDrain(); });
}

namespace {

// TLS 1.2 suites: Mozilla's "intermediate" list (server-side TLS, version 5.7): forward
// secrecy (ECDHE or DHE key exchange) and AEAD ciphers only. OpenSSL's default would also take
// CBC suites with SHA-1 MACs and, with an RSA certificate, RSA key exchange, which has no
// forward secrecy. TLS 1.3's suites are all of that kind and keep OpenSSL's defaults.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

// TLS 1.2 and 1.3 with the configured certificate and key. Every client is asked for a
// certificate and any is accepted: devices are recognised by pinned fingerprint, and TLS
// itself proves the client holds the certificate's key.
Result<std::shared_ptr<ssl::context>> MakeTlsContext(const ServerConfig& config) {
  auto tls = std::make_shared<ssl::context>(ssl::context::tls_server);
  tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (SSL_CTX_set_cipher_list(tls->native_handle(), kTls12Ciphers) != 1)
    return Status::Internal("the TLS 1.2 cipher list is not accepted by this OpenSSL");
  if (Status id =
          UseServerIdentity(tls->native_handle(), config.tls.certificate, config.tls.private_key);
      !id.ok())
    return id;
  tls->set_verify_mode(ssl::verify_peer);
  tls->set_verify_callback([](bool, ssl::verify_context&) { return true; });
  return tls;
}

}  // namespace

// The same files read again: a certificate renewed in place is served to new connections
// from now on, without a restart. Files that do not load (a key that does not match, a
// half-written file) change nothing: the certificate in force stays, and the line says why.
void HttpsServer::Impl::ReloadTls() {
  auto fresh = MakeTlsContext(config);
  if (!fresh.ok()) {
    log->Write(Level::kWarn, "TLS certificate not reloaded; the one in force still is",
               {{"error", fresh.status().message()}});
    return;
  }
  auto fingerprint = FingerprintOfFile(config.tls.certificate);
  {
    std::lock_guard<std::mutex> lock(tls_mu);
    tls = std::move(*fresh);
  }
  log->Write(Level::kInfo, "TLS certificate reloaded",
             {{"certificate", config.tls.certificate},
              {"fingerprint", fingerprint.ok() ? *fingerprint : std::string("?")}});
}

HttpsServer::HttpsServer(const ServerConfig& config, Service* service, LogLines* log)
    : impl_(std::make_unique<Impl>(config, service, log)) {
  service->metrics()->SetTransport([s = impl_.get()] {
    TransportGauges g;
    g.connections_open = s->sessions.load(std::memory_order_relaxed);
    g.requests_in_flight = s->in_flight.load(std::memory_order_relaxed);
    g.accept_failures = s->accept_failures_ever.load(std::memory_order_relaxed);
    g.draining = s->draining.load(std::memory_order_relaxed);
    return g;
  });
}

HttpsServer::~HttpsServer() {
  impl_->workers.join();
}

Status HttpsServer::Listen() {
  Impl& s = *impl_;
  beast::error_code ec;
  auto tls = MakeTlsContext(s.config);
  if (!tls.ok()) return tls.status();
  s.tls = std::move(*tls);
  auto address = net::ip::make_address(s.config.host(), ec);
  if (ec) return Status::InvalidArgument("listen: '" + s.config.host() + "' is not an address");
  tcp::endpoint ep(address, s.config.port());
  s.acceptor.open(ep.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(ep, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::IoError("cannot listen on " + s.config.listen + ": " + ec.message());
  return Status::Ok();
}

void HttpsServer::Run() {
  Impl& s = *impl_;
  s.signals.async_wait([&s](beast::error_code ec, int) {
    if (!ec) s.BeginDrain();
  });
  s.WaitForReload();
  s.Accept();
  std::vector<std::thread> threads;
  for (size_t i = 1; i < s.iocs.size(); ++i)
    threads.emplace_back([&s, i] {
      pthread_setname_np(pthread_self(), ("net-" + std::to_string(i)).c_str());
      s.iocs[i]->run();
    });
  pthread_setname_np(pthread_self(), "net-0");
  s.ioc.run();
  for (auto& t : threads) t.join();
}

void HttpsServer::JoinWorkers() {
  impl_->workers.join();
}

void HttpsServer::Stop() {
  net::post(impl_->ioc, [this] { impl_->BeginDrain(); });
}

}  // namespace concordat::server

// Sending bytes that need not be HTTP over a real TLS connection, for tests that feed the
// server malformed requests a well-behaved client (libcurl) would never send.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>

namespace concordat::testing_support {

// Connects to 127.0.0.1:port with TLS (the server's certificate is not checked: this is about
// what the server does with the bytes), writes `bytes`, ends its side of the connection (TLS
// close_notify, then a TCP half-close) so that the server never waits for more, and returns
// everything the server sent until it closed (or `seconds` passed). "" if TLS did not start.
inline std::string RawHttps(int port, const std::string& bytes, int seconds = 5) {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    return c;
  }();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval tv{seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      if (!bytes.empty()) SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size()));
      SSL_shutdown(ssl);
      ::shutdown(fd, SHUT_WR);
      char buf[4096];
      for (int n; (n = SSL_read(ssl, buf, sizeof buf)) > 0;)
        out.append(buf, static_cast<size_t>(n));
    }
    SSL_free(ssl);
  }
  ::close(fd);
  return out;
}

}  // namespace concordat::testing_support

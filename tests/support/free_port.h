// A loopback TCP port for a server a test starts.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <random>

namespace concordat::testing_support {

// A port on 127.0.0.1 that nothing listens on now: drawn at random from 20000 to 32767 (below
// the kernel's ephemeral range, so client connections do not take it meanwhile) and checked by
// binding it. Tests running at once (ctest -j) draw independently, and one that finds a port
// taken draws again; a port derived from the process id alone collided now and then.
inline int FreeLoopbackPort() {
  std::mt19937 draw(static_cast<unsigned>(
      ::getpid() ^ std::chrono::steady_clock::now().time_since_epoch().count()));
  std::uniform_int_distribution<int> ports(20000, 32767);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = ports(draw);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) continue;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (free) return port;
  }
  return 20000 + ::getpid() % 12000;  // every draw taken: let the server's start say so
}

}  // namespace concordat::testing_support

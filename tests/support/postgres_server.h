// A real PostgreSQL server for tests: initdb into a temporary directory, pg_ctl start on a
// private port with its socket in that directory (no TCP), stopped and removed at exit. Run as
// the unprivileged 'postgres' user when the tests run as root. Needs Debian's postgresql
// package (scripts/install-deps.sh installs it).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace concordat::testing {

class PostgresServer {
 public:
  static PostgresServer& Shared() {
    static PostgresServer server;
    return server;
  }

  // A fresh, empty database; its libpq URL.
  std::string NewDatabaseUrl() {
    // Built by appending: GCC 12 at -O3 warns (-Wrestrict, falsely) on "t" + std::string.
    std::string name = "t";
    name += std::to_string(::getpid()) + "_" + std::to_string(next_++);
    Run(bin_ + "/psql -q -h '" + dir_ + "' -p " + std::to_string(port_) +
        " -U postgres -d postgres -c 'CREATE DATABASE " + name + "'");
    return Url(name);
  }
  std::string Url(const std::string& db) const {
    return "postgresql:///" + db + "?host=" + dir_ + "&port=" + std::to_string(port_) +
           "&user=postgres";
  }
  std::string Psql(const std::string& url_db, const std::string& sql) const {
    return bin_ + "/psql -q -At -h '" + dir_ + "' -p " + std::to_string(port_) +
           " -U postgres -d " + url_db + " -c \"" + sql + "\"";
  }
  const std::string& bin() const { return bin_; }
  // Stops the server (fast: every client's connection is cut) and starts it again, as a
  // maintenance restart or a failover does; returns once it accepts connections.
  void Restart() {
    Run(As() + bin_ + "/pg_ctl -D '" + dir_ + "/data' -m fast -w restart -l '" + dir_ +
        "/server.log' -o \"-p " + std::to_string(port_) + " -k '" + dir_ +
        "' -c listen_addresses=''\" >/dev/null");
  }

  ~PostgresServer() {
    if (!started_) return;
    std::system(
        (As() + bin_ + "/pg_ctl -D '" + dir_ + "/data' -m immediate stop >/dev/null 2>&1").c_str());
    std::filesystem::remove_all(dir_);
  }

 private:
  PostgresServer() {
    for (int v = 20; v >= 11 && bin_.empty(); --v) {
      std::string b = "/usr/lib/postgresql/" + std::to_string(v) + "/bin";
      if (std::filesystem::exists(b + "/initdb")) bin_ = b;
    }
    if (bin_.empty())
      throw std::runtime_error(
          "PostgreSQL server binaries not found (install Debian's postgresql)");
    dir_ = (std::filesystem::temp_directory_path() / ("concordat-pg-" + std::to_string(::getpid())))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if (::geteuid() == 0) Run("chown postgres:postgres '" + dir_ + "'");
    port_ = 20000 + ::getpid() % 20000;
    Run(As() + bin_ + "/initdb -D '" + dir_ + "/data' -A trust -U postgres --no-sync >'" + dir_ +
        "/initdb.log' 2>&1");
    Run(As() + bin_ + "/pg_ctl -D '" + dir_ + "/data' -l '" + dir_ + "/server.log' -w -o \"-p " +
        std::to_string(port_) + " -k '" + dir_ + "' -c listen_addresses=''\" start >/dev/null");
    started_ = true;
  }
  std::string As() const { return ::geteuid() == 0 ? "runuser -u postgres -- " : ""; }
  void Run(const std::string& cmd) {
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
  }

  std::string bin_, dir_;
  int port_ = 0;
  int next_ = 0;
  bool started_ = false;
};

}  // namespace concordat::testing

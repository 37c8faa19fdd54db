// Two concordatd nodes sharing one PostgreSQL store (a real server the test starts), as a
// multi-node deployment runs: a request made on one node is answered on the other, answers
// racing on both close the request once, and both nodes serve one audit log.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/daemon.h"
#include "support/free_port.h"
#include "support/https_client.h"
#include "support/postgres_server.h"
#include "support/shell.h"
#include "support/suite_setup.h"

namespace concordat {
namespace {

namespace fs = std::filesystem;
using testing_support::Call;
using testing_support::Reply;
using testing_support::Sh;
using testing_support::ShellRun;

class TwoNodes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetUpSuite();
    testing_support::EndTheRunIfSetUpFailed("TwoNodes");
  }
  static void SetUpSuite() {
    dir_ = fs::temp_directory_path() / ("concordat-nodes-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    url_ = testing::PostgresServer::Shared().NewDatabaseUrl();
    ShellRun init = Sh(Cli("init"));
    ASSERT_EQ(init.code, 0) << init.out;
    officer_ = AddUser("u-4411", "essex-police", "intelligence-support-officer");
    ecc_ = AddUser("u-7001", "essex-cc", "social-worker");
    operator_ = AddUser("u-ops", "essex-cc", "operator");
    // A registry directory of the test's own, shared by both nodes, that a test adds to.
    fs::create_directories(dir_ / "shared-registry");
    fs::copy_file(std::string(CONCORDAT_SOURCE_DIR) + "/tests/fixtures/clean.yaml",
                  dir_ / "shared-registry/clean-2.1.yaml");
    for (int n = 0; n < 2; ++n) {
      do {
        ports_[n] = testing_support::FreeLoopbackPort();
      } while (n == 1 && ports_[1] == ports_[0]);
      std::ofstream(dir_ / ("node" + std::to_string(n) + ".yaml"))
          << "store: \"" << url_ << "\"\n"
          << "registry: [" << CONCORDAT_SOURCE_DIR << "/protocols, " << CONCORDAT_SOURCE_DIR
          << "/examples/demo/registry, " << (dir_ / "shared-registry").string() << "]\n"
          << "listen: 127.0.0.1:" << ports_[n] << "\n";
      Start(n);  // the first creates the TLS certificate and master key both then use
      if (::testing::Test::HasFatalFailure()) return;
    }
  }

  static void TearDownTestSuite() {
    for (pid_t& pid : pids_) {
      if (pid <= 0) continue;
      ::kill(pid, SIGTERM);
      int st = 0;
      ::waitpid(pid, &st, 0);
      pid = -1;
    }
    fs::remove_all(dir_);
  }

  static std::string Cli(const std::string& args) {
    return "cd '" + dir_.string() + "' && " + CONCORDAT_BINARY + " " + args + " --store '" + url_ +
           "'";
  }

  static std::string AddUser(const std::string& id, const std::string& org,
                             const std::string& roles) {
    ShellRun r = Sh(Cli("user add --id " + id + " --org " + org + " --roles " + roles));
    EXPECT_EQ(r.code, 0) << r.out;
    auto at = r.out.find("cct_");
    return at == std::string::npos ? "" : r.out.substr(at, 68);
  }

  static void Start(int n) {
    const std::string log = (dir_ / ("node" + std::to_string(n) + ".log")).string();
    bool started = false;
    pids_[n] = testing_support::StartDaemon(
        CONCORDATD_BINARY, (dir_ / ("node" + std::to_string(n) + ".yaml")).string(), dir_.string(),
        log,
        [n] {
          return fs::exists(dir_ / "var/tls/server.crt") &&
                 On(n, {.path = "/healthz"}).status == 200;
        },
        &started);
    if (!started) FAIL() << "node " << n << " did not start:\n" << Sh("cat '" + log + "'").out;
  }

  // A call to node n.
  static Reply On(int n, const Call& c) {
    return testing_support::HttpsCall(ports_[n], (dir_ / "var/tls/server.crt").string(),
                                      dir_.string(), c);
  }

  // The officer asks Essex County Council about `subject`, on node n; the request's id.
  static std::string MakeRequest(int n, const std::string& subject) {
    Reply made = On(n, {.method = "POST",
                        .path = "/v1/requests",
                        .body = "{\"provider\":\"essex-cc\",\"data\":[\"cf-case-status\"],"
                                "\"purpose\":\"child-protection\",\"subject\":\"" +
                                subject +
                                "\",\"justification\":\"strategy meeting tomorrow\","
                                "\"audit_reference\":\"AR-77\"}",
                        .token = officer_});
    EXPECT_EQ(made.status, 201) << made.body;
    return made.status == 201 ? made.Json().value("id", "") : "";
  }

  static size_t DisclosuresSeenBy(int n, const std::string& token) {
    return On(n, {.path = "/v1/disclosures", .token = token}).Json()["disclosures"].size();
  }

  static fs::path dir_;
  static std::string url_, officer_, ecc_, operator_;
  static int ports_[2];
  static pid_t pids_[2];
};

fs::path TwoNodes::dir_;
std::string TwoNodes::url_, TwoNodes::officer_, TwoNodes::ecc_, TwoNodes::operator_;
int TwoNodes::ports_[2] = {0, 0};
pid_t TwoNodes::pids_[2] = {-1, -1};

TEST_F(TwoNodes, ARequestMadeOnOneNodeIsAnsweredOnTheOtherAndBothServeOneLog) {
  const std::string id = MakeRequest(0, "MOS-100002");
  ASSERT_FALSE(id.empty());
  // The provider sees it on the other node.
  Reply listed = On(1, {.path = "/v1/requests", .token = ecc_});
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_NE(listed.body.find(id), std::string::npos) << listed.body;
  Reply answered = On(1, {.method = "POST",
                          .path = "/v1/requests/" + id + "/answer",
                          .body = "{\"fields\":{\"name\":\"Bailey Sample\"}}",
                          .token = ecc_});
  ASSERT_EQ(answered.status, 200) << answered.body;
  const std::string disclosure = answered.Json()["disclosure"];
  // The requester fetches the answer from the first node.
  Reply fetched = On(0, {.path = "/v1/requests/" + id, .token = officer_});
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  EXPECT_EQ(fetched.Json()["status"], "answered") << fetched.body;
  EXPECT_NE(fetched.body.find("Bailey Sample"), std::string::npos) << fetched.body;
  // Both nodes serve the same log: the same tree head, and each node's proofs.
  Reply a = On(0, {.path = "/v1/audit/sth", .token = officer_});
  Reply b = On(1, {.path = "/v1/audit/sth", .token = ecc_});
  ASSERT_EQ(a.status, 200);
  ASSERT_EQ(b.status, 200);
  EXPECT_EQ(a.Json()["tree_size"], b.Json()["tree_size"]);
  ASSERT_TRUE(a.Json()["root_hash"].is_string()) << a.body;
  EXPECT_EQ(a.Json()["root_hash"], b.Json()["root_hash"]) << a.body << " / " << b.body;
  const uint64_t index = answered.Json()["audit_index"];
  EXPECT_EQ(On(0, {.path = "/v1/audit/proof/" + std::to_string(index), .token = officer_}).status,
            200);
  ShellRun verify = Sh(Cli("audit verify"));
  EXPECT_EQ(verify.code, 0) << verify.out;
  EXPECT_NE(DisclosuresSeenBy(0, ecc_), 0u);
  // init made var/ for the keys of a store that is not a file: the owner's only.
  EXPECT_EQ(fs::status(dir_ / "var").permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(On(0, {.path = "/v1/disclosures/" + disclosure, .token = officer_}).status, 200);
  // Each node's monitoring gives the log's size as the database holds it (both nodes'
  // entries), and counts as committed only the entries the node itself wrote.
  const uint64_t size = On(0, {.path = "/v1/audit/sth", .token = officer_}).Json()["tree_size"];
  double committed = 0;
  for (int n = 0; n < 2; ++n) {
    Reply m = On(n, {.path = "/metrics", .token = operator_});
    ASSERT_EQ(m.status, 200) << m.body;
    EXPECT_NE(m.body.find("\nconcordat_audit_tree_size " + std::to_string(size) + "\n"),
              std::string::npos)
        << "node " << n << ":\n"
        << m.body;
    const size_t at = m.body.find("\nconcordat_audit_entries_total ");
    ASSERT_NE(at, std::string::npos);
    const double mine = std::stod(m.body.substr(at + 31));
    EXPECT_GT(mine, 0) << "node " << n << " wrote entries of its own";
    committed += mine;
  }
  EXPECT_LE(committed, static_cast<double>(size));
}

TEST_F(TwoNodes, AnswersRacingOnBothNodesCloseTheRequestOnceWithOneDisclosure) {
  const std::string id = MakeRequest(1, "MOS-100004");
  ASSERT_FALSE(id.empty());
  const size_t before = DisclosuresSeenBy(0, ecc_);
  const uint64_t size_before =
      On(0, {.path = "/v1/audit/sth", .token = ecc_}).Json().value("tree_size", 0ull);
  // Half of them on each node.
  const std::vector<Reply> replies = testing_support::AllAtOnce(8, [&](size_t i) {
    return On(static_cast<int>(i % 2),
              {.method = "POST",
               .path = "/v1/requests/" + id + "/answer",
               .body = "{\"fields\":{\"name\":\"Answer " + std::to_string(i) + "\"}}",
               .token = ecc_});
  });
  EXPECT_EQ(testing_support::CountWithStatus(replies, 200), 1);
  EXPECT_EQ(testing_support::CountWithStatus(replies, 409), 7);
  EXPECT_EQ(DisclosuresSeenBy(1, ecc_), before + 1) << "a refused answer stored a disclosure";
  // One entry for the answer that closed the request: refused ones logged nothing.
  EXPECT_EQ(On(1, {.path = "/v1/audit/sth", .token = ecc_}).Json().value("tree_size", 0ull),
            size_before + 1);
  Reply fetched = On(0, {.path = "/v1/requests/" + id, .token = officer_});
  EXPECT_EQ(fetched.Json()["status"], "answered") << fetched.body;
  ShellRun verify = Sh(Cli("audit verify"));
  EXPECT_EQ(verify.code, 0) << verify.out;
}

// Both nodes told at once to load a new protocol version: both put it in force, and the shared
// log records it once.
// The PostgreSQL server restarts under both nodes (maintenance, a failover): each node's
// connection is cut. The request that finds it cut is refused (never answered as if done),
// the next reconnects, and both nodes serve again without a restart of their own, on one log
// that still verifies.
TEST_F(TwoNodes, BothNodesServeAgainAfterThePostgresqlServerRestarts) {
  auto decide = [](int n) {
    return On(n, {.method = "POST",
                  .path = "/v1/decide",
                  .body = "{\"protocol\":\"essex-police-mosaic\",\"provider\":\"essex-cc\","
                          "\"data\":[\"cf-case-status\"],\"purpose\":\"online-child-sexual-"
                          "abuse\",\"format\":\"self_service\"}",
                  .token = officer_});
  };
  for (int n = 0; n < 2; ++n) ASSERT_EQ(decide(n).status, 200) << "node " << n;
  testing::PostgresServer::Shared().Restart();
  for (int n = 0; n < 2; ++n) {
    int refused = 0;
    Reply r;
    for (int attempt = 0; attempt < 5; ++attempt) {
      r = decide(n);
      if (r.status == 200) break;
      EXPECT_TRUE(r.status == 503 || r.status == 500) << "node " << n << ": " << r.body;
      ++refused;
    }
    EXPECT_EQ(r.status, 200) << "node " << n << " does not serve again: " << r.body;
    EXPECT_LE(refused, 2) << "node " << n;
    EXPECT_EQ(On(n, {.path = "/readyz"}).status, 200) << "node " << n;
  }
  ShellRun verify = Sh(Cli("audit verify"));
  EXPECT_EQ(verify.code, 0) << verify.out;
}

TEST_F(TwoNodes, ANewVersionLoadedOnBothNodesAtOnceIsRecordedOnce) {
  auto reloads = [](int n) {
    std::ifstream f(dir_ / ("node" + std::to_string(n) + ".log"));
    std::string line;
    int count = 0;
    while (std::getline(f, line)) count += line.find("\"msg\":\"reloaded\"") != std::string::npos;
    return count;
  };
  const int before[2] = {reloads(0), reloads(1)};
  const uint64_t size_before =
      On(0, {.path = "/v1/audit/sth", .token = ecc_}).Json().value("tree_size", 0ull);
  std::ifstream in(std::string(CONCORDAT_SOURCE_DIR) + "/tests/fixtures/clean.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find("version: \"2.1\""), 14, "version: \"2.2\"");
  std::ofstream(dir_ / "shared-registry/clean-2.2.yaml") << text;
  ::kill(pids_[0], SIGHUP);
  ::kill(pids_[1], SIGHUP);
  for (int i = 0; i < 200 && (reloads(0) == before[0] || reloads(1) == before[1]); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_GT(reloads(0), before[0]) << Sh("cat '" + (dir_ / "node0.log").string() + "'").out;
  ASSERT_GT(reloads(1), before[1]) << Sh("cat '" + (dir_ / "node1.log").string() + "'").out;
  for (int n = 0; n < 2; ++n) {
    Reply v = On(n, {.path = "/v1/protocols/clean-protocol?version=2.2"});
    EXPECT_EQ(v.status, 200) << "node " << n << ": " << v.body;
  }
  EXPECT_EQ(On(1, {.path = "/v1/audit/sth", .token = ecc_}).Json().value("tree_size", 0ull),
            size_before + 1)
      << "the version was recorded more than once, or not at all";
  ShellRun tail = Sh(Cli("audit tail --count 1"));
  EXPECT_NE(tail.out.find("\"version\":\"2.2\""), std::string::npos) << tail.out;
  EXPECT_NE(tail.out.find("version-loaded"), std::string::npos) << tail.out;
  ShellRun verify = Sh(Cli("audit verify"));
  EXPECT_EQ(verify.code, 0) << verify.out;
}

}  // namespace
}  // namespace concordat

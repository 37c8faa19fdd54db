// concordatd as partners meet it: the real binary over real HTTPS (libcurl as the client,
// verifying the server's certificate), source addresses on loopback standing for sites, and
// client certificates made with the openssl tool standing for issued laptops.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "support/daemon.h"
#include "support/free_port.h"
#include "support/https_client.h"
#include "support/mutate.h"
#include "support/raw_https.h"
#include "support/shell.h"
#include "support/suite_setup.h"

namespace concordat {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing_support::Sh;
using testing_support::ShellRun;

using testing_support::Call;
using testing_support::Reply;

class Server : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetUpSuite();
    testing_support::EndTheRunIfSetUpFailed("Server");
  }
  static void SetUpSuite() {
    dir_ = fs::temp_directory_path() / ("concordat-server-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    port_ = testing_support::FreeLoopbackPort();
    // Two client certificates: the issued laptop (pinned) and a personal one (not).
    for (const char* name : {"laptop", "personal"}) {
      ShellRun r = Sh("cd '" + dir_.string() +
                      "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                      "-keyout " +
                      name + ".key -out " + name + ".crt -days 30 -subj /CN=" + name);
      ASSERT_EQ(r.code, 0) << r.out;
    }
    ShellRun fp =
        Sh("openssl x509 -in '" + (dir_ / "laptop.crt").string() + "' -noout -fingerprint -sha256");
    ASSERT_EQ(fp.code, 0);
    const std::string pin = "sha256:" + fp.out.substr(fp.out.find('=') + 1, 95);
    std::ofstream(dir_ / "concordatd.yaml")
        << "store: sqlite:" << (dir_ / "var/concordat.db").string() << "\n"
        << "registry: [" << CONCORDAT_SOURCE_DIR << "/protocols, " << CONCORDAT_SOURCE_DIR
        << "/examples/demo/registry]\n"
        << "listen: 127.0.0.1:" << port_ << "\n"
        << "sites:\n  essex-police-hq: [127.0.0.2/32]\n  ecc-cf-hub: [127.0.0.3/32]\n"
        << "devices:\n  ecc-issued-laptop: [\"" << pin << "\"]\n"
        << "max_body_bytes: 4096\nrequest_timeout_seconds: 2\ntoken_cache_seconds: 1\n";
    ShellRun demo = Sh("sqlite3 '" + (dir_ / "mosaic.db").string() + "' < '" +
                       CONCORDAT_SOURCE_DIR + "/examples/demo/mosaic-demo.sql'");
    ASSERT_EQ(demo.code, 0) << demo.out;
    std::ofstream(dir_ / "concordatd.yaml", std::ios::app)
        << "connectors:\n  essex-cc:\n    source: sqlite:" << (dir_ / "mosaic.db").string()
        << "\n    categories:\n      cf-case-status:\n        query: \"SELECT full_name, address, "
           "date_of_birth, case_status, allocated_worker, ethnicity FROM cases WHERE ref = "
           "?1\"\n        fields: {full_name: name}\n";
    ASSERT_EQ(Sh(Cli("init")).code, 0);
    officer_ = AddUser("u-4411", "essex-police", "intelligence-support-officer");
    analyst_ = AddUser("u-5000", "essex-police", "crime-analyst");
    ecc_ = AddUser("u-7001", "essex-cc", "social-worker");
    southend_ = AddUser("u-8001", "southend-ccc", "housing-officer");
    operator_ = AddUser("u-ops", "essex-cc", "operator");
    Start();
  }

  static void TearDownTestSuite() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
    fs::remove_all(dir_);
  }

  static std::string Cli(const std::string& args) {
    return std::string(CONCORDAT_BINARY) + " " + args +
           " --store sqlite:" + (dir_ / "var/concordat.db").string();
  }

  static std::string AddUser(const std::string& id, const std::string& org,
                             const std::string& roles) {
    ShellRun r = Sh(Cli("user add --id " + id + " --org " + org + " --roles " + roles));
    EXPECT_EQ(r.code, 0) << r.out;
    auto at = r.out.find("cct_");
    return at == std::string::npos ? "" : r.out.substr(at, 68);
  }

  static void Start() {
    bool started = false;
    pid_ = testing_support::StartDaemon(
        CONCORDATD_BINARY, (dir_ / "concordatd.yaml").string(), dir_.string(),
        (dir_ / "concordatd.log").string(),
        [] {
          return fs::exists(dir_ / "var/tls/server.crt") &&
                 Https({.path = "/healthz"}).status == 200;
        },
        &started);
    if (!started)
      FAIL() << "concordatd did not start:\n"
             << Sh("cat '" + (dir_ / "concordatd.log").string() + "'").out;
  }

  static Reply Https(const Call& c) {
    return testing_support::HttpsCall(port_, (dir_ / "var/tls/server.crt").string(), dir_.string(),
                                      c);
  }

  // The Mosaic look-up of section 1 of the seed: everything right unless changed.
  static std::string MosaicCheck(const std::string& extra = "") {
    return "{\"protocol\":\"essex-police-mosaic\",\"provider\":\"essex-cc\","
           "\"data\":[\"cf-case-status\"],\"purpose\":\"online-child-sexual-abuse\","
           "\"format\":\"self_service\",\"justification\":\"POLIT referral 77\"" +
           extra + "}";
  }
  static Call Decide(const std::string& body) {
    return {.method = "POST",
            .path = "/v1/decide",
            .body = body,
            .token = officer_,
            .from = "127.0.0.2",
            .cert = "laptop"};
  }
  static void Restart() {
    ::kill(pid_, SIGTERM);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    Start();
  }

  // concordatd restarted with `from` replaced by `to` in its configuration, for one test; the
  // configuration it started with comes back (and the server with it) when this goes, even
  // when the test fails half way.
  class ChangedConfig {
   public:
    ChangedConfig(const std::string& from, const std::string& to) {
      fs::copy_file(Path(), Saved(), fs::copy_options::overwrite_existing);
      std::ifstream in(Path());
      std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const size_t at = yaml.find(from);
      EXPECT_NE(at, std::string::npos) << from;
      if (at != std::string::npos) yaml.replace(at, from.size(), to);
      std::ofstream(Path(), std::ios::trunc) << yaml;
      Restart();
    }
    ~ChangedConfig() {
      fs::copy_file(Saved(), Path(), fs::copy_options::overwrite_existing);
      Restart();
    }
    ChangedConfig(const ChangedConfig&) = delete;
    ChangedConfig& operator=(const ChangedConfig&) = delete;

   private:
    static fs::path Path() { return dir_ / "concordatd.yaml"; }
    static fs::path Saved() { return dir_ / "concordatd.yaml.saved"; }
  };

  // The server restarted on a registry directory of its own (under dir_) holding the demo
  // protocol as demo-1.0.yaml, for a test to add versions to; restored when it goes.
  struct OwnDemoRegistry {
    explicit OwnDemoRegistry(const std::string& name)
        : dir(Made(dir_ / name)),
          config(std::string(CONCORDAT_SOURCE_DIR) + "/examples/demo/registry]",
                 dir.string() + "]") {}
    static std::string Demo() {
      return std::string(CONCORDAT_SOURCE_DIR) +
             "/examples/demo/registry/demo-safeguarding-requests.yaml";
    }
    static fs::path Made(const fs::path& d) {
      fs::remove_all(d);
      fs::create_directories(d);
      fs::copy_file(Demo(), d / "demo-1.0.yaml");
      return d;
    }
    const fs::path dir;
    const ChangedConfig config;
  };

  // The server's log lines that hold `text`.
  static int CountLogLines(const std::string& text) {
    std::ifstream f(dir_ / "concordatd.log");
    std::string line;
    int n = 0;
    while (std::getline(f, line)) n += line.find(text) != std::string::npos;
    return n;
  }
  // Sends SIGHUP and waits (up to 10 s) for one more log line with `text` than there were.
  static bool HupAndWait(const std::string& text) {
    const int before = CountLogLines(text);
    ::kill(pid_, SIGHUP);
    for (int i = 0; i < 200 && CountLogLines(text) == before; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return CountLogLines(text) > before;
  }

  static std::vector<std::thread> LookUpsAtHq(std::vector<Reply>* replies);  // defined below

  static uint64_t TreeSize() {
    return Https({.path = "/v1/audit/sth", .token = officer_}).Json().value("tree_size", 0ull);
  }

  static fs::path dir_;
  static int port_;
  static pid_t pid_;
  // GET /metrics as the operator: each sample's value by its name and labels, as written
  // (`concordat_http_requests_total{code="200"}`); the body in *text when asked.
  static std::map<std::string, double> Metrics(std::string* text = nullptr) {
    Reply r = Https({.path = "/metrics", .token = operator_});
    EXPECT_EQ(r.status, 200) << r.body;
    if (text) *text = r.body;
    std::map<std::string, double> samples;
    std::istringstream lines(r.body);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] == '#') continue;
      const size_t space = line.rfind(' ');
      samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return samples;
  }
  static std::string officer_, analyst_, ecc_, southend_, operator_;
};

fs::path Server::dir_;
int Server::port_ = 0;
pid_t Server::pid_ = -1;
std::string Server::officer_, Server::analyst_, Server::ecc_, Server::southend_, Server::operator_;

TEST_F(Server, TheMosaicCheckIsPermittedAtHqOnTheLaptopAndEachDecisionIsAudited) {
  const uint64_t before = TreeSize();
  Reply r = Https(Decide(MosaicCheck(",\"audit_reference\":\"AR-2024-0091\"")));
  ASSERT_EQ(r.status, 200) << r.body;
  json d = r.Json();
  EXPECT_EQ(d["decision"], "permit") << r.body;
  EXPECT_EQ(d["rule"], "polit-checks");
  EXPECT_EQ(d["obligations"]["mode"], "read_only");
  EXPECT_FALSE(d["obligations"]["fields"].empty());
  const uint64_t index = d["audit_index"];
  EXPECT_EQ(index, before);
  EXPECT_EQ(TreeSize(), before + 1);
  // The entry is in the signed log, proved against the signed head.
  Reply proof = Https({.path = "/v1/audit/proof/" + std::to_string(index), .token = officer_});
  ASSERT_EQ(proof.status, 200) << proof.body;
  EXPECT_EQ(proof.Json()["index"], index);
  // What the log holds: the requester as the server established it, not as anyone claimed.
  ShellRun tail = Sh(Cli("audit tail --count 1"));
  json entry = json::parse(tail.out, nullptr, false);
  ASSERT_FALSE(entry.is_discarded()) << tail.out;
  EXPECT_EQ(entry["index"], index);
  EXPECT_EQ(entry["decision"], "permit");
  EXPECT_EQ(entry["actor"], "u-4411");
  json logged = json::parse(entry["request"].get<std::string>());
  EXPECT_EQ(logged["requester"]["location"], "essex-police-hq");
  EXPECT_EQ(logged["requester"]["device"], "ecc-issued-laptop");
  EXPECT_EQ(logged["requester"]["org"], "essex-police");
  EXPECT_EQ(logged["audit_reference"], "AR-2024-0091");
  EXPECT_EQ(entry["request"].get<std::string>(), logged.dump()) << "canonical: sorted, compact";
  EXPECT_EQ(Sh(Cli("audit verify")).code, 0);
}

TEST_F(Server, AnAuditorVerifiesProofsFromTheServerWithNothingButTheLogsPublicKey) {
  // An auditor holds a signed tree head from earlier...
  ASSERT_EQ(Https(Decide(MosaicCheck(",\"audit_reference\":\"AR-1\""))).status, 200);
  Reply old_head = Https({.path = "/v1/audit/sth", .token = ecc_});
  ASSERT_EQ(old_head.status, 200) << old_head.body;
  const uint64_t old_size = old_head.Json()["tree_size"];
  // ...the log grows: a decision by Essex Police...
  Reply decided = Https(Decide(MosaicCheck(",\"audit_reference\":\"AR-2\"")));
  ASSERT_EQ(decided.status, 200) << decided.body;
  const uint64_t index = decided.Json()["audit_index"];
  Reply new_head = Https({.path = "/v1/audit/sth", .token = officer_});
  const uint64_t new_size = new_head.Json()["tree_size"];
  ASSERT_GT(new_size, old_size);
  EXPECT_EQ(new_head.Json()["public_key"],
            Sh("tr -d '\\n' < '" + (dir_ / "var/concordat.db.signing-key.pub").string() + "'").out);
  // ...and concordat-verify, offline, checks what the server answers.
  const std::string key = (dir_ / "var/concordat.db.signing-key.pub").string();
  auto save = [&](const std::string& name, const std::string& text) {
    std::ofstream((dir_ / name).string()) << text;
    return "'" + (dir_ / name).string() + "'";
  };
  auto verify = [&](const std::string& args) {
    return Sh(std::string(CONCORDAT_VERIFY_BINARY) + " " + args + " --public-key '" + key + "'");
  };
  const std::string old_sth = save("old-sth.json", old_head.body);
  const std::string new_sth = save("new-sth.json", new_head.body);
  Reply consistency = Https({.path = "/v1/audit/consistency?first=" + std::to_string(old_size) +
                                     "&second=" + std::to_string(new_size),
                             .token = ecc_});
  ASSERT_EQ(consistency.status, 200) << consistency.body;
  const std::string cproof = save("consistency.json", consistency.body);
  ShellRun extends =
      verify("consistency --old-sth " + old_sth + " --new-sth " + new_sth + " --proof " + cproof);
  EXPECT_EQ(extends.code, 0) << extends.out;
  EXPECT_NE(extends.out.find("VALID"), std::string::npos) << extends.out;
  // The entry's own organisation gets its text, which the verifier hashes itself...
  Reply own = Https({.path = "/v1/audit/proof/" + std::to_string(index) +
                             "?tree_size=" + std::to_string(new_size),
                     .token = officer_});
  ASSERT_EQ(own.status, 200) << own.body;
  ASSERT_TRUE(own.Json()["entry"].is_string()) << own.body;
  EXPECT_NE(own.Json()["entry"].get<std::string>().find("AR-2"), std::string::npos);
  ShellRun included =
      verify("inclusion --sth " + new_sth + " --proof " + save("own.json", own.body));
  EXPECT_EQ(included.code, 0) << included.out;
  EXPECT_NE(included.out.find("the entry given is entry " + std::to_string(index)),
            std::string::npos)
      << included.out;
  // ...another organisation gets its leaf hash only, which verifies too.
  Reply other = Https({.path = "/v1/audit/proof/" + std::to_string(index) +
                               "?tree_size=" + std::to_string(new_size),
                       .token = ecc_});
  ASSERT_EQ(other.status, 200) << other.body;
  EXPECT_FALSE(other.Json().contains("entry")) << other.body;
  EXPECT_EQ(other.body.find("AR-2"), std::string::npos) << other.body;
  ShellRun hashed =
      verify("inclusion --sth " + new_sth + " --proof " + save("other.json", other.body));
  EXPECT_EQ(hashed.code, 0) << hashed.out;
  EXPECT_NE(hashed.out.find("only its hash is proven"), std::string::npos) << hashed.out;
  // A changed entry, a proof against another head, or between other sizes: refused.
  json forged = own.Json();
  std::string text = forged["entry"];
  text.replace(text.find("AR-2"), 4, "AR-9");
  forged["entry"] = text;
  forged.erase("leaf_hash");
  ShellRun refused =
      verify("inclusion --sth " + new_sth + " --proof " + save("forged.json", forged.dump()));
  EXPECT_EQ(refused.code, 1) << refused.out;
  EXPECT_NE(refused.out.find("INVALID"), std::string::npos) << refused.out;
  EXPECT_EQ(verify("inclusion --sth " + old_sth + " --proof " + save("own2.json", own.body)).code,
            1);
  Reply wider = Https({.path = "/v1/audit/consistency?first=0", .token = ecc_});
  ASSERT_EQ(wider.status, 200) << wider.body;
  ShellRun mismatch = verify("consistency --old-sth " + old_sth + " --new-sth " + new_sth +
                             " --proof " + save("wider.json", wider.body));
  EXPECT_EQ(mismatch.code, 1) << mismatch.out;
  EXPECT_NE(mismatch.out.find("ask for the proof between"), std::string::npos) << mismatch.out;
  // Bad parameters are named; nothing answers beyond the signed log.
  for (const auto& [path, message] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/audit/consistency", "first: required"},
           {"/v1/audit/consistency?first=x", "first: 'x' is not a whole number"},
           {"/v1/audit/consistency?first=2&second=1", "first: 2 is after second (1)"},
           {"/v1/audit/consistency?first=0&second=999999", "second: 999999 is beyond"},
           {"/v1/audit/consistency?first=0&colour=red", "colour: unknown parameter"},
           {"/v1/audit/proof/0?tree_size=999999", "tree_size: 999999 is beyond"},
           {"/v1/audit/proof/0?size=1", "size: unknown parameter"},
           {"/v1/audit/proof/-1", "index: '-1' is not a whole number"}}) {
    Reply r = Https({.path = path, .token = ecc_});
    EXPECT_EQ(r.status, 400) << path << " -> " << r.body;
    EXPECT_NE(r.body.find(message), std::string::npos) << path << " -> " << r.body;
  }
  EXPECT_EQ(Https({.path = "/v1/audit/proof/" + std::to_string(new_size), .token = ecc_}).status,
            404);
  EXPECT_EQ(Https({.path = "/v1/audit/consistency?first=0"}).status, 401);
}

// A new deployment: the empty log has a signed head (the empty tree's); the server's first act
// is to record, as lifecycle entries, the protocol versions it puts in force; each later head
// is proven to extend the empty one.
TEST_F(Server, ANewDeploymentsLogBeginsWithTheVersionsItPutsInForceAndExtendsTheEmptyHead) {
  // A store of its own, new and empty, with one user.
  const std::string fresh = (dir_ / "fresh/concordat.db").string();
  const std::string cli = std::string(CONCORDAT_BINARY);
  ASSERT_EQ(Sh(cli + " init --store sqlite:" + fresh).code, 0);
  ShellRun empty = Sh(cli + " audit sth --store sqlite:" + fresh);
  ASSERT_EQ(empty.code, 0) << empty.out;
  json empty_head = json::parse(empty.out, nullptr, false);
  ASSERT_FALSE(empty_head.is_discarded()) << empty.out;
  EXPECT_EQ(empty_head["tree_size"], 0);
  EXPECT_EQ(empty_head["root_hash"],
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
      << "RFC 9162: the empty tree's hash is SHA-256 of nothing";
  // Adding a user is the log's first entry.
  ShellRun added =
      Sh(cli + " user add --id u-1 --org essex-police --roles analyst --store sqlite:" + fresh);
  ASSERT_EQ(added.code, 0) << added.out;
  const std::string token = added.out.substr(added.out.find("cct_"), 68);
  const ChangedConfig fresh_store("store: sqlite:" + (dir_ / "var/concordat.db").string(),
                                  "store: sqlite:" + fresh);
  // One lifecycle entry per version in the registry (a file each), naming its content hash.
  size_t versions = 0;
  for (const char* dir : {"/protocols", "/examples/demo/registry"})
    for (const auto& f : fs::directory_iterator(std::string(CONCORDAT_SOURCE_DIR) + dir))
      versions += f.path().extension() == ".yaml";
  ASSERT_GT(versions, 2u);
  const json listed = Https({.path = "/v1/protocols", .token = token}).Json();
  Reply first = Https({.path = "/v1/audit/sth", .token = token});
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Json()["tree_size"], versions + 1) << first.body;
  ShellRun tail = Sh(cli + " audit tail --store sqlite:" + fresh + " -n 100");
  std::istringstream lines(tail.out);
  std::string line;
  std::set<std::string> hashes;
  ASSERT_TRUE(std::getline(lines, line));
  json access = json::parse(line, nullptr, false);
  ASSERT_FALSE(access.is_discarded()) << line;
  EXPECT_EQ(access["kind"], "access") << line;
  EXPECT_EQ(access["organisation"], "essex-police") << line;
  EXPECT_EQ(json::parse(access["request"].get<std::string>())["event"], "user-added") << line;
  EXPECT_EQ(json::parse(access["request"].get<std::string>())["user"], "u-1") << line;
  while (std::getline(lines, line)) {
    json e = json::parse(line, nullptr, false);
    ASSERT_FALSE(e.is_discarded()) << line;
    EXPECT_EQ(e["kind"], "lifecycle") << line;
    EXPECT_EQ(e["actor"], "system") << line;
    json what = json::parse(e["request"].get<std::string>());
    EXPECT_EQ(what["event"], "version-loaded") << line;
    hashes.insert(what["content_hash"].get<std::string>());
  }
  EXPECT_EQ(hashes.size(), versions);
  for (const auto& p : listed["protocols"])  // those this user sees, among them
    EXPECT_EQ(hashes.count(p["content_hash"].get<std::string>()), 1u) << p.dump();
  // A restart finds them recorded, and records nothing again.
  Restart();
  EXPECT_EQ(Https({.path = "/v1/audit/sth", .token = token}).Json()["tree_size"], versions + 1);
  ASSERT_EQ(Https(Decide(MosaicCheck())).status, 401) << "the other store's users are not here";
  Call decide = Decide(MosaicCheck());
  decide.token = token;
  ASSERT_EQ(Https(decide).status, 200);
  Reply later = Https({.path = "/v1/audit/sth", .token = token});
  ASSERT_EQ(later.Json()["tree_size"], versions + 2) << later.body;
  Reply proof =
      Https({.path = "/v1/audit/consistency?first=0&second=" + std::to_string(versions + 2),
             .token = token});
  ASSERT_EQ(proof.status, 200) << proof.body;
  auto save = [&](const std::string& name, const std::string& text) {
    std::ofstream((dir_ / name).string()) << text;
    return " '" + (dir_ / name).string() + "'";
  };
  ShellRun verified =
      Sh(std::string(CONCORDAT_VERIFY_BINARY) + " consistency --public-key '" +
         (dir_ / "fresh/concordat.db.signing-key.pub").string() + "' --old-sth" +
         save("empty-sth.json", empty.out) + " --new-sth" + save("later-sth.json", later.body) +
         " --proof" + save("zero-later.json", proof.body));
  EXPECT_EQ(verified.code, 0) << verified.out;
}

TEST_F(Server, EachMissingConditionOfTheMosaicRuleDeniesWithItsCode) {
  struct Case {
    std::string name;
    Call call;
    std::string code;
  };
  const std::string ok = MosaicCheck(",\"audit_reference\":\"AR-1\"");
  Call from_home = Decide(ok);
  from_home.from = "127.0.0.1";
  Call no_cert = Decide(ok);
  no_cert.cert = "";
  Call personal_cert = Decide(ok);
  personal_cert.cert = "personal";
  Call wrong_role = Decide(ok);
  wrong_role.token = analyst_;
  for (const Case& c : std::vector<Case>{
           {"from another address", from_home, "LOCATION_NOT_ALLOWED"},
           {"without a client certificate", no_cert, "DEVICE_NOT_ALLOWED"},
           {"with a certificate that is not the laptop's", personal_cert, "DEVICE_NOT_ALLOWED"},
           {"without an audit reference", Decide(MosaicCheck()), "AUDIT_REFERENCE_REQUIRED"},
           {"a write", Decide(MosaicCheck(",\"audit_reference\":\"AR-1\",\"action\":\"write\"")),
            "READ_ONLY"},
           {"by a role the rule does not name", wrong_role, "ROLE_NOT_AUTHORISED"}}) {
    const uint64_t before = TreeSize();
    Reply r = Https(c.call);
    ASSERT_EQ(r.status, 200) << c.name << ": " << r.body;
    json d = r.Json();
    EXPECT_EQ(d["decision"], "deny") << c.name;
    bool found = false;
    for (const auto& reason : d["reasons"]) found = found || reason["code"] == c.code;
    EXPECT_TRUE(found) << c.name << ": expected " << c.code << " in " << r.body;
    EXPECT_EQ(TreeSize(), before + 1) << c.name << ": a deny is audited too";
  }
}

TEST_F(Server, NoTokenOrABadTokenGets401AndLeaksNothing) {
  const std::vector<Call> calls = {
      {.method = "POST", .path = "/v1/decide", .body = MosaicCheck()},
      {.path = "/v1/audit/sth"},
      {.path = "/v1/audit/proof/0"},
      {.path = "/v1/audit/consistency?first=0"},
      {.path = "/v1/protocols/essex-prison-release-housing"},
      {.path = "/v1/lookup/essex-cc/cf-case-status?subject=MOS-100001&purpose=x"},
      {.path = "/v1/disclosures"},
      {.path = "/v1/disclosures/00000000000000000000000000000000"},
      {.method = "POST", .path = "/v1/requests", .body = "{}"},
      {.path = "/v1/requests"},
      {.path = "/v1/requests/00000000000000000000000000000000"},
      {.path = "/v1/me"},
      {.method = "POST",
       .path = "/v1/requests/00000000000000000000000000000000/answer",
       .body = "{}"},
      {.method = "POST",
       .path = "/v1/requests/00000000000000000000000000000000/decline",
       .body = "{}"},
      {.method = "POST",
       .path = "/v1/requests/00000000000000000000000000000000/cancel",
       .body = "{}"},
      {.path = "/metrics"},
  };
  const uint64_t before = TreeSize();
  for (Call c : calls) {
    // No token; the laptop's certificate, a device registered to no user; bad tokens.
    for (const auto& [token, cert] : std::vector<std::pair<std::string, std::string>>{
             {"", ""}, {"", "laptop"}, {"cct_0000", ""}, {"not-a-token", "laptop"}}) {
      c.token = token;
      c.cert = cert;
      Reply r = Https(c);
      EXPECT_EQ(r.status, 401) << c.path << " token '" << token << "' cert '" << cert
                               << "': " << r.body;
      EXPECT_NE(r.headers.find("WWW-Authenticate: Bearer"), std::string::npos) << r.headers;
      EXPECT_NE(r.headers.find("Cache-Control: no-store"), std::string::npos) << r.headers;
      json p = r.Json();
      EXPECT_EQ(p["code"], "UNAUTHENTICATED") << r.body;
      for (const char* secret :
           {"essex-cc", "tree_size", "u-4411", "draft", "partners", "concordat_"}) {
        EXPECT_EQ(r.body.find(secret), std::string::npos) << c.path << ": " << r.body;
      }
    }
  }
  // A bad token is refused even where anonymous reading is allowed.
  EXPECT_EQ(Https({.path = "/v1/protocols", .token = "cct_0000"}).status, 401);
  EXPECT_EQ(TreeSize(), before);
}

// A made-up token sent again and again costs the store one read per token_cache_seconds (1
// here), not one per request: the server remembers that it is no one's, as it remembers users.
TEST_F(Server, AMadeUpTokenSentAgainAndAgainIsLookedForInTheStoreOncePerCacheTime) {
  const std::string made_up = "cct_" + std::string(64, 'e');
  const double before = Metrics().at("concordat_user_reads_total");
  for (int i = 0; i < 40; ++i) {
    Reply r = Https({.path = "/v1/disclosures", .token = made_up});
    ASSERT_EQ(r.status, 401) << r.body;
    EXPECT_NE(r.body.find("the bearer token is not known"), std::string::npos) << r.body;
  }
  const double reads = Metrics().at("concordat_user_reads_total") - before;
  EXPECT_GE(reads, 1);
  EXPECT_LE(reads, 8) << "about one read a second for 40 requests, and the scrape's own";
  // A real user is still found.
  EXPECT_EQ(Https({.path = "/v1/disclosures", .token = analyst_}).status, 200);
}

TEST_F(Server, ARevokedTokenIsRefusedWithinTheTokenCacheTimeAndOthersGoOn) {
  const std::string token = AddUser("u-4499", "essex-police", "crime-analyst");
  ASSERT_EQ(Https({.path = "/v1/disclosures", .token = token}).status, 200);
  ShellRun revoked = Sh(Cli("user revoke --id u-4499"));
  ASSERT_EQ(revoked.code, 0) << revoked.out;
  // token_cache_seconds is 1 here: the server reads the user again within about a second.
  Reply r;
  for (int i = 0; i < 40; ++i) {
    r = Https({.path = "/v1/disclosures", .token = token});
    if (r.status != 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.Json()["code"], "UNAUTHENTICATED") << r.body;
  EXPECT_NE(r.body.find("revoked"), std::string::npos) << r.body;
  const uint64_t before = TreeSize();
  EXPECT_EQ(
      Https({.method = "POST", .path = "/v1/decide", .body = MosaicCheck(), .token = token}).status,
      401)
      << "the fast decide path must refuse a revoked token too";
  EXPECT_EQ(TreeSize(), before) << "a revoked token's request was logged";
  EXPECT_EQ(Https({.path = "/v1/disclosures", .token = analyst_}).status, 200);
}

// A token past its end of access (concordat user add --valid-days) is refused like a revoked
// one, on the fast decide path too, saying when it ended and how to get a new one; an end the
// server cannot read refuses rather than admits; a new token works again.
TEST_F(Server, AnExpiredTokenIsRefusedSayingWhenAndANewTokenWorks) {
  const std::string db = (dir_ / "var/concordat.db").string();
  const std::string token = AddUser("u-expired", "essex-police", "intelligence-support-officer");
  const std::string damaged = AddUser("u-damaged", "essex-police", "crime-analyst");
  ASSERT_EQ(Sh("sqlite3 '" + db +
               "' \"UPDATE users SET expires_at = '2025-06-30T17:00:00Z' WHERE id = 'u-expired';"
               " UPDATE users SET expires_at = 'soon' WHERE id = 'u-damaged'\"")
                .code,
            0);
  const uint64_t before = TreeSize();
  Reply r = Https({.path = "/v1/disclosures", .token = token});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.Json()["code"], "UNAUTHENTICATED") << r.body;
  EXPECT_NE(r.body.find("expired at 2025-06-30T17:00:00Z"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("concordat user token --id u-expired"), std::string::npos) << r.body;
  EXPECT_EQ(
      Https({.method = "POST", .path = "/v1/decide", .body = MosaicCheck(), .token = token}).status,
      401)
      << "the fast decide path must refuse an expired token too";
  EXPECT_EQ(Https({.path = "/v1/disclosures", .token = damaged}).status, 401);
  EXPECT_EQ(TreeSize(), before) << "an expired token's request was logged";

  ShellRun renewed = Sh(Cli("user token --id u-expired"));
  ASSERT_EQ(renewed.code, 0) << renewed.out;
  const size_t at = renewed.out.find("cct_");
  ASSERT_NE(at, std::string::npos) << renewed.out;
  EXPECT_EQ(Https({.path = "/v1/disclosures", .token = renewed.out.substr(at, 68)}).status, 200);
}

// GET /v1/me: what the server establishes of the caller, as a decision would take it: the
// user from the token, the site from the source address, the device from the certificate.
// Nothing is recorded, and a body or query cannot change any of it.
TEST_F(Server, MeShowsWhoWhereAndOnWhatDeviceTheServerTakesTheCallerToBe) {
  const uint64_t before = TreeSize();
  Reply hq = Https({.path = "/v1/me", .token = officer_, .from = "127.0.0.2", .cert = "laptop"});
  ASSERT_EQ(hq.status, 200) << hq.body;
  const json at_hq = hq.Json();
  EXPECT_EQ(at_hq["user"], "u-4411");
  EXPECT_EQ(at_hq["organisation"], "essex-police");
  EXPECT_EQ(at_hq["roles"], json::array({"intelligence-support-officer"})) << hq.body;
  EXPECT_EQ(at_hq["signed_in_with"], "bearer token");
  EXPECT_EQ(at_hq["address"], "127.0.0.2");
  EXPECT_EQ(at_hq["site"], "essex-police-hq");
  EXPECT_EQ(at_hq["device"], "ecc-issued-laptop");
  EXPECT_EQ(at_hq["client_certificate"].get<std::string>().rfind("sha256:", 0), 0u) << hq.body;
  EXPECT_EQ(at_hq["access_ends"].get<std::string>().size(), 20u) << "a year by default";
  // Elsewhere, without the laptop: no site, no device (what LOCATION_NOT_ALLOWED and
  // DEVICE_NOT_ALLOWED mean).
  const json away = Https({.path = "/v1/me", .token = officer_}).Json();
  EXPECT_EQ(away["address"], "127.0.0.1");
  EXPECT_TRUE(away["site"].is_null()) << away.dump();
  EXPECT_TRUE(away["device"].is_null()) << away.dump();
  EXPECT_TRUE(away["client_certificate"].is_null()) << away.dump();
  EXPECT_EQ(Https({.path = "/v1/me?site=essex-police-hq", .token = officer_}).status, 400);
  EXPECT_EQ(Https({.method = "POST", .path = "/v1/me", .body = "{}", .token = officer_}).status,
            405);
  EXPECT_EQ(Https({.path = "/v1/me"}).status, 401);
  EXPECT_EQ(TreeSize(), before) << "reading one's own access was recorded";
  for (const char* secret : {"cct_", "sha256:" /* of the token */})
    EXPECT_EQ(away.dump().find(secret), std::string::npos) << away.dump();
}

// A leaked token is replaced: the old one stops within the cache time, the new one is the same
// person (the log names the same user id), and a revoked user gets no new token.
TEST_F(Server, AReplacedTokenStopsAndTheNewOneIsTheSameUser) {
  const std::string old_token = AddUser("u-rotate", "essex-police", "intelligence-support-officer");
  ASSERT_EQ(Https({.path = "/v1/disclosures", .token = old_token}).status, 200);
  ShellRun replaced = Sh(Cli("user token --id u-rotate"));
  ASSERT_EQ(replaced.code, 0) << replaced.out;
  const size_t at = replaced.out.find("cct_");
  ASSERT_NE(at, std::string::npos) << replaced.out;
  EXPECT_EQ(replaced.out.find("cct_", at + 1), std::string::npos) << "one token: " << replaced.out;
  const std::string new_token = replaced.out.substr(at, 68);
  // The change is in the audit log: who, and what became of their access.
  auto last_access = [this] {
    json e = json::parse(Sh(Cli("audit tail --count 1")).out, nullptr, false);
    EXPECT_FALSE(e.is_discarded());
    EXPECT_EQ(e.value("kind", ""), "access") << e.dump();
    return e.is_discarded() ? json::object() : json::parse(e.value("request", "{}"));
  };
  json access = last_access();
  EXPECT_EQ(access["event"], "token-replaced");
  EXPECT_EQ(access["user"], "u-rotate");
  EXPECT_EQ(access.dump().find("cct_"), std::string::npos) << "a token in the log";
  EXPECT_NE(new_token, old_token);
  Reply r;
  for (int i = 0; i < 50; ++i) {  // token_cache_seconds is 1 here
    r = Https({.path = "/v1/disclosures", .token = old_token});
    if (r.status != 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(r.status, 401) << r.body;
  Call decide = Decide(MosaicCheck());
  decide.token = new_token;
  ASSERT_EQ(Https(decide).status, 200);
  json entry = json::parse(Sh(Cli("audit tail --count 1")).out, nullptr, false);
  ASSERT_FALSE(entry.is_discarded());
  EXPECT_EQ(entry["actor"], "u-rotate");
  ShellRun unknown = Sh(Cli("user token --id u-nobody"));
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.out.find("no user u-nobody"), std::string::npos) << unknown.out;
  const uint64_t before_refusals = TreeSize();
  ASSERT_EQ(Sh(Cli("user add --id u-rotate --org essex-police --roles x")).code, 2);
  EXPECT_EQ(TreeSize(), before_refusals) << "a refused user add was logged";
  ASSERT_EQ(Sh(Cli("user revoke --id u-rotate")).code, 0);
  EXPECT_EQ(last_access()["event"], "user-revoked");
  const uint64_t after_revoke = TreeSize();
  ShellRun revoked = Sh(Cli("user token --id u-rotate"));
  EXPECT_EQ(revoked.code, 2);
  EXPECT_NE(revoked.out.find("a revoked user gets no new token"), std::string::npos) << revoked.out;
  EXPECT_EQ(revoked.out.find("cct_"), std::string::npos) << "a token was printed anyway";
  EXPECT_EQ(TreeSize(), after_revoke) << "a refused token replacement was logged";
  EXPECT_EQ(Sh(Cli("audit verify")).code, 0);
}

const char kLookup[] =
    "/v1/lookup/essex-cc/cf-case-status?protocol=essex-police-mosaic&purpose=online-child-sexual-"
    "abuse&justification=POLIT+"
    "referral+77&audit_reference=AR-2024-0091&subject=";

TEST_F(Server, ALookUpReturnsOnlyTheAllowedFieldsAndIsADisclosureSealedAtRest) {
  const uint64_t before = TreeSize();
  Reply r = Https({.path = std::string(kLookup) + "MOS-100001",
                   .token = officer_,
                   .from = "127.0.0.2",
                   .cert = "laptop"});
  ASSERT_EQ(r.status, 200) << r.body;
  json j = r.Json();
  EXPECT_EQ(j["fields"]["name"], "Alex Demo");
  EXPECT_EQ(j["fields"]["case_status"], "open");
  EXPECT_EQ(j["fields"]["allocated_worker"], "Sam Worker");
  EXPECT_FALSE(j["fields"].contains("ethnicity")) << "not a field the protocol covers";
  EXPECT_EQ(j["withheld"], json::array({"ethnicity"}));
  EXPECT_EQ(j["protocol"], "essex-police-mosaic");
  EXPECT_EQ(j["decision"]["decision"], "permit");
  EXPECT_EQ(TreeSize(), before + 2) << "the decision and the disclosure are both logged";
  const std::string id = j["disclosure"];
  // Each side sees it, from its own side; nobody else does.
  Reply police = Https({.path = "/v1/disclosures", .token = officer_});
  ASSERT_EQ(police.status, 200);
  EXPECT_NE(police.body.find(id), std::string::npos);
  EXPECT_NE(police.body.find("\"received\""), std::string::npos);
  Reply ecc = Https({.path = "/v1/disclosures", .token = ecc_});
  EXPECT_NE(ecc.body.find(id), std::string::npos);
  EXPECT_NE(ecc.body.find("\"sent\""), std::string::npos);
  Reply other = Https({.path = "/v1/disclosures", .token = southend_});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.body.find(id), std::string::npos) << other.body;
  EXPECT_EQ(Https({.path = "/v1/disclosures/" + id, .token = southend_}).status, 404);
  Reply content = Https({.path = "/v1/disclosures/" + id, .token = officer_});
  ASSERT_EQ(content.status, 200) << content.body;
  EXPECT_EQ(content.Json()["fields"]["name"], "Alex Demo");
  EXPECT_EQ(content.Json()["subject"], "MOS-100001");
  // At rest, neither the record nor the subject reference is in clear.
  ShellRun dump = Sh("sqlite3 '" + (dir_ / "var/concordat.db").string() +
                     "' \"SELECT hex(ciphertext), subject_tag, fields FROM disclosures\"");
  EXPECT_EQ(dump.out.find("MOS-100001"), std::string::npos);
  const std::string db = (dir_ / "var/concordat.db").string();
  ShellRun raw = Sh("cat '" + db + "' '" + db +
                    "-wal' 2>/dev/null | grep -a -c -e 'Alex Demo' "
                    "-e 'MOS-100001' -e 'Sam Worker'");
  EXPECT_EQ(raw.out, "0\n") << "the store holds the subject or their record in clear";
  EXPECT_EQ(Sh(Cli("audit verify")).code, 0);
}

TEST_F(Server, ADeniedOrImpossibleLookUpDisclosesNothing) {
  const uint64_t before = TreeSize();
  Reply home = Https({.path = std::string(kLookup) + "MOS-100001",
                      .token = officer_,
                      .from = "127.0.0.1",
                      .cert = "laptop"});
  EXPECT_EQ(home.status, 403) << home.body;
  EXPECT_EQ(home.Json()["code"], "DENIED");
  EXPECT_EQ(home.Json()["decision"]["reasons"][0]["code"], "LOCATION_NOT_ALLOWED") << home.body;
  EXPECT_EQ(home.body.find("Alex"), std::string::npos);
  EXPECT_EQ(TreeSize(), before + 1) << "the denial is logged, and nothing else";
  Reply unknown = Https({.path = std::string(kLookup) + "MOS-999999",
                         .token = officer_,
                         .from = "127.0.0.2",
                         .cert = "laptop"});
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(unknown.Json()["code"], "NO_RECORD");
  Reply no_subject = Https({.path = "/v1/lookup/essex-cc/cf-case-status?purpose=x",
                            .token = officer_,
                            .from = "127.0.0.2",
                            .cert = "laptop"});
  EXPECT_EQ(no_subject.status, 400);
  EXPECT_NE(no_subject.body.find("subject: required"), std::string::npos) << no_subject.body;
  Reply odd = Https({.path = std::string(kLookup) + "MOS-100001&colour=red",
                     .token = officer_,
                     .from = "127.0.0.2",
                     .cert = "laptop"});
  EXPECT_EQ(odd.status, 400);
  EXPECT_NE(odd.body.find("colour: unknown parameter"), std::string::npos) << odd.body;
  // A category the provider's connector does not serve: decided (deny, it is not this
  // provider's), never fetched.
  Reply other = Https({.path = "/v1/lookup/essex-cc/cf-request-for-support?subject=MOS-100001&"
                               "purpose=online-child-sexual-abuse&justification=j&"
                               "audit_reference=a",
                       .token = officer_,
                       .from = "127.0.0.2",
                       .cert = "laptop"});
  EXPECT_TRUE(other.status == 403 || other.status == 501) << other.body;
  EXPECT_TRUE(Https({.path = "/v1/disclosures", .token = southend_}).Json()["disclosures"].empty());
}

std::string NewRequest(const std::string& subject,
                       const std::string& purpose = "child-protection") {
  return "{\"provider\":\"essex-cc\",\"data\":[\"cf-case-status\"],\"purpose\":\"" + purpose +
         "\",\"subject\":\"" + subject +
         "\",\"justification\":\"strategy meeting tomorrow\",\"audit_reference\":\"AR-77\"}";
}

TEST_F(Server, APartnersSystemSignsInWithAClientCertificateRegisteredToItsUser) {
  // Essex County Council's case system calls the server with a certificate of its own.
  ShellRun made = Sh("cd '" + dir_.string() +
                     "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                     "-keyout ecc-system.key -out ecc-system.crt -days 30 -subj /CN=ecc-system");
  ASSERT_EQ(made.code, 0) << made.out;
  ShellRun added =
      Sh(Cli("user add --id sys-ecc --org essex-cc --roles safeguarding-manager "
             "--certificate '" +
             (dir_ / "ecc-system.crt").string() + "'"));
  ASSERT_EQ(added.code, 0) << added.out;
  EXPECT_NE(added.out.find("client certificate sha256:"), std::string::npos) << added.out;
  // No token: the certificate names the user, and the user's organisation sees its own.
  Reply mine = Https({.path = "/v1/requests?direction=received", .cert = "ecc-system"});
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(mine.Json()["organisation"], "essex-cc");
  Reply made_request = Https({.method = "POST",
                              .path = "/v1/requests",
                              .body = NewRequest("MOS-100002"),
                              .token = officer_});
  ASSERT_EQ(made_request.status, 201) << made_request.body;
  const std::string id = made_request.Json()["id"];
  const uint64_t before = TreeSize();
  Reply declined = Https({.method = "POST",
                          .path = "/v1/requests/" + id + "/decline",
                          .body = R"({"reason":"no case held"})",
                          .cert = "ecc-system"});
  ASSERT_EQ(declined.status, 200) << declined.body;
  EXPECT_EQ(TreeSize(), before + 1);
  ShellRun tail = Sh(Cli("audit tail --count 1"));
  EXPECT_NE(tail.out.find("\"actor\":\"sys-ecc\""), std::string::npos)
      << "the log names the system's user: " << tail.out;
  // A certificate registered to no one is no one; a token still wins over a certificate.
  Reply stranger = Https({.path = "/v1/disclosures", .cert = "personal"});
  EXPECT_EQ(stranger.status, 401) << stranger.body;
  EXPECT_NE(stranger.body.find("not registered to a user"), std::string::npos) << stranger.body;
  Reply token_wins = Https({.path = "/v1/disclosures", .token = officer_, .cert = "ecc-system"});
  ASSERT_EQ(token_wins.status, 200);
  EXPECT_EQ(token_wins.Json()["organisation"], "essex-police");
  // One certificate, one user.
  ShellRun again = Sh(Cli("user add --id sys-2 --org essex-police --roles x --certificate '" +
                          (dir_ / "ecc-system.crt").string() + "'"));
  EXPECT_EQ(again.code, 2) << again.out;
  EXPECT_NE(again.out.find("another user has that certificate"), std::string::npos) << again.out;
  EXPECT_EQ(Sh(Cli("user add --id sys-3 --org essex-police --roles x --fingerprint nope")).code, 2);
  ShellRun missing =
      Sh(Cli("user add --id sys-4 --org essex-police --roles x --certificate /nonexistent.crt"));
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.out.find("/nonexistent.crt: no such file, so no certificate was read"),
            std::string::npos)
      << missing.out;
  ShellRun not_pem = Sh(Cli("user add --id sys-5 --org essex-police --roles x --certificate '" +
                            (dir_ / "concordatd.yaml").string() + "'"));
  EXPECT_EQ(not_pem.code, 2);
  EXPECT_NE(not_pem.out.find("not a PEM certificate"), std::string::npos) << not_pem.out;
  ShellRun both =
      Sh(Cli("user add --id sys-6 --org essex-police --roles x --fingerprint x "
             "--certificate '" +
             (dir_ / "ecc-system.crt").string() + "'"));
  EXPECT_EQ(both.code, 2);
  EXPECT_NE(both.out.find("not both"), std::string::npos) << both.out;
  for (const char* id : {"sys-2", "sys-3", "sys-4", "sys-5", "sys-6"})
    EXPECT_EQ(Sh("sqlite3 '" + (dir_ / "var/concordat.db").string() +
                 "' \"SELECT COUNT(*) FROM users WHERE id = '" + id + "'\"")
                  .out,
              "0\n")
        << id << " was added";
  // Revoked: refused within token_cache_seconds (1 here), and nothing is recorded for it.
  ASSERT_EQ(Sh(Cli("user revoke --id sys-ecc")).code, 0);
  Reply r;
  for (int i = 0; i < 40; ++i) {
    r = Https({.path = "/v1/disclosures", .cert = "ecc-system"});
    if (r.status != 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_NE(r.body.find("revoked"), std::string::npos) << r.body;
  ShellRun listed = Sh(Cli("user list --org essex-cc"));
  EXPECT_NE(listed.out.find("sys-ecc\tessex-cc\tsafeguarding-manager\t"), std::string::npos)
      << listed.out;
  EXPECT_NE(listed.out.find("\tsha256:"), std::string::npos) << listed.out;
}

TEST_F(Server, ARequestIsAnsweredByTheProviderAndFetchedByTheRequester) {
  Reply made = Https({.method = "POST",
                      .path = "/v1/requests",
                      .body = NewRequest("MOS-100002"),
                      .token = officer_});
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = made.Json()["id"];
  EXPECT_EQ(made.Json()["status"], "open");
  EXPECT_EQ(made.Json()["protocol"], "demo-safeguarding-requests");
  // The provider sees it addressed to them, with the subject they must look up.
  Reply inbox = Https({.path = "/v1/requests", .token = ecc_});
  ASSERT_EQ(inbox.status, 200);
  bool seen = false;
  const json received = inbox.Json();
  const std::regex utc_millis(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  for (const auto& q : received["requests"])
    if (q["id"] == id) {
      seen = true;
      EXPECT_EQ(q["direction"], "received");
      EXPECT_EQ(q["subject"], "MOS-100002");
      EXPECT_EQ(q["justification"], "strategy meeting tomorrow");
      // When, readable and exact; the decision's entry; nothing closed yet, and no "" for it.
      EXPECT_TRUE(std::regex_match(q["at"].get<std::string>(), utc_millis)) << q["at"];
      EXPECT_EQ(q["audit_index"], made.Json()["audit_index"]);
      EXPECT_TRUE(q["closed_at"].is_null()) << q.dump();
      EXPECT_TRUE(q["closed_by"].is_null()) << q.dump();
      EXPECT_TRUE(q["decline_reason"].is_null()) << q.dump();
      EXPECT_TRUE(q["disclosure"].is_null()) << q.dump();
    }
  EXPECT_TRUE(seen) << inbox.body;
  // Nobody else learns it exists; the requester cannot answer their own request.
  EXPECT_EQ(Https({.path = "/v1/requests/" + id, .token = southend_}).status, 404);
  EXPECT_EQ(Https({.method = "POST",
                   .path = "/v1/requests/" + id + "/answer",
                   .body = "{\"fields\":{\"name\":\"x\"}}",
                   .token = southend_})
                .status,
            404);
  EXPECT_EQ(Https({.method = "POST",
                   .path = "/v1/requests/" + id + "/answer",
                   .body = "{\"fields\":{\"name\":\"x\"}}",
                   .token = officer_})
                .status,
            403);
  Reply answered = Https({.method = "POST",
                          .path = "/v1/requests/" + id + "/answer",
                          .body = "{\"fields\":{\"name\":\"Bailey Sample\",\"case_status\":"
                                  "\"not open\"}}",
                          .token = ecc_});
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(answered.Json()["status"], "answered");
  // The answer's entry says it was decided again, and permitted, under which rule.
  json entry = json::parse(Sh(Cli("audit tail --count 1")).out, nullptr, false);
  ASSERT_FALSE(entry.is_discarded());
  EXPECT_EQ(entry["index"], answered.Json()["audit_index"]);
  EXPECT_EQ(entry["kind"], "disclosure");
  EXPECT_EQ(entry["decision"], "permit");
  json logged = json::parse(entry["request"].get<std::string>());
  EXPECT_EQ(logged["decided_again"], true);
  EXPECT_EQ(logged["rule"], "police-requests-case-status");
  EXPECT_EQ(logged["request"], id);
  Reply again = Https({.method = "POST",
                       .path = "/v1/requests/" + id + "/answer",
                       .body = "{\"fields\":{\"name\":\"x\"}}",
                       .token = ecc_});
  EXPECT_EQ(again.status, 409) << again.body;
  Reply fetched = Https({.path = "/v1/requests/" + id, .token = officer_});
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  EXPECT_EQ(fetched.Json()["status"], "answered");
  EXPECT_EQ(fetched.Json()["answer"]["name"], "Bailey Sample");
  EXPECT_EQ(fetched.Json()["answer"]["case_status"], "not open");
  EXPECT_TRUE(std::regex_match(fetched.Json()["closed_at"].get<std::string>(), utc_millis))
      << fetched.body;
  EXPECT_EQ(fetched.Json()["closed_by"], "u-7001");
  EXPECT_EQ(fetched.Json()["disclosure"], answered.Json()["disclosure"]);
  EXPECT_TRUE(fetched.Json()["decline_reason"].is_null()) << fetched.body;
  // The disclosure read alone: its own entry (as the listing gives it) and this reading's.
  const uint64_t before_read = TreeSize();
  Reply content =
      Https({.path = "/v1/disclosures/" + answered.Json()["disclosure"].get<std::string>(),
             .token = officer_});
  ASSERT_EQ(content.status, 200) << content.body;
  EXPECT_EQ(content.Json()["audit_index"], answered.Json()["audit_index"]) << content.body;
  EXPECT_EQ(content.Json()["read_audit_index"], before_read) << content.body;
  EXPECT_EQ(content.Json()["version"], "1.0");
  EXPECT_TRUE(content.Json()["retain_until"].is_null()) << "none set, so null, not \"\"";
  EXPECT_TRUE(std::regex_match(content.Json()["at"].get<std::string>(), utc_millis));
  json listed = Https({.path = "/v1/disclosures", .token = officer_}).Json()["disclosures"][0];
  EXPECT_EQ(listed["id"], answered.Json()["disclosure"]);
  EXPECT_EQ(listed["at"], content.Json()["at"]);
  EXPECT_TRUE(listed["retain_until"].is_null()) << listed.dump();
  EXPECT_EQ(Sh(Cli("audit verify")).code, 0);
}

// A provider pages through what is addressed to it, only the open ones if it asks, however
// many there are; a bad parameter is refused naming it.
TEST_F(Server, RequestsAndDisclosuresArePagedAndFilteredAndBadParametersNamed) {
  std::vector<std::string> open, declined;
  for (int i = 0; i < 5; ++i) {
    Reply made = Https({.method = "POST",
                        .path = "/v1/requests",
                        .body = NewRequest("MOS-2000" + std::to_string(i)),
                        .token = officer_});
    ASSERT_EQ(made.status, 201) << made.body;
    const std::string id = made.Json()["id"];
    if (i % 2 == 1) {
      ASSERT_EQ(Https({.method = "POST",
                       .path = "/v1/requests/" + id + "/decline",
                       .body = "{\"reason\":\"not held\"}",
                       .token = ecc_})
                    .status,
                200);
      declined.push_back(id);
    } else {
      open.push_back(id);
    }
  }
  // Every page of a listing, following "next" until it is null.
  auto pages = [&](const std::string& path, const std::string& token, const char* key) {
    std::vector<json> items;
    std::string next_path = path;
    for (int n = 0; n < 1000; ++n) {
      Reply page = Https({.path = next_path, .token = token});
      EXPECT_EQ(page.status, 200) << next_path << ": " << page.body;
      if (page.status != 200) break;
      const json j = page.Json();
      EXPECT_LE(j[key].size(), 2u) << "limit=2";
      for (const auto& item : j[key]) items.push_back(item);
      EXPECT_TRUE(j.contains("next")) << page.body;
      if (!j.contains("next") || j["next"].is_null()) break;
      next_path = path + "&before=" + j["next"].get<std::string>();
    }
    return items;
  };
  const auto inbox = pages("/v1/requests?direction=received&status=open&limit=2", ecc_, "requests");
  std::set<std::string> seen;
  int64_t last_ms = INT64_MAX;
  for (const auto& q : inbox) {
    EXPECT_TRUE(seen.insert(q["id"].get<std::string>()).second) << "listed twice: " << q["id"];
    EXPECT_EQ(q["direction"], "received");
    EXPECT_EQ(q["status"], "open");
    EXPECT_LE(q["at_ms"].get<int64_t>(), last_ms) << "newest first";
    last_ms = q["at_ms"].get<int64_t>();
  }
  for (const auto& id : open) EXPECT_TRUE(seen.count(id)) << "open request " << id << " not listed";
  for (const auto& id : declined) EXPECT_FALSE(seen.count(id)) << "declined " << id << " listed";
  // The requester sees the same requests as sent; all of them, in pages.
  std::set<std::string> sent;
  for (const auto& q : pages("/v1/requests?direction=sent&limit=2", officer_, "requests")) {
    EXPECT_EQ(q["direction"], "sent");
    sent.insert(q["id"].get<std::string>());
  }
  for (const auto& id : open) EXPECT_TRUE(sent.count(id)) << id;
  for (const auto& id : declined) EXPECT_TRUE(sent.count(id)) << id;
  // Disclosures page the same way; each is listed once.
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(Https({.path = std::string(kLookup) + "MOS-100001",
                     .token = officer_,
                     .from = "127.0.0.2",
                     .cert = "laptop"})
                  .status,
              200);
  std::set<std::string> disclosures;
  for (const auto& d : pages("/v1/disclosures?limit=2", officer_, "disclosures"))
    EXPECT_TRUE(disclosures.insert(d["id"].get<std::string>()).second) << d["id"];
  EXPECT_EQ(disclosures.size(), Https({.path = "/v1/disclosures?limit=1000", .token = officer_})
                                    .Json()["disclosures"]
                                    .size());

  const uint64_t before = TreeSize();
  for (const auto& [path, names] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/requests?status=pending", "status"},
           {"/v1/requests?direction=up", "direction"},
           {"/v1/requests?limit=0", "limit"},
           {"/v1/requests?limit=1001", "limit"},
           {"/v1/requests?before=yesterday", "before"},
           {"/v1/requests?org=essex-police", "org"},
           {"/v1/disclosures?status=open", "status"},
           {"/v1/disclosures?before=12.ab%20cd", "before"}}) {
    Reply r = Https({.path = path, .token = ecc_});
    EXPECT_EQ(r.status, 400) << path << ": " << r.body;
    EXPECT_EQ(r.Json().value("code", ""), "INVALID_REQUEST") << path;
    EXPECT_EQ(r.Json().value("message", "").rfind(names + ":", 0), 0u) << path << ": " << r.body;
  }
  EXPECT_EQ(TreeSize(), before) << "a refused listing records nothing";
}

TEST_F(Server, AnAnswerBeyondThePermittedFieldsIsRefusedWholeAndLogged) {
  Reply made = Https({.method = "POST",
                      .path = "/v1/requests",
                      .body = NewRequest("MOS-100003"),
                      .token = officer_});
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = made.Json()["id"];
  const uint64_t before = TreeSize();
  const size_t disclosures =
      Https({.path = "/v1/disclosures", .token = ecc_}).Json()["disclosures"].size();
  Reply r = Https({.method = "POST",
                   .path = "/v1/requests/" + id + "/answer",
                   .body = "{\"fields\":{\"name\":\"Casey Fiction\",\"ethnicity\":\"x\"}}",
                   .token = ecc_});
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.Json()["code"], "ANSWER_REFUSED");
  EXPECT_NE(r.body.find("fields.ethnicity: not permitted"), std::string::npos) << r.body;
  EXPECT_EQ(TreeSize(), before + 1) << "the refusal is logged";
  EXPECT_EQ(Https({.path = "/v1/disclosures", .token = ecc_}).Json()["disclosures"].size(),
            disclosures)
      << "nothing was disclosed";
  EXPECT_EQ(Https({.path = "/v1/requests/" + id, .token = officer_}).Json()["status"], "open");
}

TEST_F(Server, ABodyThatNamesAFieldTwiceOrIsMalformedIsRefusedSayingWhereAndWritesNothing) {
  Reply made = Https({.method = "POST",
                      .path = "/v1/requests",
                      .body = NewRequest("MOS-100003"),
                      .token = officer_});
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = made.Json()["id"];
  const uint64_t before = TreeSize();
  const size_t disclosures =
      Https({.path = "/v1/disclosures", .token = ecc_}).Json()["disclosures"].size();
  const size_t requests =
      Https({.path = "/v1/requests", .token = officer_}).Json()["requests"].size();
  struct Case {
    std::string path, body, message;
    std::string token;
  };
  const std::string answer = "/v1/requests/" + id + "/answer";
  for (const Case& c : std::vector<Case>{
           // Which name would the answer disclose? Neither: it is refused.
           {answer, R"({"fields":{"name":"Casey Fiction","name":"Someone Else"}})",
            "fields.name: given more than once", ecc_},
           {answer, R"({"fields":{"name":"Casey Fiction"},"fields":{}})",
            "fields: given more than once", ecc_},
           {answer, "{\"fields\":{\n\"name\":\"Casey Fiction\",}}",
            "malformed JSON: line 2, column", ecc_},
           {"/v1/requests/" + id + "/decline", R"({"reason":"a","reason":"b"})",
            "reason: given more than once", ecc_},
           {"/v1/requests", NewRequest("MOS-100003").insert(1, "\"subject\":\"MOS-100001\","),
            "subject: given more than once", officer_},
       }) {
    Reply r = Https({.method = "POST", .path = c.path, .body = c.body, .token = c.token});
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    EXPECT_NE(r.body.find(c.message), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("Casey"), std::string::npos) << "the body is not echoed: " << r.body;
  }
  EXPECT_EQ(TreeSize(), before) << "nothing is written for bad input";
  EXPECT_EQ(Https({.path = "/v1/disclosures", .token = ecc_}).Json()["disclosures"].size(),
            disclosures);
  EXPECT_EQ(Https({.path = "/v1/requests", .token = officer_}).Json()["requests"].size(), requests);
  EXPECT_EQ(Https({.path = "/v1/requests/" + id, .token = officer_}).Json()["status"], "open");
}

TEST_F(Server, AClientThatWaitsForAGoAheadBeforeItsBodyGetsOne) {
  // curl and other clients send "Expect: 100-continue" before a larger body and hold the body
  // back until the server says go on (or until they tire of waiting).
  Reply made = Https({.method = "POST",
                      .path = "/v1/requests",
                      .body = NewRequest("MOS-100003"),
                      .token = officer_,
                      .expect_continue = true});
  EXPECT_EQ(made.status, 201) << made.body;
  EXPECT_NE(made.headers.find("HTTP/1.1 100 Continue"), std::string::npos) << made.headers;
  EXPECT_EQ(Https({.path = "/v1/requests/" + made.Json().value("id", std::string("?")),
                   .token = officer_})
                .status,
            200);
  // A body whose declared length is over the limit is refused at once: no go-ahead, 413.
  const uint64_t before = TreeSize();
  Reply big = Https({.method = "POST",
                     .path = "/v1/decide",
                     .body = MosaicCheck(",\"subject\":\"" + std::string(8000, 'x') + "\""),
                     .token = officer_,
                     .expect_continue = true});
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_EQ(big.headers.find("100 Continue"), std::string::npos) << big.headers;
  EXPECT_EQ(TreeSize(), before);
}

TEST_F(Server, TwoAnswersRacingForOneRequestGiveOneDisclosure) {
  Reply made = Https({.method = "POST",
                      .path = "/v1/requests",
                      .body = NewRequest("MOS-100004"),
                      .token = officer_});
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = made.Json()["id"];
  auto disclosures = [] {
    return Https({.path = "/v1/disclosures", .token = ecc_}).Json()["disclosures"].size();
  };
  const size_t before = disclosures();
  const std::vector<Reply> replies = testing_support::AllAtOnce(6, [&](size_t i) {
    return Https({.method = "POST",
                  .path = "/v1/requests/" + id + "/answer",
                  .body = "{\"fields\":{\"name\":\"Answer " + std::to_string(i) + "\"}}",
                  .token = ecc_});
  });
  EXPECT_EQ(testing_support::CountWithStatus(replies, 200), 1);
  EXPECT_EQ(testing_support::CountWithStatus(replies, 409), 5);
  EXPECT_EQ(disclosures(), before + 1) << "a refused answer stored a disclosure";
  Reply fetched = Https({.path = "/v1/requests/" + id, .token = officer_});
  ASSERT_EQ(fetched.status, 200);
  EXPECT_EQ(fetched.Json()["status"], "answered");
}

// The requester cancelling while the provider answers, at the same moment: the request closes
// once, and the log and the store agree on which of them closed it.
TEST_F(Server, ACancellingRacingAnAnswerClosesTheRequestOnce) {
  for (int round = 0; round < 3; ++round) {
    Reply made = Https({.method = "POST",
                        .path = "/v1/requests",
                        .body = NewRequest("MOS-100004"),
                        .token = officer_});
    ASSERT_EQ(made.status, 201) << made.body;
    const std::string id = made.Json()["id"];
    const uint64_t before = TreeSize();
    const std::vector<Reply> replies = testing_support::AllAtOnce(6, [&](size_t i) {
      if (i % 2 == 0)
        return Https({.method = "POST",
                      .path = "/v1/requests/" + id + "/answer",
                      .body = "{\"fields\":{\"name\":\"Casey Fiction\"}}",
                      .token = ecc_});
      return Https({.method = "POST",
                    .path = "/v1/requests/" + id + "/cancel",
                    .body = "{\"reason\":\"asked in error\"}",
                    .token = officer_});
    });
    EXPECT_EQ(testing_support::CountWithStatus(replies, 200), 1) << "round " << round;
    EXPECT_EQ(testing_support::CountWithStatus(replies, 409), 5) << "round " << round;
    EXPECT_EQ(TreeSize(), before + 1) << "round " << round << ": only the one that closed it";
    const json seen = Https({.path = "/v1/requests/" + id, .token = ecc_}).Json();
    const bool answered = seen["status"] == "answered";
    EXPECT_TRUE(answered || seen["status"] == "cancelled") << seen.dump();
    EXPECT_EQ(seen["disclosure"].is_null(), !answered) << seen.dump();
    for (size_t i = 0; i < replies.size(); ++i) {
      if (replies[i].status == 200) {
        EXPECT_EQ(i % 2 == 0, answered) << "the winner's answer and the request disagree";
      }
    }
  }
}

TEST_F(Server, AnAnswerIsDecidedAgainUnderTheProtocolInForceWhenItIsGiven) {
  Reply made = Https({.method = "POST",
                      .path = "/v1/requests",
                      .body = NewRequest("MOS-100005"),
                      .token = officer_});
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = made.Json()["id"];
  // Version 1.1 is agreed meanwhile: Essex Police no longer receives under it.
  std::ifstream in(std::string(CONCORDAT_SOURCE_DIR) +
                   "/examples/demo/registry/demo-safeguarding-requests.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find("version: \"1.0\""), 14, "version: \"1.1\"");
  text.replace(text.find("commences: 2025-01-08"), 21, "commences: 2026-01-01");
  const size_t police = text.find("- id: essex-police");
  ASSERT_NE(police, std::string::npos);
  text.replace(text.find("accesses: true", police), 14, "accesses: false");
  fs::create_directories(dir_ / "revised");
  std::ofstream(dir_ / "revised/demo-safeguarding-requests-1.1.yaml") << text;
  const ChangedConfig revised("/examples/demo/registry]",
                              "/examples/demo/registry, " + (dir_ / "revised").string() + "]");
  const uint64_t before = TreeSize();
  Reply answer = Https({.method = "POST",
                        .path = "/v1/requests/" + id + "/answer",
                        .body = "{\"fields\":{\"name\":\"Casey Sample\"}}",
                        .token = ecc_});
  EXPECT_EQ(answer.status, 409) << answer.body;
  EXPECT_EQ(answer.Json()["code"], "NO_LONGER_PERMITTED") << answer.body;
  EXPECT_NE(answer.body.find("REQUESTER_CANNOT_ACCESS"), std::string::npos) << answer.body;
  EXPECT_EQ(answer.body.find("Casey Sample"), std::string::npos);
  EXPECT_EQ(TreeSize(), before + 1) << "the refusal is logged, and nothing else";
  Reply still = Https({.path = "/v1/requests/" + id, .token = officer_});
  EXPECT_EQ(still.Json()["status"], "open") << still.body;
  EXPECT_FALSE(still.Json().contains("answer"));
  // The provider can still decline it.
  EXPECT_EQ(Https({.method = "POST",
                   .path = "/v1/requests/" + id + "/decline",
                   .body = "{\"reason\":\"no longer covered by the protocol\"}",
                   .token = ecc_})
                .status,
            200);
  EXPECT_EQ(Sh(Cli("audit verify")).code, 0);
}

// A governance officer puts a new protocol version in force without a restart: SIGHUP loads
// the registry again. A file that does not load, or a version whose text changed, is refused
// naming the file, and the protocols in force stay as they were.
// SIGHUP reads the configuration file again: a new site network and a newly pinned device are
// in force for the next request, a key that takes a restart is named and keeps its running
// value, and a file that does not load changes nothing.
TEST_F(Server, SighupPutsNewSitesAndDevicesInForceAndKeepsWhatTakesARestart) {
  const fs::path file = dir_ / "concordatd.yaml";
  fs::copy_file(file, dir_ / "concordatd.yaml.before-hup", fs::copy_options::overwrite_existing);
  struct Restore {
    ~Restore() {
      fs::copy_file(dir_ / "concordatd.yaml.before-hup", dir_ / "concordatd.yaml",
                    fs::copy_options::overwrite_existing);
      Restart();
    }
  } restore;
  Call annex = Decide(MosaicCheck(",\"audit_reference\":\"AR-HUP\""));
  annex.from = "127.0.0.4";
  Call personal = Decide(MosaicCheck(",\"audit_reference\":\"AR-HUP\""));
  personal.cert = "personal";
  Reply before_annex = Https(annex), before_personal = Https(personal);
  EXPECT_NE(before_annex.body.find("LOCATION_NOT_ALLOWED"), std::string::npos) << before_annex.body;
  EXPECT_NE(before_personal.body.find("DEVICE_NOT_ALLOWED"), std::string::npos)
      << before_personal.body;
  // The HQ gains an annex network, the personal certificate is pinned as a second laptop, and
  // max_body_bytes (a restart-only key) is raised.
  std::ifstream in(file);
  std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ShellRun fp =
      Sh("openssl x509 -in '" + (dir_ / "personal.crt").string() + "' -noout -fingerprint -sha256");
  ASSERT_EQ(fp.code, 0);
  const std::string pin = "sha256:" + fp.out.substr(fp.out.find('=') + 1, 95);
  std::string next = yaml;
  next.replace(next.find("[127.0.0.2/32]"), 14, "[127.0.0.2/32, 127.0.0.4/32]");
  next.replace(next.find("devices:\n"), 9, "devices:\n  second-laptop: [\"" + pin + "\"]\n");
  next.replace(next.find("max_body_bytes: 4096"), 20, "max_body_bytes: 8192");
  std::ofstream(file, std::ios::trunc) << next;
  ASSERT_TRUE(HupAndWait("\"msg\":\"reloaded\"")) << "no reload was logged";
  EXPECT_EQ(CountLogLines("\"keys\":\"max_body_bytes\""), 1) << "the restart-only key not named";
  Reply at_annex = Https(annex);
  EXPECT_EQ(at_annex.status, 200) << at_annex.body;
  Reply on_personal = Https(personal);
  EXPECT_EQ(on_personal.status, 200) << on_personal.body;
  json entry = json::parse(Sh(Cli("audit tail --count 1")).out, nullptr, false);
  ASSERT_FALSE(entry.is_discarded());
  json logged = json::parse(entry["request"].get<std::string>());
  EXPECT_EQ(logged["requester"]["device"], "second-laptop");
  Call big = Decide(MosaicCheck(",\"audit_reference\":\"" + std::string(6000, 'A') + "\""));
  EXPECT_EQ(Https(big).status, 413) << "max_body_bytes changed without a restart";
  // A file that does not load: refused, named, and the annex is still at the HQ.
  std::ofstream(file, std::ios::trunc) << next << "sitez: {}\n";
  ASSERT_TRUE(HupAndWait("not reloaded; what was in force still is"));
  EXPECT_GE(CountLogLines("sitez: unknown key"), 1);
  EXPECT_EQ(Https(annex).status, 200) << "a refused reload changed the sites";
  // The file as it was, reloaded: the annex is nowhere again.
  std::ofstream(file, std::ios::trunc) << yaml;
  ASSERT_TRUE(HupAndWait("\"msg\":\"reloaded\""));
  EXPECT_NE(Https(annex).body.find("LOCATION_NOT_ALLOWED"), std::string::npos);
}

TEST_F(Server, SighupPutsANewVersionInForceAndABadRegistryChangesNothing) {
  const OwnDemoRegistry registry("hup-registry");
  const fs::path& hup = registry.dir;
  const std::string demo = OwnDemoRegistry::Demo();
  auto count_lines = CountLogLines;
  auto hup_and_wait = HupAndWait;
  auto versions = [this] {
    std::string all;
    const json list = Https({.path = "/v1/protocols", .token = officer_}).Json();
    for (const auto& p : list["protocols"])
      if (p["id"] == "demo-safeguarding-requests") all += p["version"].get<std::string>() + " ";
    return all;
  };
  EXPECT_EQ(versions(), "1.0 ");
  EXPECT_EQ(Https({.method = "POST",
                   .path = "/v1/requests",
                   .body = NewRequest("MOS-100006"),
                   .token = officer_})
                .status,
            201);
  // Version 1.3 is agreed: Essex Police no longer receives under it.
  std::ifstream in(demo);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find("version: \"1.0\""), 14, "version: \"1.3\"");
  text.replace(text.find("commences: 2025-01-08"), 21, "commences: 2026-01-01");
  text.replace(text.find("accesses: true", text.find("- id: essex-police")), 14, "accesses: false");
  std::ofstream(hup / "demo-1.3.yaml") << text;
  const uint64_t before_reload = TreeSize();
  ASSERT_TRUE(hup_and_wait("\"msg\":\"reloaded\"")) << "no reload was logged";
  EXPECT_EQ(versions(), "1.0 1.3 ");
  // The new version came into force through the log: one lifecycle entry, before any use.
  EXPECT_EQ(TreeSize(), before_reload + 1);
  json loaded = json::parse(Sh(Cli("audit tail --count 1")).out, nullptr, false);
  ASSERT_FALSE(loaded.is_discarded());
  EXPECT_EQ(loaded["kind"], "lifecycle");
  EXPECT_EQ(loaded["protocol"], "demo-safeguarding-requests");
  EXPECT_EQ(loaded["version"], "1.3");
  // What the listing says of 1.3 (worked out once per snapshot) is the new text's: its hash is
  // the one the log recorded, and its findings are those of 1.3 on its own page.
  const json listed = Https({.path = "/v1/protocols", .token = officer_}).Json();
  const json findings =
      Https({.path = "/v1/protocols/demo-safeguarding-requests/findings?version=1.3",
             .token = officer_})
          .Json();
  int seen = 0;
  for (const auto& p : listed["protocols"]) {
    if (p["id"] != "demo-safeguarding-requests" || p["version"] != "1.3") continue;
    ++seen;
    EXPECT_EQ(p["content_hash"], json::parse(loaded["request"].get<std::string>())["content_hash"]);
    EXPECT_EQ(p["findings"], findings["summary"]) << p.dump();
  }
  EXPECT_EQ(seen, 1);
  Reply after = Https({.method = "POST",
                       .path = "/v1/requests",
                       .body = NewRequest("MOS-100006"),
                       .token = officer_});
  EXPECT_EQ(after.status, 403) << after.body;
  EXPECT_NE(after.body.find("REQUESTER_CANNOT_ACCESS"), std::string::npos) << after.body;
  EXPECT_NE(after.body.find("in protocol demo-safeguarding-requests 1.3"), std::string::npos)
      << after.body;
  // A file that does not load: refused, named, and 1.3 stays in force.
  std::ofstream(hup / "broken.yaml") << "concordat: 1\nid: Not A Slug\n";
  const uint64_t before_refusal = TreeSize();
  ASSERT_TRUE(hup_and_wait("not reloaded; what was in force still is"))
      << "the refused reload was not logged";
  EXPECT_EQ(TreeSize(), before_refusal) << "a refused reload records nothing";
  EXPECT_EQ(count_lines("broken.yaml"), 1) << "the log line names the file";
  EXPECT_EQ(versions(), "1.0 1.3 ");
  fs::remove(hup / "broken.yaml");
  // Version 1.3 changed under the same number: refused, named; the stored text is unchanged.
  const std::string stored =
      Sh("sqlite3 '" + (dir_ / "var/concordat.db").string() +
         "' \"SELECT hash FROM protocol_versions WHERE id = 'demo-safeguarding-requests' "
         "AND version = '1.3'\"")
          .out;
  ASSERT_FALSE(stored.empty());
  text.replace(text.find("accesses: false"), 15, "accesses: true");
  std::ofstream(hup / "demo-1.3.yaml", std::ios::trunc) << text;
  ASSERT_TRUE(hup_and_wait("not reloaded; what was in force still is"));
  EXPECT_EQ(count_lines("is already in force with other content"), 1);
  EXPECT_EQ(Https({.method = "POST",
                   .path = "/v1/requests",
                   .body = NewRequest("MOS-100006"),
                   .token = officer_})
                .status,
            403)
      << "the changed text was put in force";
  EXPECT_EQ(Sh("sqlite3 '" + (dir_ / "var/concordat.db").string() +
               "' \"SELECT hash FROM protocol_versions WHERE id = "
               "'demo-safeguarding-requests' AND version = '1.3'\"")
                .out,
            stored);
  EXPECT_EQ(Https({.path = "/healthz"}).status, 200) << "still serving";
  EXPECT_EQ(Sh(Cli("audit verify")).code, 0);
}

// concordatd --check beside the running server, before a SIGHUP: it says which versions a
// reload would put in force and which file it would refuse, and changes nothing (the running
// server's log and store are as they were).
TEST_F(Server, CheckForetellsWhatAReloadWouldDoAndChangesNothing) {
  const OwnDemoRegistry registry("check-registry");
  const fs::path& hup = registry.dir;
  const std::string demo = OwnDemoRegistry::Demo();
  auto check = [] {
    return Sh("cd '" + dir_.string() + "' && '" + CONCORDATD_BINARY +
              "' --config concordatd.yaml --check");
  };
  const std::string db = (dir_ / "var/concordat.db").string();
  auto stored_versions = [&db] {
    return Sh("sqlite3 '" + db + "' \"SELECT id || ' ' || version || ' ' || hash FROM " +
              "protocol_versions ORDER BY 1\"")
        .out;
  };
  const uint64_t tree = TreeSize();
  const std::string versions = stored_versions();
  ShellRun same = check();
  EXPECT_EQ(same.code, 0) << same.out;
  EXPECT_NE(same.out.find("every registry version is in force already"), std::string::npos)
      << same.out;
  EXPECT_NE(same.out.find("ready to start"), std::string::npos) << same.out;
  // A new version: named as the one a reload would record.
  std::ifstream in(demo);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find("version: \"1.0\""), 14, "version: \"1.5\"");
  text.replace(text.find("commences: 2025-01-08"), 21, "commences: 2026-01-01");
  std::ofstream(hup / "demo-1.5.yaml") << text;
  ShellRun fresh = check();
  EXPECT_EQ(fresh.code, 0) << fresh.out;
  EXPECT_NE(
      fresh.out.find("to be recorded on start (or on SIGHUP): demo-safeguarding-requests 1.5"),
      std::string::npos)
      << fresh.out;
  // A file that does not load, and version 1.0 changed under its number: both named, in one run.
  std::ofstream(hup / "broken.yaml") << "concordat: 1\nid: Not A Slug\n";
  std::string changed = text;
  changed.replace(changed.find("version: \"1.5\""), 14, "version: \"1.0\"");
  std::ofstream(hup / "demo-1.0.yaml", std::ios::trunc) << changed;
  ShellRun broken = check();
  EXPECT_EQ(broken.code, 2) << broken.out;
  EXPECT_NE(broken.out.find("FAIL  registry"), std::string::npos) << broken.out;
  EXPECT_NE(broken.out.find("broken.yaml"), std::string::npos) << broken.out;
  EXPECT_NE(broken.out.find("1 problem; a start would fail (exit 2)"), std::string::npos)
      << broken.out;
  fs::remove(hup / "broken.yaml");
  ShellRun conflict = check();
  EXPECT_EQ(conflict.code, 2) << conflict.out;
  EXPECT_NE(conflict.out.find("demo-1.0.yaml: protocol demo-safeguarding-requests version 1.0 is "
                              "already in force with other content"),
            std::string::npos)
      << conflict.out;
  // None of it changed the running server's log or store.
  EXPECT_EQ(TreeSize(), tree);
  EXPECT_EQ(stored_versions(), versions);
  EXPECT_EQ(Sh(Cli("audit verify")).code, 0);
}

TEST_F(Server, AProviderDeclinesWithAReasonTheRequesterSees) {
  Reply made = Https({.method = "POST",
                      .path = "/v1/requests",
                      .body = NewRequest("MOS-100004"),
                      .token = officer_});
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = made.Json()["id"];
  Reply blank = Https({.method = "POST",
                       .path = "/v1/requests/" + id + "/decline",
                       .body = "{\"reason\":\"  \"}",
                       .token = ecc_});
  EXPECT_EQ(blank.status, 400);
  EXPECT_NE(blank.body.find("reason: required"), std::string::npos) << blank.body;
  Reply declined = Https({.method = "POST",
                          .path = "/v1/requests/" + id + "/decline",
                          .body = "{\"reason\":\"not necessary and proportionate\"}",
                          .token = ecc_});
  ASSERT_EQ(declined.status, 200) << declined.body;
  json seen = Https({.path = "/v1/requests/" + id, .token = officer_}).Json();
  EXPECT_EQ(seen["status"], "declined");
  EXPECT_EQ(seen["decline_reason"], "not necessary and proportionate");
  EXPECT_FALSE(seen.contains("answer"));
}

// A request made in error (the wrong person, the wrong provider) is cancelled by the
// organisation that made it, with a reason, before the provider acts on it: the provider
// sees it closed, can no longer answer it, and the log has the cancelling.
TEST_F(Server, TheRequesterCancelsAnOpenRequestAndTheProviderCanNoLongerAnswerIt) {
  Reply made = Https({.method = "POST",
                      .path = "/v1/requests",
                      .body = NewRequest("MOS-100003"),
                      .token = officer_});
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = made.Json()["id"];
  const std::string cancel = "/v1/requests/" + id + "/cancel";
  const std::string why = "{\"reason\":\"wrong subject: meant MOS-100002\"}";
  const uint64_t before = TreeSize();
  // Not the provider, nor anyone else; not without a reason; only by POST.
  Reply provider = Https({.method = "POST", .path = cancel, .body = why, .token = ecc_});
  EXPECT_EQ(provider.status, 403) << provider.body;
  EXPECT_EQ(provider.Json()["code"], "NOT_REQUESTER");
  EXPECT_EQ(Https({.method = "POST", .path = cancel, .body = why, .token = southend_}).status, 404);
  Reply blank = Https({.method = "POST", .path = cancel, .body = "{}", .token = officer_});
  EXPECT_EQ(blank.status, 400);
  EXPECT_NE(blank.body.find("reason: required"), std::string::npos) << blank.body;
  EXPECT_EQ(Https({.method = "PUT", .path = cancel, .body = why, .token = officer_}).status, 405);
  EXPECT_EQ(TreeSize(), before) << "a refused cancelling was logged";

  Reply cancelled = Https({.method = "POST", .path = cancel, .body = why, .token = officer_});
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.Json()["status"], "cancelled");
  EXPECT_EQ(cancelled.Json()["audit_index"], before);
  EXPECT_EQ(TreeSize(), before + 1);
  // The entry says who cancelled which request, and why; the requester may read it whole.
  Reply proof = Https({.path = "/v1/audit/proof/" + std::to_string(before), .token = officer_});
  ASSERT_EQ(proof.status, 200) << proof.body;
  const std::string entry = proof.Json().value("entry", "");
  EXPECT_NE(entry.find("cancel"), std::string::npos) << entry;
  EXPECT_NE(entry.find(id), std::string::npos) << entry;
  EXPECT_NE(entry.find("wrong subject"), std::string::npos) << entry;

  // The provider sees it closed, with the reason, and cannot answer or decline it now.
  json seen = Https({.path = "/v1/requests/" + id, .token = ecc_}).Json();
  EXPECT_EQ(seen["status"], "cancelled");
  EXPECT_EQ(seen["cancel_reason"], "wrong subject: meant MOS-100002");
  EXPECT_TRUE(seen["decline_reason"].is_null()) << seen.dump();
  EXPECT_EQ(seen["closed_by"], "u-4411");
  Reply answer = Https({.method = "POST",
                        .path = "/v1/requests/" + id + "/answer",
                        .body = "{\"fields\":{\"name\":\"Casey Fiction\"}}",
                        .token = ecc_});
  EXPECT_EQ(answer.status, 409) << answer.body;
  EXPECT_NE(answer.body.find("already cancelled"), std::string::npos) << answer.body;
  EXPECT_EQ(Https({.method = "POST", .path = cancel, .body = why, .token = officer_}).status, 409);
  EXPECT_EQ(TreeSize(), before + 1);
  // Open requests no longer list it; cancelled ones do.
  auto listed = [&](const std::string& status) {
    const json page =
        Https({.path = "/v1/requests?direction=received&status=" + status, .token = ecc_}).Json();
    for (const auto& q : page["requests"])
      if (q["id"] == id) return true;
    return false;
  };
  EXPECT_FALSE(listed("open"));
  EXPECT_TRUE(listed("cancelled"));
}

// A request whose sealed part (subject, justification) does not open, because its row was
// altered or the master key is not the one it was sealed with, is not shown with an empty
// subject as if none was given: the subject is null, the operators' log says which request,
// and it cannot be answered. The rest of the listing is unaffected.
TEST_F(Server, ARequestWhoseSealedPartDoesNotOpenIsShownAsSuchAndLoggedNotBlanked) {
  const std::string db = (dir_ / "var/concordat.db").string();
  Reply made = Https({.method = "POST",
                      .path = "/v1/requests",
                      .body = NewRequest("MOS-100002"),
                      .token = officer_});
  ASSERT_EQ(made.status, 201) << made.body;
  Reply other = Https({.method = "POST",
                       .path = "/v1/requests",
                       .body = NewRequest("MOS-100003"),
                       .token = officer_});
  ASSERT_EQ(other.status, 201) << other.body;
  const std::string id = made.Json()["id"], other_id = other.Json()["id"];
  const std::string where = " FROM requests WHERE id = '" + id + "'";
  ShellRun saved = Sh("sqlite3 '" + db + "' \"SELECT hex(ciphertext)" + where + "\"");
  ASSERT_EQ(saved.code, 0) << saved.out;
  const std::string hex = saved.out.substr(0, saved.out.find('\n'));
  ASSERT_EQ(
      Sh("sqlite3 '" + db + "' \"UPDATE requests SET ciphertext = zeroblob(length(ciphertext))" +
         where.substr(where.find(" WHERE")) + "\"")
          .code,
      0);
  const int errors = CountLogLines("\"level\":\"error\"");
  const json page = Https({.path = "/v1/requests?direction=received", .token = ecc_}).Json();
  bool seen = false, other_seen = false;
  for (const auto& q : page["requests"]) {
    if (q["id"] == id) {
      seen = true;
      EXPECT_TRUE(q["subject"].is_null()) << q.dump();
      EXPECT_TRUE(q["justification"].is_null()) << q.dump();
    } else if (q["id"] == other_id) {
      other_seen = true;
      EXPECT_EQ(q["subject"], "MOS-100003");
    }
  }
  EXPECT_TRUE(seen && other_seen) << page.dump();
  EXPECT_GT(CountLogLines("\"level\":\"error\""), errors);
  EXPECT_EQ(CountLogLines("do not open\",\"request\":\"" + id), CountLogLines("do not open"))
      << "the log line names the request";
  Reply shown = Https({.path = "/v1/requests/" + id, .token = officer_});
  EXPECT_EQ(shown.status, 200);
  EXPECT_TRUE(shown.Json()["subject"].is_null()) << shown.body;
  const uint64_t before = TreeSize();
  Reply answer = Https({.method = "POST",
                        .path = "/v1/requests/" + id + "/answer",
                        .body = "{\"fields\":{\"name\":\"Casey Fiction\"}}",
                        .token = ecc_});
  EXPECT_EQ(answer.status, 500) << answer.body;
  EXPECT_EQ(TreeSize(), before) << "an answer to a request that does not open was recorded";
  // Put back as it was, for the tests after this one.
  ASSERT_EQ(Sh("sqlite3 '" + db + "' \"UPDATE requests SET ciphertext = X'" + hex + "'" +
               where.substr(where.find(" WHERE")) + "\"")
                .code,
            0);
  EXPECT_EQ(Https({.path = "/v1/requests/" + id, .token = ecc_}).Json()["subject"], "MOS-100002");
}

// "Have we asked about this child already?": the requests and disclosures about one person,
// found by the subject's keyed hash (the reference itself is never stored in clear), each
// organisation seeing its own only.
TEST_F(Server, RequestsAndDisclosuresAreFoundByTheirSubject) {
  const std::string subject = "MOS-100003";
  std::set<std::string> made;
  for (int i = 0; i < 2; ++i) {
    Reply r = Https(
        {.method = "POST", .path = "/v1/requests", .body = NewRequest(subject), .token = officer_});
    ASSERT_EQ(r.status, 201) << r.body;
    made.insert(r.Json()["id"].get<std::string>());
  }
  ASSERT_EQ(Https({.method = "POST",
                   .path = "/v1/requests",
                   .body = NewRequest("MOS-100004"),
                   .token = officer_})
                .status,
            201);
  for (const std::string& token : {officer_, ecc_}) {
    const json page =
        Https({.path = "/v1/requests?subject=" + subject + "&limit=1000", .token = token}).Json();
    std::set<std::string> found;
    for (const auto& q : page["requests"]) {
      EXPECT_EQ(q["subject"], subject) << q.dump();
      found.insert(q["id"].get<std::string>());
    }
    for (const std::string& id : made) EXPECT_TRUE(found.count(id)) << id << " " << page.dump();
  }
  EXPECT_TRUE(Https({.path = "/v1/requests?subject=" + subject, .token = southend_})
                  .Json()["requests"]
                  .empty());
  EXPECT_TRUE(Https({.path = "/v1/requests?subject=NOBODY-1", .token = officer_})
                  .Json()["requests"]
                  .empty());
  Reply blank = Https({.path = "/v1/requests?subject=+", .token = officer_});
  EXPECT_EQ(blank.status, 400) << blank.body;
  EXPECT_NE(blank.body.find("subject: empty"), std::string::npos) << blank.body;

  // A look-up's disclosure is found by its subject too, by the organisation that received it.
  Reply looked = Https({.path = std::string(kLookup) + subject,
                        .token = officer_,
                        .from = "127.0.0.2",
                        .cert = "laptop"});
  ASSERT_EQ(looked.status, 200) << looked.body;
  const std::string disclosure = looked.Json()["disclosure"];
  const json received =
      Https({.path = "/v1/disclosures?direction=received&subject=" + subject, .token = officer_})
          .Json();
  ASSERT_FALSE(received["disclosures"].empty()) << received.dump();
  bool seen = false;
  for (const auto& d : received["disclosures"]) seen = seen || d["id"] == disclosure;
  EXPECT_TRUE(seen) << received.dump();
  const json other =
      Https({.path = "/v1/disclosures?subject=MOS-100004", .token = officer_}).Json();
  for (const auto& d : other["disclosures"])
    EXPECT_NE(d["id"], disclosure) << "another subject's listing holds it";
}

TEST_F(Server, ARequestTheProtocolDoesNotCoverIsDeniedWithItsCode) {
  const uint64_t before = TreeSize();
  Reply purpose = Https({.method = "POST",
                         .path = "/v1/requests",
                         .body = NewRequest("MOS-100001", "marketing"),
                         .token = officer_});
  EXPECT_EQ(purpose.status, 403) << purpose.body;
  EXPECT_NE(purpose.body.find("PURPOSE_NOT_COVERED"), std::string::npos) << purpose.body;
  Reply role = Https({.method = "POST",
                      .path = "/v1/requests",
                      .body = NewRequest("MOS-100001"),
                      .token = analyst_});
  EXPECT_EQ(role.status, 403);
  EXPECT_NE(role.body.find("ROLE_NOT_AUTHORISED"), std::string::npos) << role.body;
  Reply bad = Https({.method = "POST",
                     .path = "/v1/requests",
                     .body = "{\"provider\":\"essex-cc\",\"data\":\"cf-case-status\"}",
                     .token = officer_});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(TreeSize(), before + 2) << "two denials logged, the malformed request not";
  EXPECT_TRUE(Https({.path = "/v1/requests", .token = southend_}).Json()["requests"].empty());
}

// A permitted request and the request it opens are one: when the store cannot take the
// request (here a trigger refuses it, as a full or failing disk would), neither is kept, and
// the requester is told nothing was sent. Before, the permit was logged on its own and the
// request lost, so the log showed a request its provider never saw.
TEST_F(Server, ARequestTheStoreCannotTakeLeavesNoPermitInTheLog) {
  const std::string db = (dir_ / "var/concordat.db").string();
  auto received = [&] {
    return Https({.path = "/v1/requests?direction=received", .token = ecc_})
        .Json()["requests"]
        .size();
  };
  const uint64_t before = TreeSize();
  const size_t inbox = received();
  ShellRun refuse = Sh("sqlite3 '" + db +
                       "' \"CREATE TRIGGER refuse_requests BEFORE INSERT ON requests BEGIN "
                       "SELECT RAISE(ABORT, 'refused by the test'); END;\"");
  ASSERT_EQ(refuse.code, 0) << refuse.out;
  Reply made = Https({.method = "POST",
                      .path = "/v1/requests",
                      .body = NewRequest("MOS-100002"),
                      .token = officer_});
  EXPECT_EQ(made.status, 503) << made.body;
  EXPECT_EQ(made.Json()["code"], "AUDIT_UNAVAILABLE") << made.body;
  EXPECT_NE(made.body.find("nothing was sent"), std::string::npos) << made.body;
  EXPECT_EQ(TreeSize(), before) << "a permit was logged for a request that was not stored";
  EXPECT_EQ(received(), inbox);

  ASSERT_EQ(Sh("sqlite3 '" + db + "' 'DROP TRIGGER refuse_requests'").code, 0);
  Reply again = Https({.method = "POST",
                       .path = "/v1/requests",
                       .body = NewRequest("MOS-100002"),
                       .token = officer_});
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(TreeSize(), before + 1);
  EXPECT_EQ(again.Json()["audit_index"], before);
  EXPECT_EQ(received(), inbox + 1);
}

// The authorization matrix for the endpoints that carry personal data: another
// organisation, a role the rule does not name, another site, another device. Each is refused
// with its code, logged when it was a decision, and leaks nothing of the record or subject.
TEST_F(Server, TheAuthorizationMatrixRefusesEachWrongPartyAndLeaksNothing) {
  Reply made = Https({.method = "POST",
                      .path = "/v1/requests",
                      .body = NewRequest("MOS-100001"),
                      .token = officer_});
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string request = made.Json()["id"];
  Reply looked = Https({.path = std::string(kLookup) + "MOS-100001",
                        .token = officer_,
                        .from = "127.0.0.2",
                        .cert = "laptop"});
  ASSERT_EQ(looked.status, 200) << looked.body;
  const std::string disclosure = looked.Json()["disclosure"];
  struct Case {
    std::string name;
    Call call;
    long status;
    std::string reason;  // a reason code the decision must carry ("" when not a decision)
  };
  const std::string lookup = std::string(kLookup) + "MOS-100001";
  const std::vector<Case> cases = {
      {"look-up, other organisation",
       {.path = lookup, .token = southend_, .from = "127.0.0.2", .cert = "laptop"},
       403,
       "REQUESTER_NOT_PARTNER"},
      {"look-up, wrong role",
       {.path = lookup, .token = analyst_, .from = "127.0.0.2", .cert = "laptop"},
       403,
       "ROLE_NOT_AUTHORISED"},
      {"look-up, wrong site",
       {.path = lookup, .token = officer_, .from = "127.0.0.1", .cert = "laptop"},
       403,
       "LOCATION_NOT_ALLOWED"},
      {"look-up, wrong device",
       {.path = lookup, .token = officer_, .from = "127.0.0.2", .cert = "personal"},
       403,
       "DEVICE_NOT_ALLOWED"},
      {"look-up, no device",
       {.path = lookup, .token = officer_, .from = "127.0.0.2"},
       403,
       "DEVICE_NOT_ALLOWED"},
      {"request, other organisation",
       {.method = "POST",
        .path = "/v1/requests",
        .body = NewRequest("MOS-100001"),
        .token = southend_},
       403,
       "DATA_NOT_COVERED"},
      {"request, wrong role",
       {.method = "POST",
        .path = "/v1/requests",
        .body = NewRequest("MOS-100001"),
        .token = analyst_},
       403,
       "ROLE_NOT_AUTHORISED"},
      {"request shown, other organisation",
       {.path = "/v1/requests/" + request, .token = southend_},
       404,
       ""},
      {"request answered, other organisation",
       {.method = "POST",
        .path = "/v1/requests/" + request + "/answer",
        .body = "{\"fields\":{\"name\":\"x\"}}",
        .token = southend_},
       404,
       ""},
      {"request declined, other organisation",
       {.method = "POST",
        .path = "/v1/requests/" + request + "/decline",
        .body = "{\"reason\":\"x\"}",
        .token = southend_},
       404,
       ""},
      {"request cancelled, other organisation",
       {.method = "POST",
        .path = "/v1/requests/" + request + "/cancel",
        .body = "{\"reason\":\"x\"}",
        .token = southend_},
       404,
       ""},
      {"request cancelled, by the provider",
       {.method = "POST",
        .path = "/v1/requests/" + request + "/cancel",
        .body = "{\"reason\":\"x\"}",
        .token = ecc_},
       403,
       ""},
      {"request answered, by the requester's side",
       {.method = "POST",
        .path = "/v1/requests/" + request + "/answer",
        .body = "{\"fields\":{\"name\":\"x\"}}",
        .token = analyst_},
       403,
       ""},
      {"disclosure, other organisation",
       {.path = "/v1/disclosures/" + disclosure, .token = southend_},
       404,
       ""},
      {"metrics, not an operator", {.path = "/metrics", .token = ecc_}, 403, ""},
  };
  for (const Case& c : cases) {
    const uint64_t before = TreeSize();
    Reply r = Https(c.call);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    for (const char* secret : {"Alex Demo", "MOS-100001", "Sam Worker", "strategy meeting"})
      EXPECT_EQ(r.body.find(secret), std::string::npos) << c.name << " leaks: " << r.body;
    if (!c.reason.empty()) {
      bool found = false;
      const json body = r.Json();
      for (const auto& reason : body["decision"]["reasons"])
        found = found || reason["code"] == c.reason;
      EXPECT_TRUE(found) << c.name << ": expected " << c.reason << " in " << r.body;
      EXPECT_EQ(TreeSize(), before + 1) << c.name << ": the denial is logged";
    } else {
      EXPECT_EQ(TreeSize(), before) << c.name << ": nothing is recorded";
    }
  }
  // The request is still open and undisclosed; the other organisation's lists hold nothing.
  EXPECT_EQ(Https({.path = "/v1/requests/" + request, .token = officer_}).Json()["status"], "open");
  EXPECT_EQ(Https({.path = "/v1/disclosures", .token = southend_}).body.find(disclosure),
            std::string::npos);
  EXPECT_EQ(Https({.path = "/v1/requests", .token = southend_}).body.find(request),
            std::string::npos);
}

TEST_F(Server, PublishedProtocolsAreOpenAndTheRestOnlyForPartners) {
  Reply anon = Https({.path = "/v1/protocols"});
  ASSERT_EQ(anon.status, 200);
  std::set<std::string> ids;
  const json listed_anon = anon.Json();
  for (const auto& p : listed_anon["protocols"]) ids.insert(p["id"].get<std::string>());
  EXPECT_TRUE(ids.count("essex-police-mosaic")) << anon.body;
  EXPECT_FALSE(ids.count("essex-prison-release-housing")) << "a draft is not published";
  // The draft prison protocol: its partners see it; Essex Police is not one.
  Reply partner = Https({.path = "/v1/protocols/essex-prison-release-housing", .token = ecc_});
  EXPECT_EQ(partner.status, 200);
  EXPECT_NE(partner.body.find("status: draft"), std::string::npos) << partner.body;
  Reply other = Https({.path = "/v1/protocols/essex-prison-release-housing", .token = officer_});
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_EQ(other.body.find("essex-cc"), std::string::npos);
  Reply listed = Https({.path = "/v1/protocols", .token = ecc_});
  EXPECT_NE(listed.body.find("essex-prison-release-housing"), std::string::npos);
  EXPECT_EQ(Https({.path = "/v1/protocols/essex-police-mosaic"}).status, 200);
  EXPECT_EQ(Https({.path = "/v1/protocols?colour=red"}).status, 400);
}

// The seeds' defects (template text left in, partners who never signed, a legal basis not
// given) are served beside the protocol, to whoever may read it: the same findings as
// `concordat lint` gives for the file, counted in the listing, and named on the server's log
// at start.
TEST_F(Server, AProtocolsLintFindingsAreServedToWhoeverMayReadIt) {
  const std::string today = Sh("date -u +%F").out.substr(0, 10);
  ShellRun lint = Sh(std::string(CONCORDAT_BINARY) + " lint --format json --at " + today + " '" +
                     CONCORDAT_SOURCE_DIR + "/protocols/basildon-csp.yaml'");
  const json cli = json::parse(lint.out.substr(0, lint.out.rfind('}') + 1), nullptr, false);
  ASSERT_FALSE(cli.is_discarded()) << lint.out;
  std::vector<std::string> expected;
  for (const auto& f : cli["findings"])
    expected.push_back(f["rule"].get<std::string>() + "|" + f["place"].get<std::string>() + "|" +
                       f["message"].get<std::string>());
  ASSERT_GT(cli["summary"]["errors"].get<int>(), 0) << "the seed has errors to surface";
  // The public reads an approved protocol, so it reads its findings too.
  Reply served = Https({.path = "/v1/protocols/basildon-csp/findings"});
  ASSERT_EQ(served.status, 200) << served.body;
  const json body = served.Json();
  EXPECT_EQ(body["protocol"], "basildon-csp");
  EXPECT_EQ(body["version"], "1.0");
  EXPECT_EQ(body["as_of"], today);
  std::vector<std::string> got;
  for (const auto& f : body["findings"])
    got.push_back(f["rule"].get<std::string>() + "|" + f["place"].get<std::string>() + "|" +
                  f["message"].get<std::string>());
  EXPECT_EQ(got, expected);
  EXPECT_EQ(body["summary"]["errors"], cli["summary"]["errors"]);
  EXPECT_EQ(body["summary"]["warnings"], cli["summary"]["warnings"]);
  EXPECT_EQ(served.body.find(CONCORDAT_SOURCE_DIR), std::string::npos) << "a server path leaked";
  // The listing counts them.
  const json listing = Https({.path = "/v1/protocols"}).Json();
  for (const auto& p : listing["protocols"])
    if (p["id"] == "basildon-csp") {
      EXPECT_EQ(p["findings"]["errors"], cli["summary"]["errors"]);
      EXPECT_EQ(p["findings"]["warnings"], cli["summary"]["warnings"]);
    }
  // A draft's findings are its partners' to read, as the draft is.
  EXPECT_EQ(Https({.path = "/v1/protocols/essex-prison-release-housing/findings"}).status, 401);
  EXPECT_EQ(
      Https({.path = "/v1/protocols/essex-prison-release-housing/findings", .token = officer_})
          .status,
      404);
  Reply partner =
      Https({.path = "/v1/protocols/essex-prison-release-housing/findings", .token = ecc_});
  EXPECT_EQ(partner.status, 200) << partner.body;
  EXPECT_FALSE(partner.Json()["findings"].empty());
  EXPECT_EQ(Https({.path = "/v1/protocols/basildon-csp/signatures"}).status, 404);
  EXPECT_EQ(Https({.method = "POST", .path = "/v1/protocols/basildon-csp/findings", .token = ecc_})
                .status,
            405);
  // The server's log named the approved protocol's errors when it started.
  EXPECT_GE(CountLogLines("\"msg\":\"protocol has lint errors (GET /v1/protocols/{id}/findings)\","
                          "\"protocol\":\"basildon-csp\""),
            1);
}

// Whoever runs several servers reads each one's version on its "listening" line.
TEST_F(Server, TheListeningLineSaysWhichVersionIsServing) {
  EXPECT_GE(CountLogLines(std::string("\"version\":\"") + CONCORDAT_VERSION + "\""), 1);
  EXPECT_EQ(CountLogLines("\"msg\":\"listening\""),
            CountLogLines(std::string("\"version\":\"") + CONCORDAT_VERSION + "\""));
}

TEST_F(Server, ANewDraftDoesNotHideThePublishedVersionAndAnyVersionCanBeAskedFor) {
  // Version 2.0 of the published Mosaic protocol is being drafted.
  std::ifstream in(std::string(CONCORDAT_SOURCE_DIR) + "/protocols/essex-police-mosaic.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find("version: \"1.0\""), 14, "version: \"2.0\"");
  text.replace(text.find("status: approved"), 16, "status: draft");
  text.insert(text.find("\ntitle: ") + 8, "REVISED DRAFT ");
  fs::create_directories(dir_ / "drafts");
  std::ofstream(dir_ / "drafts/essex-police-mosaic-2.0.yaml") << text;
  const ChangedConfig drafted("/examples/demo/registry]",
                              "/examples/demo/registry, " + (dir_ / "drafts").string() + "]");
  // The public still reads the published 1.0, not a 401 for the draft.
  Reply published = Https({.path = "/v1/protocols/essex-police-mosaic"});
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_NE(published.body.find("version: \"1.0\""), std::string::npos) << published.body;
  EXPECT_EQ(published.body.find("REVISED DRAFT"), std::string::npos);
  EXPECT_EQ(Https({.path = "/v1/protocols/essex-police-mosaic?version=2.0"}).status, 401);
  // A partner reads the latest, the draft, and any version by number.
  Reply latest = Https({.path = "/v1/protocols/essex-police-mosaic", .token = ecc_});
  ASSERT_EQ(latest.status, 200) << latest.body;
  EXPECT_NE(latest.body.find("REVISED DRAFT"), std::string::npos) << latest.body.substr(0, 400);
  Reply first = Https({.path = "/v1/protocols/essex-police-mosaic?version=1.0", .token = ecc_});
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.body, published.body);
  Reply none = Https({.path = "/v1/protocols/essex-police-mosaic?version=9.9", .token = ecc_});
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("no protocol essex-police-mosaic version 9.9"), std::string::npos)
      << none.body;
  // Someone not a partner of it sees only what is published.
  Reply outsider =
      Https({.path = "/v1/protocols/essex-police-mosaic?version=2.0", .token = southend_});
  EXPECT_EQ(outsider.status, 404) << outsider.body;
  EXPECT_EQ(outsider.body.find("REVISED"), std::string::npos);
  Reply bad = Https({.path = "/v1/protocols/essex-police-mosaic?v=1.0", .token = ecc_});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("v: unknown parameter; expected version"), std::string::npos) << bad.body;
}

TEST_F(Server, BadInputIsRefusedNamingTheFieldAndWritesNothing) {
  struct Case {
    std::string body;
    long status;
    std::string message;
    std::string content_type = "application/json";
  };
  const std::string huge = MosaicCheck(",\"subject\":\"" + std::string(8000, 'x') + "\"");
  for (const Case& c : std::vector<Case>{
           {"{\"protocol\":", 400, "malformed JSON: line 1, column 13"},
           {MosaicCheck(",\"colour\":\"red\""), 400, "unknown field 'colour'"},
           {MosaicCheck(",\"provider\":\"essex-police\""), 400, "provider: given more than once"},
           {MosaicCheck(",\"requester\":{\"org\":\"essex-police\",\"user\":\"u-1\"}"), 400,
            "requester: set by the server"},
           {MosaicCheck(",\"at\":\"2024-09-01T10:00:00Z\""), 400, "at: set by the server"},
           {"{\"provider\":\"essex-cc\",\"format\":\"smoke_signals\"}", 400,
            "format: 'smoke_signals' is not allowed"},
           {"[1,2,3]", 400, "expected a JSON object"},
           {huge, 413, "larger than 4096 bytes"},
           {MosaicCheck(), 415, "must be application/json", "text/plain"}}) {
    const uint64_t before = TreeSize();
    Call call = Decide(c.body);
    call.content_type = c.content_type;
    Reply r = Https(call);
    EXPECT_EQ(r.status, c.status) << c.body.substr(0, 80) << " -> " << r.body;
    EXPECT_NE(r.body.find(c.message), std::string::npos) << r.body;
    EXPECT_EQ(r.Json()["status"], c.status) << r.body;
    EXPECT_EQ(TreeSize(), before) << "nothing is written for bad input";
  }
  EXPECT_EQ(Https({.path = "/v1/nothing-here", .token = officer_}).status, 404);
  EXPECT_EQ(Https({.method = "DELETE", .path = "/v1/decide", .token = officer_}).status, 405);
  const uint64_t before_long = TreeSize();
  Reply long_url = Https({.path = std::string(kLookup) + std::string(20000, 'x'),
                          .token = officer_,
                          .from = "127.0.0.2",
                          .cert = "laptop"});
  EXPECT_EQ(long_url.status, 431) << long_url.body;
  EXPECT_EQ(long_url.Json()["code"], "HEADER_TOO_LARGE") << long_url.body;
  EXPECT_NE(long_url.body.find("larger than 16384 bytes"), std::string::npos) << long_url.body;
  EXPECT_EQ(TreeSize(), before_long);
  EXPECT_EQ(Sh(Cli("audit verify")).code, 0);
}

// A target in absolute form (as a proxy sends it; RFC 9112 says a server must accept it) is
// served as its path; a protocol address without an id says what the addresses are.
TEST_F(Server, AnAbsoluteFormTargetIsServedAsItsPathAndAMissingProtocolIdIsNamed) {
  const std::string origin = "https://127.0.0.1:" + std::to_string(port_);
  Reply listed = Https({.path = "/v1/protocols"});
  ASSERT_EQ(listed.status, 200);
  Reply absolute = Https({.path = "/v1/protocols", .request_target = origin + "/v1/protocols"});
  EXPECT_EQ(absolute.status, 200) << absolute.body;
  EXPECT_EQ(absolute.body, listed.body);
  Reply upper = Https({.path = "/v1/audit/sth",
                       .token = officer_,
                       .request_target = "HTTPS://127.0.0.1/v1/audit/sth?"});
  EXPECT_EQ(upper.status, 200) << upper.body;
  EXPECT_TRUE(upper.Json().contains("tree_size")) << upper.body;
  Reply bare = Https({.path = "/", .token = officer_, .request_target = origin});
  EXPECT_EQ(bare.status, 404) << bare.body;
  EXPECT_NE(bare.body.find("no such endpoint: /\""), std::string::npos) << bare.body;
  for (const std::string path : {"/v1/protocols/", "/v1/protocols//findings"}) {
    Reply r = Https({.path = path});
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.Json().value("message", ""),
              "no protocol id: a protocol is /v1/protocols/{id}, and the list of them "
              "/v1/protocols")
        << path;
  }
}

TEST_F(Server, AWrongMethodIsToldWhichItMayUseAndHeadReadsOnlyWhatIsNotRecorded) {
  for (const auto& [method, path, allow] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", "/v1/decide", "POST"},
           {"DELETE", "/v1/requests", "GET, HEAD, POST"},
           {"POST", "/v1/audit/sth", "GET, HEAD"},
           {"PUT", "/v1/protocols/essex-police-mosaic", "GET, HEAD"},
           {"POST", "/healthz", "GET, HEAD"},
           {"DELETE", "/readyz", "GET, HEAD"}}) {
    Reply r = Https({.method = method, .path = path, .token = officer_});
    EXPECT_EQ(r.status, 405) << method << " " << path;
    EXPECT_NE(r.headers.find("Allow: " + allow + "\r\n"), std::string::npos)
        << method << " " << path << ": " << r.headers;
  }
  // HEAD: GET's status and headers, no body; for the public, a partner and an auditor alike.
  for (const auto& [path, token] :
       std::vector<std::pair<std::string, std::string>>{{"/v1/protocols", ""},
                                                        {"/v1/protocols/essex-police-mosaic", ""},
                                                        {"/v1/audit/sth", officer_},
                                                        {"/v1/disclosures?limit=1", officer_}}) {
    Reply got = Https({.path = path, .token = token});
    Reply head = Https({.method = "HEAD", .path = path, .token = token});
    ASSERT_EQ(got.status, 200) << path << ": " << got.body;
    EXPECT_EQ(head.status, 200) << path;
    EXPECT_TRUE(head.body.empty()) << path << ": " << head.body;
    EXPECT_NE(head.headers.find("Content-Length: " + std::to_string(got.body.size()) + "\r\n"),
              std::string::npos)
        << path << ": " << head.headers;
  }
  // A look-up or a disclosure's content is recorded when read: HEAD there would record a
  // reading that delivered nothing, so it is refused and nothing is recorded.
  const uint64_t before = TreeSize();
  Reply head_lookup = Https({.method = "HEAD",
                             .path = std::string(kLookup) + "MOS-100001",
                             .token = officer_,
                             .from = "127.0.0.2",
                             .cert = "laptop"});
  EXPECT_EQ(head_lookup.status, 405);
  EXPECT_NE(head_lookup.headers.find("Allow: GET\r\n"), std::string::npos) << head_lookup.headers;
  EXPECT_EQ(Https({.method = "HEAD",
                   .path = "/v1/disclosures/00000000000000000000000000000000",
                   .token = officer_})
                .status,
            405);
  EXPECT_EQ(TreeSize(), before) << "nothing recorded";
  EXPECT_EQ(Https({.method = "HEAD", .path = "/v1/audit/sth"}).status, 401) << "still needs a user";
}

TEST_F(Server, ASlowClientIsDisconnectedAndOthersAreStillServed) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port_));
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const char partial[] = "\x16\x03\x01";  // the start of a TLS hello, then nothing
  ASSERT_EQ(::send(fd, partial, 3, 0), 3);
  EXPECT_EQ(Https({.path = "/healthz"}).status, 200) << "served while a client dawdles";
  timeval tv{6, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[16];
  const auto t0 = std::chrono::steady_clock::now();
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_LE(n, 0) << "the server closed the connection";
  EXPECT_LT(waited, std::chrono::seconds(5)) << "closed after request_timeout_seconds (2)";
  ::close(fd);
}

TEST_F(Server, SigtermAnswersWhatIsInFlightLosesNothingAndExitsCleanly) {
  const uint64_t before = TreeSize();
  std::atomic<int> answered{0}, failed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&, t] {
      while (!stop) {
        // Half decide, half look up (a look-up waits on its thread's queue for its record).
        Reply r = t % 2 == 0 ? Https(Decide(MosaicCheck(",\"audit_reference\":\"AR-TERM\"")))
                             : Https({.path = std::string(kLookup) + "MOS-100001",
                                      .token = officer_,
                                      .from = "127.0.0.2",
                                      .cert = "laptop"});
        if (r.status == 200 && r.Json().contains("audit_index")) {
          ++answered;
        } else if (r.status != 0) {
          ++failed;  // an answer that is not a whole decision
        }
        if (r.status == 0) break;  // refused: the server has stopped listening
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  ASSERT_EQ(::kill(pid_, SIGTERM), 0);
  int st = 0;
  ASSERT_EQ(::waitpid(pid_, &st, 0), pid_);
  pid_ = -1;
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "exit status " << st;
  EXPECT_GT(answered.load(), 0);
  EXPECT_EQ(failed.load(), 0) << "a request in flight got a broken answer";
  // Every decision given was durable first: the log holds at least as many (a client cut off
  // after the entry was written may not have seen its answer).
  ShellRun sth = Sh(Cli("audit sth"));
  const uint64_t size = json::parse(sth.out)["tree_size"];
  EXPECT_GE(size, before + static_cast<uint64_t>(answered.load()));
  EXPECT_EQ(Sh(Cli("audit verify")).code, 0);
  ShellRun log = Sh("grep -c '\"msg\":\"stopped\"' '" + (dir_ / "concordatd.log").string() + "'");
  EXPECT_NE(log.out, "0\n") << "the stop is logged";
  Start();  // for the tests that follow in this process
}

// kill -9 in the middle of look-ups: nothing drains, nothing is flushed on the way out. Every
// look-up that was answered is still on record after a restart (its disclosure opens, for the
// organisation that received it, with the record it was given), the log verifies, and no
// look-up is half written: the disclosures stored and the disclosure entries logged since the
// load began are the same in number, each entry right after its decision.
TEST_F(Server, KilledMidLoadEveryAnsweredLookUpIsOnRecordAfterRestartAndNoneIsHalfWritten) {
  const std::string db = (dir_ / "var/concordat.db").string();
  auto rows = [&db] {
    ShellRun r = Sh("sqlite3 '" + db + "' 'SELECT count(*) FROM disclosures'");
    EXPECT_EQ(r.code, 0) << r.out;
    return std::stoull(r.out);
  };
  const uint64_t rows_before = rows(), size_before = TreeSize();
  const std::map<std::string, std::string> names = {{"MOS-100001", "Alex Demo"},
                                                    {"MOS-100002", "Bailey Sample"}};
  std::mutex mu;
  std::map<std::string, std::string> answered;  // disclosure id -> the name it carried
  std::atomic<int> broken{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&, t] {
      const std::string subject = t % 2 == 0 ? "MOS-100001" : "MOS-100002";
      for (;;) {
        Reply r = Https({.path = std::string(kLookup) + subject,
                         .token = officer_,
                         .from = "127.0.0.2",
                         .cert = "laptop"});
        if (r.status == 0) break;  // the server is gone
        if (r.status != 200) {
          ++broken;
          continue;
        }
        json j = r.Json();
        std::lock_guard<std::mutex> lock(mu);
        answered[j["disclosure"].get<std::string>()] = j["fields"].value("name", "");
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  ASSERT_EQ(::kill(pid_, SIGKILL), 0);
  int st = 0;
  ASSERT_EQ(::waitpid(pid_, &st, 0), pid_);
  pid_ = -1;
  for (auto& c : clients) c.join();
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << "exit status " << st;
  EXPECT_EQ(broken.load(), 0) << "a look-up before the kill got something other than its record";
  ASSERT_GT(answered.size(), 0u);

  // The store as the kill left it (its write-ahead log not yet folded in): whole and verified.
  ShellRun verify = Sh(Cli("audit verify"));
  EXPECT_EQ(verify.code, 0) << verify.out;
  const uint64_t size = json::parse(Sh(Cli("audit sth")).out)["tree_size"];
  const uint64_t added = size - size_before, stored = rows() - rows_before;
  ShellRun tail = Sh(Cli("audit tail -n " + std::to_string(added)));
  ASSERT_EQ(tail.code, 0) << tail.out;
  std::istringstream lines(tail.out);
  std::string line, previous_kind;
  uint64_t disclosure_entries = 0, entries = 0;
  while (std::getline(lines, line)) {
    const json e = json::parse(line);
    ++entries;
    if (e["kind"] == "disclosure") {
      ++disclosure_entries;
      EXPECT_EQ(previous_kind, "decision") << "a disclosure entry without its decision: " << line;
    }
    previous_kind = e["kind"].get<std::string>();
  }
  EXPECT_EQ(entries, added);
  EXPECT_EQ(disclosure_entries, stored) << "a disclosure without its entry, or the other way";
  EXPECT_GE(stored, answered.size()) << "an answered look-up was lost";

  Start();  // on the store the kill left: the tests that follow use it too
  for (const auto& [id, name] : answered) {
    Reply r = Https({.path = "/v1/disclosures/" + id, .token = officer_});
    ASSERT_EQ(r.status, 200) << id << " was answered before the kill and is gone: " << r.body;
    EXPECT_EQ(r.Json()["fields"]["name"], name) << id;
    EXPECT_EQ(names.at(r.Json()["subject"].get<std::string>()), name) << id;
  }
}

// Whatever bytes arrive, the server answers with a status it means, never an internal error
// (500), never as if its store had failed (502, 503), a problem document that is JSON naming
// its own status, and it stays up with its log whole. Valid requests of every kind, as a
// partner's system would send them (a decision, a look-up, a request, a listing, a protocol,
// a proof, an answer, a decline), each mutated (bytes replaced, dropped, inserted, the request
// cut short) 400 times, sent over real TLS.
TEST_F(Server, MutatedRequestsOfEveryKindAreAnsweredWithoutAnInternalErrorAndTheLogStaysWhole) {
  const std::string auth = "Authorization: Bearer " + officer_ + "\r\n";
  auto post = [&](const std::string& path, const std::string& body,
                  const std::string& token = officer_) {
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
  };
  // Requests to Essex County Council, for its answer, its decline and Essex Police's
  // cancelling to be mutated.
  std::string to_answer, to_decline, to_cancel;
  for (std::string* id : {&to_answer, &to_decline, &to_cancel}) {
    Reply made = Https({.method = "POST",
                        .path = "/v1/requests",
                        .body = NewRequest("MOS-100002"),
                        .token = officer_});
    ASSERT_EQ(made.status, 201) << made.body;
    *id = made.Json()["id"].get<std::string>();
  }
  auto get = [&](const std::string& target) {
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
           "Connection: close\r\n\r\n";
  };
  const std::vector<std::string> seeds = {
      post("/v1/decide", MosaicCheck(",\"audit_reference\":\"AR-FUZZ\"")),
      get(std::string(kLookup) + "MOS-100001"),
      post("/v1/requests",
           "{\"provider\":\"essex-cc\",\"data\":[\"cf-case-status\"],\"purpose\":\"child-"
           "protection\",\"subject\":\"MOS-100002\",\"justification\":\"strategy meeting\","
           "\"audit_reference\":\"AR-FUZZ\"}"),
      get("/v1/disclosures?direction=received&limit=2"),
      get("/v1/protocols/essex-police-mosaic?version=1.0"),
      get("/v1/audit/proof/0"),
      post("/v1/requests/" + to_answer + "/answer",
           "{\"fields\":{\"name\":\"Bailey Sample\",\"case_status\":\"not open\"}}", ecc_),
      post("/v1/requests/" + to_decline + "/decline", "{\"reason\":\"no record held\"}", ecc_),
      post("/v1/requests/" + to_cancel + "/cancel", "{\"reason\":\"asked in error\"}"),
      get("/v1/me"),
  };
  const int errors_before = CountLogLines("\"level\":\"error\"");
  std::mt19937_64 rng(2511);
  static const char kAlphabet[] = "\r\n :/?&=%{}[]\",.-_0123456789aAzZ\t\x7f\xff";
  const std::string alphabet(kAlphabet, sizeof kAlphabet);  // its closing NUL too
  const std::regex status_line(R"(^HTTP/1\.1 (\d{3}) )");
  std::map<int, int> statuses;
  int answered = 0, closed = 0;
  for (const std::string& seed : seeds) {
    for (int m = 0; m < 400; ++m) {
      const std::string sent = m == 0 ? seed : testing_support::Mutate(seed, alphabet, rng);
      const std::string got = testing_support::RawHttps(port_, sent);
      if (got.empty()) {
        ++closed;  // closed without an answer: a connection it could not read as HTTP
        continue;
      }
      std::smatch sm;
      ASSERT_TRUE(std::regex_search(got, sm, status_line)) << "not an HTTP answer: " << got;
      const int status = std::stoi(sm[1]);
      ++statuses[status];
      ++answered;
      EXPECT_TRUE(status != 500 && status != 502 && status != 503) << status << " for:\n"
                                                                   << sent << "\n---\n"
                                                                   << got;
      // The first answer's body (a mutation may leave more than one request, answered in turn).
      const size_t head_end = got.find("\r\n\r\n");
      const size_t length_at = got.find("Content-Length: ");
      ASSERT_TRUE(head_end != std::string::npos && length_at < head_end) << got;
      const std::string body = got.substr(head_end + 4, std::stoul(got.substr(length_at + 16)));
      // Every answer is JSON (so UTF-8), whatever it quotes of what came; a problem document
      // names its own status and says what is wrong.
      const std::string head = got.substr(0, head_end);
      if (head.find("Content-Type: application/yaml") != std::string::npos) continue;  // a protocol
      const json answer = json::parse(body, nullptr, false);
      ASSERT_FALSE(answer.is_discarded()) << "not JSON:\n" << got;
      if (head.find("Content-Type: application/problem+json") != std::string::npos) {
        EXPECT_EQ(answer.value("status", 0), status) << got;
        EXPECT_FALSE(answer.value("message", "").empty()) << got;
      }
    }
  }
  EXPECT_GT(answered, 2800) << "most mutated requests must be answered";
  EXPECT_GT(statuses[400], 100) << "malformed requests must be refused as such";
  EXPECT_GT(statuses[200] + statuses[201], 0) << "some mutations are still valid requests";
  EXPECT_EQ(CountLogLines("\"level\":\"error\""), errors_before)
      << Sh("grep '\"level\":\"error\"' '" + (dir_ / "concordatd.log").string() + "' | tail -3")
             .out;
  EXPECT_EQ(Https({.path = "/healthz"}).status, 200);
  EXPECT_EQ(Sh(Cli("audit verify")).code, 0);
  std::string seen;
  for (const auto& [status, n] : statuses)
    seen += std::to_string(status) + ":" + std::to_string(n) + " ";
  RecordProperty("statuses", seen);
  RecordProperty("closed_without_answer", closed);
}

// Text that is not UTF-8 never reaches a decision or the audit log (both JSON): a byte a URL
// may not hold is refused before anything is decided, and a percent-encoded parameter that is
// not UTF-8 is refused naming the parameter. Nothing is recorded for either.
TEST_F(Server, ARequestWhoseTextIsNotUtf8IsRefusedAndNothingIsRecorded) {
  const uint64_t before = TreeSize();
  const std::string auth = "Authorization: Bearer " + officer_ + "\r\n";
  const std::string raw =
      testing_support::RawHttps(port_,
                                "GET /v1/lookup/essex\xff"
                                "cc/cf-case-status?subject=MOS-100001&purpose=x HTTP/1.1\r\n"
                                "Host: 127.0.0.1\r\n" +
                                    auth + "Connection: close\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 400 ", 0), 0u) << raw;
  EXPECT_NE(raw.find("\"code\":\"MALFORMED_HTTP\""), std::string::npos) << raw;
  Reply encoded = Https({.path = std::string(kLookup) + "MOS-100001&x=%FF", .token = officer_});
  EXPECT_EQ(encoded.status, 400);
  Reply value = Https({.path = "/v1/lookup/essex-cc/cf-case-status?subject=MOS-100001&purpose=x%C3",
                       .token = officer_});
  EXPECT_EQ(value.status, 400);
  EXPECT_EQ(value.Json().value("message", ""),
            "purpose: not UTF-8 text (percent-encode text as UTF-8)");
  Reply name = Https({.path = "/v1/disclosures?limit%FE=1", .token = officer_});
  EXPECT_EQ(name.status, 400);
  EXPECT_FALSE(json::parse(name.body, nullptr, false).is_discarded()) << "not JSON: " << name.body;
  EXPECT_EQ(TreeSize(), before) << "something was decided or recorded";
}

// A provider's system of record that cannot be read (here: the demo Mosaic's file removed for
// a while) fails each look-up with 502 SOURCE_FAILED naming the provider, is reported to the
// operators once (not once per look-up), and is read again, and said to be, when it is back.
TEST_F(Server, ASourceThatCannotBeReadFailsItsLookUpsIsReportedOnceAndIsReadAgainWhenBack) {
  const fs::path mosaic = dir_ / "mosaic.db", away = dir_ / "mosaic.db.away";
  auto look_up = [] {
    return Https({.path = std::string(kLookup) + "MOS-100001",
                  .token = officer_,
                  .from = "127.0.0.2",
                  .cert = "laptop"});
  };
  ASSERT_EQ(look_up().status, 200);
  const std::string failures = "concordat_source_failures_total{provider=\"essex-cc\"}";
  const std::string failing = "concordat_source_failing{provider=\"essex-cc\"}";
  const double failed_before = Metrics().at(failures);
  EXPECT_EQ(Metrics().at(failing), 0);
  const int begun = CountLogLines("a provider's system cannot be read");
  const int ended = CountLogLines("a provider's system is read again");
  fs::rename(mosaic, away);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // noticed within 250 ms
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    Reply r = look_up();
    EXPECT_EQ(r.status, 502) << r.body;
    EXPECT_EQ(r.Json().value("code", ""), "SOURCE_FAILED") << r.body;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(Metrics().at(failing), 1) << "the operator's monitoring sees it too";
  EXPECT_EQ(Metrics().at(failures), failed_before + 20);
  fs::rename(away, mosaic);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Reply back = look_up();
  EXPECT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(CountLogLines("a provider's system cannot be read"), begun + 1);
  EXPECT_LE(CountLogLines("a provider's system still cannot be read"),
            static_cast<int>(seconds) + 1);
  ASSERT_EQ(CountLogLines("a provider's system is read again"), ended + 1);
  ShellRun line = Sh("grep \"a provider's system is read again\" '" +
                     (dir_ / "concordatd.log").string() + "' | tail -1");
  const json j = json::parse(line.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << line.out;
  EXPECT_EQ(j["provider"], "essex-cc");
  EXPECT_EQ(j["refused_in_all"], 20);
  EXPECT_EQ(Metrics().at(failing), 0);
  EXPECT_EQ(Sh(Cli("audit verify")).code, 0);
}

// The demo Mosaic in rollback-journal mode (so its look-ups run on the worker pool), with a
// writer of its own holding it for two seconds from construction, whatever the test does.
class HeldSource {
 public:
  explicit HeldSource(const fs::path& dir) : path_(dir / "mosaic-rollback.db") {
    fs::remove(path_);
    EXPECT_EQ(Sh("sqlite3 '" + path_.string() + "' < '" + CONCORDAT_SOURCE_DIR +
                 "/examples/demo/mosaic-demo.sql' >/dev/null && sqlite3 '" + path_.string() +
                 "' 'PRAGMA journal_mode=DELETE' >/dev/null")
                  .code,
              0);
  }
  void Hold() {
    EXPECT_EQ(sqlite3_open(path_.c_str(), &holder_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(holder_, "BEGIN EXCLUSIVE; UPDATE cases SET case_status = case_status",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    letting_go_ = std::thread([this] {
      std::this_thread::sleep_for(std::chrono::seconds(2));
      released_ = true;
      sqlite3_exec(holder_, "ROLLBACK", nullptr, nullptr, nullptr);
    });
  }
  ~HeldSource() {
    if (letting_go_.joinable()) letting_go_.join();
    sqlite3_close(holder_);
  }
  std::string path() const { return path_.string(); }
  bool released() const { return released_; }

 private:
  fs::path path_;
  sqlite3* holder_ = nullptr;
  std::atomic<bool> released_{false};
  std::thread letting_go_;
};

// Starts one permitted look-up (at HQ, on the laptop) per reply, each on a thread of its own,
// filling in its reply when answered.
std::vector<std::thread> Server::LookUpsAtHq(std::vector<Reply>* replies) {
  std::vector<std::thread> threads;
  for (size_t i = 0; i < replies->size(); ++i)
    threads.emplace_back([replies, i] {
      (*replies)[i] = Https({.path = std::string(kLookup) + "MOS-100001",
                             .token = officer_,
                             .from = "127.0.0.2",
                             .cert = "laptop"});
    });
  return threads;
}

// Look-ups on a network thread are read from their source together, in one read of it for
// every look-up that had arrived by then. Under load from many clients at once each still gets
// its own subject's record and its own disclosure, and a look-up made after the source changed
// sees the change, every time.
TEST_F(Server, LookUpsReadTogetherEachGetTheirOwnRecordAndSeeTheSourceAsItWasWhenTheyCame) {
  const std::map<std::string, std::string> names = {{"MOS-100001", "Alex Demo"},
                                                    {"MOS-100002", "Bailey Sample"},
                                                    {"MOS-100003", "Casey Fiction"},
                                                    {"MOS-100004", "Drew Placeholder"}};
  auto look_up = [](const std::string& subject) {
    return Https({.path = std::string(kLookup) + subject,
                  .token = officer_,
                  .from = "127.0.0.2",
                  .cert = "laptop"});
  };
  const uint64_t before = TreeSize();
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, wrong{0};
  std::mutex ids_mu;
  std::set<std::string> ids;
  std::vector<std::thread> load;
  for (int t = 0; t < 12; ++t)
    load.emplace_back([&, t] {
      for (int i = 0; !stop || i < 4; ++i) {
        const std::string subject = "MOS-10000" + std::to_string(1 + (t + i) % 4);
        Reply r = look_up(subject);
        if (r.status != 200) {
          ++wrong;
          ADD_FAILURE() << subject << ": " << r.status << " " << r.body;
          continue;
        }
        json j = r.Json();
        if (j["fields"].value("name", "") != names.at(subject)) {
          ++wrong;
          ADD_FAILURE() << subject << " got " << r.body;
        }
        std::lock_guard<std::mutex> lock(ids_mu);
        ids.insert(j["disclosure"].get<std::string>());
        ++answered;
      }
    });
  // Meanwhile, one client at a time changes Mosaic and looks the record up straight after.
  const std::string mosaic = (dir_ / "mosaic.db").string();
  for (int round = 0; round < 6; ++round) {
    const std::string status = round % 2 == 0 ? "closed" : "open";
    ASSERT_EQ(Sh("sqlite3 '" + mosaic + "' \"UPDATE cases SET case_status = '" + status +
                 "' WHERE ref = 'MOS-100003'\"")
                  .code,
              0);
    Reply r = look_up("MOS-100003");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Json()["fields"]["case_status"], status) << "round " << round;
  }
  stop = true;
  for (auto& c : load) c.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GE(answered.load(), 48);
  EXPECT_EQ(ids.size(), static_cast<size_t>(answered.load())) << "two look-ups, one disclosure";
  EXPECT_EQ(TreeSize(), before + 2 * static_cast<uint64_t>(answered.load() + 6));
  EXPECT_EQ(Sh(Cli("audit verify")).code, 0);
}

// A look-up whose source may wait (here: SQLite in rollback-journal mode, held by a writer) is
// read on a worker thread: the network threads go on answering everyone else meanwhile.
TEST_F(Server, ALookUpWaitingOnItsSourceHoldsUpNobodyElse) {
  HeldSource source(dir_);
  const ChangedConfig held((dir_ / "mosaic.db").string(), source.path());
  source.Hold();
  std::vector<Reply> lookups(4);
  std::vector<std::thread> waiting = LookUpsAtHq(&lookups);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the look-ups are waiting
  int answered_while_held = 0;
  for (int i = 0; i < 8; ++i) {
    Reply r = Https(Decide(MosaicCheck(",\"audit_reference\":\"AR-HELD\"")));
    if (r.status == 200 && !source.released()) ++answered_while_held;
  }
  EXPECT_EQ(answered_while_held, 8) << "decisions waited for a look-up's source";
  for (auto& t : waiting) t.join();
  for (const Reply& r : lookups) EXPECT_EQ(r.status, 200) << r.body;  // once the writer let go
}

// Liveness is answered by the network thread itself: with every worker waiting on a slow
// source, /healthz still says the process is alive (readiness is /readyz's question).
TEST_F(Server, HealthIsAnsweredWhileEveryWorkerWaits) {
  HeldSource source(dir_);
  const ChangedConfig held((dir_ / "mosaic.db").string(), source.path());
  const ChangedConfig two_workers("token_cache_seconds: 1\n",
                                  "token_cache_seconds: 1\nworker_threads: 2\n");
  source.Hold();
  std::vector<Reply> lookups(2);
  std::vector<std::thread> waiting = LookUpsAtHq(&lookups);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // both workers are waiting
  Reply health = Https({.path = "/healthz"});
  const bool while_held = !source.released();
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.Json().value("status", ""), "ok");
  EXPECT_TRUE(while_held) << "/healthz waited for a worker";
  for (auto& t : waiting) t.join();
  for (const Reply& r : lookups) EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(Server, LogLinesAreJsonAndCarryNoTokenOrPersonalData) {
  Https(Decide(MosaicCheck(",\"audit_reference\":\"AR-LOG\",\"subject\":\"MOSAIC-123456\"")));
  std::ifstream f(dir_ / "concordatd.log");
  std::string line;
  int requests = 0;
  while (std::getline(f, line)) {
    json j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << line;
    EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("msg")) << line;
    if (j["msg"] == "request") ++requests;
    for (const std::string& secret :
         {officer_, analyst_, ecc_, std::string("MOSAIC-123456"), std::string("POLIT referral")})
      EXPECT_EQ(line.find(secret), std::string::npos) << line;
  }
  EXPECT_GT(requests, 0);
}

// A service that cannot start says why on its log (one JSON line, as every other), exits with
// the code its --help gives (2 bad configuration, 3 could not start), and creates nothing.
// Out of file descriptors: a flood of connections (here: more than the 128 files it may
// open) must not end the service. concordatd raises its soft limit to the hard one at start
// and says so; when the limit is reached it logs that once, keeps what it has, and accepts
// again as soon as connections close, without a restart.
// For the tests below that start a concordatd of their own: a fresh folder under the
// temporary directory, a store made in it, the lines of the server's log that hold some text,
// and a stop that must be clean.
fs::path FreshDir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("concordat-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

bool InitStore(const std::string& store_url) {
  return Sh(std::string("'") + CONCORDAT_BINARY + "' init --store " + store_url).code == 0;
}

std::vector<json> LogLinesWith(const fs::path& log, const std::string& text) {
  std::ifstream f(log);
  std::vector<json> found;
  for (std::string line; std::getline(f, line);)
    if (line.find(text) != std::string::npos) found.push_back(json::parse(line));
  return found;
}

void ExpectStopsCleanly(pid_t pid) {
  ::kill(pid, SIGTERM);
  int st = 0;
  ::waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "exit status " << st;
}

// One user's look-ups are limited (lookups_per_user_per_hour, 3 here): past the allowance a
// look-up is refused with 429 and when to try again, nothing is decided or recorded, the log
// says so once, and other users go on. A malformed look-up takes nothing from the allowance.
TEST_F(Server, AUsersLookUpsPastTheHourlyAllowanceAreRefusedAndNothingIsRecorded) {
  const ChangedConfig limited("token_cache_seconds: 1\n",
                              "token_cache_seconds: 1\nlookups_per_user_per_hour: 3\n");
  const std::string token = AddUser("u-quota", "essex-police", "intelligence-support-officer");
  auto look_up = [](const std::string& token, const std::string& subject) {
    return Https({.path = std::string(kLookup) + subject,
                  .token = token,
                  .from = "127.0.0.2",
                  .cert = "laptop"});
  };
  EXPECT_EQ(Https({.path = "/v1/lookup/essex-cc/cf-case-status?purpose=x", .token = token}).status,
            400);
  const int warned = CountLogLines("look-ups lookups_per_user_per_hour allows");
  const double over_before = Metrics().at("concordat_lookups_over_quota_total");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(look_up(token, "MOS-100001").status, 200) << i;
  const uint64_t before = TreeSize();
  Reply refused = look_up(token, "MOS-100002");
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.Json()["code"], "TOO_MANY_LOOKUPS") << refused.body;
  EXPECT_NE(refused.body.find("lookups_per_user_per_hour"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find("Bailey"), std::string::npos) << refused.body;
  const size_t retry = refused.headers.find("Retry-After: ");
  ASSERT_NE(retry, std::string::npos) << refused.headers;
  const int seconds = std::stoi(refused.headers.substr(retry + 13));
  EXPECT_GT(seconds, 600) << "3 an hour refill one in 1200 s";
  EXPECT_LE(seconds, 1200);
  EXPECT_EQ(look_up(token, "MOS-100002").status, 429);
  EXPECT_EQ(TreeSize(), before) << "a refused look-up was decided or recorded";
  EXPECT_EQ(look_up(officer_, "MOS-100002").status, 200) << "another user's allowance is theirs";
  EXPECT_EQ(CountLogLines("look-ups lookups_per_user_per_hour allows"), warned + 1)
      << "one warning per user each time they reach it";
  EXPECT_EQ(Metrics().at("concordat_lookups_over_quota_total") - over_before, 2);
}

// The IT team's monitoring: /metrics, in Prometheus's text format, for a user with the role
// `operator` only. It counts what the server answered and what the audit log committed, as
// they happen, and never names who shares with whom.
TEST_F(Server, MetricsCountTheServicesWorkForAnOperatorAndNameNoPartyToIt) {
  EXPECT_EQ(Https({.path = "/metrics"}).status, 401);
  Reply not_operator = Https({.path = "/metrics", .token = officer_});
  EXPECT_EQ(not_operator.status, 403);
  EXPECT_NE(not_operator.body.find("role 'operator'"), std::string::npos) << not_operator.body;
  EXPECT_EQ(Https({.method = "POST", .path = "/metrics", .token = operator_}).status, 405);

  const std::map<std::string, double> before = Metrics();
  const uint64_t tree_before = TreeSize();  // a 200 too
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(Https(Decide(MosaicCheck(",\"audit_reference\":\"AR-M" + std::to_string(i) +
                                       "\",\"subject\":\"MOSAIC-777\"")))
                  .status,
              200);
  ASSERT_EQ(Https({.path = "/v1/nothing-here", .token = officer_}).status, 404);
  std::string text;
  const std::map<std::string, double> after = Metrics(&text);
  auto grew = [&](const std::string& name) {
    return after.at(name) - (before.count(name) ? before.at(name) : 0);
  };
  // Counted: the first scrape, the tree head read, three decisions (200); the unknown path.
  EXPECT_EQ(grew("concordat_http_requests_total{code=\"200\"}"), 5);
  EXPECT_EQ(grew("concordat_http_requests_total{code=\"404\"}"), 1);
  EXPECT_EQ(grew("concordat_http_request_duration_seconds_count"), 6);
  EXPECT_EQ(grew("concordat_audit_entries_total"), 3);
  EXPECT_GE(grew("concordat_audit_batches_total"), 1);
  EXPECT_LE(grew("concordat_audit_batches_total"), 3);
  EXPECT_GE(grew("concordat_audit_commit_duration_seconds_count"), 1);
  EXPECT_EQ(after.at("concordat_audit_tree_size"), static_cast<double>(tree_before + 3));
  EXPECT_EQ(after.at("concordat_store_ready"), 1);
  EXPECT_EQ(after.at("concordat_audit_failing"), 0);
  EXPECT_EQ(after.at("concordat_draining"), 0);
  EXPECT_GE(after.at("concordat_connections_open"), 1);
  EXPECT_EQ(after.at("concordat_requests_in_flight"), 1) << "the scrape itself";
  EXPECT_GT(after.at("concordat_protocol_versions_in_force"), 0);
  EXPECT_EQ(after.at("concordat_source_failing{provider=\"essex-cc\"}"), 0);

  // Users whose access has ended, or ends within 30 days: counted, the revoked left out.
  AddUser("u-m-ended", "essex-cc", "cf-worker");
  AddUser("u-m-soon", "essex-cc", "cf-worker");
  AddUser("u-m-revoked", "essex-cc", "cf-worker");
  AddUser("u-m-later", "essex-cc", "cf-worker");
  ASSERT_EQ(Sh(Cli("user revoke --id u-m-revoked")).code, 0);
  const std::time_t in_ten_days = std::time(nullptr) + 10 * 86400;
  char soon[32];
  std::strftime(soon, sizeof soon, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&in_ten_days));
  ASSERT_EQ(Sh("sqlite3 '" + (dir_ / "var/concordat.db").string() +
               "' \"UPDATE users SET expires_at = '2020-01-01T00:00:00Z' WHERE id IN "
               "('u-m-ended', 'u-m-revoked'); UPDATE users SET expires_at = '" +
               std::string(soon) + "' WHERE id = 'u-m-soon'\"")
                .code,
            0);
  const std::map<std::string, double> users = Metrics();
  EXPECT_EQ(users.at("concordat_users_access_ended") - after.at("concordat_users_access_ended"), 1);
  EXPECT_EQ(users.at("concordat_users_access_ending_soon") -
                after.at("concordat_users_access_ending_soon"),
            1);
  EXPECT_EQ(after.at("concordat_http_request_duration_seconds_bucket{le=\"+Inf\"}"),
            after.at("concordat_http_request_duration_seconds_count"));

  // The text format: every sample's family has its HELP and TYPE lines, and each line is a
  // comment or a sample.
  const std::regex sample("([a-z_]+)(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\\})? [0-9.e+-]+");
  std::set<std::string> typed;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (line.rfind("# TYPE ", 0) == 0) {
      typed.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (line.rfind("# HELP ", 0) != 0) {
      ASSERT_TRUE(std::regex_match(line, m, sample)) << line;
      std::string family = m[1];
      for (const char* suffix : {"_bucket", "_sum", "_count"})
        if (!typed.count(family) && family.size() > std::strlen(suffix) && family.ends_with(suffix))
          family.resize(family.size() - std::strlen(suffix));
      EXPECT_TRUE(typed.count(family)) << "no TYPE line before " << line;
    }
  }
  // No party to any share, no user, no subject.
  for (const std::string& secret : {std::string("essex-police"), std::string("u-4411"),
                                    std::string("MOSAIC-777"), std::string("AR-M"), officer_})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
}

// TLS: 1.2 and 1.3 only, and in 1.2 only suites with forward secrecy and an AEAD cipher
// (Mozilla's "intermediate" list): a client that offers only a CBC suite, or only TLS 1.1, gets
// no connection.
TEST_F(Server, TlsTakesOnlyForwardSecretAeadSuitesAndNothingBeforeVersion12) {
  auto handshake = [](const std::string& options) {
    ShellRun r = Sh("openssl s_client -connect 127.0.0.1:" + std::to_string(port_) + " -brief " +
                    options + " </dev/null 2>&1");
    return r.out.find("CONNECTION ESTABLISHED") != std::string::npos;
  };
  EXPECT_TRUE(handshake("-tls1_3"));
  EXPECT_TRUE(handshake("-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256"));
  EXPECT_TRUE(handshake("-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305"));
  EXPECT_FALSE(handshake("-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA"));
  EXPECT_FALSE(handshake("-tls1_2 -cipher ECDHE-ECDSA-AES256-SHA384"));
  EXPECT_FALSE(handshake("-tls1_1 -cipher DEFAULT@SECLEVEL=0"));
  EXPECT_EQ(Https({.path = "/healthz"}).status, 200) << "and the server goes on";
}

// RFC 9110: a server with a clock sends the date in every answer, in its one fixed form. And
// every answer carries the headers that keep a browser from caching, sniffing, framing or
// running what it holds (OWASP's REST Security Cheat Sheet).
TEST_F(Server, EveryAnswerCarriesTheDateAndTheHeadersThatKeepBrowsersFromMisusingIt) {
  const std::regex fixed(
      "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
      "[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT");
  for (const Call& call :
       {Call{.path = "/healthz"}, Call{.path = "/v1/protocols"}, Call{.path = "/v1/disclosures"},
        Decide(MosaicCheck(",\"subject\":\"" + std::string(8000, 'x') + "\""))}) {
    const time_t before = ::time(nullptr);
    Reply r = Https(call);
    const time_t after = ::time(nullptr);
    ASSERT_NE(r.status, 0);
    const std::string date = r.Header("Date");
    ASSERT_TRUE(std::regex_match(date, fixed)) << call.path << ": '" << date << "'";
    struct tm tm {};
    ASSERT_NE(::strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm), nullptr);
    const time_t said = ::timegm(&tm);
    EXPECT_GE(said, before - 1) << date;
    EXPECT_LE(said, after + 1) << date;
    EXPECT_EQ(r.Header("Cache-Control"), "no-store");
    EXPECT_EQ(r.Header("Strict-Transport-Security"), "max-age=31536000");
    EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r.Header("Content-Security-Policy"), "default-src 'none'; frame-ancestors 'none'");
  }
}

// Every answer names its request (X-Request-Id), a problem document says the same id, and the
// request's log line carries it: a person who was refused can quote it and an operator finds
// the line. A proxy's own id is logged beside it when it is a plausible id, never instead.
TEST_F(Server, EachAnswerNamesItsRequestAndItsLogLineCarriesTheSameIdAndItsAuditEntry) {
  struct Case {
    Call call;
    long status;
  };
  const std::string huge = MosaicCheck(",\"subject\":\"" + std::string(8000, 'x') + "\"");
  Call from_proxy = Decide(MosaicCheck(",\"audit_reference\":\"AR-ID\""));
  from_proxy.headers = {"X-Request-Id: proxy-7f.3:a_b"};
  Call odd_id = {.path = "/v1/protocols", .headers = {"X-Request-Id: not an id {\"level\":1}"}};
  const std::vector<Case> cases = {
      {from_proxy, 200},
      {{.path = "/v1/disclosures"}, 401},
      {{.path = "/v1/nothing-here", .token = officer_}, 404},
      {Decide(huge), 413},
      {Decide("{\"protocol\":"), 400},
      {odd_id, 200},
  };
  std::vector<std::string> ids;
  std::vector<Reply> replies;
  const std::regex shape("[0-9a-f]{8}-[0-9]+");
  for (const Case& c : cases) {
    Reply r = Https(c.call);
    replies.push_back(r);
    ASSERT_EQ(r.status, c.status) << c.call.path << " " << r.body;
    const std::string id = r.Header("X-Request-Id");
    EXPECT_TRUE(std::regex_match(id, shape)) << "'" << id << "'";
    if (r.status >= 400) {
      EXPECT_EQ(r.Json().value("request_id", ""), id) << r.body;
    }
    ids.push_back(id);
  }
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "ids repeat";
  for (const std::string& id : ids)
    EXPECT_EQ(id.substr(0, 9), ids[0].substr(0, 9)) << "one process, one prefix";

  for (size_t i = 0; i < cases.size(); ++i) {
    std::vector<json> lines = LogLinesWith(dir_ / "concordatd.log", "\"" + ids[i] + "\"");
    ASSERT_EQ(lines.size(), 1u) << "the log line of " << ids[i];
    EXPECT_EQ(lines[0]["msg"], "request");
    EXPECT_EQ(lines[0]["request_id"], ids[i]);
    EXPECT_EQ(lines[0]["status"], cases[i].status);
  }
  EXPECT_EQ(LogLinesWith(dir_ / "concordatd.log", "\"" + ids[0] + "\"")[0]["client_request_id"],
            "proxy-7f.3:a_b");
  EXPECT_FALSE(
      LogLinesWith(dir_ / "concordatd.log", "\"" + ids[5] + "\"")[0].contains("client_request_id"));
  EXPECT_TRUE(LogLinesWith(dir_ / "concordatd.log", "not an id").empty())
      << "what a client sends as an id that is not one is not logged";

  // A request that recorded something names its audit entry: the decision's, a look-up's (a
  // permit's disclosure, a deny's decision), a disclosure's reading. One that recorded nothing
  // names none.
  auto line_of = [&](const Reply& r) {
    std::vector<json> found =
        LogLinesWith(dir_ / "concordatd.log", "\"" + r.Header("X-Request-Id") + "\"");
    return found.size() == 1 ? found[0] : json();
  };
  ASSERT_TRUE(replies[0].Json().contains("audit_index")) << replies[0].body;
  EXPECT_EQ(line_of(replies[0])["audit_index"], replies[0].Json()["audit_index"]);
  const Call look_up = {.path = std::string(kLookup) + "MOS-100001",
                        .token = officer_,
                        .from = "127.0.0.2",
                        .cert = "laptop"};
  Reply permitted = Https(look_up);
  ASSERT_EQ(permitted.status, 200) << permitted.body;
  EXPECT_EQ(line_of(permitted)["audit_index"], permitted.Json()["audit_index"]);
  Call from_elsewhere = look_up;
  from_elsewhere.from = "127.0.0.1";
  Reply denied = Https(from_elsewhere);
  ASSERT_EQ(denied.status, 403) << denied.body;
  EXPECT_EQ(line_of(denied)["audit_index"], denied.Json()["audit_index"]);
  Reply opened =
      Https({.path = "/v1/disclosures/" + permitted.Json()["disclosure"].get<std::string>(),
             .token = officer_});
  ASSERT_EQ(opened.status, 200) << opened.body;
  EXPECT_EQ(line_of(opened)["audit_index"], opened.Json()["read_audit_index"]);
  for (size_t i = 1; i < replies.size(); ++i)
    EXPECT_FALSE(line_of(replies[i]).contains("audit_index")) << replies[i].body;
}

#if defined(__SANITIZE_ADDRESS__)
#define CONCORDAT_UNDER_SANITIZERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONCORDAT_UNDER_SANITIZERS 1
#endif
#endif
TEST(ConcordatdConnections, OutOfDescriptorsItSaysSoOnceAndServesAgainWithoutARestart) {
#ifdef CONCORDAT_UNDER_SANITIZERS
  // The sanitizers' own checks need descriptors: UBSan makes a pipe to test that an object's
  // memory is readable before it reads the object's type, and with none to be had it reports
  // the object invalid and stops the process. So this runs in the ordinary build (make test).
  GTEST_SKIP() << "a process out of file descriptors fails the sanitizers' own checks";
#endif
  const fs::path dir = FreshDir("files");
  const int port = testing_support::FreeLoopbackPort();
  ASSERT_TRUE(InitStore("sqlite:" + (dir / "var/concordat.db").string()));
  std::ofstream(dir / "c.yaml") << "store: sqlite:" << (dir / "var/concordat.db").string()
                                << "\nregistry: [" << CONCORDAT_SOURCE_DIR
                                << "/protocols]\nlisten: 127.0.0.1:" << port
                                << "\nrequest_timeout_seconds: 60\n";
  const fs::path log = dir / "concordatd.log";
  auto health = [&] {
    return testing_support::HttpsCall(port, (dir / "var/tls/server.crt").string(), dir.string(),
                                      {.path = "/healthz"});
  };
  auto lines_with = [&log](const std::string& text) { return LogLinesWith(log, text); };
  const rlimit files{.rlim_cur = 64, .rlim_max = 128};
  bool started = false;
  pid_t pid = testing_support::StartDaemon(
      CONCORDATD_BINARY, (dir / "c.yaml").string(), dir.string(), log.string(),
      [&] { return fs::exists(dir / "var/tls/server.crt") && health().status == 200; }, &started,
      &files);
  ASSERT_TRUE(started) << Sh("cat '" + log.string() + "'").out;
  auto listening = lines_with("\"msg\":\"listening\"");
  ASSERT_EQ(listening.size(), 1u);
  EXPECT_EQ(listening[0]["max_open_files"], 128) << "the soft limit was not raised to the hard";

  // 200 connections that never speak: the server runs out of descriptors part way.
  std::vector<int> idle;
  for (int i = 0; i < 200; ++i) {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(s, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(s, reinterpret_cast<sockaddr*>(&to), sizeof to), 0) << i;
    idle.push_back(s);
  }
  for (int i = 0; i < 100 && lines_with("cannot accept a connection").empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto refused = lines_with("cannot accept a connection");
  ASSERT_EQ(refused.size(), 1u) << Sh("tail -5 '" + log.string() + "'").out;
  EXPECT_EQ(refused[0]["level"], "warn");
  EXPECT_EQ(refused[0]["error"], "Too many open files");
  EXPECT_GT(refused[0].value("connections_open", 0), 50);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // several retries, still full
  EXPECT_EQ(lines_with("cannot accept a connection").size(), 1u) << "logged on every retry";

  for (int s : idle) ::close(s);
  testing_support::Reply after = health();
  EXPECT_EQ(after.status, 200) << "not serving again after the connections closed";
  auto again = lines_with("accepting connections again");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_GT(again[0].value("failed_attempts", 0), 1);
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), 0) << "the server is gone";
  ExpectStopsCleanly(pid);
  fs::remove_all(dir);
}

// The audit log cannot be written (here: the server's file size limit, set while it runs,
// which fails its writes as a full disk would; SIGXFSZ would otherwise end it): every decision
// is refused with 503 and nothing of it kept, the operators are told once (not once per
// request), and when writes work again the server goes on, without a restart, from where the
// log was.
TEST(ConcordatdStore, WhileTheLogCannotBeWrittenDecisionsAreRefusedSaidOnceAndItGoesOnAfter) {
  const fs::path dir = FreshDir("full");
  const int port = testing_support::FreeLoopbackPort();
  const std::string store = "sqlite:" + (dir / "var/concordat.db").string();
  ASSERT_TRUE(InitStore(store));
  ShellRun added = Sh(std::string("'") + CONCORDAT_BINARY + "' user add --store " + store +
                      " --id u-1 --org essex-police --roles intelligence-support-officer");
  ASSERT_EQ(added.code, 0) << added.out;
  const std::string token = added.out.substr(added.out.find("cct_"), 68);
  std::ofstream(dir / "c.yaml") << "store: " << store << "\nregistry: [" << CONCORDAT_SOURCE_DIR
                                << "/protocols]\nlisten: 127.0.0.1:" << port
                                << "\nlog_level: warn\n";
  const fs::path log = dir / "concordatd.log";
  auto call = [&](const testing_support::Call& c) {
    return testing_support::HttpsCall(port, (dir / "var/tls/server.crt").string(), dir.string(), c);
  };
  auto decide = [&] {
    return call({.method = "POST",
                 .path = "/v1/decide",
                 .body =
                     "{\"protocol\":\"essex-police-mosaic\",\"provider\":\"essex-cc\",\"data\":["
                     "\"cf-case-status\"],\"purpose\":\"online-child-sexual-abuse\",\"format\":"
                     "\"self_service\"}",
                 .token = token});
  };
  auto tree_size = [&] {
    return call({.path = "/v1/audit/sth", .token = token}).Json().value("tree_size", 0ull);
  };
  auto lines_with = [&log](const std::string& text) { return LogLinesWith(log, text); };
  bool started = false;
  const pid_t pid = testing_support::StartDaemon(
      CONCORDATD_BINARY, (dir / "c.yaml").string(), dir.string(), log.string(),
      [&] {
        return fs::exists(dir / "var/tls/server.crt") && call({.path = "/healthz"}).status == 200;
      },
      &started);
  ASSERT_TRUE(started) << Sh("cat '" + log.string() + "'").out;
  ASSERT_EQ(decide().status, 200);
  const uint64_t before = tree_size();

  // Files may not grow past a little more than the log file is now: the store's writes fail.
  const rlimit small{.rlim_cur = static_cast<rlim_t>(fs::file_size(log)) + 48 * 1024,
                     .rlim_max = RLIM_INFINITY};
  ASSERT_EQ(::prlimit(pid, RLIMIT_FSIZE, &small, nullptr), 0) << std::strerror(errno);
  uint64_t answered = 0, refused = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 300 && refused < 40; ++i) {
    testing_support::Reply r = decide();
    if (r.status == 200) {
      ASSERT_EQ(refused, 0u) << "a decision given between refusals: " << r.body;
      ++answered;
      continue;
    }
    ASSERT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(r.Json()["code"], "AUDIT_UNAVAILABLE") << r.body;
    EXPECT_NE(r.headers.find("Retry-After: 5\r\n"), std::string::npos) << r.headers;
    ++refused;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(refused, 40u) << "the store's writes never failed";
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), 0) << "the server died of the file size limit";
  auto first = lines_with("the audit log cannot be written");
  ASSERT_EQ(first.size(), 1u) << Sh("tail -5 '" + log.string() + "'").out;
  EXPECT_EQ(first[0]["level"], "error");
  EXPECT_FALSE(first[0].value("error", "").empty());
  EXPECT_LE(lines_with("still cannot be written").size(), static_cast<size_t>(seconds) + 1)
      << "more than a line a second";
  EXPECT_TRUE(lines_with("\"status\":503").empty()) << "request lines are info, not warn";

  const rlimit unlimited{.rlim_cur = RLIM_INFINITY, .rlim_max = RLIM_INFINITY};
  ASSERT_EQ(::prlimit(pid, RLIMIT_FSIZE, &unlimited, nullptr), 0);
  testing_support::Reply again = decide();
  EXPECT_EQ(again.status, 200) << again.body;
  auto back = lines_with("the audit log is written again");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0]["refused_in_all"], refused);
  EXPECT_EQ(tree_size(), before + answered + 1) << "a refused decision was kept, or one lost";

  ExpectStopsCleanly(pid);
  ShellRun verify = Sh(std::string("'") + CONCORDAT_BINARY + "' audit verify --store " + store);
  EXPECT_EQ(verify.code, 0) << verify.out;
  fs::remove_all(dir);
}

// A certificate renewed in place (as ACME clients and IT teams do, before it expires) is
// served to new connections after SIGHUP, without a restart; a renewal that does not load (a
// key that is not the certificate's) changes nothing, and the log says why.
TEST(ConcordatdTls, SighupServesARenewedCertificateAndKeepsTheOldOneIfTheNewDoesNotLoad) {
  const fs::path dir = FreshDir("tls");
  const int port = testing_support::FreeLoopbackPort();
  auto make_pair = [&dir](const std::string& name) {
    ShellRun r = Sh("cd '" + dir.string() +
                    "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                    "-keyout " +
                    name + ".key -out " + name +
                    ".crt -days 30 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1");
    EXPECT_EQ(r.code, 0) << r.out;
  };
  auto fingerprint_of = [](const std::string& command) {
    ShellRun r = Sh(command + " | openssl x509 -noout -fingerprint -sha256");
    return r.out.substr(r.out.find('=') + 1);
  };
  for (const char* name : {"a", "b", "c"}) make_pair(name);
  const std::string a = fingerprint_of("cat '" + (dir / "a.crt").string() + "'");
  const std::string b = fingerprint_of("cat '" + (dir / "b.crt").string() + "'");
  ASSERT_NE(a, b);
  auto install = [&dir](const std::string& cert, const std::string& key) {
    fs::copy_file(dir / cert, dir / "new.crt", fs::copy_options::overwrite_existing);
    fs::copy_file(dir / key, dir / "new.key", fs::copy_options::overwrite_existing);
    fs::rename(dir / "new.crt", dir / "server.crt");
    fs::rename(dir / "new.key", dir / "server.key");
  };
  install("a.crt", "a.key");
  ASSERT_TRUE(InitStore("sqlite:" + (dir / "var/concordat.db").string()));
  std::ofstream(dir / "c.yaml") << "store: sqlite:" << (dir / "var/concordat.db").string()
                                << "\nregistry: [" << CONCORDAT_SOURCE_DIR
                                << "/protocols]\nlisten: 127.0.0.1:" << port
                                << "\ntls:\n  certificate: " << (dir / "server.crt").string()
                                << "\n  private_key: " << (dir / "server.key").string() << "\n";
  const fs::path log = dir / "concordatd.log";
  auto served = [&] {
    return fingerprint_of("openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                          " </dev/null 2>/dev/null");
  };
  auto health = [&] {
    return testing_support::HttpsCall(port, (dir / "server.crt").string(), dir.string(),
                                      {.path = "/healthz"})
        .status;
  };
  auto count = [&log](const std::string& text) { return LogLinesWith(log, text).size(); };
  bool started = false;
  const pid_t pid = testing_support::StartDaemon(
      CONCORDATD_BINARY, (dir / "c.yaml").string(), dir.string(), log.string(),
      [&] { return health() == 200; }, &started);
  ASSERT_TRUE(started) << Sh("cat '" + log.string() + "'").out;
  EXPECT_EQ(served(), a);
  auto hup_and_wait = [&](const std::string& text) {
    const size_t before = count(text);
    ::kill(pid, SIGHUP);
    for (int i = 0; i < 200 && count(text) == before; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return count(text) > before;
  };

  install("b.crt", "b.key");  // renewed
  ASSERT_TRUE(hup_and_wait("\"msg\":\"TLS certificate reloaded\""))
      << Sh("tail -3 '" + log.string() + "'").out;
  EXPECT_EQ(served(), b) << "the renewed certificate is not served";
  EXPECT_EQ(health(), 200);

  install("a.crt", "c.key");  // a key that is not the certificate's
  ASSERT_TRUE(hup_and_wait("TLS certificate not reloaded"))
      << Sh("tail -3 '" + log.string() + "'").out;
  EXPECT_EQ(served(), b) << "a renewal that did not load replaced the certificate in force";
  EXPECT_EQ(
      Sh("grep 'TLS certificate not reloaded' '" + log.string() + "' | grep -c server.key").out,
      "1\n")
      << "the line names the file";

  ExpectStopsCleanly(pid);
  fs::remove_all(dir);
}

TEST(ConcordatdStart, ARefusalToStartIsALogLineWithItsExitCodeAndCreatesNothing) {
  const fs::path dir =
      fs::temp_directory_path() / ("concordat-start-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto start = [&dir](const std::string& config_text) {
    std::ofstream(dir / "c.yaml") << config_text;
    return Sh("cd '" + dir.string() + "' && timeout 20 '" + CONCORDATD_BINARY +
              "' --config c.yaml");
  };
  auto only_line = [](const ShellRun& r) {
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not one JSON line: " << r.out;
    return j.is_discarded() ? json::object() : j;
  };
  // A misspelt key: named with its line, and the keys there are.
  ShellRun typo = start("store: sqlite:var/x.db\nlistn: 127.0.0.1:1\n");
  EXPECT_EQ(typo.code, 2) << typo.out;
  json line = only_line(typo);
  EXPECT_EQ(line["level"], "error");
  EXPECT_EQ(line["msg"], "bad configuration");
  EXPECT_NE(line.value("error", "").find("c.yaml:2:1: listn: unknown key; expected store"),
            std::string::npos)
      << typo.out;
  EXPECT_EQ(line["exit_code"], 2);
  // A configuration that is a directory, or is missing: said so, not a crash.
  ShellRun folder = Sh(std::string("'") + CONCORDATD_BINARY + "' --config '" + dir.string() + "'");
  EXPECT_EQ(folder.code, 2) << folder.out;
  EXPECT_NE(only_line(folder).value("error", "").find("(it is a directory)"), std::string::npos)
      << folder.out;
  ShellRun missing =
      Sh(std::string("'") + CONCORDATD_BINARY + "' --config '" + (dir / "no.yaml").string() + "'");
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(only_line(missing).value("error", "").find("(no such file)"), std::string::npos)
      << missing.out;
  // A store that is not a database: exit 3, the file as it was, and no certificate made.
  std::ofstream(dir / "junk.db") << std::string(8192, 'x');
  ShellRun junk = start("store: sqlite:" + (dir / "junk.db").string() + "\nregistry: [" +
                        CONCORDAT_SOURCE_DIR + "/protocols]\nlisten: 127.0.0.1:1\n");
  EXPECT_EQ(junk.code, 3) << junk.out;
  line = only_line(junk);
  EXPECT_EQ(line["msg"], "cannot start");
  EXPECT_NE(line.value("error", "").find("junk.db"), std::string::npos) << junk.out;
  EXPECT_EQ(fs::file_size(dir / "junk.db"), 8192u);
  EXPECT_FALSE(fs::exists(dir / "var/tls")) << "a certificate was made for a start that failed";
  // An address already taken: exit 3 naming it.
  const int taken = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(taken, reinterpret_cast<sockaddr*>(&at), sizeof at), 0);
  ASSERT_EQ(::listen(taken, 1), 0);
  socklen_t len = sizeof at;
  ::getsockname(taken, reinterpret_cast<sockaddr*>(&at), &len);
  const std::string address = "127.0.0.1:" + std::to_string(ntohs(at.sin_port));
  ASSERT_EQ(Sh(std::string("'") + CONCORDAT_BINARY +
               "' init --store sqlite:" + (dir / "var/concordat.db").string())
                .code,
            0);
  ShellRun busy = start("store: sqlite:" + (dir / "var/concordat.db").string() + "\nregistry: [" +
                        CONCORDAT_SOURCE_DIR + "/protocols]\nlisten: " + address + "\n");
  ::close(taken);
  EXPECT_EQ(busy.code, 3) << busy.out;
  EXPECT_NE(busy.out.find(address), std::string::npos) << busy.out;
  EXPECT_NE(busy.out.find("\"msg\":\"cannot start\""), std::string::npos) << busy.out;
  fs::remove_all(dir);
}

// concordatd --check where nothing has started: it says what a first start would make, makes
// none of it, names every problem in one run with the exit code a start would have, and never
// prints a password.
TEST(ConcordatdCheck, NamesEveryProblemWithTheStartsExitCodeAndCreatesNothing) {
  const fs::path dir =
      fs::temp_directory_path() / ("concordat-check-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto check = [&dir](const std::string& config_text) {
    std::ofstream(dir / "c.yaml", std::ios::trunc) << config_text;
    return Sh("cd '" + dir.string() + "' && '" + CONCORDATD_BINARY + "' --config c.yaml --check");
  };
  const std::string registry = std::string("registry: [") + CONCORDAT_SOURCE_DIR + "/protocols]\n";
  ShellRun first = check(registry);
  EXPECT_EQ(first.code, 0) << first.out;
  for (const char* said : {"a self-signed one will be made at var/tls/server.crt",
                           "sqlite:var/concordat.db: none yet; it will be made on first start",
                           "signing key   var/concordat.db.signing-key: none yet",
                           "ready to start; nothing was changed"})
    EXPECT_NE(first.out.find(said), std::string::npos) << said << "\n" << first.out;
  EXPECT_FALSE(fs::exists(dir / "var")) << "the check made something";
  // A store that is not a database: exit 3, and the file as it was.
  std::ofstream(dir / "junk.db") << std::string(8192, 'x');
  ShellRun junk = check("store: sqlite:junk.db\n" + registry);
  EXPECT_EQ(junk.code, 3) << junk.out;
  EXPECT_NE(junk.out.find("FAIL  store"), std::string::npos) << junk.out;
  EXPECT_EQ(fs::file_size(dir / "junk.db"), 8192u);
  // With it, a private key that is not the certificate's and a connector whose source is not
  // there: all three named, and exit 2 (the configuration), which outranks 3.
  for (const char* name : {"a", "b"})
    ASSERT_EQ(Sh("cd '" + dir.string() + "' && openssl req -x509 -newkey ec -pkeyopt " +
                 "ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -days 1 -keyout " + name +
                 ".key -out " + name + ".crt")
                  .code,
              0);
  ShellRun three = check(
      "store: sqlite:junk.db\n" + registry +
      "tls: {certificate: a.crt, private_key: b.key}\nconnectors:\n  essex-cc:\n    source: "
      "sqlite:no-such-mosaic.db\n    categories:\n      cf-case-status:\n        query: SELECT "
      "full_name FROM cases WHERE ref = ?1\n        fields: {full_name: name}\n");
  EXPECT_EQ(three.code, 2) << three.out;
  EXPECT_NE(three.out.find("FAIL  connectors"), std::string::npos) << three.out;
  EXPECT_NE(three.out.find("b.key does not belong to a.crt"), std::string::npos) << three.out;
  EXPECT_NE(three.out.find("3 problems"), std::string::npos) << three.out;
  // A PostgreSQL store that does not answer: exit 3, and its password never printed.
  ShellRun pg = check("store: postgresql://concordat:s3cret-pw@127.0.0.1:1/concordat\n" + registry);
  EXPECT_EQ(pg.code, 3) << pg.out;
  EXPECT_EQ(pg.out.find("s3cret-pw"), std::string::npos) << pg.out;
  // A configuration that does not load: one FAIL line, exit 2.
  ShellRun typo = check("listn: 127.0.0.1:1\n");
  EXPECT_EQ(typo.code, 2) << typo.out;
  EXPECT_NE(typo.out.find("FAIL  configuration c.yaml:1:1: listn: unknown key"), std::string::npos)
      << typo.out;
  fs::remove_all(dir);
}

// Each program says which Concordat it is (the project's version).
TEST(Programs, EachSaysItsVersion) {
  for (const auto& [name, path] :
       {std::pair<std::string, std::string>{"concordat", CONCORDAT_BINARY},
        {"concordatd", CONCORDATD_BINARY},
        {"concordat-verify", CONCORDAT_VERIFY_BINARY}}) {
    ShellRun r = Sh("'" + path + "' --version");
    EXPECT_EQ(r.code, 0) << name << ": " << r.out;
    EXPECT_EQ(r.out, name + " " + CONCORDAT_VERSION + "\n");
  }
}

// What an operator needs from concordatd --help: the exit codes, the signals, the endpoints
// that tell its health, and where the rest is written.
TEST(Programs, TheServersHelpSaysItsExitCodesSignalsAndHealthEndpoints) {
  ShellRun r = Sh(std::string("'") + CONCORDATD_BINARY + "' --help");
  EXPECT_EQ(r.code, 0) << r.out;
  for (const char* text :
       {"2 bad configuration", "3 could not start", "SIGTERM", "SIGHUP", "/healthz", "/readyz",
        "/metrics", "docs/installing.md", "docs/operations.md", "--check"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << " in:\n" << r.out;
}

}  // namespace
}  // namespace concordat

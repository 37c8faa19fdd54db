// Drives the real `concordat` binary as a user would, checking output and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "../support/postgres_server.h"
#include "model/canonical.h"
#include "test_util.h"

namespace concordat {
namespace {

using concordat::testing::SourcePath;

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

enum Streams { kBoth, kStdoutOnly, kStderrOnly };

CliRun Concordat(const std::string& args, Streams streams = kBoth) {
  std::string cmd = std::string(CONCORDAT_BINARY) + " " + args +
                    (streams == kBoth         ? " 2>&1"
                     : streams == kStdoutOnly ? " 2>/dev/null"
                                              : " 2>&1 >/dev/null");
  CliRun r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string Src(const std::string& rel) {
  std::string quoted(
      1, '\'');  // built piecewise: GCC 12 -O3 warns wrongly (-Wrestrict) on "'" + s + "'"
  quoted += SourcePath(rel);
  quoted += '\'';
  return quoted;
}

TEST(Cli, LintCleanFileExitsZero) {
  CliRun r = Concordat("lint --at 2025-01-01 " + Src("tests/fixtures/clean.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("1 protocol checked: 0 errors, 0 warnings, 0 info"), std::string::npos)
      << r.out;
}

TEST(Cli, LintSeedsReportsTheirDefectsAndExitsOne) {
  CliRun r = Concordat("lint --at 2026-11-24 " + Src("protocols"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("3 protocols checked"), std::string::npos);
  EXPECT_NE(r.out.find("error [data-provider-not-partner] basildon-csp (data dwp-links)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("warning [review-text-mismatch] essex-prison-release-housing"),
            std::string::npos);
  EXPECT_NE(r.out.find("warning [review-overdue] essex-police-mosaic"), std::string::npos);
}

TEST(Cli, WarningsFailOnlyWithStrict) {
  // The Mosaic protocol has warnings and no errors.
  CliRun loose = Concordat("lint --at 2026-11-24 " + Src("protocols/essex-police-mosaic.yaml"));
  EXPECT_EQ(loose.exit_code, 0) << loose.out;
  EXPECT_NE(loose.out.find(" 0 errors,"), std::string::npos);
  CliRun strict =
      Concordat("lint --strict --at 2026-11-24 " + Src("protocols/essex-police-mosaic.yaml"));
  EXPECT_EQ(strict.exit_code, 1) << strict.out;
  CliRun filtered = Concordat("lint --min-severity error --at 2026-11-24 " +
                              Src("protocols/essex-police-mosaic.yaml"));
  EXPECT_EQ(filtered.out.find("warning ["), std::string::npos) << filtered.out;
}

TEST(Cli, UnreadableInputExitsTwoNamingFileLineColumn) {
  auto dir =
      std::filesystem::temp_directory_path() / ("concordat-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "broken.yaml") << "concordat: 1\nid: x\nstatus: [\n";
  CliRun r = Concordat("lint '" + (dir / "broken.yaml").string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("broken.yaml:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("YAML syntax error"), std::string::npos) << r.out;
  CliRun missing = Concordat("lint /nonexistent/protocols");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.out.find("/nonexistent/protocols: no such file or directory"),
            std::string::npos);
  CliRun bad_at = Concordat("lint --at 24/11/2026 " + Src("protocols"));
  EXPECT_EQ(bad_at.exit_code, 2);
  EXPECT_NE(bad_at.out.find("--at '24/11/2026' is not a date"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Cli, LintJsonIsMachineReadable) {
  std::string cmd = std::string(CONCORDAT_BINARY) + " lint --format json --at 2026-11-24 '" +
                    SourcePath("protocols") + "'";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["summary"]["protocols"], 3);
  EXPECT_GT(j["summary"]["errors"].get<int>(), 0);
  ASSERT_TRUE(j["findings"].is_array());
  bool saw = false;
  for (const auto& f : j["findings"]) {
    ASSERT_TRUE(f.contains("rule") && f.contains("severity") && f.contains("protocol") &&
                f.contains("place") && f.contains("message") && f.contains("line"));
    if (f["rule"] == "lead-not-partner" && f["protocol"] == "basildon-csp") {
      saw = true;
      EXPECT_EQ(f["severity"], "error");
    }
  }
  EXPECT_TRUE(saw);
}

TEST(Cli, ShowSummarisesAProtocol) {
  CliRun r = Concordat("show " + Src("protocols/essex-police-mosaic.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  for (const char* s :
       {"Essex Police Access to Social Care Case Management System",
        "essex-police-mosaic version 1.0 (approved)", "Essex County Council [essex-cc]",
        "cf-case-status (personal): Essex County Council -> Essex Police", "Art 6 legal_obligation",
        "only at: ecc-cf-hub, essex-police-hq", "requires: justification, audit_reference",
        "partners within 48 hours, ICO within 72 hours", "28 days' notice",
        "Formats    self_service"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << "missing: " << s << "\n" << r.out;
  }
  CliRun prison = Concordat("show " + Src("protocols/essex-prison-release-housing.yaml"));
  EXPECT_NE(prison.out.find("not set (never in force)"), std::string::npos);
  EXPECT_NE(prison.out.find("NOT SIGNED"), std::string::npos);
  EXPECT_NE(prison.out.find("signed 2024-07-01 by John Higgins"), std::string::npos);
}

TEST(Cli, CanonicalHashMatchesTheLibrary) {
  CliRun r = Concordat("canonical --hash " + Src("protocols/basildon-csp.yaml"));
  EXPECT_EQ(r.exit_code, 0);
  auto p = concordat::testing::LoadOrDie("protocols/basildon-csp.yaml");
  EXPECT_EQ(r.out, model::ContentHash(p) + "\n");
  CliRun text = Concordat("canonical " + Src("protocols/basildon-csp.yaml"));
  EXPECT_EQ(text.out, model::ToCanonicalYaml(p));
}

TEST(Cli, HelpAndUsageErrors) {
  CliRun help = Concordat("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("lint"), std::string::npos);
  EXPECT_NE(help.out.find("show"), std::string::npos);
  CliRun lint_help = Concordat("lint --help");
  EXPECT_EQ(lint_help.exit_code, 0);
  EXPECT_NE(lint_help.out.find("--strict"), std::string::npos);
  EXPECT_NE(lint_help.out.find("Exit status"), std::string::npos);
  EXPECT_EQ(Concordat("").exit_code, 2);
  EXPECT_EQ(Concordat("frobnicate").exit_code, 2);
  EXPECT_EQ(Concordat("lint --format xml " + Src("protocols")).exit_code, 2);
}

}  // namespace
}  // namespace concordat

namespace concordat {
namespace {

// A file under the temporary directory, removed when the test program ends.
std::string WriteTemp(const std::string& name, const std::string& text) {
  static struct Written {
    std::vector<std::filesystem::path> paths;
    ~Written() {
      std::error_code ec;
      for (const auto& p : paths) std::filesystem::remove(p, ec);
    }
  } written;
  auto path = std::filesystem::temp_directory_path() /
              ("concordat-cli-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << text;
  written.paths.push_back(path);
  return path.string();
}

const char* kMosaicPermit =
    R"({"at":"2024-09-01T10:00:00Z","protocol":"essex-police-mosaic","requester":{"org":"essex-police","user":"u-4411","roles":["intelligence-support-officer"],"location":"essex-police-hq","device":"ecc-issued-laptop"},"provider":"essex-cc","data":["cf-case-status"],"purpose":"online-child-sexual-abuse","format":"self_service","justification":"POLIT referral 77","audit_reference":"AR-2024-0091"})";

TEST(CliDecide, PrettyPrintedSingleRequest) {
  std::string pretty = nlohmann::json::parse(kMosaicPermit).dump(2);
  std::string file = WriteTemp("single.json", pretty);
  CliRun r = Concordat("decide --registry " + Src("protocols") + " " + file);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  auto lines = std::count(r.out.begin(), r.out.end(), '\n');
  EXPECT_EQ(lines, 1) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["decision"], "permit");
  EXPECT_EQ(j["protocol"], "essex-police-mosaic");
  EXPECT_EQ(j["version"], "1.0");
  EXPECT_EQ(j["rule"], "polit-checks");
  EXPECT_EQ(j["obligations"]["mode"], "read_only");
  EXPECT_TRUE(
      j["obligations"]["retain_until"].is_null());  // the document gives no retention period
}

TEST(CliDecide, JsonLinesWithAMalformedLine) {
  std::string home = kMosaicPermit;
  home.replace(home.find("essex-police-hq"), 15, "home");
  std::string file = WriteTemp(
      "batch.jsonl",
      std::string(kMosaicPermit) + "\n\n" + home + "\n{\"requester\": nope}\n" +
          R"({"requester":{"org":"essex-police"},"provider":"essex-cc","format":"self_service","colour":"red"})" +
          "\n");
  CliRun r = Concordat("decide --registry " + Src("protocols") + " " + file, kStdoutOnly);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  std::vector<nlohmann::json> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(out.size(), 4u) << r.out;  // the blank line gets no decision
  EXPECT_EQ(out[0]["decision"], "permit");
  EXPECT_EQ(out[1]["decision"], "deny");
  EXPECT_EQ(out[1]["reasons"][0]["code"], "LOCATION_NOT_ALLOWED");
  for (int i : {2, 3}) {
    EXPECT_EQ(out[static_cast<size_t>(i)]["decision"], "deny");
    EXPECT_EQ(out[static_cast<size_t>(i)]["reasons"][0]["code"], "INVALID_REQUEST");
  }
  EXPECT_NE(out[2]["reasons"][0]["message"].get<std::string>().find("line 4: malformed JSON"),
            std::string::npos);
  EXPECT_NE(out[3]["reasons"][0]["message"].get<std::string>().find(
                "line 5: request: unknown field 'colour'"),
            std::string::npos);
  CliRun err = Concordat("decide --registry " + Src("protocols") + " " + file, kStderrOnly);
  EXPECT_NE(err.out.find("line 4: malformed JSON"), std::string::npos) << err.out;
}

TEST(CliDecide, StandardInputAndDefaultInstant) {
  std::string req = kMosaicPermit;
  const std::string at_field = "\"at\":\"2024-09-01T10:00:00Z\",";
  req.erase(req.find(at_field), at_field.size());
  std::string file = WriteTemp("noat.json", req);
  CliRun before =
      Concordat("decide --registry " + Src("protocols") + " --at 2024-07-02 - < " + file);
  EXPECT_EQ(before.exit_code, 0);
  EXPECT_NE(before.out.find("NOT_COMMENCED"), std::string::npos) << before.out;
  CliRun after =
      Concordat("decide --registry " + Src("protocols") + " --at 2026-11-24T09:00:00Z < " + file);
  EXPECT_NE(after.out.find("\"decision\":\"permit\""), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("REVIEW_OVERDUE"), std::string::npos);
  CliRun strict = Concordat("decide --strict-review --registry " + Src("protocols") +
                            " --at 2026-11-24T09:00:00Z < " + file);
  EXPECT_NE(strict.out.find("\"decision\":\"deny\""), std::string::npos) << strict.out;
  CliRun bad_at = Concordat("decide --registry " + Src("protocols") + " --at soon < " + file);
  EXPECT_EQ(bad_at.exit_code, 2);
}

TEST(CliDecide, ExplainSaysWhatWouldFixIt) {
  std::string home = kMosaicPermit;
  home.replace(home.find("essex-police-hq"), 15, "home");
  std::string file = WriteTemp("explain.json", home);
  CliRun r = Concordat("explain --registry " + Src("protocols") + " " + file);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  for (const char* s :
       {"DENY: essex-police (user u-4411) asks essex-cc for cf-case-status by self_service",
        "Protocol:  Essex Police Access to Social Care Case Management System (essex-police-mosaic "
        "version 1.0)",
        "Closest rule: polit-checks (read_only)", "LOCATION_NOT_ALLOWED",
        "To fix: Make the request from one of the sites the rule permits"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  CliRun same = Concordat("decide --explain --registry " + Src("protocols") + " " + file);
  EXPECT_EQ(same.out, r.out);
}

TEST(CliDecide, UnreadableRegistryDecidesNothing) {
  auto dir =
      std::filesystem::temp_directory_path() / ("concordat-badreg-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "x.yaml") << "concordat: 1\nid: Bad Id\n";
  std::string file = WriteTemp("one.json", kMosaicPermit);
  CliRun r = Concordat("decide --registry '" + dir.string() + "' " + file);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out.find("\"decision\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("x.yaml:2:5"), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}

// A directory or a missing file where a file is wanted is named, with why, and changes nothing.
TEST(Cli, AFolderOrMissingFileWhereAFileIsWantedIsNamedWithWhy) {
  auto dir =
      std::filesystem::temp_directory_path() / ("concordat-notafile-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "folder");
  const std::string folder = (dir / "folder").string(), store = "sqlite:" + (dir / "s.db").string();
  ASSERT_EQ(Concordat("init --store " + store).exit_code, 0);
  const std::string is_dir = folder + ": is a directory, not a file";
  for (const std::string& args :
       {"show " + folder, "canonical " + folder,
        "decide --registry " + Src("protocols") + " " + folder,
        "audit append --store " + store + " " + folder,
        "audit verify --store " + store + " --public-key " + folder,
        "user add --store " + store + " --id u-1 --org essex-police --roles r --certificate " +
            folder}) {
    CliRun r = Concordat(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(is_dir), std::string::npos) << args << "\n" << r.out;
  }
  CliRun key = Concordat("init --store " + store + " --key " + folder);
  EXPECT_EQ(key.exit_code, 2) << key.out;
  EXPECT_NE(key.out.find(folder + ": is not a file, so not a signing key"), std::string::npos)
      << key.out;
  const std::string missing = (dir / "missing.json").string();
  for (const std::string& args :
       {"show " + missing, "decide --registry " + Src("protocols") + " " + missing,
        "audit append --store " + store + " " + missing}) {
    CliRun r = Concordat(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(missing + ": no such file"), std::string::npos) << args << "\n" << r.out;
  }
  // Nothing was appended and no one added.
  EXPECT_EQ(Concordat("audit tail --store " + store).out, "");
  EXPECT_EQ(Concordat("user list --store " + store, kStdoutOnly).out, "");
  std::filesystem::remove_all(dir);
}

TEST(CliGenerate, RegistryAndRequestsAreReproducibleAndLoadable) {
  auto dir =
      std::filesystem::temp_directory_path() / ("concordat-gen-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  CliRun r = Concordat("gen-registry --protocols 20 --partners 6 --categories 5 --seed 9 '" +
                       dir.string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  CliRun again = Concordat("gen-registry --protocols 20 --seed 9 '" + dir.string() + "'");
  EXPECT_EQ(again.exit_code, 2) << "must refuse a non-empty directory";
  EXPECT_NE(again.out.find("is not empty"), std::string::npos);
  CliRun a = Concordat("gen-requests --registry '" + dir.string() + "' --count 50 --seed 4");
  CliRun b = Concordat("gen-requests --registry '" + dir.string() + "' --count 50 --seed 4");
  EXPECT_EQ(a.exit_code, 0);
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'), 50);
  std::string reqs = WriteTemp("gen.jsonl", a.out);
  CliRun d = Concordat("decide --registry '" + dir.string() + "' " + reqs);
  EXPECT_EQ(d.exit_code, 0) << d.out.substr(0, 500);
  EXPECT_EQ(std::count(d.out.begin(), d.out.end(), '\n'), 50);
  std::filesystem::remove_all(dir);
}

}  // namespace
// A store URL may carry a password; what the command prints never does.
TEST(Cli, InitNeverPrintsTheStoresPassword) {
  const std::string url =
      testing::PostgresServer::Shared().NewDatabaseUrl() + "&password=hunter2-not-shown";
  CliRun r = Concordat("init --store '" + url + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("password=*** is ready"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("hunter2"), std::string::npos) << r.out;
}

}  // namespace concordat

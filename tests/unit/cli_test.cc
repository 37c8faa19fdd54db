// Drives the real `concordat` binary as a user would, checking output and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/canonical.h"
#include "test_util.h"

namespace concordat {
namespace {

using concordat::testing::SourcePath;

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

CliRun Concordat(const std::string& args) {
  std::string cmd = std::string(CONCORDAT_BINARY) + " " + args + " 2>&1";
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

std::string Src(const std::string& rel) { return "'" + SourcePath(rel) + "'"; }

TEST(Cli, LintCleanFileExitsZero) {
  CliRun r = Concordat("lint --at 2025-01-01 " + Src("tests/fixtures/clean.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("1 protocol checked: 0 errors, 0 warnings, 0 info"), std::string::npos) << r.out;
}

TEST(Cli, LintSeedsReportsTheirDefectsAndExitsOne) {
  CliRun r = Concordat("lint --at 2026-11-24 " + Src("protocols"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("3 protocols checked"), std::string::npos);
  EXPECT_NE(r.out.find("error [data-provider-not-partner] basildon-csp (data dwp-links)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("warning [review-text-mismatch] essex-prison-release-housing"), std::string::npos);
  EXPECT_NE(r.out.find("warning [review-overdue] essex-police-mosaic"), std::string::npos);
}

TEST(Cli, WarningsFailOnlyWithStrict) {
  // The Mosaic protocol has warnings and no errors.
  CliRun loose = Concordat("lint --at 2026-11-24 " + Src("protocols/essex-police-mosaic.yaml"));
  EXPECT_EQ(loose.exit_code, 0) << loose.out;
  EXPECT_NE(loose.out.find(" 0 errors,"), std::string::npos);
  CliRun strict = Concordat("lint --strict --at 2026-11-24 " + Src("protocols/essex-police-mosaic.yaml"));
  EXPECT_EQ(strict.exit_code, 1) << strict.out;
  CliRun filtered = Concordat("lint --min-severity error --at 2026-11-24 " + Src("protocols/essex-police-mosaic.yaml"));
  EXPECT_EQ(filtered.out.find("warning ["), std::string::npos) << filtered.out;
}

TEST(Cli, UnreadableInputExitsTwoNamingFileLineColumn) {
  auto dir = std::filesystem::temp_directory_path() / ("concordat-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "broken.yaml") << "concordat: 1\nid: x\nstatus: [\n";
  CliRun r = Concordat("lint '" + (dir / "broken.yaml").string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("broken.yaml:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("YAML syntax error"), std::string::npos) << r.out;
  CliRun missing = Concordat("lint /nonexistent/protocols");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.out.find("/nonexistent/protocols: no such file or directory"), std::string::npos);
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
  for (const char* s : {"Essex Police Access to Social Care Case Management System",
                        "essex-police-mosaic version 1.0 (approved)", "Essex County Council [essex-cc]",
                        "cf-case-status (personal): Essex County Council -> Essex Police",
                        "Art 6 legal_obligation", "only at: ecc-cf-hub, essex-police-hq",
                        "requires: justification, audit_reference", "partners within 48 hours, ICO within 72 hours",
                        "28 days' notice", "Formats    self_service"}) {
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

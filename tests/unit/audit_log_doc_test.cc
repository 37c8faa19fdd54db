// docs/audit-log.md tells auditors what each kind of entry means: every kind the server and the
// command line write must be there. The kinds are read from the sources, so a new kind without
// its paragraph fails here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AuditLogDoc, EveryKindTheCodeWritesIsExplained) {
  const std::filesystem::path root = CONCORDAT_SOURCE_DIR;
  // An entry's kind is set as `kind = "..."`, given to Event("...", ...), or to Close(..., "...",
  // "...") for the ways a request closes.
  const std::regex written(R"re((?:kind = |Event\(|Close\(r, user, \*\*q, )"([a-z][a-z-]*)")re");
  std::set<std::string> kinds;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root / "src")) {
    if (e.path().extension() != ".cc") continue;
    const std::string text = ReadAll(e.path());
    for (std::sregex_iterator m(text.begin(), text.end(), written), end; m != end; ++m)
      kinds.insert((*m)[1]);
  }
  // The reading of the sources must find the kinds known today, or it proves nothing.
  for (const char* known : {"decision", "disclosure", "disclosure-read", "answer-refused",
                            "decline", "cancel", "lifecycle", "access", "audit-sample"})
    EXPECT_TRUE(kinds.count(known)) << known << " was not found in src/: the pattern is stale";
  const std::string doc = ReadAll(root / "docs/audit-log.md");
  ASSERT_FALSE(doc.empty());
  for (const std::string& kind : kinds)
    EXPECT_NE(doc.find("`" + kind + "`"), std::string::npos)
        << "docs/audit-log.md does not explain entries of kind " << kind;
}

}  // namespace

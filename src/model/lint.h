// The linter: what is wrong or missing in a protocol, in words a governance officer uses.
//
// Each Finding carries a stable rule id (documented in docs/lint-rules.md; tools may rely
// on it), a severity, the protocol, the place (partner, data category, access rule or
// field) and a message. Lint never changes the protocol and never fails: a protocol that
// loaded can always be linted.
#pragma once

#include <string>
#include <vector>

#include "base/date.h"
#include "model/protocol.h"

namespace concordat::model {

enum class Severity { kError, kWarning, kInfo };
std::string_view SeverityName(Severity s);

struct Finding {
  std::string rule;  // e.g. "partner-dpo-missing"
  Severity severity = Severity::kWarning;
  std::string protocol;  // protocol id
  std::string file;      // where the protocol was loaded from
  int line = 0;          // line of the place in the file, when known
  std::string place;     // "partner essex-police", "data cf-case-status", "review.due", ...
  std::string message;
};

struct LintOptions {
  Date at = Date::Today();  // "as of" date for review and withdrawal checks
};

std::vector<Finding> Lint(const Protocol& p, const LintOptions& options = {});

// How many findings there are of each severity.
struct FindingCounts {
  size_t errors = 0, warnings = 0, info = 0;
};
FindingCounts CountFindings(const std::vector<Finding>& findings);

// Every rule id the linter can emit, with its severity and a one-line description.
struct LintRule {
  const char* id;
  Severity severity;
  const char* description;
};
const std::vector<LintRule>& AllLintRules();

// True when `text` is a template placeholder or empty: "Choose an item.", "TBC", "?",
// "[please ...]", "Click here to enter text.", blank.
bool IsPlaceholder(std::string_view text);

}  // namespace concordat::model

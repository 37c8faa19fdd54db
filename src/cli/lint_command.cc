// concordat lint PATH...: report what is wrong or missing in protocol files.
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "model/lint.h"
#include "model/loader.h"
#include "model/registry.h"

namespace concordat::cli {
namespace {

struct LintArgs {
  std::vector<std::string> paths;
  std::string at;
  std::string format = "text";
  std::string min_severity = "info";
  bool strict = false;
};

int SeverityRank(model::Severity s) {
  return s == model::Severity::kError ? 2 : s == model::Severity::kWarning ? 1 : 0;
}

int RunLint(const LintArgs& args) {
  model::LintOptions options;
  if (!args.at.empty()) {
    auto d = Date::Parse(args.at);
    if (!d) {
      std::cerr << "concordat lint: --at '" << args.at << "' is not a date; expected YYYY-MM-DD\n";
      return kExitBadInput;
    }
    options.at = *d;
  }
  int min_rank = args.min_severity == "error" ? 2 : args.min_severity == "warning" ? 1 : 0;

  std::vector<model::LoadError> load_errors;
  std::vector<model::Finding> findings;
  std::map<std::pair<std::string, std::string>, std::string> seen;  // (id, version) -> file
  size_t protocols = 0;
  for (const auto& path : args.paths) {
    auto files = model::ProtocolFilesAt(path);
    if (!files.ok()) {
      load_errors.push_back({path, 0, 0, files.status().message()});
      continue;
    }
    if (files->empty())
      load_errors.push_back({path, 0, 0, "no *.yaml protocol files in this directory"});
    for (const auto& file : *files) {
      std::vector<model::LoadError> errors;
      auto p = model::LoadProtocolFile(file, &errors);
      if (!p.ok()) {
        load_errors.insert(load_errors.end(), errors.begin(), errors.end());
        continue;
      }
      ++protocols;
      auto key = std::make_pair(p->id, p->version);
      if (auto it = seen.find(key); it != seen.end()) {
        findings.push_back({"registry-duplicate-version", model::Severity::kError, p->id, file, 0,
                            "id",
                            "Protocol '" + p->id + "' version " + p->version +
                                " is also defined in " + it->second});
      } else {
        seen[key] = file;
      }
      for (auto& f : model::Lint(*p, options)) findings.push_back(std::move(f));
    }
  }

  const model::FindingCounts counts = model::CountFindings(findings);

  if (args.format == "json") {
    nlohmann::json out;
    out["load_errors"] = nlohmann::json::array();
    for (const auto& e : load_errors)
      out["load_errors"].push_back(
          {{"file", e.file}, {"line", e.line}, {"column", e.column}, {"message", e.message}});
    out["findings"] = nlohmann::json::array();
    for (const auto& f : findings) {
      if (SeverityRank(f.severity) < min_rank) continue;
      out["findings"].push_back({{"rule", f.rule},
                                 {"severity", model::SeverityName(f.severity)},
                                 {"protocol", f.protocol},
                                 {"file", f.file},
                                 {"line", f.line},
                                 {"place", f.place},
                                 {"message", f.message}});
    }
    out["summary"] = {{"protocols", protocols},
                      {"errors", counts.errors},
                      {"warnings", counts.warnings},
                      {"info", counts.info},
                      {"unreadable", load_errors.size()}};
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& e : load_errors) std::cerr << e.ToString() << "\n";
    for (const auto& f : findings) {
      if (SeverityRank(f.severity) < min_rank) continue;
      std::cout << f.file;
      if (f.line > 0) std::cout << ":" << f.line;
      std::cout << ": " << model::SeverityName(f.severity) << " [" << f.rule << "] " << f.protocol;
      if (!f.place.empty()) std::cout << " (" << f.place << ")";
      std::cout << ": " << f.message << "\n";
    }
    std::cout << protocols << " protocol" << (protocols == 1 ? "" : "s")
              << " checked: " << counts.errors << " error" << (counts.errors == 1 ? "" : "s")
              << ", " << counts.warnings << " warning" << (counts.warnings == 1 ? "" : "s") << ", "
              << counts.info << " info";
    if (!load_errors.empty())
      std::cout << "; " << load_errors.size() << " problem(s) reading input";
    std::cout << "\n";
  }
  if (!load_errors.empty()) return kExitBadInput;
  if (counts.errors > 0) return kExitFindings;
  if (args.strict && counts.warnings > 0) return kExitFindings;
  return kExitOk;
}

}  // namespace

void RegisterLint(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<LintArgs>();
  auto* cmd = app.add_subcommand(
      "lint",
      "Check protocol files and report what is wrong or missing.\n"
      "Exit status: 0 no errors (warnings allowed unless --strict); 1 errors found, or "
      "warnings with --strict; 2 a file could not be read or loaded.");
  cmd->add_option("paths", args->paths, "Protocol files or directories of *.yaml files")
      ->required();
  cmd->add_option("--at", args->at,
                  "Check review dates and withdrawals as of this day (YYYY-MM-DD; default today)");
  cmd->add_option("--format", args->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--min-severity", args->min_severity, "Show findings of this severity and above")
      ->check(CLI::IsMember({"info", "warning", "error"}));
  cmd->add_flag("--strict", args->strict, "Treat warnings as failures (exit 1)");
  cmd->callback([args, exit_code] { *exit_code = RunLint(*args); });
}

}  // namespace concordat::cli

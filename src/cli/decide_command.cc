// concordat decide / concordat explain: decide requests against a registry.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "decide/engine.h"
#include "decide/index.h"
#include "decide/render.h"
#include "decide/request_json.h"
#include "model/registry.h"

namespace concordat::cli {
namespace {

struct DecideArgs {
  std::string registry;
  std::string at;
  bool strict_review = false;
  bool explain = false;
  std::string input = "-";
};

// Reads lines from a FILE* into a reusable buffer.
bool ReadLine(FILE* in, std::string* line) {
  line->clear();
  char buf[8192];
  while (std::fgets(buf, sizeof buf, in)) {
    line->append(buf);
    if (!line->empty() && line->back() == '\n') {
      line->pop_back();
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
  }
  return !line->empty();
}

bool Blank(const std::string& s) { return !decide::IsGiven(s); }

class Runner {
 public:
  Runner(const decide::CompiledRegistry& reg, Instant default_at, bool explain)
      : reg_(reg), default_at_(default_at), explain_(explain) {
    out_.reserve(1 << 17);
  }
  ~Runner() { Flush(); }

  // Decides one request text; returns false when it was malformed.
  bool One(std::string_view text, long line_number, bool whole_input) {
    Status s = parser_.Parse(text, &request_);
    if (!s.ok()) {
      std::string where = whole_input ? "input" : "line " + std::to_string(line_number);
      std::cerr << "concordat decide: " << where << ": " << s.message() << "\n";
      if (explain_) {
        out_ += "DENY: " + where + " could not be read: " + s.message() + "\n\n";
      } else {
        decide::RenderInvalid(where + ": " + s.message(), &out_);
        out_.push_back('\n');
      }
      MaybeFlush();
      return false;
    }
    decide::Decide(reg_, request_, default_at_, &decision_);
    if (explain_) {
      out_ += decide::Explain(reg_, request_, decision_);
      out_.push_back('\n');
    } else {
      decide::RenderJson(reg_, request_, decision_, &out_);
      out_.push_back('\n');
    }
    MaybeFlush();
    return true;
  }

  void Flush() {
    if (!out_.empty()) std::fwrite(out_.data(), 1, out_.size(), stdout);
    out_.clear();
    std::fflush(stdout);
  }

 private:
  void MaybeFlush() {
    if (out_.size() >= (1 << 16)) {
      std::fwrite(out_.data(), 1, out_.size(), stdout);
      out_.clear();
    }
  }
  const decide::CompiledRegistry& reg_;
  Instant default_at_;
  bool explain_;
  decide::RequestParser parser_;
  decide::Request request_;
  decide::Decision decision_;
  std::string out_;
};

int RunDecide(const DecideArgs& args) {
  Instant default_at = Instant::Now();
  if (!args.at.empty()) {
    auto at = Instant::Parse(args.at);
    if (!at) {
      if (auto d = Date::Parse(args.at)) at = Instant{d->StartInstant()};
    }
    if (!at) {
      std::cerr << "concordat decide: --at '" << args.at
                << "' is not an instant; expected RFC 3339 (2024-09-01T10:00:00Z) or a day (2024-09-01)\n";
      return kExitBadInput;
    }
    default_at = *at;
  }
  std::vector<model::LoadError> errors;
  auto registry = model::LoadRegistry(args.registry, &errors);
  if (!registry.ok()) {
    for (const auto& e : errors) std::cerr << e.ToString() << "\n";
    std::cerr << "concordat decide: the registry " << args.registry << " could not be loaded; nothing was decided\n";
    return kExitBadInput;
  }
  auto compiled = decide::CompiledRegistry::Compile(std::move(*registry), {args.strict_review});

  FILE* in = stdin;
  if (args.input != "-") {
    in = std::fopen(args.input.c_str(), "rb");
    if (!in) {
      std::cerr << "concordat decide: " << args.input << ": cannot open for reading\n";
      return kExitBadInput;
    }
  }
  Runner runner(*compiled, default_at, args.explain);
  bool all_ok = true;
  std::string line;
  long number = 0;
  // The first non-blank line decides the shape: a complete JSON object means JSON Lines;
  // otherwise the whole input is one JSON request (pretty-printed).
  while (ReadLine(in, &line)) {
    ++number;
    if (!Blank(line)) break;
  }
  if (!Blank(line)) {
    decide::RequestParser probe;
    decide::Request scratch;
    Status first = probe.Parse(line, &scratch);
    bool looks_partial = !first.ok() && first.message().rfind("malformed JSON", 0) == 0;
    if (looks_partial) {
      std::vector<std::string> lines{line};
      std::string rest;
      while (ReadLine(in, &rest)) lines.push_back(rest);
      std::string whole;
      for (const auto& l : lines) whole += l + "\n";
      decide::RequestParser whole_probe;
      if (whole_probe.Parse(whole, &scratch).ok() || lines.size() == 1) {
        all_ok = runner.One(whole, number, lines.size() > 1) && all_ok;
      } else {
        // Not one document either: report line by line.
        long n = number;
        for (const auto& l : lines) {
          if (!Blank(l)) all_ok = runner.One(l, n, false) && all_ok;
          ++n;
        }
      }
    } else {
      all_ok = runner.One(line, number, false) && all_ok;
      while (ReadLine(in, &line)) {
        ++number;
        if (Blank(line)) continue;
        all_ok = runner.One(line, number, false) && all_ok;
      }
    }
  }
  bool read_error = std::ferror(in);
  if (in != stdin) std::fclose(in);
  runner.Flush();
  if (read_error) {
    std::cerr << "concordat decide: error reading " << args.input << "\n";
    return kExitBadInput;
  }
  return all_ok ? kExitOk : kExitBadInput;
}

void Register(CLI::App& app, int* exit_code, const char* name, bool explain) {
  auto args = std::make_shared<DecideArgs>();
  args->explain = explain;
  auto* cmd = app.add_subcommand(
      name, explain ? "Explain decisions in words: which protocol and clause, which check failed and what would fix it."
                    : "Decide requests (one JSON object, or JSON Lines) against a registry; one JSON decision per line.\n"
                      "Exit status: 0 whatever was decided; 2 the registry or some input could not be read "
                      "(each unreadable line is answered with a deny carrying INVALID_REQUEST and its line number).");
  cmd->add_option("--registry", args->registry, "Directory of protocol files")->required();
  cmd->add_option("--at", args->at, "Instant for requests that carry no 'at' (RFC 3339 or YYYY-MM-DD; default now)");
  cmd->add_flag("--strict-review", args->strict_review, "An overdue review denies (REVIEW_OVERDUE) instead of warning");
  if (!explain) cmd->add_flag("--explain", args->explain, "Print readable explanations instead of JSON");
  cmd->add_option("input", args->input, "Request file, or - for standard input (default)");
  cmd->callback([args, exit_code] { *exit_code = RunDecide(*args); });
}

}  // namespace

void RegisterDecide(CLI::App& app, int* exit_code) {
  Register(app, exit_code, "decide", false);
  Register(app, exit_code, "explain", true);
}

}  // namespace concordat::cli

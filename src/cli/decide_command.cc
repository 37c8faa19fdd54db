// concordat decide / concordat explain: decide requests against a registry.
//
// Input is one JSON request (possibly pretty-printed over several lines) or JSON Lines. JSON
// Lines are cut into batches that worker threads decide in parallel; the output keeps the
// input's order, one decision per non-blank line.
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>

#include "base/read_file.h"
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
  int threads = 0;  // 0 = one per core
  std::string input = "-";
};

// Reads a stream in large blocks and hands out lines (without the newline or a trailing CR).
class LineReader {
 public:
  explicit LineReader(FILE* in) : in_(in) { buf_.resize(1 << 20); }

  bool Next(std::string_view* line) {
    for (;;) {
      size_t nl = pending_.find('\n', pos_);
      if (nl != std::string::npos) {
        *line = std::string_view(pending_).substr(pos_, nl - pos_);
        pos_ = nl + 1;
        if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
        return true;
      }
      pending_.erase(0, pos_);
      pos_ = 0;
      size_t n = std::fread(buf_.data(), 1, buf_.size(), in_);
      if (n == 0) {
        if (pending_.empty()) return false;
        last_.swap(pending_);
        pending_.clear();
        *line = last_;
        if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
        return true;
      }
      pending_.append(buf_.data(), n);
    }
  }

 private:
  FILE* in_;
  std::string buf_, pending_, last_;
  size_t pos_ = 0;
};

bool Blank(std::string_view s) {
  return !decide::IsGiven(s);
}

// The work of one thread: parse, decide, render.
class Decider {
 public:
  Decider(const decide::CompiledRegistry& reg, Instant default_at, bool explain)
      : reg_(reg), default_at_(default_at), explain_(explain) {}

  // Appends the decision for `text` to *out; on unreadable input appends a deny and the
  // message to *errors and returns false.
  bool One(std::string_view text, const std::string& where, std::string* out, std::string* errors) {
    Status s = parser_.Parse(text, &request_);
    if (!s.ok()) {
      *errors += "concordat decide: " + where + ": " + s.message() + "\n";
      if (explain_) {
        *out += "DENY: " + where + " could not be read: " + s.message() + "\n\n";
      } else {
        decide::RenderInvalid(where + ": " + s.message(), out);
        out->push_back('\n');
      }
      return false;
    }
    decide::Decide(reg_, request_, default_at_, &decision_);
    if (explain_) {
      *out += decide::Explain(reg_, request_, decision_);
    } else {
      decide::RenderJson(reg_, request_, decision_, out);
    }
    out->push_back('\n');
    return true;
  }

 private:
  const decide::CompiledRegistry& reg_;
  Instant default_at_;
  bool explain_;
  decide::RequestParser parser_;
  decide::Request request_;
  decide::Decision decision_;
};

struct Batch {
  std::string text;                              // the lines, back to back
  std::vector<std::pair<size_t, size_t>> lines;  // (offset, length) in text
  std::vector<long> numbers;                     // input line numbers
};

struct BatchResult {
  std::string out;
  std::string errors;
  bool ok = true;
};

class Output {
 public:
  void Write(const std::string& s) {
    if (!s.empty()) std::fwrite(s.data(), 1, s.size(), stdout);
  }
  ~Output() { std::fflush(stdout); }
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
                << "' is not an instant; expected RFC 3339 (2024-09-01T10:00:00Z) or a day "
                   "(2024-09-01)\n";
      return kExitBadInput;
    }
    default_at = *at;
  }
  std::vector<model::LoadError> errors;
  auto registry = model::LoadRegistry(args.registry, &errors);
  if (!registry.ok()) {
    for (const auto& e : errors) std::cerr << e.ToString() << "\n";
    std::cerr << "concordat decide: the registry " << args.registry
              << " could not be loaded; nothing was decided\n";
    return kExitBadInput;
  }
  auto compiled = decide::CompiledRegistry::Compile(std::move(*registry), {args.strict_review});

  FILE* in = stdin;
  if (args.input != "-") {
    // A directory would open and then fail to read; say what is wrong before anything else.
    if (std::string why = WhyUnreadable(args.input); !why.empty()) {
      std::cerr << "concordat decide: " << why << "\n";
      return kExitBadInput;
    }
    in = std::fopen(args.input.c_str(), "rb");
    if (!in) {
      std::cerr << "concordat decide: " << args.input << ": cannot open for reading\n";
      return kExitBadInput;
    }
  }
  LineReader reader(in);
  Output output;
  bool all_ok = true;
  std::string_view line;
  long number = 0;
  bool have = false;
  while ((have = reader.Next(&line))) {
    ++number;
    if (!Blank(line)) break;
  }

  if (have) {
    // A first line that is not a complete JSON value starts one pretty-printed request.
    decide::RequestParser probe;
    decide::Request scratch;
    Status first = probe.Parse(line, &scratch);
    if (!first.ok() && first.message().rfind("malformed JSON", 0) == 0) {
      std::vector<std::string> lines{std::string(line)};
      while (reader.Next(&line)) lines.emplace_back(line);
      std::string whole;
      for (const auto& l : lines) whole.append(l).push_back('\n');
      Decider decider(*compiled, default_at, args.explain);
      std::string out, errs;
      if (lines.size() == 1 || probe.Parse(whole, &scratch).ok()) {
        all_ok =
            decider.One(lines.size() == 1 ? lines[0] : whole,
                        lines.size() == 1 ? "line " + std::to_string(number) : std::string("input"),
                        &out, &errs);
      } else {
        long n = number;
        for (const auto& l : lines) {
          if (!Blank(l))
            all_ok = decider.One(l, "line " + std::to_string(n), &out, &errs) && all_ok;
          ++n;
        }
      }
      output.Write(out);
      std::cerr << errs;
    } else {
      // JSON Lines, in batches decided by a pool of threads; results written in order.
      const unsigned threads = args.threads > 0 ? static_cast<unsigned>(args.threads)
                                                : std::max(1u, std::thread::hardware_concurrency());
      constexpr size_t kBatchLines = 2048;
      std::deque<std::future<BatchResult>> inflight;
      auto drain_one = [&] {
        BatchResult r = inflight.front().get();
        inflight.pop_front();
        output.Write(r.out);
        if (!r.errors.empty()) std::cerr << r.errors;
        all_ok = all_ok && r.ok;
      };
      auto work = [&compiled, default_at, explain = args.explain](Batch batch) {
        thread_local std::unique_ptr<Decider> decider;
        if (!decider) decider = std::make_unique<Decider>(*compiled, default_at, explain);
        BatchResult r;
        r.out.reserve(batch.lines.size() * 512);
        for (size_t i = 0; i < batch.lines.size(); ++i) {
          std::string_view text(batch.text.data() + batch.lines[i].first, batch.lines[i].second);
          r.ok =
              decider->One(text, "line " + std::to_string(batch.numbers[i]), &r.out, &r.errors) &&
              r.ok;
        }
        return r;
      };
      // Threads of a small fixed pool, reused across batches (thread_local Decider per thread).
      std::vector<std::thread> pool;
      std::mutex mu;
      std::condition_variable cv;
      std::deque<std::packaged_task<BatchResult()>> queue;
      bool closing = false;
      for (unsigned i = 0; i < threads; ++i) {
        pool.emplace_back([&] {
          for (;;) {
            std::packaged_task<BatchResult()> task;
            {
              std::unique_lock<std::mutex> lock(mu);
              cv.wait(lock, [&] { return closing || !queue.empty(); });
              if (queue.empty()) return;
              task = std::move(queue.front());
              queue.pop_front();
            }
            task();
          }
        });
      }
      auto submit = [&](Batch batch) {
        std::packaged_task<BatchResult()> task(
            [&work, b = std::move(batch)]() mutable { return work(std::move(b)); });
        inflight.push_back(task.get_future());
        {
          std::lock_guard<std::mutex> lock(mu);
          queue.push_back(std::move(task));
        }
        cv.notify_one();
        while (inflight.size() > threads * 2) drain_one();
      };
      Batch batch;
      auto add = [&](std::string_view l, long n) {
        batch.lines.emplace_back(batch.text.size(), l.size());
        batch.text.append(l);
        batch.numbers.push_back(n);
        if (batch.lines.size() == kBatchLines) {
          submit(std::move(batch));
          batch = Batch();
        }
      };
      add(line, number);
      while (reader.Next(&line)) {
        ++number;
        if (!Blank(line)) add(line, number);
      }
      if (!batch.lines.empty()) submit(std::move(batch));
      while (!inflight.empty()) drain_one();
      {
        std::lock_guard<std::mutex> lock(mu);
        closing = true;
      }
      cv.notify_all();
      for (auto& t : pool) t.join();
    }
  }
  bool read_error = std::ferror(in);
  if (in != stdin) std::fclose(in);
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
      name,
      explain
          ? "Explain decisions in words: which protocol and clause, which check failed and what "
            "would fix it."
          : "Decide requests (one JSON object, or JSON Lines) against a registry; one JSON "
            "decision per line.\n"
            "Exit status: 0 whatever was decided; 2 the registry or some input could not be read "
            "(each unreadable line is answered with a deny carrying INVALID_REQUEST and its line "
            "number).");
  cmd->add_option("--registry", args->registry, "Directory of protocol files")->required();
  cmd->add_option("--at", args->at,
                  "Instant for requests that carry no 'at' (RFC 3339 or YYYY-MM-DD; default now)");
  cmd->add_flag("--strict-review", args->strict_review,
                "An overdue review denies (REVIEW_OVERDUE) instead of warning");
  if (!explain)
    cmd->add_flag("--explain", args->explain, "Print readable explanations instead of JSON");
  cmd->add_option("--threads", args->threads,
                  "Worker threads for JSON Lines (default: one per core)")
      ->check(CLI::Range(0, 256));
  cmd->add_option("input", args->input, "Request file, or - for standard input (default)");
  cmd->callback([args, exit_code] { *exit_code = RunDecide(*args); });
}

}  // namespace

void RegisterDecide(CLI::App& app, int* exit_code) {
  Register(app, exit_code, "decide", false);
  Register(app, exit_code, "explain", true);
}

}  // namespace concordat::cli

#include "model/registry.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

namespace concordat::model {
namespace fs = std::filesystem;

Result<std::vector<std::string>> ProtocolFilesAt(const std::string& path) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return Status::NotFound(path + ": no such file or directory");
  if (fs::is_regular_file(st)) return std::vector<std::string>{path};
  if (!fs::is_directory(st)) return Status::InvalidArgument(path + ": not a file or directory");
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    auto ext = entry.path().extension().string();
    if ((ext == ".yaml" || ext == ".yml") && entry.is_regular_file())
      files.push_back(entry.path().string());
  }
  if (ec) return Status::IoError(path + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

Result<Registry> LoadRegistry(const std::string& dir, std::vector<LoadError>* errors) {
  std::vector<LoadError> all;
  auto files = ProtocolFilesAt(dir);
  if (!files.ok()) {
    all.push_back({dir, 0, 0, files.status().message()});
    if (errors) errors->insert(errors->end(), all.begin(), all.end());
    return files.status();
  }
  // Parse the files in parallel (YAML parsing dominates), then check them in file order.
  const size_t n = files->size();
  std::vector<std::optional<Protocol>> loaded(n);
  std::vector<std::vector<LoadError>> file_errors(n);
  const size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()),
                                          std::max<size_t>(1, n / 8));
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      auto p = LoadProtocolFile((*files)[i], &file_errors[i]);
      if (p.ok()) loaded[i] = std::move(*p);
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();

  Registry reg;
  std::map<std::pair<std::string, std::string>, std::string> seen;  // (id, version) -> file
  for (size_t i = 0; i < n; ++i) {
    const std::string& file = (*files)[i];
    if (!loaded[i]) {
      all.insert(all.end(), file_errors[i].begin(), file_errors[i].end());
      continue;
    }
    auto key = std::make_pair(loaded[i]->id, loaded[i]->version);
    if (auto it = seen.find(key); it != seen.end()) {
      all.push_back({file, 0, 0,
                     "protocol '" + loaded[i]->id + "' version " + loaded[i]->version +
                         " is also defined in " + it->second +
                         "; each id and version must appear once in a registry"});
      continue;
    }
    seen[key] = file;
    reg.protocols.push_back(std::move(*loaded[i]));
  }
  if (!all.empty()) {
    std::string summary = all.front().ToString();
    if (all.size() > 1) summary += " (and " + std::to_string(all.size() - 1) + " more)";
    if (errors) errors->insert(errors->end(), all.begin(), all.end());
    return Status::InvalidArgument(summary);
  }
  std::sort(reg.protocols.begin(), reg.protocols.end(), [](const Protocol& a, const Protocol& b) {
    if (a.id != b.id) return a.id < b.id;
    return CompareVersions(a.version, b.version) < 0;
  });
  return reg;
}

int CompareVersions(std::string_view a, std::string_view b) {
  auto next = [](std::string_view& s) {
    auto dot = s.find('.');
    std::string_view part = s.substr(0, dot);
    s = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    return part;
  };
  auto numeric = [](std::string_view p) {
    return !p.empty() &&
           std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  while (!a.empty() || !b.empty()) {
    std::string_view pa = next(a), pb = next(b);
    if (numeric(pa) && numeric(pb)) {
      while (pa.size() > 1 && pa[0] == '0') pa.remove_prefix(1);
      while (pb.size() > 1 && pb[0] == '0') pb.remove_prefix(1);
      if (pa.size() != pb.size()) return pa.size() < pb.size() ? -1 : 1;
    }
    if (int c = pa.compare(pb); c != 0) return c < 0 ? -1 : 1;
  }
  return 0;
}

}  // namespace concordat::model

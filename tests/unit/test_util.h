// Helpers shared by the unit tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "model/loader.h"

namespace concordat::testing {

inline std::string SourcePath(const std::string& rel) {
  return std::string(CONCORDAT_SOURCE_DIR) + "/" + rel;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline model::Protocol LoadOrDie(const std::string& rel) {
  std::vector<model::LoadError> errors;
  auto p = model::LoadProtocolFile(SourcePath(rel), &errors);
  if (!p.ok()) {
    for (const auto& e : errors) ADD_FAILURE() << e.ToString();
    return model::Protocol{};
  }
  return *p;
}

// Replaces the first occurrence of `from` in `text` with `to`; fails the test if absent.
inline std::string Replace(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << "fixture does not contain: " << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

}  // namespace concordat::testing

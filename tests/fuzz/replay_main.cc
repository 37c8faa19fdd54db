// Replays a fuzz target's corpus and deterministic mutations of it through the target, so
// that every ctest run checks the target's invariants without libFuzzer.
//   replay MUTATIONS_PER_INPUT PATH...   (each PATH a corpus file, or a directory of them)
// The target names the characters its mutations insert (ConcordatFuzzAlphabet): JSON's for a
// request, YAML's for a protocol file.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../support/mutate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
std::string ConcordatFuzzAlphabet();

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: " << argv[0] << " MUTATIONS_PER_INPUT PATH...\n";
    return 2;
  }
  const int mutations = std::atoi(argv[1]);
  std::vector<std::string> inputs;
  auto read = [&inputs](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    inputs.push_back(s.str());
  };
  for (int i = 2; i < argc; ++i) {
    std::error_code ec;
    if (std::filesystem::is_directory(argv[i], ec)) {
      for (const auto& e : std::filesystem::directory_iterator(argv[i]))
        if (e.is_regular_file()) read(e.path());
    } else if (std::filesystem::is_regular_file(argv[i], ec)) {
      read(argv[i]);
    } else {
      std::cerr << argv[i] << ": no such corpus file or directory\n";
      return 2;
    }
  }
  if (inputs.empty()) {
    std::cerr << "no corpus files\n";
    return 2;
  }
  std::mt19937_64 rng(12345);
  size_t runs = 0;
  const std::string alphabet = ConcordatFuzzAlphabet();
  for (const auto& input : inputs) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    ++runs;
    for (int m = 0; m < mutations; ++m) {
      const std::string x = concordat::testing_support::Mutate(input, alphabet, rng);
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(x.data()), x.size());
      ++runs;
    }
  }
  std::cout << "replayed " << runs << " inputs, invariants held\n";
  return 0;
}

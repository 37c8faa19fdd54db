// Replays the fuzz corpus and deterministic mutations of it through the fuzz target, so
// that every ctest run checks the target's invariants without libFuzzer.
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

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: request_fuzz_replay CORPUS_DIR [MUTATIONS_PER_FILE]\n";
    return 2;
  }
  int mutations = argc > 2 ? std::atoi(argv[2]) : 2000;
  std::vector<std::string> inputs;
  for (const auto& e : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    inputs.push_back(s.str());
  }
  if (inputs.empty()) {
    std::cerr << "no corpus files in " << argv[1] << "\n";
    return 2;
  }
  std::mt19937_64 rng(12345);
  size_t runs = 0;
  const std::string alphabet = "{}[]\":,\\ntrufalse0123456789-.eE \x00\xff\xc3\xa9";
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

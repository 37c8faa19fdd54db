// Deterministic mutations for robustness tests: one to four edits of a valid input (a
// character replaced by one of `alphabet`, up to eight characters dropped, one inserted, or
// the input cut short), drawn from `rng`, so that every run tries the same inputs.
#pragma once

#include <random>
#include <string>

namespace concordat::testing_support {

inline std::string Mutate(std::string x, const std::string& alphabet, std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < edits && !x.empty(); ++k) {
    const size_t pos = rng() % x.size();
    switch (rng() % 4) {
      case 0:
        x[pos] = alphabet[rng() % alphabet.size()];
        break;
      case 1:
        x.erase(pos, 1 + rng() % 8);
        break;
      case 2:
        x.insert(pos, 1, alphabet[rng() % alphabet.size()]);
        break;
      default:
        x.resize(pos);
    }
  }
  return x;
}

}  // namespace concordat::testing_support

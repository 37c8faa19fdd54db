// concordat canonical FILE [--hash]: the canonical form of a protocol, or its content hash.
#include <iostream>

#include "cli/commands.h"
#include "model/canonical.h"
#include "model/loader.h"

namespace concordat::cli {

void RegisterCanonical(CLI::App& app, int* exit_code) {
  auto file = std::make_shared<std::string>();
  auto hash_only = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "canonical",
      "Print the canonical form of a protocol (the bytes that get signed), or its hash.");
  cmd->add_option("file", *file, "Protocol file (YAML)")->required();
  cmd->add_flag("--hash", *hash_only, "Print only the content hash (sha256:...)");
  cmd->callback([file, hash_only, exit_code] {
    std::vector<model::LoadError> errors;
    auto p = model::LoadProtocolFile(*file, &errors);
    if (!p.ok()) {
      for (const auto& e : errors) std::cerr << e.ToString() << "\n";
      *exit_code = kExitBadInput;
      return;
    }
    if (*hash_only)
      std::cout << model::ContentHash(*p) << "\n";
    else
      std::cout << model::ToCanonicalYaml(*p);
    *exit_code = kExitOk;
  });
}

}  // namespace concordat::cli

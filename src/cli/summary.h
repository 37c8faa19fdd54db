// A readable, plain-text summary of one protocol for a governance officer: partners, who
// provides what to whom, legal basis per partner, status and dates, rights, formats.
#pragma once

#include <string>

#include "model/protocol.h"

namespace concordat::cli {

std::string RenderSummary(const model::Protocol& p);

}  // namespace concordat::cli

// The decision function: a request against a compiled registry, permit or deny, with every
// failed check (../shared/spec/decision-api.md and the "what the file means" section of
// ../shared/spec/protocol-format.md).
//
// Decide() is pure: no I/O, no clock (the caller passes the instant used when the request
// carries no `at`), and no allocation: it writes into the caller's Decision, whose storage
// is fixed. It is safe to call from many threads on one CompiledRegistry.
#pragma once

#include "base/date.h"
#include "decide/decision.h"
#include "decide/index.h"
#include "decide/request.h"

namespace concordat::decide {

void Decide(const CompiledRegistry& registry, const Request& request, Instant default_at,
            Decision* out);

}  // namespace concordat::decide

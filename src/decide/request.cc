#include "decide/request.h"

namespace concordat::decide {

void Request::Clear() {
  at.reset();
  protocol.clear();
  requester.org.clear();
  requester.user.clear();
  requester.roles.clear();
  requester.location.clear();
  requester.device.clear();
  provider.clear();
  data.clear();
  purpose.clear();
  format = model::Format::kRequestResponse;
  action = Action::kRead;
  justification.clear();
  audit_reference.clear();
  subject.clear();
}

bool IsGiven(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return true;
  return false;
}

}  // namespace concordat::decide

// GET /v1/me: who, where and on what device the server takes the caller to be, as every
// decision will (the user, organisation and roles from the token or client certificate, the
// site from the connection's address, the device from the client certificate), and when
// their access ends. So a practitioner refused with LOCATION_NOT_ALLOWED or DEVICE_NOT_ALLOWED
// sees which site and device the server established, and a partner's system sees when its
// token needs renewing. Nothing is recorded: it discloses nothing but the caller's own access.

#include <nlohmann/json.hpp>

#include "server/answers.h"
#include "server/service.h"

namespace concordat::server {

using json = nlohmann::json;

HttpResponse Service::Me(const InForce& in_force, const HttpRequest& r, const store::User& user) {
  const std::string site = in_force.sites.SiteOf(r.peer_address);
  const std::string device = in_force.DeviceOf(r.client_fingerprint);
  return Json(
      200, json{{"user", user.id},
                {"organisation", user.organisation},
                {"name", TextOrNull(user.name)},
                {"roles", user.roles},
                {"signed_in_with", r.authorization.empty() ? "client certificate" : "bearer token"},
                {"address", r.peer_address},
                {"site", TextOrNull(site)},
                {"client_certificate", TextOrNull(r.client_fingerprint)},
                {"device", TextOrNull(device)},
                {"access_ends", TextOrNull(user.expires_at)}}
               .dump());
}

}  // namespace concordat::server

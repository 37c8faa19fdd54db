// A test's HTTPS client: libcurl against a concordatd the test started, checking the server's
// certificate, from a chosen loopback source address and, optionally, with a client certificate.
#pragma once

#include <curl/curl.h>

#include <cctype>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace concordat::testing_support {

struct Reply {
  long status = 0;  // 0 when the request did not complete
  std::string body;
  std::string headers;  // as received, lines joined
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
  // The value of the last header of that name (matched without regard to case), or "".
  std::string Header(const std::string& name) const {
    std::string value, lower_name;
    for (char ch : name)
      lower_name += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    size_t at = 0;
    while (at < headers.size()) {
      size_t end = headers.find("\r\n", at);
      if (end == std::string::npos) end = headers.size();
      const std::string line = headers.substr(at, end - at);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string key;
        for (char ch : line.substr(0, colon))
          key += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (key == lower_name) {
          value = line.substr(colon + 1);
          value.erase(0, value.find_first_not_of(' '));
        }
      }
      at = end + 2;
    }
    return value;
  }
};

struct Call {
  std::string method = "GET";
  std::string path;
  std::string body;
  std::string token;
  std::string from = "127.0.0.1";  // source address
  std::string cert, key;           // client certificate: files <dir>/<cert>.crt and .key
  std::string content_type = "application/json";
  // Sends "Expect: 100-continue" and waits (up to the call's 20 s) for the server's go-ahead
  // before sending the body.
  bool expect_continue = false;
  // Sent as the request line's target instead of `path` (which still makes the URL), e.g. the
  // absolute form "https://127.0.0.1:8443/v1/protocols" a proxy would send.
  std::string request_target;
  std::vector<std::string> headers;  // more header lines, as "Name: value"
};

inline size_t CollectInto(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

// `ca` is the server certificate to trust; client certificates are looked for in `cert_dir`.
inline Reply HttpsCall(int port, const std::string& ca, const std::string& cert_dir,
                       const Call& c) {
  Reply r;
  CURL* h = curl_easy_init();
  std::string url = "https://127.0.0.1:" + std::to_string(port) + c.path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CAINFO, ca.c_str());  // the server's certificate is checked
  curl_easy_setopt(h, CURLOPT_INTERFACE, c.from.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c.method.c_str());
  if (!c.request_target.empty())
    curl_easy_setopt(h, CURLOPT_REQUEST_TARGET, c.request_target.c_str());
  if (c.method == "HEAD") curl_easy_setopt(h, CURLOPT_NOBODY, 1L);  // no body will follow
  if (c.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, c.body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(c.body.size()));
  }
  std::string cert_path, key_path;
  if (!c.cert.empty()) {
    cert_path = cert_dir + "/" + c.cert + ".crt";
    key_path = cert_dir + "/" + c.cert + ".key";
    curl_easy_setopt(h, CURLOPT_SSLCERT, cert_path.c_str());
    curl_easy_setopt(h, CURLOPT_SSLKEY, key_path.c_str());
  }
  curl_slist* headers = nullptr;
  std::string auth = "Authorization: Bearer " + c.token;
  if (!c.token.empty()) headers = curl_slist_append(headers, auth.c_str());
  std::string type = "Content-Type: " + c.content_type;
  headers = curl_slist_append(headers, type.c_str());
  for (const std::string& line : c.headers) headers = curl_slist_append(headers, line.c_str());
  if (c.expect_continue) {
    headers = curl_slist_append(headers, "Expect: 100-continue");
    curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 30000L);
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, CollectInto);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, CollectInto);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
  if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  return r;
}

// Makes call(0) .. call(n - 1) on n threads at once (racing, as partners' systems would);
// the replies in that order.
inline std::vector<Reply> AllAtOnce(size_t n, const std::function<Reply(size_t)>& call) {
  std::vector<Reply> replies(n);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i) threads.emplace_back([&, i] { replies[i] = call(i); });
  for (auto& t : threads) t.join();
  return replies;
}

inline int CountWithStatus(const std::vector<Reply>& replies, long status) {
  int n = 0;
  for (const Reply& r : replies) n += r.status == status;
  return n;
}

}  // namespace concordat::testing_support

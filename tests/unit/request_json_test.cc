#include "decide/request_json.h"

#include <gtest/gtest.h>

namespace concordat::decide {
namespace {

const char* kFull = R"({
  "at": "2024-09-01T10:00:00Z",
  "protocol": "essex-police-mosaic",
  "requester": {"org": "essex-police", "user": "u-4411",
                "roles": ["intelligence-support-officer"],
                "location": "essex-police-hq", "device": "ecc-issued-laptop"},
  "provider": "essex-cc",
  "data": ["cf-case-status"],
  "purpose": "online-child-sexual-abuse",
  "format": "self_service",
  "action": "read",
  "justification": "POLIT referral 77: subject named in chat logs",
  "audit_reference": "AR-2024-0091",
  "subject": "optional reference of the person the data is about"
})";

TEST(RequestJson, ParsesEveryFieldOfTheSpecExample) {
  RequestParser parser;
  Request r;
  Status s = parser.Parse(kFull, &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(r.at->ToString(), "2024-09-01T10:00:00Z");
  EXPECT_EQ(r.protocol, "essex-police-mosaic");
  EXPECT_EQ(r.requester.org, "essex-police");
  EXPECT_EQ(r.requester.user, "u-4411");
  EXPECT_EQ(r.requester.roles, std::vector<std::string>{"intelligence-support-officer"});
  EXPECT_EQ(r.requester.location, "essex-police-hq");
  EXPECT_EQ(r.requester.device, "ecc-issued-laptop");
  EXPECT_EQ(r.provider, "essex-cc");
  EXPECT_EQ(r.data, std::vector<std::string>{"cf-case-status"});
  EXPECT_EQ(r.purpose, "online-child-sexual-abuse");
  EXPECT_EQ(r.format, model::Format::kSelfService);
  EXPECT_EQ(r.action, Action::kRead);
  EXPECT_EQ(r.justification, "POLIT referral 77: subject named in chat logs");
  EXPECT_EQ(r.audit_reference, "AR-2024-0091");
  EXPECT_EQ(r.subject, "optional reference of the person the data is about");
}

TEST(RequestJson, DefaultsAndNulls) {
  RequestParser parser;
  Request r;
  ASSERT_TRUE(
      parser
          .Parse(
              R"({"requester":{"org":"a"},"provider":"b","format":"meeting","protocol":null,"at":null})",
              &r)
          .ok());
  EXPECT_FALSE(r.at);
  EXPECT_TRUE(r.protocol.empty());
  EXPECT_EQ(r.action, Action::kRead);
  EXPECT_TRUE(r.data.empty());
  ASSERT_TRUE(
      parser
          .Parse(R"({"requester":{"org":"a"},"provider":"b","format":"meeting","action":"write"})",
                 &r)
          .ok());
  EXPECT_EQ(r.action, Action::kWrite);
}

TEST(RequestJson, ReusingTheParserLeavesNothingBehind) {
  RequestParser parser;
  Request r;
  ASSERT_TRUE(parser.Parse(kFull, &r).ok());
  ASSERT_TRUE(
      parser.Parse(R"({"requester":{"org":"x"},"provider":"y","format":"meeting"})", &r).ok());
  EXPECT_TRUE(r.requester.roles.empty());
  EXPECT_TRUE(r.justification.empty());
  EXPECT_FALSE(r.at);
}

struct Bad {
  const char* json;
  const char* message;
};

TEST(RequestJson, BadInputNamesTheFieldAndLeavesTheRequestEmpty) {
  const Bad cases[] = {
      {"", "malformed JSON"},
      {"{", "malformed JSON: line 1, column 2"},
      {"{\"requester\":{\"org\":\"a\"},\n \"provider\":\"b\" \"format\":\"meeting\"}",
       "malformed JSON: line 2, column"},
      {R"({"requester":{"org":"a"},"provider":"b","format":"meeting","provider":"c"})",
       "provider: given more than once"},
      {R"({"requester":{"org":"a","roles":[],"org":"b"},"provider":"b","format":"meeting"})",
       "requester.org: given more than once"},
      {"[1,2]", "request: expected a JSON object, found a list"},
      {R"({"requester":{"org":"a"},"provider":"b","format":"meeting","colour":"red"})",
       "unknown field 'colour'"},
      {R"({"requester":{"org":"a","badge":1},"provider":"b","format":"meeting"})",
       "requester: unknown field 'badge'"},
      {R"({"provider":"b","format":"meeting"})", "requester: required"},
      {R"({"requester":{"user":"u"},"provider":"b","format":"meeting"})",
       "requester.org: required"},
      {R"({"requester":{"org":"a"},"format":"meeting"})", "provider: required"},
      {R"({"requester":{"org":"a"},"provider":"b"})", "format: required"},
      {R"({"requester":{"org":"a"},"provider":"b","format":"fax"})",
       "format: 'fax' is not allowed; expected one of meeting"},
      {R"({"requester":{"org":"a"},"provider":"b","format":"meeting","action":"delete"})",
       "action: 'delete' is not allowed"},
      {R"({"requester":{"org":"a"},"provider":"b","format":"meeting","at":"yesterday"})",
       "at: 'yesterday' is not an RFC 3339 instant"},
      {R"({"requester":{"org":"a"},"provider":7,"format":"meeting"})",
       "provider: expected a string, found a number"},
      {R"({"requester":{"org":"a","roles":"boss"},"provider":"b","format":"meeting"})",
       "requester.roles: expected a list of strings"},
      {R"({"requester":{"org":"a","roles":["x",3]},"provider":"b","format":"meeting"})",
       "requester.roles[1]: expected a string"},
      {R"({"requester":{"org":"a"},"provider":"b","format":"meeting","data":[true]})",
       "data[0]: expected a string, found true/false"},
      {R"({"requester":"a","provider":"b","format":"meeting"})",
       "requester: expected an object, found a string"},
  };
  RequestParser parser;
  for (const auto& c : cases) {
    Request r;
    r.provider = "left over";
    Status s = parser.Parse(c.json, &r);
    EXPECT_FALSE(s.ok()) << c.json;
    EXPECT_NE(s.message().find(c.message), std::string::npos) << c.json << " -> " << s.message();
    EXPECT_TRUE(r.provider.empty() && r.requester.org.empty())
        << "half-filled request after: " << c.json;
  }
}

TEST(RequestJson, TooManyRolesOrCategoriesAreRefused) {
  std::string roles = "[";
  for (size_t i = 0; i <= kMaxRoles; ++i)
    roles += std::string(i ? "," : "") + "\"r" + std::to_string(i) + "\"";
  roles += "]";
  RequestParser parser;
  Request r;
  Status s = parser.Parse(
      R"({"requester":{"org":"a","roles":)" + roles + R"(},"provider":"b","format":"meeting"})",
      &r);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("more than 32 entries"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace concordat::decide

// What concordatd reads from a client before deciding: query strings, JSON bodies, numbers.
// The fuzz target (tests/fuzz/http_input_fuzz.cc) checks invariants over many inputs; these
// check the answers themselves.
#include "server/http_input.h"

#include <gtest/gtest.h>

#include "server/list_params.h"

namespace concordat::server {
namespace {

using Params = std::map<std::string, std::string>;

TEST(HttpInput, PathOfDropsTheQuery) {
  EXPECT_EQ(PathOf("/v1/lookup/a/b?subject=x"), "/v1/lookup/a/b");
  EXPECT_EQ(PathOf("/v1/protocols"), "/v1/protocols");
  EXPECT_EQ(PathOf("/?"), "/");
}

TEST(HttpInput, QueryParamsAreFormDecoded) {
  auto p = QueryParams("/x?subject=MOS-100001&justification=POLIT+referral%2077&e=caf%C3%A9");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(*p, (Params{{"subject", "MOS-100001"},
                        {"justification", "POLIT referral 77"},
                        {"e", "caf\xC3\xA9"}}));
  auto none = QueryParams("/x");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto empty_pairs = QueryParams("/x?&&a=1&&b&");
  ASSERT_TRUE(empty_pairs.ok());
  EXPECT_EQ(*empty_pairs, (Params{{"a", "1"}, {"b", ""}}));
}

// A client library may percent-encode a name as it does a value ('_' as %5F): the name is
// decoded too, so such a look-up is not refused as an unknown parameter.
TEST(HttpInput, NamesAreDecodedLikeValues) {
  auto p = QueryParams("/x?audit%5Freference=AR-1&sub+ject=2");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(*p, (Params{{"audit_reference", "AR-1"}, {"sub ject", "2"}}));
  auto only = OnlyParams("/x?audit%5Freference=AR-1", {"audit_reference"});
  EXPECT_TRUE(only.ok()) << only.status().message();
  // The same name twice, once encoded, is still twice.
  auto twice = QueryParams("/x?subject=a&%73ubject=b");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), "subject: given more than once");
}

TEST(HttpInput, BadQueryTextIsRefusedNamingTheParameter) {
  auto malformed = QueryParams("/x?subject=%zz");
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.status().message(), "subject: malformed percent-encoding");
  auto cut = QueryParams("/x?subject=ab%4");
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().message(), "subject: malformed percent-encoding");
  auto in_name = QueryParams("/x?sub%jject=1");
  ASSERT_FALSE(in_name.ok());
  EXPECT_EQ(in_name.status().message(),
            "sub%jject: malformed percent-encoding in the parameter's name");
  auto not_utf8 = QueryParams("/x?subject=%FF%FE");
  ASSERT_FALSE(not_utf8.ok());
  EXPECT_EQ(not_utf8.status().message(), "subject: not UTF-8 text (percent-encode text as UTF-8)");
  auto twice = QueryParams("/x?subject=a&subject=b");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), "subject: given more than once");
}

TEST(HttpInput, OnlyParamsNamesTheUnknownOneAndWhatIsExpected) {
  auto unknown = OnlyParams("/x?subject=1&bogus=2", {"subject", "purpose"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "bogus: unknown parameter; expected subject, purpose");
  auto none = OnlyParams("/x?a=1", {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "a: unknown parameter; this takes none");
  auto fine = OnlyParams("/x?purpose=p", {"subject", "purpose"});
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(*fine, (Params{{"purpose", "p"}}));
}

TEST(HttpInput, ListingParametersFromTheTarget) {
  auto q = ParseListTarget("/v1/requests?direction=received&status=open&limit=5", "essex-cc",
                           /*requests=*/true);
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->org, "essex-cc");
  EXPECT_EQ(q->direction, store::ListQuery::Direction::kReceived);
  EXPECT_EQ(q->status, "open");
  EXPECT_EQ(q->limit, 5u);
  // Disclosures have no status; the organisation is never a parameter.
  auto status = ParseListTarget("/v1/disclosures?status=open", "essex-cc", false);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.status().message(),
            "status: unknown parameter; expected direction, limit, before");
  auto org = ParseListTarget("/v1/requests?org=essex-police", "essex-cc", true);
  ASSERT_FALSE(org.ok());
  EXPECT_NE(org.status().message().find("org: unknown parameter"), std::string::npos);
  auto bad = ParseListTarget("/v1/requests?limit=%ZZ", "essex-cc", true);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "limit: malformed percent-encoding");
}

TEST(HttpInput, JsonBodyIsReadStrictly) {
  auto ok = JsonBody("application/json; charset=utf-8", R"({"reason":"not held"})", {"reason"});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ((*ok)["reason"], "not held");
  auto no_type = JsonBody("", R"({"reason":"x"})", {"reason"});
  EXPECT_TRUE(no_type.ok());

  auto wrong_type = JsonBody("text/plain", R"({"reason":"x"})", {"reason"});
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.status().code(), Status::Code::kNotFound);  // answered 415
  EXPECT_EQ(wrong_type.status().message(), "the body must be application/json, not text/plain");

  auto malformed = JsonBody("", "{\"reason\": \"Alex Demo\",}", {"reason"});
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(malformed.status().message().find("malformed JSON: line 1, column"), std::string::npos)
      << malformed.status().message();
  EXPECT_EQ(malformed.status().message().find("Alex"), std::string::npos);

  auto array = JsonBody("", "[]", {"reason"});
  ASSERT_FALSE(array.ok());
  EXPECT_EQ(array.status().message(), "request: expected a JSON object");

  auto twice = JsonBody("", R"({"fields":{"name":"A","name":"B"}})", {"fields"});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), "fields.name: given more than once");

  auto unknown = JsonBody("", R"({"reason":"x","extra":1})", {"reason", "fields"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "unknown field 'extra'; expected reason, fields");
}

TEST(HttpInput, StringFieldSaysWhatIsMissingOrWrong) {
  const auto j = nlohmann::json::parse(R"({"a":"text","blank":"  ","n":1,"z":null})");
  std::string out = "before";
  EXPECT_TRUE(StringField(j, "a", true, &out).ok());
  EXPECT_EQ(out, "text");
  EXPECT_EQ(StringField(j, "missing", true, &out).message(), "missing: required");
  EXPECT_EQ(StringField(j, "z", true, &out).message(), "z: required");
  EXPECT_EQ(StringField(j, "blank", true, &out).message(), "blank: required");
  EXPECT_EQ(StringField(j, "n", false, &out).message(), "n: expected a string");
  out = "kept";
  EXPECT_TRUE(StringField(j, "missing", false, &out).ok());
  EXPECT_EQ(out, "kept");
}

TEST(HttpInput, NumbersAreDigitsAloneThatFit) {
  EXPECT_EQ(*Number("index", "0"), 0u);
  EXPECT_EQ(*Number("index", "007"), 7u);
  EXPECT_EQ(*Number("tree_size", "18446744073709551615"), 18446744073709551615u);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1e3", "0x10", "18446744073709551616"}) {
    auto n = Number("index", bad);
    ASSERT_FALSE(n.ok()) << bad;
    EXPECT_EQ(n.status().message(), "index: '" + std::string(bad) + "' is not a whole number");
  }
  // What a client sent is quoted as valid UTF-8: the message goes into a JSON answer.
  auto raw = Number("index", "1\xff");
  ASSERT_FALSE(raw.ok());
  EXPECT_EQ(raw.status().message().find('\xff'), std::string::npos);
}

}  // namespace
}  // namespace concordat::server

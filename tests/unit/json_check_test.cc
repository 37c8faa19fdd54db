#include "base/json_check.h"

#include <gtest/gtest.h>

namespace concordat {
namespace {

TEST(JsonCheck, ValidTextHasNoErrorAndNoDuplicate) {
  for (const char* text : {"{}", "[]", "null", R"({"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]})",
                           R"({"a":{"x":1},"b":{"x":1}})"}) {
    EXPECT_EQ(DescribeJsonError(text), "") << text;
    EXPECT_EQ(FirstDuplicateKey(text), "") << text;
  }
}

TEST(JsonCheck, AnErrorSaysLineAndColumnAndWhatWithoutRepeatingTheText) {
  const std::string e = DescribeJsonError("{\"name\":\"Alex Demo\",\n \"dob\": 2011-03-14}");
  EXPECT_NE(e.find("line 2, column"), std::string::npos) << e;
  EXPECT_NE(e.find("syntax error"), std::string::npos) << e;
  EXPECT_EQ(e.find("2011"), std::string::npos) << "the input is not echoed: " << e;
  EXPECT_EQ(e.find("last read"), std::string::npos) << e;

  const std::string trailing = DescribeJsonError("{\"secret\":1} {");
  EXPECT_NE(trailing.find("line 1, column"), std::string::npos) << trailing;
  EXPECT_NE(trailing.find("expected end of input"), std::string::npos) << trailing;
  EXPECT_EQ(trailing.find("secret"), std::string::npos) << trailing;

  EXPECT_NE(DescribeJsonError("").find("unexpected end of input"), std::string::npos);
  EXPECT_NE(DescribeJsonError("{\"a\":\"\xff\"}").find("UTF-8"), std::string::npos);
}

// Found by the http_input fuzz target: the client's text held "'; expected ", which the old
// cleaning took for the parser's own words, so the rest of the text (personal data, and bytes
// that are not UTF-8) stayed in the message.
TEST(JsonCheck, TextThatLooksLikeTheParsersOwnWordsIsStillLeftOut) {
  const std::string e =
      DescribeJsonError("{\"reason\":\"Alex'; expected Demo lives at 1 High St \xdf\"}");
  EXPECT_NE(e.find("UTF-8"), std::string::npos) << e;
  for (const char* secret : {"Alex", "Demo", "High St", "\xdf", "last read"})
    EXPECT_EQ(e.find(secret), std::string::npos) << secret << " in: " << e;
  const std::string quote = DescribeJsonError("{\"a\": tru'e'; expected x}");
  EXPECT_NE(quote.find("invalid literal"), std::string::npos) << quote;
  EXPECT_EQ(quote.find("tru"), std::string::npos) << quote;
}

TEST(JsonCheck, TheFirstRepeatedNameIsNamedByItsPath) {
  EXPECT_EQ(FirstDuplicateKey(R"({"a":1,"a":2})"), "a");
  EXPECT_EQ(FirstDuplicateKey(R"({"fields":{"name":"A","dob":"x","name":"B"}})"), "fields.name");
  EXPECT_EQ(FirstDuplicateKey(R"({"items":[{"id":1},{"id":2},{"id":3,"id":4}]})"), "items[2].id");
  EXPECT_EQ(FirstDuplicateKey(R"([[1,2],{"k":[true,null],"k":0}])"), "[1].k");
  EXPECT_EQ(FirstDuplicateKey(R"({"a":{"b":1,"b":2},"a":3})"), "a.b") << "the first one met";
}

TEST(JsonCheck, AFollowingSyntaxErrorIsStillFound) {
  EXPECT_EQ(FirstDuplicateKey(R"({"a":1,"a":2,)"), "") << "not valid JSON: no duplicate claimed";
  EXPECT_NE(DescribeJsonError(R"({"a":1,"a":2,)"), "");
}

TEST(JsonCheck, DeepNestingIsWalkedWithoutRecursion) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  EXPECT_EQ(DescribeJsonError(deep), "");
  EXPECT_EQ(FirstDuplicateKey(deep), "");
}

}  // namespace
}  // namespace concordat

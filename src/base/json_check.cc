#include "base/json_check.h"

#include <nlohmann/json.hpp>
#include <set>
#include <vector>

namespace concordat {

namespace {

using json = nlohmann::json;

// Walks the text as SAX events, keeping for each open object the names seen so far and for each
// open container where it sits, so that the first repeated name can be named by its path.
class Walker : public nlohmann::json_sax<json> {
 public:
  std::string duplicate;  // the path of the first repeated name (the walk goes on to the end,
                          // so that a syntax error later in the text is still found)
  std::string error;      // the parser's message, without what it last read

  bool null() override { return Value(); }
  bool boolean(bool) override { return Value(); }
  bool number_integer(number_integer_t) override { return Value(); }
  bool number_unsigned(number_unsigned_t) override { return Value(); }
  bool number_float(number_float_t, const string_t&) override { return Value(); }
  bool string(string_t&) override { return Value(); }
  bool binary(binary_t&) override { return Value(); }

  bool start_object(std::size_t) override {
    levels_.emplace_back().object = true;
    return true;
  }
  bool key(string_t& name) override {
    Level& l = levels_.back();
    if (!l.names.insert(name).second && duplicate.empty()) duplicate = PathTo(name);
    l.current = name;
    return true;
  }
  bool end_object() override { return End(); }
  bool start_array(std::size_t) override {
    levels_.emplace_back().object = false;
    return true;
  }
  bool end_array() override { return End(); }

  bool parse_error(std::size_t, const std::string& last_read,
                   const nlohmann::detail::exception& e) override {
    error = Clean(e.what(), last_read);
    return false;
  }

 private:
  struct Level {
    bool object = false;
    std::string current;  // in an object: the member being read
    size_t index = 0;     // in an array: the element being read
    std::set<std::string> names;
  };

  // The path of member `name` of the innermost object, built only when one is repeated (so
  // that deep nesting costs no more than its depth).
  std::string PathTo(const std::string& name) const {
    std::string path;
    auto member = [&path](const std::string& n) {
      if (!path.empty()) path += '.';
      path += n;
    };
    for (size_t i = 0; i + 1 < levels_.size(); ++i) {
      const Level& l = levels_[i];
      if (l.object) {
        member(l.current);
      } else {
        path += '[';
        path += std::to_string(l.index);
        path += ']';
      }
    }
    member(name);
    return path;
  }
  bool Value() {
    if (!levels_.empty() && !levels_.back().object) ++levels_.back().index;
    return true;
  }
  bool End() {
    levels_.pop_back();
    return Value();  // the container just closed was one value of its parent
  }

  // "[json.exception.parse_error.101] parse error at line 1, column 8: syntax error while
  // parsing value - invalid literal; last read: 'tru'; expected end of input" becomes
  // "line 1, column 8: syntax error while parsing value - invalid literal; expected end of
  // input": what the parser last read is the client's own text, which may be personal data
  // (and need not be UTF-8). It is cut out exactly as the parser quoted it (`last_read`), so
  // that a quote or "; expected " inside the client's text cannot keep any of it in.
  static std::string Clean(std::string m, const std::string& last_read) {
    if (auto at = m.find("parse error at "); at != std::string::npos)
      m.erase(0, at + std::string("parse error at ").size());
    else if (auto bracket = m.find("] "); bracket != std::string::npos)
      m.erase(0, bracket + 2);
    const std::string quoted = "; last read: '" + last_read + "'";
    if (auto read = m.find(quoted); read != std::string::npos)
      m.erase(read, quoted.size());
    else if (auto other = m.find("; last read: "); other != std::string::npos)
      m.erase(other);  // not in the form expected: keep nothing after it
    return m;
  }

  std::vector<Level> levels_;
};

}  // namespace

std::string DescribeJsonError(std::string_view text) {
  Walker w;
  json::sax_parse(text.begin(), text.end(), &w);
  return w.error;
}

std::string FirstDuplicateKey(std::string_view text) {
  Walker w;
  json::sax_parse(text.begin(), text.end(), &w);
  return w.error.empty() ? w.duplicate : "";
}

}  // namespace concordat

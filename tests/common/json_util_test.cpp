#include "infersim/common/json_util.h"

#include <gtest/gtest.h>

#include "infersim/common/errors.h"

using namespace infersim::common;

TEST(JsonUtil, MalformedJsonNamesLineAndColumn) {
  try {
    parse_json_text("{\n  \"a\": 1,\n  \"b\": ]\n}", "x.json");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("x.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("line 3"), std::string::npos) << msg;
  }
}

TEST(JsonUtil, UnknownKeyIsAnErrorWithPointerAndSuggestion) {
  const Json j = parse_json_text(R"({"outer": {"alpha": 1, "alpah": 2}})", "f.json");
  JsonReader r(j, "f.json");
  auto o = r.child("outer");
  EXPECT_EQ(o.number("alpha", 0, 10), 1);
  try {
    o.finish();
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.pointer(), "/outer/alpah");
    EXPECT_NE(std::string(e.what()).find("did you mean 'alpha'"), std::string::npos) << e.what();
  }
}

TEST(JsonUtil, RangeAndTypeChecks) {
  const Json j = parse_json_text(R"({"n": -1, "s": 3, "i": 2.5})", "f.json");
  JsonReader r(j, "f.json");
  EXPECT_THROW(r.positive("n"), ConfigError);
  EXPECT_THROW(r.string("s"), ConfigError);
  EXPECT_THROW(r.integer("i", 0, 10), ConfigError);
  EXPECT_THROW(r.number("missing", 0, 1), ConfigError);
}

TEST(JsonUtil, AtomicWriteLeavesNoTempFile) {
  const std::string path = ::testing::TempDir() + "/atomic.json";
  write_text_file_atomic(path, "{}\n");
  EXPECT_EQ(read_text_file(path), "{}\n");
  EXPECT_THROW(write_text_file_atomic("/nonexistent-dir/x.json", "x"), IoError);
}

#include "infersim/common/text.h"

#include <gtest/gtest.h>

#include "infersim/common/dtype.h"
#include "infersim/common/sha256.h"

using namespace infersim::common;

TEST(Text, ClosestMatch) {
  EXPECT_EQ(closest_match("h100", {"h100-sxm", "h200", "a100-80g-sxm"}), "h100-sxm");
  EXPECT_EQ(closest_match("mixtral-8x7", {"mixtral-8x7b", "mistral-7b"}), "mixtral-8x7b");
  EXPECT_EQ(closest_match("zzzzzzzzzz", {"h100-sxm"}), "");
}

TEST(Text, Formatting) {
  EXPECT_EQ(format_bytes(1024.0 * 1024 * 1024), "1.00 GiB");
  EXPECT_EQ(format_seconds(0.0123), "12.30 ms");
  EXPECT_EQ(format_seconds(2.5), "2.50 s");
}

TEST(Dtype, BytesAndNames) {
  EXPECT_DOUBLE_EQ(bytes_per_element(DType::bf16), 2.0);
  EXPECT_DOUBLE_EQ(bytes_per_element(DType::int4), 0.5);
  EXPECT_EQ(parse_dtype("fp8"), DType::fp8);
  EXPECT_FALSE(parse_dtype("fp9").has_value());
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// The kernel path's step model: exact table points come back as measured, shapes between grid points
// interpolate inside their neighbours, other chips of a family scale by the roofline, dtypes the
// tables lack take the 16-bit efficiency at their own roofline, and the efficiency model covers GPUs
// without tables.
#include "infersim/perf/kernel_model.h"
#include "infersim/perf/kernel_efficiency_fit.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <tuple>

#include "infersim/common/data_dir.h"
#include "infersim/common/errors.h"
#include "infersim/hwprofiles/hardware_catalog.h"
#include "infersim/hwprofiles/kernel_tables.h"
#include "infersim/model/model_catalog.h"
#include "infersim/perf/request_estimate.h"
#include "infersim/perf/runtime_resolution.h"
#include "infersim/perf/step_estimator.h"

#include "test_support.h"

using namespace infersim;
using infersim::testing::card;

namespace {
perf::Deployment resolved(const std::string& model, const std::string& hw, const std::string& runtime, int tp,
                          common::DType w = common::DType::bf16) {
  const auto& m = model::ModelCatalog::shipped().get(model);
  perf::Deployment d;
  d.hardware = hwprofiles::HardwareCatalog::shipped().get(hw);
  d.runtime = runtime;
  d.precision = perf::default_precision(d.hardware, w, std::nullopt, runtime);
  perf::apply_runtime(m, d);
  d.tp = tp;
  return d;
}

// Communication seconds of one decode step of `seqs` sequences at `ctx` cached tokens each.
double decode_comm_s(const std::string& model, const perf::Deployment& d, double seqs, double ctx) {
  const perf::StepEstimator est(card(model), d);
  model::BatchShape b;
  b.decode_seqs = seqs;
  b.decode_ctx_sum = seqs * ctx;
  return est.cost(b).kernel_comm_s;
}
}  // namespace

TEST(KernelModel, ExactGridPointsAreTheMeasuredLatency) {
  const auto d = resolved("llama-3.1-8b", "h100-sxm", "tensorrt-llm", 1);
  ASSERT_TRUE(d.kernel_model);
  const perf::StepEstimator est(card("llama-3.1-8b"), d);
  const auto* k = est.kernel_model();
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->basis(), "tables");
  // gemm_perf.csv: bfloat16 m=32 n=4096 k=4096 -> 0.0152427 ms; m=4096 -> 0.174285 ms.
  EXPECT_NEAR(k->gemm_s(32, 4096, 4096, "bfloat16"), 0.0152427e-3, 1e-10);
  EXPECT_NEAR(k->gemm_s(4096, 4096, 4096, "bfloat16"), 0.174285e-3, 1e-9);
  // generation_attention_perf.csv: 32 heads / 8 KV heads / 128, bf16 KV, batch 32, step 1023 (1024 keys).
  EXPECT_NEAR(k->generation_attention_s(32, 1024), 0.06736e-3, 1e-9);
  // context_attention_perf.csv: batch 1, isl 1024 -> 0.053125 ms.
  EXPECT_NEAR(k->context_attention_s(1, 1024), 0.0531253e-3, 1e-9);
}

TEST(KernelModel, ShapesBetweenGridPointsStayBetweenTheirNeighbours) {
  const auto d = resolved("llama-3.1-8b", "h100-sxm", "tensorrt-llm", 1);
  const perf::StepEstimator est(card("llama-3.1-8b"), d);
  const auto* k = est.kernel_model();
  for (double m : {1.0, 64.0, 1000.0, 8192.0}) {
    const double lo = k->gemm_s(m, 4096, 4096, "bfloat16"), hi = k->gemm_s(m, 5120, 4096, "bfloat16");
    const double mid = k->gemm_s(m, 4600, 4096, "bfloat16");
    EXPECT_GE(mid, std::min(lo, hi) * 0.98) << "m=" << m;
    EXPECT_LE(mid, std::max(lo, hi) * 1.02) << "m=" << m;
  }
  // Decode attention between two measured steps (1023 and 2047) lies between them.
  const double a = k->generation_attention_s(16, 1024), b = k->generation_attention_s(16, 2048);
  const double c = k->generation_attention_s(16, 1500);
  EXPECT_GT(c, std::min(a, b));
  EXPECT_LT(c, std::max(a, b));
}

TEST(KernelModel, SameFamilyChipsTransferByTheRoofline) {
  // H200 has no tables: H100's, scaled. Memory-bound decode gets faster, but by no more than the
  // bandwidth ratio (launch floors do not scale); compute-bound prefill stays close (same SMs).
  const auto& m = card("llama-3.1-8b");
  const perf::StepEstimator h100(m, resolved("llama-3.1-8b", "h100-sxm", "vllm", 1));
  const perf::StepEstimator h200(m, resolved("llama-3.1-8b", "h200", "vllm", 1));
  ASSERT_EQ(h200.kernel_model()->basis(), "transferred");
  const auto dec = model::BatchShape::decode(8, 2048);
  const double bw = h200.deployment().hardware.memory_bw() / h100.deployment().hardware.memory_bw();
  const double speedup = h100.time(dec) / h200.time(dec);
  EXPECT_GT(speedup, 1.05) << "decode is memory bound: H200's HBM must help";
  EXPECT_LE(speedup, bw * 1.001) << "no faster than the bandwidth ratio " << bw;
  const auto pre = model::BatchShape::prefill(1, 4096);
  EXPECT_NEAR(h100.time(pre) / h200.time(pre), 1.0, 0.1);
}

TEST(KernelModel, WeightOnlyFormatsUseTheirOwnRoofline) {
  // int4 weights with bf16 math on H100 (no int4 table): decode streams a quarter of the weight bytes.
  const auto& m = card("llama-3.1-8b");
  auto d4 = resolved("llama-3.1-8b", "h100-sxm", "vllm", 1, common::DType::int4);
  ASSERT_EQ(d4.precision.activation, common::DType::bf16);
  const perf::StepEstimator w16(m, resolved("llama-3.1-8b", "h100-sxm", "vllm", 1));
  const perf::StepEstimator w4(m, d4);
  const auto dec = model::BatchShape::decode(1, 512);
  EXPECT_LT(w4.time(dec), 0.6 * w16.time(dec));
}

TEST(KernelModel, EfficiencyModelCoversGpusWithoutTables) {
  const auto& m = card("llama-3.1-70b");
  const auto d = resolved("llama-3.1-70b", "mi300x", "vllm", 2);
  ASSERT_TRUE(d.kernel_model);
  ASSERT_TRUE(d.kernel_tables.empty());
  const perf::StepEstimator est(m, d);
  EXPECT_EQ(est.kernel_model()->basis(), "efficiency model");
  const double t = est.time(model::BatchShape::decode(16, 2048));
  // Memory-bound decode: at least the weights over the datasheet bandwidth, and within 4x of it.
  const double floor = model::weight_bytes(m, common::DType::bf16) / 2 / d.hardware.memory_bw();
  EXPECT_GT(t, floor);
  EXPECT_LT(t, 4 * floor);
}

TEST(KernelModel, CostIsTheSameWithOrWithoutTheRooflineTerms) {
  const auto d = resolved("qwen3-32b", "b200", "sglang", 2);
  const perf::StepEstimator est(card("qwen3-32b"), d);
  model::BatchShape b = model::BatchShape::prefill_chunk(700, 300, true);
  b += model::BatchShape::decode(20, 1500);
  EXPECT_DOUBLE_EQ(est.time(b), est.explain(b).total_s) << "explain() adds the roofline terms only to name the bound";
}

TEST(KernelModel, ASmallChunkOnALongCachedPrefixCostsAboutADecodeStep) {
  // One new token over 1,000 cached tokens attends 1,001 keys: about what a decode step at that context
  // does. The context-attention lookup is taken at the equivalent length (same query-key pairs), so the
  // kernel's launch floor is paid once, not once per 1,000 x the chunk's own pairs (~1 s for 70B before).
  const auto d = resolved("llama-3.1-70b", "h100-sxm", "vllm", 4);
  const perf::StepEstimator est(card("llama-3.1-70b"), d);
  for (double cached : {1000.0, 8000.0}) {
    const double chunk = est.time(model::BatchShape::prefill_chunk(1, cached, true));
    const double decode = est.time(model::BatchShape::decode(1, cached + 1));
    EXPECT_LE(chunk, 1.1 * decode) << "cached " << cached;
    EXPECT_GE(chunk, 0.9 * decode) << "cached " << cached;
    // Monotone in the work: a longer chunk or a longer prefix never costs less.
    EXPECT_GE(est.time(model::BatchShape::prefill_chunk(64, cached, true)), chunk);
  }
  EXPECT_GE(est.time(model::BatchShape::prefill_chunk(1, 8000, true)),
            est.time(model::BatchShape::prefill_chunk(1, 1000, true)));
}

// A TP group over two HGX B200 nodes all-reduces hierarchically: the 8-GPU all-reduce inside each node
// (the measured table) plus an all-reduce of each GPU's 1/8 shard between the nodes on its own NIC and
// the network latency of NCCL's tree (2 hops for 2 nodes, 6 for 8). A flat ring over one NIC would be
// several times slower on a prefill-sized message.
TEST(KernelModel, AllReduceAcrossNodesIsHierarchical) {
  const auto d8 = resolved("llama-3.1-70b", "b200", "vllm", 8);
  const auto d16 = resolved("llama-3.1-70b", "b200", "vllm", 16);
  const auto d64 = resolved("llama-3.1-70b", "b200", "vllm", 64);
  const perf::StepEstimator e8(card("llama-3.1-70b"), d8), e16(card("llama-3.1-70b"), d16),
      e64(card("llama-3.1-70b"), d64);
  const auto& hw = d16.hardware;
  ASSERT_EQ(hw.scale_up_domain, 8);
  const double big = 8192.0 * 8192.0, small = 4.0 * 8192.0;  // a prefill chunk's and a decode's hidden states
  for (double el : {big, small}) {
    const double in_node = e8.kernel_model()->allreduce_s(el);
    const double across16 = e16.kernel_model()->allreduce_s(el), across64 = e64.kernel_model()->allreduce_s(el);
    EXPECT_GT(across16, in_node + 2 * hw.scale_out_latency_s) << el;
    EXPECT_GT(across64, across16 + 4 * hw.scale_out_latency_s - 1e-12) << el;
    // The shard crossing the network: 2 x (n-1)/n x bytes / 8 at the NIC's bandwidth, at most.
    const double shard16 = 2.0 * 0.5 * el * 2.0 / 8.0 / hw.scale_out_bw_bytes_per_s;
    EXPECT_LT(across16, in_node + 2 * hw.scale_out_latency_s + 3.0 * shard16 + 20e-6) << el;
  }
  const double flat_ring = 2.0 * 15.0 / 16.0 * big * 2.0 / hw.scale_out_bw_bytes_per_s;
  EXPECT_LT(e16.kernel_model()->allreduce_s(big), flat_ring / 3.0);
}

// MoE dispatch and combine stay on NVLink while the layer's GPUs fit in one scale-up domain and go
// through the NICs once they span several: only then does the scale-out bandwidth change the step.
TEST(KernelModel, MoeDispatchUsesTheNicsOnlyAcrossDomains) {
  auto comm = [](int tp, double out_bw_scale) {
    auto d = resolved("qwen3-235b-a22b", "b200", "vllm", tp, common::DType::fp8);
    d.ep = tp;
    d.hardware.scale_out_bw_bytes_per_s *= out_bw_scale;
    return decode_comm_s("qwen3-235b-a22b", d, 64, 2048);
  };
  EXPECT_DOUBLE_EQ(comm(8, 1.0), comm(8, 2.0));
  EXPECT_GT(comm(16, 1.0), comm(16, 2.0));
}

TEST(KernelModel, AttentionDpExchangeIsNcclAllGatherAndReduceScatter) {
  // DeepSeek-V3 with attention DP: every MoE layer all-gathers the ranks' tokens and reduce-scatters the
  // results among the dp ranks, priced from nccl-tests' tables inside a node (a few microseconds each at
  // decode sizes: latency-bound), plus the network's per-hop latency across nodes.
  auto step = [](int dp, double out_latency_scale) {
    auto d = resolved("deepseek-v3", "b200", "tensorrt-llm", 1, common::DType::fp4);
    d.attention_dp = dp;
    d.ep = dp;
    d.hardware.scale_out_latency_s *= out_latency_scale;
    return decode_comm_s("deepseek-v3", d, 8, 1024);
  };
  const auto& m = card("deepseek-v3");
  const double moe_layers = double(model::moe_layers(m));
  const double in_node = step(8, 1.0);
  // Two collectives per MoE layer, each at least the smallest time nccl-tests measured (~8 us) and far
  // below a millisecond at 64 tokens of 7168.
  EXPECT_GT(in_node, moe_layers * 2 * 5e-6);
  EXPECT_LT(in_node, moe_layers * 2 * 100e-6);
  EXPECT_DOUBLE_EQ(step(8, 1.0), step(8, 3.0)) << "8 ranks sit in one HGX node: no network hop";
  const double across = step(16, 1.0);
  EXPECT_GT(across, in_node);
  EXPECT_GT(step(16, 3.0), across) << "16 ranks span two nodes: each collective pays the network latency";
}

// GLM-5's DSA on the kernel path (B200, SGLang): the indexer is work on top of MLA at a short context
// (a decode step costs more than the same model without it) and saves the core's attention at a long
// one (the step costs less than dense MLA over 64K tokens).
TEST(KernelModel, SparseAttentionCostsTheIndexerAndSavesTheCoreAtLongContext) {
  const auto d = resolved("glm-5", "b200", "sglang", 8, common::DType::fp8);
  auto dense = card("glm-5");
  dense.dsa = {};
  const perf::StepEstimator sparse_est(card("glm-5"), d), dense_est(dense, d);
  auto attention = [](const perf::StepEstimator& e, double ctx) {
    return e.cost(model::BatchShape::decode(32, ctx)).kernel_s[std::size_t(model::OpClass::attention)];
  };
  EXPECT_GT(attention(sparse_est, 1024), attention(dense_est, 1024));
  EXPECT_LT(attention(sparse_est, 65536), 0.5 * attention(dense_est, 65536));
  // The replicated indexer projections add to every step's projection time.
  const auto qkv = [](const perf::StepEstimator& e) {
    return e.cost(model::BatchShape::decode(32, 1024)).kernel_s[std::size_t(model::OpClass::qkv_proj)];
  };
  EXPECT_GT(qkv(sparse_est), qkv(dense_est));
}

// vLLM fuses a TP all-reduce with the next RMSNorm by FlashInfer, which runs TensorRT-LLM's all-reduce
// kernel, up to a size per TP and GPU generation (RuntimeVersion::fused_allreduce_mib). Those all-reduces
// take TensorRT-LLM's table on the same chip; larger ones vLLM's own custom all-reduce.
TEST(KernelModel, VllmPricesFusedAllReducesFromTensorRtLlmsKernel) {
  auto d = resolved("llama-3.1-70b", "b200", "vllm", 8);
  ASSERT_EQ(perf::fused_allreduce_tables(d.kernel_tables_hardware), "b200_sxm/trtllm-1.3.0rc20");
  ASSERT_DOUBLE_EQ(d.fused_allreduce_mib.at(8), 1.0);
  const perf::StepEstimator fused(card("llama-3.1-70b"), d);
  // custom_allreduce_perf.csv, 8 GPUs, 131072 elements: TensorRT-LLM 0.0079 ms, vLLM 0.0258 ms.
  const double small = 131072, large = 1048576;  // 256 KiB and 2 MiB of 16-bit activations
  const auto trt = hwprofiles::KernelTableCatalog::shipped().get("b200_sxm/trtllm-1.3.0rc20");
  const auto own = hwprofiles::KernelTableCatalog::shipped().get("b200_sxm/vllm-0.24.0");
  EXPECT_DOUBLE_EQ(fused.kernel_model()->allreduce_s(small), trt->allreduce.at(8).at(small));
  EXPECT_DOUBLE_EQ(fused.kernel_model()->allreduce_s(large), own->allreduce.at(8).at(large)) << "above 1 MiB";
  EXPECT_LT(fused.kernel_model()->allreduce_s(small), 0.5 * own->allreduce.at(8).at(small));
  EXPECT_NE(fused.kernel_model()->describe().find("fused"), std::string::npos) << fused.kernel_model()->describe();
  EXPECT_NE(fused.kernel_model()->describe().find("b200_sxm/trtllm-1.3.0rc20"), std::string::npos);
  // Without the fusion: vLLM's own table throughout; a decode step of 16 sequences pays its 26 us.
  auto plain = d;
  plain.fused_allreduce_mib.clear();
  const perf::StepEstimator unfused(card("llama-3.1-70b"), plain);
  EXPECT_DOUBLE_EQ(unfused.kernel_model()->allreduce_s(small), own->allreduce.at(8).at(small));
  EXPECT_EQ(unfused.kernel_model()->describe().find("fused"), std::string::npos);
  EXPECT_LT(decode_comm_s("llama-3.1-70b", d, 16, 1024), 0.5 * decode_comm_s("llama-3.1-70b", plain, 16, 1024));
  // Hopper fuses up to 0.5 MiB at TP 8; a TP size the version does not list, and SGLang, do not fuse.
  EXPECT_DOUBLE_EQ(resolved("llama-3.1-70b", "h100-sxm", "vllm", 8).fused_allreduce_mib.at(8), 0.5);
  const auto tp16 = resolved("llama-3.1-70b", "b200", "vllm", 16);
  EXPECT_EQ(perf::StepEstimator(card("llama-3.1-70b"), tp16).kernel_model()->describe().find("fused"),
            std::string::npos);
  EXPECT_TRUE(resolved("llama-3.1-70b", "b200", "sglang", 8).fused_allreduce_mib.empty());
  // A TP size below 2 or a negative size is a configuration error.
  auto badd = d;
  badd.fused_allreduce_mib[1] = 4;
  EXPECT_THROW(perf::validate_deployment(card("llama-3.1-70b"), badd), common::ConfigError);
}

// gpt-oss ships MXFP4 experts and BF16 everything else (ModelSpec::quantized_weights): under an FP4
// deployment its attention projections run the BF16 GEMMs, and only its experts the NVFP4 ones. Before,
// the projections were priced as NVFP4 GEMMs, about half their BF16 time in a B200 prompt step.
TEST(KernelModel, ExpertOnlyCheckpointsKeepTheRestAtSixteenBits) {
  using model::OpClass;
  const auto qkv = std::size_t(OpClass::qkv_proj), out = std::size_t(OpClass::out_proj),
             ex = std::size_t(OpClass::moe_experts);
  // Op times as the step prices them (an NVFP4 table's activation-quantization floor removed where the
  // runtime fuses it).
  auto op = [](const perf::StepEstimator& e, const model::BatchShape& b, std::size_t i) {
    return e.cost(b).op_time(i, e.params());
  };
  const auto prompt = model::BatchShape::prefill(1, 4096);
  const auto& g = card("gpt-oss-120b");
  const perf::StepEstimator g4(g, resolved("gpt-oss-120b", "b200", "tensorrt-llm", 1, common::DType::fp4));
  const perf::StepEstimator g16(g, resolved("gpt-oss-120b", "b200", "tensorrt-llm", 1));
  EXPECT_DOUBLE_EQ(op(g4, prompt, qkv), op(g16, prompt, qkv));
  EXPECT_DOUBLE_EQ(op(g4, prompt, out), op(g16, prompt, out));
  EXPECT_LT(g4.cost(prompt).kernel_s[ex], 0.8 * g16.cost(prompt).kernel_s[ex]);
  const auto decode = model::BatchShape::decode(8, 1024);
  EXPECT_DOUBLE_EQ(op(g4, decode, qkv), op(g16, decode, qkv));
  // A card without the field runs its attention projections on the format's own GEMM table (at this small
  // batch B200's NVFP4 table is the slower one).
  const auto& q = card("qwen3-235b-a22b");
  const perf::StepEstimator q4(q, resolved("qwen3-235b-a22b", "b200", "tensorrt-llm", 4, common::DType::fp4));
  const perf::StepEstimator q16(q, resolved("qwen3-235b-a22b", "b200", "tensorrt-llm", 4));
  EXPECT_GT(std::fabs(op(q4, decode, qkv) / op(q16, decode, qkv) - 1.0), 0.2);
}

// A step that carries prompt tokens launches its kernels without a CUDA graph: it lasts at least the
// host's launches, eager_layer_s per layer (CalibrationParams::eager_layer_s). A short prompt on one H100
// runs its kernels in less than 32 x 1 ms and takes the floor; a long one runs longer and does not; a
// decode step (a graph replay) never does.
TEST(KernelModel, EagerPromptStepsLastAtLeastTheirHostLaunches) {
  const auto& m = card("llama-3.1-8b");
  auto d0 = resolved("llama-3.1-8b", "h100-sxm", "tensorrt-llm", 1);
  auto d = d0;
  for (auto& c : d0.hardware.calibrations) c.params.eager_layer_s = 0;
  for (auto& c : d.hardware.calibrations) c.params.eager_layer_s = 1e-3;
  const perf::StepEstimator est(m, d), est0(m, d0);
  const auto shortp = model::BatchShape::prefill(1, 64);
  const auto c = est.cost(shortp);
  EXPECT_EQ(c.eager_layers, 32.0);
  EXPECT_NEAR(c.floor_extra_s, 32 * 1e-3 - c.eager_kernel_s(), 1e-12);
  EXPECT_GT(c.floor_extra_s, 0.0);
  EXPECT_NEAR(est.time(shortp), est0.time(shortp) + c.floor_extra_s, 1e-12);
  EXPECT_DOUBLE_EQ(est.explain(shortp).total_s, est.time(shortp));
  const auto longp = model::BatchShape::prefill(1, 16384);
  EXPECT_GT(est.cost(longp).eager_kernel_s(), 32 * 1e-3);
  EXPECT_EQ(est.cost(longp).floor_extra_s, 0.0);
  const auto decode = model::BatchShape::decode(8, 512);
  EXPECT_EQ(est.cost(decode).eager_layers, 0.0);
  EXPECT_DOUBLE_EQ(est.time(decode), est0.time(decode));
  // A runtime that replays piecewise graphs for prompt steps (vLLM's default) takes no floor at any host
  // time; its FULL_DECODE_ONLY mode does.
  auto v = resolved("llama-3.1-8b", "h100-sxm", "vllm", 1);
  EXPECT_FALSE(v.scheduler.eager_prompt_steps);
  for (auto& vc : v.hardware.calibrations) vc.params.eager_layer_s = 1e-3;
  EXPECT_EQ(perf::StepEstimator(m, v).cost(shortp).floor_extra_s, 0.0);
  EXPECT_EQ(perf::StepEstimator(m, v).cost(shortp).eager_layers, 0.0);
  v.scheduler.eager_prompt_steps = true;
  EXPECT_GT(perf::StepEstimator(m, v).cost(shortp).floor_extra_s, 0.0);
}

// Qwen3.5's Gated DeltaNet layers keep a fixed recurrent state instead of a KV cache: a decode step's
// attention grows with the context on its 15 GQA layers only (a quarter of what 60 GQA layers add), and
// every decoding sequence reads and writes its FP32 state on the other 45.
TEST(KernelModel, GatedDeltaNetLayersReadTheirStateNotAGrowingCache) {
  const auto d = resolved("qwen3.5-397b-a17b", "b200", "sglang", 4, common::DType::fp8);
  const auto hybrid = card("qwen3.5-397b-a17b");
  auto full = hybrid;
  full.linear = {};  // every layer a GQA layer
  const perf::StepEstimator h(hybrid, d), f(full, d);
  auto attention = [](const perf::StepEstimator& e, double seqs, double ctx) {
    return e.cost(model::BatchShape::decode(seqs, ctx)).kernel_s[std::size_t(model::OpClass::attention)];
  };
  const double grow_h = attention(h, 32, 65536) - attention(h, 32, 1024);
  const double grow_f = attention(f, 32, 65536) - attention(f, 32, 1024);
  ASSERT_GT(grow_f, 0.0);
  EXPECT_NEAR(grow_h / grow_f, 15.0 / 60.0, 1e-6);
  // 32 more sequences read and write 32 more states (this rank's 16 of the 64 value heads): at least
  // those bytes at the chip's bandwidth, per Gated DeltaNet layer.
  const double state_rank = 64.0 / 4 * 128 * 128 * 4;
  const double more = attention(h, 64, 1024) - attention(h, 32, 1024);
  EXPECT_GE(more, 45 * 32 * 2 * state_rank / d.hardware.memory_bw());
  // Without linear layers nothing changes: the projections and the state term are a hybrid's alone.
  const auto qkv = [](const perf::StepEstimator& e) {
    return e.cost(model::BatchShape::decode(32, 1024)).kernel_s[std::size_t(model::OpClass::qkv_proj)];
  };
  EXPECT_GT(qkv(h), 0.0);
  EXPECT_NE(qkv(h), qkv(f));
  // States kept in BF16 (SGLang --mamba-ssm-dtype bfloat16) move half the bytes: the step the extra
  // sequences add shrinks, and the memory fit holds half-size states (the convolution window stays 16-bit).
  auto half = d;
  half.precision.state = common::DType::bf16;
  const perf::StepEstimator hb(hybrid, half);
  EXPECT_LT(attention(hb, 64, 1024) - attention(hb, 32, 1024), more);
  EXPECT_EQ(attention(hb, 32, 1024) < attention(h, 32, 1024), true);
  const auto f32 = h.memory_fit(0, 8192), b16 = hb.memory_fit(0, 8192);
  EXPECT_NEAR(b16.state_bytes_per_sequence, model::recurrent_state_bytes_per_sequence(hybrid, 2.0) / 4, 1.0);
  EXPECT_NEAR(f32.state_bytes_per_sequence - b16.state_bytes_per_sequence, 45 * state_rank / 2, 1.0);
}

// Every running Qwen3.5 sequence holds its recurrent state. SGLang sizes a state pool of its own at 0.9x
// its KV pool; vLLM takes states and KV from one pool. Either caps the sequences that run at once.
TEST(StepEstimator, RecurrentStatesTakeTheirShareOfTheCache) {
  const auto& m = card("qwen3.5-397b-a17b");
  const auto sg = resolved("qwen3.5-397b-a17b", "b200", "sglang", 4, common::DType::fp8);
  const auto f = perf::StepEstimator(m, sg, false).memory_fit(0, 8192);
  EXPECT_NEAR(f.state_bytes_per_sequence, model::recurrent_state_bytes_per_sequence(m) / 4, 1.0);
  ASSERT_GT(f.state_pool_bytes, 0.0);
  EXPECT_NEAR(f.state_pool_bytes / (f.max_kv_tokens * f.kv_bytes_per_token), perf::SGLANG_MAMBA_FULL_MEMORY_RATIO,
              1e-9);
  const double slots = std::floor(f.state_pool_bytes / f.state_bytes_per_sequence);
  EXPECT_DOUBLE_EQ(f.sequences_for(2048), std::min(slots, std::floor(f.max_kv_tokens / 2048)));
  EXPECT_DOUBLE_EQ(f.state_pool_slots(), slots);
  int s = 1 << 20;
  EXPECT_DOUBLE_EQ(perf::cap_state_slots(f, s, 2048), f.max_kv_tokens) << "a pool of its own leaves the KV pool";
  EXPECT_EQ(s, int(slots));

  const auto vl = resolved("qwen3.5-397b-a17b", "b200", "vllm", 4, common::DType::fp8);
  const auto g = perf::StepEstimator(m, vl, false).memory_fit(0, 8192);
  EXPECT_EQ(g.state_pool_bytes, 0.0);
  const double state_tokens = g.state_bytes_per_sequence / g.kv_bytes_per_token;
  EXPECT_DOUBLE_EQ(g.sequences_for(2048), std::floor(g.max_kv_tokens / (2048 + state_tokens)));
  EXPECT_TRUE(std::isinf(g.state_pool_slots())) << "no pool of their own";
  int v = 1 << 20;
  const double kv = perf::cap_state_slots(g, v, 2048);
  EXPECT_EQ(v, int(g.sequences_for(2048)));
  EXPECT_GE(kv, v * 2048.0) << "the KV left beside the states holds those sequences";
  EXPECT_LT(kv, g.max_kv_tokens);

  // The fit check counts the batch's states: one sequence more than fit is refused, with the reason.
  const perf::StepEstimator se(m, sg, false), ve(m, vl, false);
  EXPECT_TRUE(se.memory_fit(slots, 8192, slots).fits);
  const auto over = se.memory_fit(slots + 1, 8192, slots + 1);
  EXPECT_FALSE(over.fits);
  EXPECT_NE(over.message.find("recurrent states"), std::string::npos) << over.message;
  EXPECT_NEAR(over.state_bytes, over.state_pool_bytes, 1.0) << "SGLang reserves its state pool whole";
  const double n = g.sequences_for(2048);
  EXPECT_TRUE(ve.memory_fit(n * 2048, 8192, n).fits);
  ASSERT_LE((n + 1) * 2048, g.max_kv_tokens) << "the KV alone would fit one more sequence";
  const auto shared = ve.memory_fit((n + 1) * 2048, 8192, n + 1);
  EXPECT_FALSE(shared.fits) << "its state does not";
  EXPECT_NEAR(shared.state_bytes, (n + 1) * g.state_bytes_per_sequence, 1.0);
  EXPECT_NE(shared.message.find("recurrent states"), std::string::npos) << shared.message;

  // A model without linear layers keeps its whole cache and its max batch.
  const auto ld = resolved("llama-3.1-70b", "b200", "vllm", 4);
  const auto l = perf::StepEstimator(card("llama-3.1-70b"), ld, false).memory_fit(0, 8192);
  EXPECT_EQ(l.state_bytes_per_sequence, 0.0);
  int keep = 512;
  EXPECT_DOUBLE_EQ(perf::cap_state_slots(l, keep, 2048), l.max_kv_tokens);
  EXPECT_EQ(keep, 512);
  EXPECT_DOUBLE_EQ(l.sequences_for(2048), std::floor(l.max_kv_tokens / 2048));
}

namespace {
// A fitted model written to kernel_efficiency.json's format and read back.
perf::EfficiencyModel json_round_trip(perf::EfficiencyModel m) {
  m.source = "[FIT] test";
  return perf::efficiency_model_from_json(perf::efficiency_model_to_json(m), "e.json");
}
}  // namespace

namespace {
perf::OpEfficiency op_efficiency(double floor_s, double compute_max, double compute_half_s, double memory_max,
                                 double memory_half_s) {
  perf::OpEfficiency e;
  e.floor_s = floor_s, e.compute_max = compute_max, e.compute_half_s = compute_half_s, e.memory_max = memory_max;
  e.memory_half_s = memory_half_s;
  return e;
}
}  // namespace

// GEMM formats reach their own share of their peak: a fit to points of two formats with different true
// efficiencies gives each its own parameters (and so far less error than one fit to both), and the JSON
// carries them.
TEST(KernelEfficiencyFit, EachGemmFormatGetsItsOwnFit) {
  const auto fast = op_efficiency(1e-6, 0.7, 2e-6, 0.8, 3e-6), slow = op_efficiency(2e-6, 0.35, 4e-6, 0.5, 6e-6);
  perf::KernelPointSets sets;
  const double peak16 = 1e15, bw = 3e12;
  for (const char* sys : {"a", "b"})
    for (double m = 1; m <= 16384; m *= 2)  // 15 x 3 x 5 = 225 points a format and system
      for (double n : {1024.0, 4096.0, 8192.0})
        for (double k : {1024.0, 4096.0, 8192.0, 16384.0, 28672.0}) {
          const double f = 2 * m * n * k;
          const double b16 = n * k * 2 + m * k * 2 + 2 * m * n, b8 = n * k + m * k + 2 * m * n;
          sets.by_op["gemm"].push_back({sys, f, peak16, b16, bw, fast.time(f, peak16, b16, bw), "bfloat16"});
          sets.by_op["gemm"].push_back({sys, f, 2 * peak16, b8, bw, slow.time(f, 2 * peak16, b8, bw), "fp8"});
        }
  // The other op kinds need points too: the all-format GEMM points stand in (untagged).
  for (const char* op : {"context_attention", "generation_attention", "allreduce"})
    for (std::size_t i = 0; i < 40; ++i) {
      auto p = sets.by_op["gemm"][i * 7];
      p.dtype.clear();
      sets.by_op[op].push_back(p);
    }
  const auto r = perf::fit_efficiency_model(sets);
  ASSERT_EQ(r.model.gemm_by_dtype.size(), 2u);
  EXPECT_NEAR(r.model.gemm_for("bfloat16").compute_max, 0.7, 0.03);
  EXPECT_NEAR(r.model.gemm_for("fp8").compute_max, 0.35, 0.03);
  EXPECT_NEAR(r.model.gemm_for("fp8").memory_max, 0.5, 0.03);
  EXPECT_EQ(&r.model.gemm_for("int4_wo"), &r.model.gemm) << "a format without a fit takes the all-format one";
  EXPECT_LT(r.errors.at("gemm").at("a").first, 0.02) << "each format recovered";
  EXPECT_LT(r.errors.at("gemm bfloat16").at("b").second, 0.02) << "and from the other system's points alone";
  const auto back = json_round_trip(r.model);
  EXPECT_DOUBLE_EQ(back.gemm_for("fp8").compute_max, r.model.gemm_for("fp8").compute_max);
}

// GEMMs with fewer output columns than MIN_GEMM_FIT_COLUMNS (the tables' n = 32-256 sweep, whose FP8 kernels
// run far off either roofline term) stay out of the fit: here 8x slower than the truth, they do not pull it,
// and the report gives their error on its own row.
TEST(KernelEfficiencyFit, NarrowGemmsStayOutOfTheFitAndAreReported) {
  perf::OpEfficiency truth;
  truth.floor_s = 2e-6, truth.compute_max = 0.6, truth.compute_half_s = 3e-6, truth.memory_max = 0.8,
  truth.memory_half_s = 4e-6;
  perf::KernelPointSets sets;
  const double peak = 1e15, bw = 3e12;
  for (const char* sys : {"a", "b"})
    for (double m = 1; m <= 16384; m *= 2)
      for (double n : {64.0, 256.0, 1024.0, 4096.0, 8192.0})
        for (double k : {1024.0, 4096.0, 16384.0, 65536.0}) {
          const double f = 2 * m * n * k, b = n * k + m * k + 2 * m * n;
          const double t = truth.time(f, peak, b, bw) * (n < perf::MIN_GEMM_FIT_COLUMNS ? 8 : 1);
          sets.by_op["gemm"].push_back({sys, f, peak, b, bw, t, "fp8", 0, 0, n});
        }
  for (const char* op : {"context_attention", "generation_attention", "allreduce"})
    for (std::size_t i = 0; i < 40; ++i) {
      auto p = sets.by_op["gemm"][i * 7];
      p.dtype.clear(), p.columns = 0;
      sets.by_op[op].push_back(p);
    }
  const auto r = perf::fit_efficiency_model(sets);
  EXPECT_NEAR(r.model.gemm_for("fp8").memory_max, 0.8, 0.02);
  EXPECT_NEAR(r.model.gemm_for("fp8").compute_max, 0.6, 0.02);
  EXPECT_LT(r.errors.at("gemm fp8").at("a").first, 0.02);
  EXPECT_LT(r.errors.at("gemm fp8").at("a").second, 0.02) << "recovered from the other system alone";
  EXPECT_NEAR(r.errors.at("gemm fp8 (n < 512, not fitted)").at("a").first, 7.0 / 8, 0.02)
      << "the narrow shapes are reported, 8x slower than the fit";
  EXPECT_TRUE(r.errors.count("gemm (n < 512, not fitted)"));
}

// Elementwise ops (norms, activations, RoPE) off the tables launch with the median over GPUs of each GPU's
// (median table-set) smallest BF16 GEMM, the floor a chip with tables takes from its own; no GEMM fit's
// floor parameter is borrowed.
TEST(KernelEfficiencyFit, ElementwiseFloorIsTheMedianGpusSmallestGemm) {
  perf::KernelPointSets sets;
  for (const char* op : {"gemm", "context_attention", "generation_attention", "allreduce"})
    for (double m = 1; m <= 4096; m *= 2)
      sets.by_op[op].push_back({"a", 2 * m * 4096 * 4096, 1e15, 4096.0 * 4096 * 2, 3e12, 1e-5 + m * 1e-8});
  sets.bf16_gemm_floor_s = {{"a", {1e-6, 3e-6, 2e-6}}, {"b", {4e-6}}, {"c", {5e-6, 5e-6}}};
  const auto r = perf::fit_efficiency_model(sets);
  EXPECT_DOUBLE_EQ(r.model.elementwise_floor_s, 4e-6) << "medians 2, 4 and 5 us";
  auto e = perf::EfficiencyModel::shipped();
  e.elementwise_floor_s = 4e-6;
  EXPECT_DOUBLE_EQ(json_round_trip(e).elementwise_floor_s, 4e-6);

  // The kernel path: each of Llama-3.1-8B's 2L + 1 norms on an MI300X launches once per step.
  const auto& m = card("llama-3.1-8b");
  const auto d = resolved("llama-3.1-8b", "mi300x", "vllm", 1);
  perf::EfficiencyModel lo = perf::EfficiencyModel::shipped(), hi = lo;
  lo.elementwise_floor_s = 1e-6, hi.elementwise_floor_s = 11e-6;
  perf::StepCost a, b;
  perf::KernelModel(m, d, nullptr, d.hardware, lo).fill(model::BatchShape::decode(8, 1024), a);
  perf::KernelModel(m, d, nullptr, d.hardware, hi).fill(model::BatchShape::decode(8, 1024), b);
  const auto norm = std::size_t(model::OpClass::norm);
  EXPECT_NEAR(b.kernel_s[norm] - a.kernel_s[norm], (2.0 * m.num_layers + 1) * 10e-6, 1e-9);
}

// On a GPU without tables, the shipped per-format fits price an FP8 GEMM at less than the datasheet's 2x
// over BF16 when it is compute-bound (measured FP8 GEMMs reach a smaller share of their peak).
TEST(KernelModel, ShippedGemmFormatsReachTheirOwnShareOfPeak) {
  const auto& e = perf::EfficiencyModel::shipped();
  ASSERT_TRUE(e.gemm_by_dtype.count("bfloat16"));
  ASSERT_TRUE(e.gemm_by_dtype.count("fp8"));
  ASSERT_TRUE(e.gemm_by_dtype.count("nvfp4"));
  const auto& hw = hwprofiles::HardwareCatalog::shipped().get("mi300x");
  const double f = 2.0 * 8192 * 8192 * 8192, bw = hw.memory_bw();
  const double t16 =
      e.gemm_for("bfloat16").time(f, hw.matmul_peak(common::DType::bf16, common::DType::bf16), 8192.0 * 8192 * 6, bw);
  const double t8 = e.gemm_for("fp8").time(f, hw.matmul_peak(common::DType::fp8, common::DType::fp8), 8192.0 * 8192 * 4,
                                           bw);
  EXPECT_GT(t8, 0.5 * t16);
  EXPECT_LT(t8, t16);
  // And the kernel path uses them: Llama-3.1-70B's QKV projection on 2 MI300Xs, 80 layers of one GEMM.
  const auto& m = card("llama-3.1-70b");
  for (auto w : {common::DType::bf16, common::DType::fp8}) {
    const perf::StepEstimator est(m, resolved("llama-3.1-70b", "mi300x", "vllm", 2, w));
    const double n = (64.0 + 2 * 8) * 128 / 2, k = 8192, b = 16;
    const double bw8 = common::bytes_per_element(w);
    const double act = w == common::DType::fp8 ? 1.0 : 2.0;
    const std::string dt = w == common::DType::fp8 ? "fp8" : "bfloat16";
    const double one = e.gemm_for(dt).time(2 * b * n * k, hw.matmul_peak(w, w), n * k * bw8 + b * k * act + 2 * b * n,
                                           bw) +
                       e.gemm_quant_for("vllm", dt);
    EXPECT_NEAR(est.explain(model::BatchShape::decode(b, 2048)).op_s[std::size_t(model::OpClass::qkv_proj)], 80 * one,
                1e-3 * 80 * one)
        << common::dtype_name(w);
  }
}

// Decode attention: one fit per KV format, each with its own memory share and cost per sequence x KV head,
// the compute share taken from the context-attention fit; points of groups wider than the fit's limit
// (here 16x slower than the truth) are left out and do not pull it.
TEST(KernelEfficiencyFit, DecodeAttentionGetsAFitPerKvFormatWithACostPerSequenceAndKvHead) {
  perf::OpEfficiency ctx, b16, f8;
  ctx.floor_s = 8e-6, ctx.compute_max = 0.4, ctx.compute_half_s = 3e-6, ctx.memory_max = 0.3, ctx.memory_half_s = 2e-6;
  b16 = ctx, f8 = ctx;
  b16.floor_s = 2e-6, b16.memory_max = 0.85, b16.memory_half_s = 7e-6, b16.item_s = 13e-9;
  f8.floor_s = 1.5e-6, f8.memory_max = 0.6, f8.memory_half_s = 5e-6, f8.item_s = 8e-9;
  const double peak = 1e15, bw = 3e12, hd = 128;
  perf::KernelPointSets sets;
  for (const char* sys : {"a", "b"}) {
    for (double b = 1; b <= 1024; b *= 4)
      for (double s = 16; s <= 16384; s *= 4) {
        const double f = b * s * (s + 1) / 2 * 4 * 32 * hd, by = b * s * (2 * 32 + 2 * 8) * hd * 2;
        sets.by_op["context_attention"].push_back({sys, f, peak, by, bw, ctx.time(f, peak, by, bw)});
        for (double kvh : {1.0, 2.0, 8.0})
          for (double group : {4.0, 8.0, 64.0}) {
            const double h = kvh * group;
            for (const auto& [kv, truth, kvb] : {std::tuple{"bfloat16", &b16, 2.0}, std::tuple{"fp8", &f8, 1.0}}) {
              const double fl = b * s * 4 * h * hd, bytes = b * (s * 2 * kvh * hd * kvb + 2 * h * hd * 2);
              const double t = truth->time(fl, peak, bytes, bw, b * kvh) *
                               (group > perf::MAX_DECODE_FIT_GROUP ? 16 : 1);
              sets.by_op["generation_attention"].push_back({sys, fl, peak, bytes, bw, t, kv, b * kvh, group});
            }
          }
      }
  }
  for (const char* op : {"gemm", "allreduce"})
    for (std::size_t i = 0; i < 40; ++i) sets.by_op[op].push_back(sets.by_op["context_attention"][i % 20]);
  const auto r = perf::fit_efficiency_model(sets);
  ASSERT_EQ(r.model.generation_attention_by_kv.size(), 2u);
  for (const auto& [kv, truth] : {std::pair{"bfloat16", b16}, std::pair{"fp8", f8}}) {
    const auto& e = r.model.generation_for(kv);
    EXPECT_NEAR(e.memory_max, truth.memory_max, 0.02) << kv;
    EXPECT_NEAR(e.item_s, truth.item_s, 0.1 * truth.item_s) << kv;
    EXPECT_DOUBLE_EQ(e.compute_max, r.model.context_attention.compute_max)
        << kv << ": context attention's compute share";
  }
  EXPECT_EQ(&r.model.generation_for("int8"), &r.model.generation_attention) << "a format without a fit";
  EXPECT_LT(r.errors.at("generation_attention").at("a").second, 0.02) << "recovered from the other system alone";
  EXPECT_GT(r.errors.at("generation_attention (wider groups, not fitted)").at("a").first, 0.9)
      << "the wide groups stay out of the fit, and the report says how far off they are";
  const auto back = json_round_trip(r.model);
  EXPECT_DOUBLE_EQ(back.generation_for("fp8").item_s, r.model.generation_for("fp8").item_s);
  EXPECT_DOUBLE_EQ(back.gemm.item_s, 0.0);
}

// On a GPU without tables, decode attention takes the shipped fit of the deployment's KV format, with its
// cost per sequence x KV head.
TEST(KernelModel, DecodeAttentionOffTheTablesTakesItsKvFormatsFit) {
  const auto& e = perf::EfficiencyModel::shipped();
  ASSERT_TRUE(e.generation_attention_by_kv.count("bfloat16"));
  ASSERT_TRUE(e.generation_attention_by_kv.count("fp8"));
  const auto& m = card("llama-3.1-70b");
  const auto& hw = hwprofiles::HardwareCatalog::shipped().get("mi300x");
  const double b = 64, ctx = 4096, heads = 64 / 2, kvh = 8 / 2, hd = 128;
  double t[2];
  int i = 0;
  for (auto kv : {common::DType::bf16, common::DType::fp8}) {
    auto d = resolved("llama-3.1-70b", "mi300x", "vllm", 2);
    d.precision.kv = kv;
    const perf::KernelModel km(m, d, nullptr, d.hardware, e);
    const double kvb = common::bytes_per_element(kv);
    const double want = e.generation_for(kv == common::DType::fp8 ? "fp8" : "bfloat16")
                            .time(b * ctx * 4 * heads * hd, hw.matmul_peak(common::DType::bf16, common::DType::bf16),
                                  b * (ctx * 2 * kvh * hd * kvb + 2 * heads * hd * 2), hw.memory_bw(), b * kvh);
    t[i++] = km.generation_attention_s(b, ctx);
    EXPECT_NEAR(t[i - 1], want, 1e-9 * want) << common::dtype_name(kv);
  }
  EXPECT_LT(t[1], t[0]) << "an FP8 cache streams half the bytes";
  EXPECT_GT(t[1], 0.5 * t[0]) << "at a smaller share of the bandwidth";
}

// A system left out of the fit is left out whole: its points and its BF16 GEMM floors leave the sets, the
// report's leave-one-out model is the fit to what remains, and the model validation prices a GPU left out
// with is fitted without every table set measured on that GPU (none for a GPU without tables).
TEST(KernelEfficiencyFit, ASystemLeftOutLeavesItsPointsAndFloorsAndIsPricedByTheRest) {
  perf::OpEfficiency fast, slow;
  fast.floor_s = 2e-6, fast.compute_max = 0.7, fast.compute_half_s = 3e-6, fast.memory_max = 0.8,
  fast.memory_half_s = 4e-6;
  slow = fast;
  slow.compute_max = 0.3, slow.memory_max = 0.4;
  perf::KernelPointSets sets;
  for (const auto& [sys, truth] : {std::pair{"a", fast}, std::pair{"b", fast}, std::pair{"c", slow}})
    for (const char* op : {"gemm", "context_attention", "generation_attention", "allreduce"})
      for (double m = 1; m <= 16384; m *= 2)
        for (double k : {1024.0, 8192.0}) {
          const double f = 2 * m * 4096 * k, b = 4096 * k * 2 + m * k * 2;
          sets.by_op[op].push_back({sys, f, 1e15, b, 3e12, truth.time(f, 1e15, b, 3e12)});
        }
  sets.bf16_gemm_floor_s = {{"a", {1e-6}}, {"b", {2e-6}}, {"c", {9e-6}}};
  const auto rest = perf::without_system(sets, "c");
  for (const auto& [op, v] : rest.by_op)
    for (const auto& p : v) EXPECT_NE(p.system, "c") << op;
  EXPECT_EQ(rest.by_op.at("gemm").size(), 2 * sets.by_op.at("gemm").size() / 3);
  EXPECT_FALSE(rest.bf16_gemm_floor_s.count("c"));
  const auto r = perf::fit_efficiency_model(sets);
  const auto& without = r.without.at("c");
  EXPECT_NEAR(without.gemm.compute_max, 0.7, 0.02) << "fitted to a and b alone";
  EXPECT_DOUBLE_EQ(without.gemm.compute_max, perf::fit_efficiency(rest).gemm.compute_max);
  EXPECT_DOUBLE_EQ(without.elementwise_floor_s, 2e-6) << "a's and b's floors (1 and 2 us; the upper middle), not c's";
  EXPECT_LT(r.model.gemm.compute_max, 0.65) << "the full fit saw c's slow kernels";
  EXPECT_GT(r.errors.at("gemm").at("c").second, r.errors.at("gemm").at("c").first)
      << "c's points are further off without c in the fit";
  EXPECT_LT(r.ratios.at("gemm").at("c").second, 0.7) << "and the report says which way: c runs slower than predicted";
  EXPECT_GT(r.ratios.at("gemm").at("a").second, 1.1) << "a, fitted on b and slow c, reads slow";

  // The shipped tables: leaving H100 out drops every H100 table set's points, whatever its runtime.
  const auto all = perf::kernel_points(perf::kernel_table_folders(), 97);
  const auto h100 = perf::fit_efficiency_without_hardware(all, "h100-sxm");
  ASSERT_TRUE(h100.has_value());
  EXPECT_DOUBLE_EQ(h100->gemm.compute_max,
                   perf::fit_efficiency(perf::without_system(all, "h100_sxm")).gemm.compute_max);
  EXPECT_NE(h100->gemm.compute_max, perf::fit_efficiency(all).gemm.compute_max);
  EXPECT_NE(h100->source.find("h100-sxm"), std::string::npos);
  EXPECT_FALSE(perf::fit_efficiency_without_hardware(all, "mi300x").has_value()) << "no tables: the shipped model";
}

// Context attention: a cost per query tile (one thread block per sequence, head and 128 prompt tokens in
// FlashAttention's prefill), fitted beside the roofline terms; a GPU without tables pays it per tile.
TEST(KernelEfficiencyFit, ContextAttentionHasACostPerQueryTile) {
  perf::OpEfficiency truth;
  truth.floor_s = 3e-6, truth.compute_max = 0.4, truth.compute_half_s = 5e-6, truth.memory_max = 0.4,
  truth.memory_half_s = 2e-6, truth.item_s = 20e-9;
  const double peak = 1e15, bw = 3e12, hd = 128;
  perf::KernelPointSets sets;
  for (const char* sys : {"a", "b"})
    for (double b = 1; b <= 256; b *= 4)
      for (double s = 16; s <= 16384; s *= 2)
        for (double h : {8.0, 32.0, 64.0}) {
          const double f = b * s * (s + 1) / 2 * 4 * h * hd, by = b * s * (2 * h + 2 * h / 8) * hd * 2;
          const double items = perf::context_attention_items(b, h, s);
          sets.by_op["context_attention"].push_back(
              {sys, f, peak, by, bw, truth.time(f, peak, by, bw, items), "", items});
        }
  for (const char* op : {"gemm", "generation_attention", "allreduce"})
    for (std::size_t i = 0; i < 40; ++i) sets.by_op[op].push_back(sets.by_op["context_attention"][i]);
  const auto r = perf::fit_efficiency_model(sets);
  EXPECT_NEAR(r.model.context_attention.item_s, 20e-9, 2e-9);
  EXPECT_NEAR(r.model.context_attention.compute_max, 0.4, 0.02);
  EXPECT_LT(r.errors.at("context_attention").at("a").second, 0.02) << "recovered from the other system alone";
  EXPECT_DOUBLE_EQ(perf::context_attention_items(2, 8, 129), 2 * 8 * 2.0) << "a started tile counts";

  // The kernel path off the tables: Llama-3.1-8B on an MI300X (32 query heads), 4 prompts of 1,000 tokens.
  const auto& m = card("llama-3.1-8b");
  const auto d = resolved("llama-3.1-8b", "mi300x", "vllm", 1);
  perf::EfficiencyModel lo = perf::EfficiencyModel::shipped(), hi = lo;
  lo.context_attention.item_s = 0, hi.context_attention.item_s = 1e-6;
  const double t0 = perf::KernelModel(m, d, nullptr, d.hardware, lo).context_attention_s(4, 1000);
  const double t1 = perf::KernelModel(m, d, nullptr, d.hardware, hi).context_attention_s(4, 1000);
  EXPECT_NEAR(t1 - t0, 4 * 32 * 8 * 1e-6, 1e-9) << "4 sequences x 32 heads x 8 tiles";
}

// Bound GEMM curves are cached per table set, not per folder name: two sets from the same folder name
// with different measurements (a user's own tables beside the shipped ones, a re-collection) each get
// their own curves, whichever is bound first.
TEST(KernelModel, BoundGemmCurvesBelongToTheirOwnTableSet) {
  namespace fs = std::filesystem;
  const std::string folder = "h100_sxm/sglang-0.5.14";
  const fs::path shipped = common::data_path("data/aiconfigurator/ops");
  const fs::path root = fs::temp_directory_path() / ("infersim_curves_" + std::to_string(::getpid()));
  fs::remove_all(root);
  for (const char* copy : {"as_measured", "twice_as_slow"}) {
    fs::create_directories(root / copy / folder);
    fs::copy_file(shipped / "manifest.csv", root / copy / "manifest.csv");
    for (const auto& e : fs::directory_iterator(shipped / folder))
      fs::copy_file(e.path(), root / copy / folder / e.path().filename());
  }
  {  // gemm_perf.csv (gemm_dtype,m,n,k,latency): every latency doubled.
    std::ifstream in(shipped / folder / "gemm_perf.csv");
    std::ofstream out(root / "twice_as_slow" / folder / "gemm_perf.csv", std::ios::trunc);
    std::string line;
    std::getline(in, line);
    ASSERT_EQ(line, "gemm_dtype,m,n,k,latency");
    out << line << "\n";
    while (std::getline(in, line)) {
      const auto comma = line.rfind(',');
      out << line.substr(0, comma + 1) << fmt::format("{:.17g}", 2.0 * std::stod(line.substr(comma + 1))) << "\n";
    }
  }
  const hwprofiles::KernelTableCatalog a((root / "as_measured").string()), b((root / "twice_as_slow").string());
  const auto ta = a.get(folder), tb = b.get(folder);
  ASSERT_EQ(ta->folder, tb->folder);
  perf::clear_kernel_curve_cache();
  const auto d = resolved("llama-3.1-8b", "h100-sxm", "sglang", 1);
  const auto& eff = perf::EfficiencyModel::shipped();
  const perf::KernelModel ka(card("llama-3.1-8b"), d, ta, d.hardware, eff);
  const perf::KernelModel kb(card("llama-3.1-8b"), d, tb, d.hardware, eff);
  for (double m : {32.0, 512.0, 4096.0}) {
    const double t = ka.gemm_s(m, 4096, 4096, "bfloat16");
    ASSERT_GT(t, 0);
    EXPECT_NEAR(kb.gemm_s(m, 4096, 4096, "bfloat16") / t, 2.0, 1e-9) << "m = " << m;
  }
  fs::remove_all(root);
}

// Quantized GEMM tables include the runtime's standalone activation quantization, a launch-floor-sized
// cost that depends on the runtime, not the GPU (TensorRT-LLM's FP8 GEMMs ~10 us over BF16's floor on
// every GPU, vLLM's ~3 us). The fit takes it out of each table set's points and keeps it per framework, so
// one runtime's quantization neither inflates the GEMM fit nor reaches another runtime's GEMMs.
TEST(KernelEfficiencyFit, ActivationQuantizationIsKeptPerRuntimeOutOfTheGemmFit) {
  const auto bf16 = op_efficiency(1e-6, 0.7, 2e-6, 0.8, 3e-6), fp8 = op_efficiency(1.5e-6, 0.4, 2e-6, 0.7, 2e-6);
  const std::map<std::string, double> quant = {{"trtllm", 10e-6}, {"vllm", 3e-6}};
  perf::KernelPointSets sets;
  const double peak16 = 1e15, bw = 3e12;
  for (const auto& [sys, fw] : {std::pair{"a", "trtllm"}, std::pair{"b", "vllm"}}) {
    sets.gemm_quant_floor_s[std::string(fw) + "/fp8"].push_back({sys, quant.at(fw)});
    for (double m = 1; m <= 16384; m *= 2)
      for (double n : {1024.0, 4096.0, 8192.0})
        for (double k : {1024.0, 4096.0, 8192.0, 16384.0, 28672.0}) {
          const double f = 2 * m * n * k;
          const double b16 = n * k * 2 + m * k * 2 + 2 * m * n, b8 = n * k + m * k + 2 * m * n;
          sets.by_op["gemm"].push_back(
              {sys, f, peak16, b16, bw, bf16.time(f, peak16, b16, bw), "bfloat16", 0, 0, n, fw});
          sets.by_op["gemm"].push_back({sys, f, 2 * peak16, b8, bw, fp8.time(f, 2 * peak16, b8, bw) + quant.at(fw),
                                        "fp8", 0, 0, n, fw, quant.at(fw)});
        }
  }
  for (const char* op : {"context_attention", "generation_attention", "allreduce"})
    for (std::size_t i = 0; i < 40; ++i) {
      auto p = sets.by_op["gemm"][i * 2];
      p.dtype.clear(), p.framework.clear();
      sets.by_op[op].push_back(p);
    }
  const auto r = perf::fit_efficiency_model(sets);
  EXPECT_DOUBLE_EQ(r.model.gemm_quant_for("trtllm", "fp8"), 10e-6);
  EXPECT_DOUBLE_EQ(r.model.gemm_quant_for("vllm", "fp8"), 3e-6);
  EXPECT_EQ(r.model.gemm_quant_for("sglang", "bfloat16"), 0.0) << "BF16 has no activation quantization";
  const double pooled = r.model.gemm_quant_for("sglang", "fp8");
  EXPECT_TRUE(pooled == 10e-6 || pooled == 3e-6) << "a framework without FP8 tables takes the median over those with";
  // The FP8 fit is the kernel's own, not inflated by either runtime's quantization.
  EXPECT_LT(r.model.gemm_for("fp8").floor_s, 2.5e-6) << "the runtimes' 3 and 10 us stay out of the floor";
  EXPECT_NEAR(r.model.gemm_for("fp8").memory_max, 0.7, 0.03);
  for (const char* sys : {"a", "b"}) {
    EXPECT_LT(r.errors.at("gemm fp8").at(sys).first, 0.02) << sys;
    // Left out, a system's own quantization is unknown to the rest: its runtime's key is gone, and the
    // other runtime's stands in (the pooled median over what remains).
    EXPECT_EQ(r.without.at(sys).gemm_quant_floor_s.count(std::string(sys) == "a" ? "trtllm/fp8" : "vllm/fp8"), 0u);
  }
  const auto back = json_round_trip(r.model);
  EXPECT_DOUBLE_EQ(back.gemm_quant_for("trtllm", "fp8"), 10e-6);
  EXPECT_DOUBLE_EQ(back.gemm_quant_for("vllm", "fp8"), 3e-6);
}

// Off the tables, a quantized GEMM pays the runtime's own activation quantization from the shipped model.
TEST(KernelModel, GemmsOffTheTablesPayTheirRuntimesActivationQuantization) {
  const auto& eff = perf::EfficiencyModel::shipped();
  const double trt = eff.gemm_quant_for("trtllm", "fp8"), vllm = eff.gemm_quant_for("vllm", "fp8");
  ASSERT_GT(trt, vllm + 3e-6) << "TensorRT-LLM's FP8 GEMM tables carry the larger quantization";
  EXPECT_EQ(perf::kernel_table_framework("tensorrt-llm"), "trtllm");
  EXPECT_EQ(perf::kernel_table_framework("vllm"), "vllm");
  double t[2];
  int i = 0;
  for (const char* rt : {"tensorrt-llm", "vllm"}) {
    auto d = resolved("llama-3.1-8b", "h100-sxm", rt, 1, common::DType::fp8);
    d.kernel_tables.clear();  // the efficiency model
    const perf::StepEstimator est(card("llama-3.1-8b"), d);
    ASSERT_EQ(est.kernel_model()->basis(), "efficiency model");
    t[i++] = est.kernel_model()->gemm_s(64, 4096, 4096, "fp8");
  }
  EXPECT_NEAR(t[0] - t[1], trt - vllm, 1e-12);
}

#pragma once
// Tiny Llama-shaped model cards for the reference-engine tests (fast to build and to run naively).
#include <string>

#include "infersim/model/model_spec.h"

namespace infersim::refengine::test_models {

inline model::ModelSpec tiny_model(bool tie = false, bool bias = false, std::int64_t window = 0) {
  model::ModelSpec m;
  m.name = "tiny-llama";
  m.display_name = "Tiny Llama (test)";
  m.family = "llama2";
  m.architecture = "llama";
  m.hidden_size = 256;
  m.num_layers = 2;
  m.num_heads = 4;
  m.num_kv_heads = 2;
  m.head_dim = 64;
  m.intermediate_size = 512;
  m.vocab_size = 1000;
  m.tie_embeddings = tie;
  m.attention_bias = bias;
  m.max_context = 4096;
  if (window > 0) {
    m.sliding_window = window;
    m.sliding_layer_fraction = 1.0;
  }
  return m;
}

}  // namespace infersim::refengine::test_models

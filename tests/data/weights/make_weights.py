#!/usr/bin/env python3
"""Writes the weights-header test fixtures of tests/model/weights_header_test.cpp.

Rerun from the repository root (standard library only; the output is deterministic, byte for byte):

    python3 tests/data/weights/make_weights.py

It writes, next to this script:

  tiny-llama.json               model card of a tiny Llama: hidden 64, 2 layers, 4 heads, 2 KV heads,
                                head_dim 16, intermediate 128 (SwiGLU), vocab 256, untied embeddings,
                                RMSNorm (106,816 parameters).
  tiny-llama-bf16.safetensors   every tensor of that model under its Hugging Face name and shape
                                ([out, in]) in BF16, __metadata__ {"format": "pt"}.
  tiny-llama-f16.gguf           the same model as llama.cpp writes it (GGUF v3, llama.cpp names, dims
                                in GGUF order ne[0] = in-features): matrices F16, norms F32, llama.* KV
                                pairs, a 256-token vocabulary (string and int32 arrays).
  tiny-llama-q8_0.gguf          the same with the matrices in Q8_0 (34-byte blocks of 32), norms F32.
  bad-truncated.safetensors     header length (4000) beyond the end of the file.
  bad-json.safetensors          header that is not valid JSON.
  bad-magic-version.gguf        GGUF version 1 (unsupported).
  bad-truncated.gguf            tiny-llama-f16.gguf cut inside tensor_info[10]'s name.
  bad-type.gguf                 two tensors, tensor_info[1] of unknown ggml type id 99.

Tensor data is fixed: matrices all zeros, norm weights all ones. This script is independent of the C++
reader on purpose (it follows the formats' specifications, not infersim's code).
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

HIDDEN, LAYERS, HEADS, KV_HEADS, HEAD_DIM, INTER, VOCAB, CONTEXT = 64, 2, 4, 2, 16, 128, 256, 2048
RMS_EPS = 1e-5


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- the model


def hf_tensors():
    """(name, [out, in] or [n], is_norm) in Hugging Face order."""
    q, kv = HEADS * HEAD_DIM, KV_HEADS * HEAD_DIM
    out = [("model.embed_tokens.weight", [VOCAB, HIDDEN], False)]
    for l in range(LAYERS):
        p = f"model.layers.{l}."
        out += [
            (p + "self_attn.q_proj.weight", [q, HIDDEN], False),
            (p + "self_attn.k_proj.weight", [kv, HIDDEN], False),
            (p + "self_attn.v_proj.weight", [kv, HIDDEN], False),
            (p + "self_attn.o_proj.weight", [HIDDEN, q], False),
            (p + "mlp.gate_proj.weight", [INTER, HIDDEN], False),
            (p + "mlp.up_proj.weight", [INTER, HIDDEN], False),
            (p + "mlp.down_proj.weight", [HIDDEN, INTER], False),
            (p + "input_layernorm.weight", [HIDDEN], True),
            (p + "post_attention_layernorm.weight", [HIDDEN], True),
        ]
    out += [("model.norm.weight", [HIDDEN], True), ("lm_head.weight", [VOCAB, HIDDEN], False)]
    return out


GGUF_NAMES = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
    "input_layernorm.weight": "attn_norm.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
}


def gguf_name(hf):
    if hf in GGUF_NAMES:
        return GGUF_NAMES[hf]
    parts = hf.split(".")  # model.layers.N.<rest>
    return f"blk.{parts[2]}." + GGUF_NAMES[".".join(parts[3:])]


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def card():
    total = sum(numel(s) for _, s, _ in hf_tensors())
    return {
        "schema_version": 1,
        "name": "tiny-llama",
        "display_name": "Tiny-Llama (test fixture)",
        "family": "llama3",
        "architecture": "llama",
        "source": "test fixture",
        "published_params": {"value": total, "source": "test fixture: the tensors of tiny-llama-bf16.safetensors"},
        "hidden_size": HIDDEN,
        "num_layers": LAYERS,
        "num_heads": HEADS,
        "num_kv_heads": KV_HEADS,
        "head_dim": HEAD_DIM,
        "intermediate_size": INTER,
        "vocab_size": VOCAB,
        "tie_embeddings": False,
        "attention_bias": False,
        "mlp": "swiglu",
        "norm": "rmsnorm",
        "max_context": CONTEXT,
    }


# ---------------------------------------------------------------- safetensors

BF16_ONE = struct.pack("<H", 0x3F80)  # 1.0 in bfloat16


def safetensors(tensors, metadata):
    """tensors: (name, dtype, shape, bytes). Header padded with spaces to a multiple of 8, as HF does."""
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(t[3] for t in tensors)


def bf16_file():
    tensors = []
    for name, shape, is_norm in hf_tensors():
        data = BF16_ONE * numel(shape) if is_norm else bytes(2 * numel(shape))
        tensors.append((name, "BF16", shape, data))
    return safetensors(tensors, {"format": "pt"})


# ---------------------------------------------------------------- GGUF

ALIGN = 32
T_UINT32, T_INT32, T_FLOAT32, T_STRING, T_ARRAY = 4, 5, 6, 8, 9
GGML_F32, GGML_F16, GGML_Q8_0 = 0, 1, 8


def g_str(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def kv(key, vtype, value):
    out = g_str(key) + struct.pack("<I", vtype)
    if vtype == T_UINT32:
        return out + struct.pack("<I", value)
    if vtype == T_INT32:
        return out + struct.pack("<i", value)
    if vtype == T_FLOAT32:
        return out + struct.pack("<f", value)
    if vtype == T_STRING:
        return out + g_str(value)
    elem, items = value  # array
    out += struct.pack("<IQ", elem, len(items))
    if elem == T_STRING:
        return out + b"".join(g_str(s) for s in items)
    if elem == T_INT32:
        return out + b"".join(struct.pack("<i", v) for v in items)
    raise ValueError(elem)


def tensor_info(name, ne, ggml_type, offset):
    return g_str(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne) + \
        struct.pack("<IQ", ggml_type, offset)


def pad(n):
    return (ALIGN - n % ALIGN) % ALIGN


def gguf(kvs, tensors, version=3):
    """kvs: encoded KV pairs; tensors: (name, ne, ggml type, data). Returns (file bytes, [tensor info starts])."""
    infos, data, starts = [], b"", []
    for name, ne, t, payload in tensors:
        infos.append(tensor_info(name, ne, t, len(data)))
        data += payload + bytes(pad(len(payload)))
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs)) + b"".join(kvs)
    pos = len(head)
    for i in infos:
        starts.append(pos)
        pos += len(i)
    meta = head + b"".join(infos)
    return meta + bytes(pad(len(meta))) + data, starts


def llama_kvs(file_type, quantized):
    kvs = [
        kv("general.architecture", T_STRING, "llama"),
        kv("general.name", T_STRING, "tiny-llama"),
        kv("general.alignment", T_UINT32, ALIGN),
        kv("general.file_type", T_UINT32, file_type),
        kv("llama.block_count", T_UINT32, LAYERS),
        kv("llama.context_length", T_UINT32, CONTEXT),
        kv("llama.embedding_length", T_UINT32, HIDDEN),
        kv("llama.feed_forward_length", T_UINT32, INTER),
        kv("llama.attention.head_count", T_UINT32, HEADS),
        kv("llama.attention.head_count_kv", T_UINT32, KV_HEADS),
        kv("llama.attention.layer_norm_rms_epsilon", T_FLOAT32, RMS_EPS),
        kv("llama.rope.dimension_count", T_UINT32, HEAD_DIM),
        kv("llama.vocab_size", T_UINT32, VOCAB),
        kv("tokenizer.ggml.model", T_STRING, "llama"),
        kv("tokenizer.ggml.tokens", T_ARRAY, (T_STRING, [f"<t{i}>" for i in range(VOCAB)])),
        kv("tokenizer.ggml.token_type", T_ARRAY, (T_INT32, [1] * VOCAB)),
    ]
    if quantized:
        kvs.append(kv("general.quantization_version", T_UINT32, 2))
    return kvs


def q8_0_zeros(n):
    # One block: f16 scale d, then 32 int8 quants; zeros all round.
    assert n % 32 == 0
    return bytes(34 * (n // 32))


def llama_gguf(matrix_type):
    tensors = []
    for name, shape, is_norm in hf_tensors():
        ne = list(reversed(shape))  # GGUF order: ne[0] is the fastest-varying dim (in-features)
        n = numel(shape)
        if is_norm:
            tensors.append((gguf_name(name), ne, GGML_F32, struct.pack("<f", 1.0) * n))
        elif matrix_type == GGML_F16:
            tensors.append((gguf_name(name), ne, GGML_F16, bytes(2 * n)))
        else:
            tensors.append((gguf_name(name), ne, GGML_Q8_0, q8_0_zeros(n)))
    file_type = {GGML_F16: 1, GGML_Q8_0: 7}[matrix_type]  # LLAMA_FTYPE_MOSTLY_F16 / _Q8_0
    return gguf(llama_kvs(file_type, matrix_type != GGML_F16), tensors)


def main():
    with open(os.path.join(HERE, "tiny-llama.json"), "w") as f:
        json.dump(card(), f, indent=2)
        f.write("\n")
    write("tiny-llama-bf16.safetensors", bf16_file())
    f16, starts = llama_gguf(GGML_F16)
    write("tiny-llama-f16.gguf", f16)
    write("tiny-llama-q8_0.gguf", llama_gguf(GGML_Q8_0)[0])

    # Malformed files.
    header = b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
    write("bad-truncated.safetensors", struct.pack("<Q", 4000) + header + bytes(8))
    broken = b'{"w":{"dtype":"F32","shape":[2],'
    write("bad-json.safetensors", struct.pack("<Q", len(broken)) + broken + bytes(8))
    # GGUF v1 (u32 counts): one KV pair, no tensors.
    write("bad-magic-version.gguf",
          b"GGUF" + struct.pack("<III", 1, 0, 1) + struct.pack("<I", 4) + b"name" + struct.pack("<I", T_UINT32) +
          struct.pack("<I", 1))
    write("bad-truncated.gguf", f16[:starts[10] + 10])  # 10 bytes into tensor_info[10]: its name
    write("bad-type.gguf",
          gguf([kv("general.architecture", T_STRING, "llama")],
               [("a.weight", [32, 2], GGML_F32, bytes(256)), ("b.weight", [32, 2], 99, bytes(64))])[0])


if __name__ == "__main__":
    main()

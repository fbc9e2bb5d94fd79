//! Checkpoint tensors from a `config.json`, family by family, with the
//! parameter names and shapes of the transformers library's modeling code
//! (`nn.Linear(in, out)` stores its weight as `[out, in]`): what a
//! safetensors header of that model lists. Used to give the mock Hub's
//! fixtures real tensor inventories without storing them.

use serde_json::Value;

/// One tensor: name, dtype, shape.
pub type T = (String, &'static str, Vec<u64>);

struct Cfg<'a>(&'a Value);

impl Cfg<'_> {
    fn u(&self, k: &str) -> Option<u64> {
        self.0.get(k)?.as_u64()
    }
    fn req(&self, k: &str) -> u64 {
        self.u(k)
            .unwrap_or_else(|| panic!("fixture config.json lacks `{k}`"))
    }
    fn b(&self, k: &str) -> Option<bool> {
        self.0.get(k)?.as_bool()
    }
}

struct Out {
    dtype: &'static str,
    tensors: Vec<T>,
}

impl Out {
    fn push(&mut self, name: String, shape: Vec<u64>) {
        self.tensors.push((name, self.dtype, shape));
    }
    /// A linear layer `in → out` (weight `[out, in]`, bias `[out]`).
    fn linear(&mut self, name: &str, inp: u64, out: u64, bias: bool) {
        self.push(format!("{name}.weight"), vec![out, inp]);
        if bias {
            self.push(format!("{name}.bias"), vec![out]);
        }
    }
    fn norm(&mut self, name: &str, width: u64, bias: bool) {
        self.push(format!("{name}.weight"), vec![width]);
        if bias {
            self.push(format!("{name}.bias"), vec![width]);
        }
    }
}

/// The tensors of the model `config` describes, in BF16 unless `dtype`
/// says otherwise. Panics on a family it does not know (fixtures only).
pub fn tensors(config: &Value, dtype: &'static str) -> Vec<T> {
    let c = Cfg(config);
    let mt = config["model_type"].as_str().unwrap_or_default();
    if let Some(t) = other_layouts(&c, mt, dtype) {
        return t;
    }
    if mt == "gemma3"
        && let Some(text) = config.get("text_config")
    {
        return gemma3_multimodal(config, text, dtype);
    }
    let d = c.req("hidden_size");
    let l = c.req("num_hidden_layers");
    let v = c.req("vocab_size");
    let h = c.req("num_attention_heads");
    let kv = c.u("num_key_value_heads").unwrap_or(h);
    let dh = c.u("head_dim").unwrap_or(d / h);
    let di = c.u("intermediate_size").unwrap_or(4 * d);
    // transformers' default where config.json does not say: tied for the
    // families whose config classes default to it.
    let tied = c.b("tie_word_embeddings").unwrap_or(matches!(
        mt,
        "gemma" | "gemma2" | "gemma3_text" | "starcoder2" | "cohere"
    ));
    let mut o = Out {
        dtype,
        tensors: Vec::new(),
    };
    o.push("model.embed_tokens.weight".into(), vec![v, d]);
    for i in 0..l {
        block(&mut o, &c, mt, i, d, h, kv, dh, di);
    }
    // DeepSeek-V3's multi-token prediction module: one more block after the
    // last, with its own embedding, norms, projection and head.
    if mt == "deepseek_v3" {
        for j in 0..c.u("num_nextn_predict_layers").unwrap_or(0) {
            let i = l + j;
            block(&mut o, &c, mt, i, d, h, kv, dh, di);
            let p = format!("model.layers.{i}");
            o.push(format!("{p}.embed_tokens.weight"), vec![v, d]);
            o.norm(&format!("{p}.enorm"), d, false);
            o.norm(&format!("{p}.hnorm"), d, false);
            o.push(format!("{p}.eh_proj.weight"), vec![d, 2 * d]);
            o.norm(&format!("{p}.shared_head.norm"), d, false);
            o.push(format!("{p}.shared_head.head.weight"), vec![v, d]);
        }
    }
    match mt {
        "phi" => o.norm("model.final_layernorm", d, true),
        "starcoder2" => o.norm("model.norm", d, true),
        _ => o.norm("model.norm", d, false),
    }
    if !tied {
        o.linear("lm_head", d, v, mt == "phi");
    }
    o.tensors
}

#[allow(clippy::too_many_arguments)]
fn block(o: &mut Out, c: &Cfg, mt: &str, i: u64, d: u64, h: u64, kv: u64, dh: u64, di: u64) {
    let p = format!("model.layers.{i}");
    let a = format!("{p}.self_attn");
    let m = format!("{p}.mlp");
    let (q, k) = (h * dh, kv * dh);
    let bias = c.b("attention_bias").unwrap_or(false);
    // Attention.
    match mt {
        "phi" => {
            for n in ["q_proj", "k_proj", "v_proj"] {
                o.linear(
                    &format!("{a}.{n}"),
                    d,
                    if n == "q_proj" { q } else { k },
                    true,
                );
            }
            o.linear(&format!("{a}.dense"), q, d, true);
        }
        "phi3" => {
            o.linear(&format!("{a}.qkv_proj"), d, q + 2 * k, false);
            o.linear(&format!("{a}.o_proj"), q, d, false);
        }
        "deepseek_v2" | "deepseek_v3" => {
            let nope = c.req("qk_nope_head_dim");
            let rope = c.req("qk_rope_head_dim");
            let vd = c.req("v_head_dim");
            let kv_rank = c.req("kv_lora_rank");
            match c.u("q_lora_rank") {
                Some(r) => {
                    o.linear(&format!("{a}.q_a_proj"), d, r, false);
                    o.norm(&format!("{a}.q_a_layernorm"), r, false);
                    o.linear(&format!("{a}.q_b_proj"), r, h * (nope + rope), false);
                }
                None => o.linear(&format!("{a}.q_proj"), d, h * (nope + rope), false),
            }
            o.linear(&format!("{a}.kv_a_proj_with_mqa"), d, kv_rank + rope, false);
            o.norm(&format!("{a}.kv_a_layernorm"), kv_rank, false);
            o.linear(&format!("{a}.kv_b_proj"), kv_rank, h * (nope + vd), false);
            o.linear(&format!("{a}.o_proj"), h * vd, d, false);
        }
        _ => {
            // Llama and its kin; Qwen2 has q/k/v biases only, StarCoder2
            // and GPT-OSS biases on all four.
            let (qkv_b, o_b) = match mt {
                "qwen2" | "qwen2_moe" => (true, false),
                "starcoder2" => {
                    let b = c.b("use_bias").unwrap_or(true);
                    (b, b)
                }
                "gpt_oss" => (true, true),
                _ => (bias, bias),
            };
            o.linear(&format!("{a}.q_proj"), d, q, qkv_b);
            o.linear(&format!("{a}.k_proj"), d, k, qkv_b);
            o.linear(&format!("{a}.v_proj"), d, k, qkv_b);
            o.linear(&format!("{a}.o_proj"), q, d, o_b);
        }
    }
    match mt {
        "qwen3" | "qwen3_moe" | "gemma3_text" => {
            o.norm(&format!("{a}.q_norm"), dh, false);
            o.norm(&format!("{a}.k_norm"), dh, false);
        }
        "olmo2" => {
            o.norm(&format!("{a}.q_norm"), q, false);
            o.norm(&format!("{a}.k_norm"), k, false);
        }
        "cohere" if c.b("use_qk_norm") == Some(true) => {
            o.push(format!("{a}.q_norm.weight"), vec![h, dh]);
            o.push(format!("{a}.k_norm.weight"), vec![kv, dh]);
        }
        "gpt_oss" => o.push(format!("{a}.sinks"), vec![h]),
        _ => {}
    }
    // Feed-forward.
    let gated = |o: &mut Out, m: &str, width: u64| {
        o.linear(&format!("{m}.gate_proj"), d, width, false);
        o.linear(&format!("{m}.up_proj"), d, width, false);
        o.linear(&format!("{m}.down_proj"), width, d, false);
    };
    match mt {
        "phi" => {
            o.linear(&format!("{m}.fc1"), d, di, true);
            o.linear(&format!("{m}.fc2"), di, d, true);
        }
        "starcoder2" => {
            let b = c.b("use_bias").unwrap_or(true);
            o.linear(&format!("{m}.c_fc"), d, di, b);
            o.linear(&format!("{m}.c_proj"), di, d, b);
        }
        "phi3" => {
            o.linear(&format!("{m}.gate_up_proj"), d, 2 * di, false);
            o.linear(&format!("{m}.down_proj"), di, d, false);
        }
        "mixtral" => {
            let e = c.req("num_local_experts");
            let s = format!("{p}.block_sparse_moe");
            o.linear(&format!("{s}.gate"), d, e, false);
            for x in 0..e {
                o.linear(&format!("{s}.experts.{x}.w1"), d, di, false);
                o.linear(&format!("{s}.experts.{x}.w2"), di, d, false);
                o.linear(&format!("{s}.experts.{x}.w3"), d, di, false);
            }
        }
        "qwen2_moe" | "qwen3_moe" => {
            let e = c.req("num_experts");
            let mdi = c.req("moe_intermediate_size");
            o.linear(&format!("{m}.gate"), d, e, false);
            for x in 0..e {
                gated(o, &format!("{m}.experts.{x}"), mdi);
            }
            if mt == "qwen2_moe" {
                gated(
                    o,
                    &format!("{m}.shared_expert"),
                    c.req("shared_expert_intermediate_size"),
                );
                o.linear(&format!("{m}.shared_expert_gate"), d, 1, false);
            }
        }
        "deepseek_v2" | "deepseek_v3" => {
            let first_dense = c.u("first_k_dense_replace").unwrap_or(0);
            let freq = c.u("moe_layer_freq").unwrap_or(1).max(1);
            if i >= first_dense && i.is_multiple_of(freq) {
                let e = c.req("n_routed_experts");
                let mdi = c.req("moe_intermediate_size");
                o.linear(&format!("{m}.gate"), d, e, false);
                if mt == "deepseek_v3" {
                    // Kept in F32 whatever the weights' dtype (DeepSeek-V3, Kimi-K2).
                    o.tensors
                        .push((format!("{m}.gate.e_score_correction_bias"), "F32", vec![e]));
                }
                for x in 0..e {
                    gated(o, &format!("{m}.experts.{x}"), mdi);
                }
                gated(
                    o,
                    &format!("{m}.shared_experts"),
                    mdi * c.u("n_shared_experts").unwrap_or(1),
                );
            } else {
                gated(o, &m, di);
            }
        }
        "gpt_oss" => {
            let e = c.req("num_local_experts");
            o.linear(&format!("{m}.router"), d, e, true);
            o.push(format!("{m}.experts.gate_up_proj"), vec![e, d, 2 * di]);
            o.push(format!("{m}.experts.gate_up_proj_bias"), vec![e, 2 * di]);
            o.push(format!("{m}.experts.down_proj"), vec![e, di, d]);
            o.push(format!("{m}.experts.down_proj_bias"), vec![e, d]);
        }
        _ => gated(o, &m, di),
    }
    // Norms.
    match mt {
        "phi" => o.norm(&format!("{p}.input_layernorm"), d, true),
        "cohere" => o.norm(&format!("{p}.input_layernorm"), d, false),
        "olmo2" => {
            o.norm(&format!("{p}.post_attention_layernorm"), d, false);
            o.norm(&format!("{p}.post_feedforward_layernorm"), d, false);
        }
        "gemma2" | "gemma3_text" => {
            for n in [
                "input_layernorm",
                "post_attention_layernorm",
                "pre_feedforward_layernorm",
                "post_feedforward_layernorm",
            ] {
                o.norm(&format!("{p}.{n}"), d, false);
            }
        }
        "starcoder2" => {
            o.norm(&format!("{p}.input_layernorm"), d, true);
            o.norm(&format!("{p}.post_attention_layernorm"), d, true);
        }
        _ => {
            o.norm(&format!("{p}.input_layernorm"), d, false);
            o.norm(&format!("{p}.post_attention_layernorm"), d, false);
        }
    }
}

/// Gemma 3 with its image side (`Gemma3ForConditionalGeneration`, as the
/// 4B-and-larger checkpoints are published): the text decoder under
/// `language_model.`, a SigLIP vision tower (`vision_tower.vision_model`:
/// a patch convolution, learned positions, pre-norm blocks with biases, a
/// final norm) and the projector into the text width
/// (`multi_modal_projector`: a norm and a `[vision d, text d]` matrix).
fn gemma3_multimodal(config: &Value, text: &Value, dtype: &'static str) -> Vec<T> {
    let mut text = text.clone();
    text["model_type"] = "gemma3_text".into();
    let mut out: Vec<T> = tensors(&text, dtype)
        .into_iter()
        .map(|(n, d, s)| (format!("language_model.{n}"), d, s))
        .collect();
    let v = Cfg(&config["vision_config"]);
    let (d, l, inter) = (
        v.req("hidden_size"),
        v.req("num_hidden_layers"),
        v.req("intermediate_size"),
    );
    let (image, patch) = (v.req("image_size"), v.req("patch_size"));
    let mut o = Out {
        dtype,
        tensors: Vec::new(),
    };
    let e = "vision_tower.vision_model.embeddings";
    o.push(
        format!("{e}.patch_embedding.weight"),
        vec![d, 3, patch, patch],
    );
    o.push(format!("{e}.patch_embedding.bias"), vec![d]);
    o.push(
        format!("{e}.position_embedding.weight"),
        vec![(image / patch) * (image / patch), d],
    );
    for i in 0..l {
        let p = format!("vision_tower.vision_model.encoder.layers.{i}");
        for n in ["k_proj", "v_proj", "q_proj", "out_proj"] {
            o.linear(&format!("{p}.self_attn.{n}"), d, d, true);
        }
        o.norm(&format!("{p}.layer_norm1"), d, true);
        o.linear(&format!("{p}.mlp.fc1"), d, inter, true);
        o.linear(&format!("{p}.mlp.fc2"), inter, d, true);
        o.norm(&format!("{p}.layer_norm2"), d, true);
    }
    o.norm("vision_tower.vision_model.post_layernorm", d, true);
    let text_d = Cfg(&text).req("hidden_size");
    o.push(
        "multi_modal_projector.mm_input_projection_weight".into(),
        vec![d, text_d],
    );
    o.norm("multi_modal_projector.mm_soft_emb_norm", d, false);
    out.extend(o.tensors);
    out
}

/// Families whose checkpoints are not laid out as `model.layers.N`:
/// Falcon (`transformer.h.N`, fused multi-query qkv, one norm per parallel
/// block), BLOOM (`transformer.h.N`, fused qkv, a norm after the embedding),
/// GPT-2 as the Hub serves `openai-community/gpt2` (no prefix, `Conv1D`
/// weights stored `[in, out]`, the causal-mask buffer `attn.bias` saved as
/// F32 beside them, learned positions `wpe`), OPT (`model.decoder.layers.N`,
/// `fc1`/`fc2` straight under the block, learned positions with an offset of
/// 2), and Jamba (Mamba and attention blocks, dense and MoE feed-forwards).
fn other_layouts(c: &Cfg, mt: &str, dtype: &'static str) -> Option<Vec<T>> {
    let mut o = Out {
        dtype,
        tensors: Vec::new(),
    };
    let d = c.u("hidden_size").or(c.u("n_embd"))?;
    let l = c.u("num_hidden_layers").or(c.u("n_layer"))?;
    let v = c.req("vocab_size");
    let h = c.u("num_attention_heads").or(c.u("n_head"))?;
    let dh = d / h;
    match mt {
        "falcon" => {
            let kv = if c.b("multi_query") == Some(true) {
                1
            } else {
                c.u("num_kv_heads").unwrap_or(h)
            };
            let bias = c.b("bias").unwrap_or(false);
            o.push("transformer.word_embeddings.weight".into(), vec![v, d]);
            for i in 0..l {
                let p = format!("transformer.h.{i}");
                o.norm(&format!("{p}.input_layernorm"), d, true);
                o.linear(
                    &format!("{p}.self_attention.query_key_value"),
                    d,
                    (h + 2 * kv) * dh,
                    bias,
                );
                o.linear(&format!("{p}.self_attention.dense"), h * dh, d, bias);
                o.linear(&format!("{p}.mlp.dense_h_to_4h"), d, 4 * d, bias);
                o.linear(&format!("{p}.mlp.dense_4h_to_h"), 4 * d, d, bias);
            }
            o.norm("transformer.ln_f", d, true);
        }
        "bloom" => {
            o.push("transformer.word_embeddings.weight".into(), vec![v, d]);
            o.norm("transformer.word_embeddings_layernorm", d, true);
            for i in 0..l {
                let p = format!("transformer.h.{i}");
                o.norm(&format!("{p}.input_layernorm"), d, true);
                o.linear(
                    &format!("{p}.self_attention.query_key_value"),
                    d,
                    3 * d,
                    true,
                );
                o.linear(&format!("{p}.self_attention.dense"), d, d, true);
                o.norm(&format!("{p}.post_attention_layernorm"), d, true);
                o.linear(&format!("{p}.mlp.dense_h_to_4h"), d, 4 * d, true);
                o.linear(&format!("{p}.mlp.dense_4h_to_h"), 4 * d, d, true);
            }
            o.norm("transformer.ln_f", d, true);
        }
        "gpt2" => {
            let n = c.req("n_positions");
            let inner = c.u("n_inner").unwrap_or(4 * d);
            // Conv1D(out, in) stores its weight as [in, out].
            let conv1d = |o: &mut Out, name: &str, inp: u64, out: u64| {
                o.push(format!("{name}.weight"), vec![inp, out]);
                o.push(format!("{name}.bias"), vec![out]);
            };
            o.push("wte.weight".into(), vec![v, d]);
            o.push("wpe.weight".into(), vec![n, d]);
            for i in 0..l {
                let p = format!("h.{i}");
                o.norm(&format!("{p}.ln_1"), d, true);
                o.tensors
                    .push((format!("{p}.attn.bias"), "F32", vec![1, 1, n, n]));
                conv1d(&mut o, &format!("{p}.attn.c_attn"), d, 3 * d);
                conv1d(&mut o, &format!("{p}.attn.c_proj"), d, d);
                o.norm(&format!("{p}.ln_2"), d, true);
                conv1d(&mut o, &format!("{p}.mlp.c_fc"), d, inner);
                conv1d(&mut o, &format!("{p}.mlp.c_proj"), inner, d);
            }
            o.norm("ln_f", d, true);
        }
        "opt" => {
            let ff = c.req("ffn_dim");
            let positions = c.req("max_position_embeddings") + 2;
            let bias = c.b("enable_bias").unwrap_or(true);
            o.push("model.decoder.embed_tokens.weight".into(), vec![v, d]);
            o.push(
                "model.decoder.embed_positions.weight".into(),
                vec![positions, d],
            );
            for i in 0..l {
                let p = format!("model.decoder.layers.{i}");
                for n in ["k_proj", "v_proj", "q_proj", "out_proj"] {
                    o.linear(&format!("{p}.self_attn.{n}"), d, d, bias);
                }
                o.norm(&format!("{p}.self_attn_layer_norm"), d, true);
                o.linear(&format!("{p}.fc1"), d, ff, bias);
                o.linear(&format!("{p}.fc2"), ff, d, bias);
                o.norm(&format!("{p}.final_layer_norm"), d, true);
            }
            o.norm("model.decoder.final_layer_norm", d, true);
        }
        "jamba" => {
            let kv = c.u("num_key_value_heads").unwrap_or(h);
            let ff = c.req("intermediate_size");
            let e = c.req("num_experts");
            let (attn_period, attn_offset) =
                (c.req("attn_layer_period"), c.req("attn_layer_offset"));
            let (moe_period, moe_offset) =
                (c.req("expert_layer_period"), c.req("expert_layer_offset"));
            let di = c.req("mamba_expand") * d;
            let state = c.req("mamba_d_state");
            let conv = c.req("mamba_d_conv");
            let rank = c.u("mamba_dt_rank").unwrap_or(d.div_ceil(16));
            o.push("model.embed_tokens.weight".into(), vec![v, d]);
            for i in 0..l {
                let p = format!("model.layers.{i}");
                if i % attn_period == attn_offset {
                    let a = format!("{p}.self_attn");
                    o.linear(&format!("{a}.q_proj"), d, h * dh, false);
                    o.linear(&format!("{a}.k_proj"), d, kv * dh, false);
                    o.linear(&format!("{a}.v_proj"), d, kv * dh, false);
                    o.linear(&format!("{a}.o_proj"), h * dh, d, false);
                } else {
                    let m = format!("{p}.mamba");
                    o.linear(
                        &format!("{m}.in_proj"),
                        d,
                        2 * di,
                        c.b("mamba_proj_bias").unwrap_or(false),
                    );
                    o.push(format!("{m}.conv1d.weight"), vec![di, 1, conv]);
                    if c.b("mamba_conv_bias").unwrap_or(true) {
                        o.push(format!("{m}.conv1d.bias"), vec![di]);
                    }
                    o.linear(&format!("{m}.x_proj"), di, rank + 2 * state, false);
                    o.linear(&format!("{m}.dt_proj"), rank, di, true);
                    o.push(format!("{m}.A_log"), vec![di, state]);
                    o.push(format!("{m}.D"), vec![di]);
                    o.linear(
                        &format!("{m}.out_proj"),
                        di,
                        d,
                        c.b("mamba_proj_bias").unwrap_or(false),
                    );
                    o.norm(&format!("{m}.dt_layernorm"), rank, false);
                    o.norm(&format!("{m}.b_layernorm"), state, false);
                    o.norm(&format!("{m}.c_layernorm"), state, false);
                }
                let f = format!("{p}.feed_forward");
                let gated = |o: &mut Out, m: &str| {
                    o.linear(&format!("{m}.gate_proj"), d, ff, false);
                    o.linear(&format!("{m}.up_proj"), d, ff, false);
                    o.linear(&format!("{m}.down_proj"), ff, d, false);
                };
                if e > 1 && i % moe_period == moe_offset {
                    o.linear(&format!("{f}.router"), d, e, false);
                    for x in 0..e {
                        gated(&mut o, &format!("{f}.experts.{x}"));
                    }
                } else {
                    gated(&mut o, &f);
                }
                o.norm(&format!("{p}.input_layernorm"), d, false);
                o.norm(&format!("{p}.pre_ff_layernorm"), d, false);
            }
            o.norm("model.final_layernorm", d, false);
            if c.b("tie_word_embeddings") != Some(true) {
                o.linear("lm_head", d, v, false);
            }
        }
        _ => return None,
    }
    Some(o.tensors)
}

/// FP8 checkpoints with block scales (DeepSeek-V3, Qwen3-FP8): every
/// projection of the decoder blocks (`*_proj.weight` and MLA's
/// `kv_a_proj_with_mqa.weight`: attention, MLP, experts, shared experts) stored as `F8_E4M3`, each with a
/// `weight_scale_inv` of one scale per 128×128 tile in `scale_dtype` (F32 in
/// DeepSeek-V3, BF16 in Qwen3's dense FP8 releases). The router
/// (`mlp.gate.weight`), norms, embeddings, the lm_head and DeepSeek-V3's
/// multi-token-prediction projection and head (`eh_proj`, `shared_head`)
/// stay as they are: DeepSeek-V3's published counts (BF16 3,918,786,560, F8
/// 680,571,043,840, F32 41,555,600) hold only with those left out.
pub fn to_fp8_blocks(tensors: Vec<T>, scale_dtype: &'static str) -> Vec<T> {
    let mut out = Vec::with_capacity(tensors.len() * 2);
    for (name, dtype, shape) in tensors {
        let linear = name.contains(".layers.")
            && (name.ends_with("_proj.weight") || name.ends_with("_proj_with_mqa.weight"))
            && shape.len() == 2
            && !name.contains("shared_head")
            && !name.ends_with(".eh_proj.weight");
        if linear {
            let scale = vec![shape[0].div_ceil(128), shape[1].div_ceil(128)];
            let base = name.trim_end_matches(".weight").to_string();
            out.push((name, "F8_E4M3", shape));
            out.push((format!("{base}.weight_scale_inv"), scale_dtype, scale));
        } else {
            out.push((name, dtype, shape));
        }
    }
    out
}

/// gpt-oss as OpenAI publishes it: the experts' packed projections in MXFP4
/// (transformers' `Mxfp4GptOssExperts`): `gate_up_proj` `[E, d, 2·di]`
/// becomes `gate_up_proj_blocks` `U8 [E, 2·di, d/32, 16]` (32 4-bit values
/// per 16 bytes, rows = outputs) and `gate_up_proj_scales` `U8 [E, 2·di,
/// d/32]` (one E8M0 exponent per 32 values); `down_proj` `[E, di, d]`
/// likewise `[E, d, di/32, 16]` and `[E, d, di/32]`. Attention, router,
/// biases, sinks, norms, embeddings and lm_head stay BF16.
pub fn to_mxfp4_experts(tensors: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(tensors.len() + tensors.len() / 8);
    for (name, dtype, shape) in tensors {
        let packed = name.contains(".mlp.experts.")
            && (name.ends_with("experts.gate_up_proj") || name.ends_with("experts.down_proj"));
        match shape[..] {
            [e, inp, outp] if packed => {
                assert!(inp.is_multiple_of(32), "{name}: input width {inp}");
                out.push((format!("{name}_blocks"), "U8", vec![e, outp, inp / 32, 16]));
                out.push((format!("{name}_scales"), "U8", vec![e, outp, inp / 32]));
            }
            _ => out.push((name, dtype, shape)),
        }
    }
    out
}

/// GPTQ or AWQ 4-bit with groups of `group` input rows, as AutoGPTQ and
/// AutoAWQ save them: each projection of the decoder blocks `X.weight`
/// `[out, in]` becomes `X.qweight` `I32` — GPTQ `[in/8, out]` (eight input
/// rows per int32), AWQ `[in, out/8]` (eight output columns) — with
/// `X.qzeros` `I32 [in/group, out/8]` and `X.scales` `F16 [in/group, out]`,
/// and GPTQ's `X.g_idx` `I32 [in]`; biases stay. The rest is F16.
pub fn to_int4(tensors: Vec<T>, awq: bool, group: u64) -> Vec<T> {
    let mut out = Vec::with_capacity(tensors.len() * 4);
    for (name, _, shape) in tensors {
        let linear =
            name.contains(".layers.") && name.ends_with("_proj.weight") && shape.len() == 2;
        if !linear {
            out.push((name, "F16", shape));
            continue;
        }
        let (o, i) = (shape[0], shape[1]);
        assert!(
            o.is_multiple_of(8) && i.is_multiple_of(group),
            "{name}: {shape:?}"
        );
        let base = name.trim_end_matches(".weight");
        let qweight = if awq { vec![i, o / 8] } else { vec![i / 8, o] };
        out.push((format!("{base}.qweight"), "I32", qweight));
        out.push((format!("{base}.qzeros"), "I32", vec![i / group, o / 8]));
        out.push((format!("{base}.scales"), "F16", vec![i / group, o]));
        if !awq {
            out.push((format!("{base}.g_idx"), "I32", vec![i]));
        }
    }
    out
}

/// Bytes of one tensor as stored.
pub fn storage_bytes(dtype: &str, shape: &[u64]) -> u64 {
    let n: u64 = shape.iter().product();
    let bits: u64 = match dtype {
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 8,
        "F32" | "I32" | "U32" => 32,
        "F64" | "I64" | "U64" | "C64" => 64,
        _ => 16,
    };
    (n * bits).div_ceil(8)
}

/// Splits tensors into `n` shards of about equal bytes, keeping their order,
/// named as transformers names them (`model-00001-of-00163.safetensors`, or
/// `model.safetensors` alone); each shard's header with its data offsets.
pub fn shard(tensors: &[T], n: usize) -> Vec<(String, Value, u64)> {
    let n = n.max(1);
    let total: u64 = tensors.iter().map(|(_, d, s)| storage_bytes(d, s)).sum();
    let per = total.div_ceil(n as u64).max(1);
    let mut shards: Vec<Vec<&T>> = vec![Vec::new(); n];
    let mut acc = 0u64;
    for t in tensors {
        let i = ((acc / per) as usize).min(n - 1);
        shards[i].push(t);
        acc += storage_bytes(t.1, &t.2);
    }
    shards
        .into_iter()
        .enumerate()
        .map(|(i, ts)| {
            let name = if n == 1 {
                "model.safetensors".to_string()
            } else {
                format!("model-{:05}-of-{n:05}.safetensors", i + 1)
            };
            let mut header = serde_json::Map::new();
            header.insert("__metadata__".into(), serde_json::json!({"format": "pt"}));
            let mut off = 0u64;
            for (tn, dt, sh) in ts {
                let b = storage_bytes(dt, sh);
                header.insert(
                    tn.clone(),
                    serde_json::json!({"dtype": dt, "shape": sh, "data_offsets": [off, off + b]}),
                );
                off += b;
            }
            (name, Value::Object(header), off)
        })
        .collect()
}

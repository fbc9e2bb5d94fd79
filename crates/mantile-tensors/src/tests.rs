use super::*;
use expect_test::expect;
use serde_json::json;

fn header(v: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn header_length_is_checked_against_the_file() {
    assert_eq!(header_length(&[1, 0, 0, 0, 0, 0, 0, 0], Some(100)), Ok(1));
    assert_eq!(header_length(&[1, 0, 0], None), Err(HeaderError::TooShort));
    assert_eq!(
        header_length(&0u64.to_le_bytes(), None),
        Err(HeaderError::BadLength(0))
    );
    assert_eq!(
        header_length(&u64::MAX.to_le_bytes(), None),
        Err(HeaderError::BadLength(u64::MAX))
    );
    assert_eq!(
        header_length(&500u64.to_le_bytes(), Some(300)),
        Err(HeaderError::PastEnd {
            declared: 500,
            file: 300
        })
    );
    assert_eq!(
        HeaderError::PastEnd {
            declared: 500,
            file: 300
        }
        .to_string(),
        "declares a 500-byte header, past the end of the 300-byte file"
    );
}

#[test]
fn entries_are_checked_dtype_shape_and_offsets() {
    let ok = header(json!({
        "__metadata__": {"format": "pt"},
        "a": {"dtype": "BF16", "shape": [2, 3], "data_offsets": [0, 12]},
        "b": {"dtype": "F4", "shape": [3], "data_offsets": [12, 14]},
        "c": {"dtype": "F32", "shape": [], "data_offsets": [14, 18]}
    }));
    let e = parse_header(&ok, Some(18)).unwrap();
    assert_eq!(
        e,
        [
            ("a".to_string(), DType::BF16, vec![2, 3]),
            ("b".to_string(), DType::F4, vec![3]),
            ("c".to_string(), DType::F32, vec![]),
        ]
    );
    assert_eq!(parse_header(b"{\"a\": ", None), Err(HeaderError::NotJson));
    assert_eq!(parse_header(b"[1]", None), Err(HeaderError::NotJson));
    let err = |v| parse_header(&header(v), None).unwrap_err().to_string();
    assert_eq!(
        err(json!({"w": {"dtype": "Q4_K", "shape": [1], "data_offsets": [0, 1]}})),
        "tensor `w` has the unknown dtype `Q4_K`"
    );
    assert_eq!(
        err(
            json!({"w": {"dtype": "BF16", "shape": [4294967296u64, 4294967296u64, 16], "data_offsets": [0, 1]}})
        ),
        "tensor `w` has a shape whose product overflows"
    );
    assert_eq!(
        err(json!({"w": {"dtype": "BF16", "shape": [4], "data_offsets": [0, 4]}})),
        "tensor `w`: data_offsets [0, 4] hold 4 bytes, but BF16 [4] takes 8"
    );
    assert_eq!(
        err(json!({"w": {"dtype": "BF16", "shape": [-1], "data_offsets": [0, 4]}})),
        "tensor `w`: a shape that is not a list of non-negative integers"
    );
    assert_eq!(
        parse_header(
            &header(json!({"w": {"dtype": "BF16", "shape": [4], "data_offsets": [0, 8]}})),
            Some(6)
        )
        .unwrap_err()
        .to_string(),
        "tensor `w`: data_offsets end at 8, past the 6 bytes of data"
    );
}

/// A two-block Llama-style inventory: d=8, h=2, kv=1, dh=4, di=16, V=10.
pub fn tiny_llama() -> Inventory {
    let mut entries = vec![(
        "model.embed_tokens.weight".to_string(),
        DType::BF16,
        vec![10, 8],
    )];
    for l in 0..2 {
        let p = format!("model.layers.{l}");
        for (n, s) in [
            ("self_attn.q_proj.weight", vec![8, 8]),
            ("self_attn.k_proj.weight", vec![4, 8]),
            ("self_attn.v_proj.weight", vec![4, 8]),
            ("self_attn.o_proj.weight", vec![8, 8]),
            ("mlp.gate_proj.weight", vec![16, 8]),
            ("mlp.up_proj.weight", vec![16, 8]),
            ("mlp.down_proj.weight", vec![8, 16]),
            ("input_layernorm.weight", vec![8]),
            ("post_attention_layernorm.weight", vec![8]),
        ] {
            entries.push((format!("{p}.{n}"), DType::BF16, s));
        }
    }
    entries.push(("model.norm.weight".into(), DType::BF16, vec![8]));
    entries.push(("lm_head.weight".into(), DType::BF16, vec![10, 8]));
    let mut inv = Inventory::default();
    inv.add_shard("model.safetensors", entries).unwrap();
    inv.finish().unwrap();
    inv
}

#[test]
fn a_llama_inventory_in_a_table() {
    let inv = tiny_llama();
    let config = json!({"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 8,
        "num_attention_heads": 2, "num_key_value_heads": 1});
    let a = render::analyse(&inv, Some(&config));
    expect![[r#"
        org/tiny — 21 tensors in 1 shard

        Tensors by pattern
          model.embed_tokens.weight                           [10, 8]  BF16  ×1   80
          model.layers.{0,1}.input_layernorm.weight           [8]      BF16  ×2   16
          model.layers.{0,1}.mlp.down_proj.weight             [8, 16]  BF16  ×2  256
          model.layers.{0,1}.mlp.gate_proj.weight             [16, 8]  BF16  ×2  256
          model.layers.{0,1}.mlp.up_proj.weight               [16, 8]  BF16  ×2  256
          model.layers.{0,1}.post_attention_layernorm.weight  [8]      BF16  ×2   16
          model.layers.{0,1}.self_attn.k_proj.weight          [4, 8]   BF16  ×2   64
          model.layers.{0,1}.self_attn.o_proj.weight          [8, 8]   BF16  ×2  128
          model.layers.{0,1}.self_attn.q_proj.weight          [8, 8]   BF16  ×2  128
          model.layers.{0,1}.self_attn.v_proj.weight          [4, 8]   BF16  ×2   64
          model.norm.weight                                   [8]      BF16  ×1    8
          lm_head.weight                                      [10, 8]  BF16  ×1   80

        Totals (parameters = elements as stored)
          BF16   1,352  2.6 KiB
          total  1,352  2.6 KiB

        Structure
          blocks           2 (model.layers.{0,1}), all alike
          block            attention MQA (2 query heads, 1 key/value head, head_dim 4); MLP gated intermediate 16; 2 norms (input, post-attention)
          embeddings       untied: lm_head.weight [10, 8]
          unusual tensors  none
    "#]]
    .assert_eq(&render::table("org/tiny", &inv, &a));
    assert_eq!(a.totals.total_elements, 1352);
    let csv = render::csv(&inv);
    assert!(csv.starts_with("name,shape,dtype,parameters\nlm_head.weight,\"[10, 8]\",BF16,80\n"));
}

#[test]
fn unknown_tensors_are_listed_as_unusual() {
    let mut inv = tiny_llama();
    inv.tensors.push(Tensor {
        name: "model.layers.0.self_attn.rel_pos.weight".into(),
        dtype: DType::F32,
        shape: vec![3],
        shard: 0,
    });
    inv.tensors.push(Tensor {
        name: "model.mystery".into(),
        dtype: DType::F32,
        shape: vec![2],
        shard: 0,
    });
    inv.finish().unwrap();
    let a = render::analyse(&inv, None);
    assert_eq!(
        a.unusual,
        [
            "model.layers.0.self_attn.rel_pos.weight [3]",
            "model.mystery [2]"
        ]
    );
    // The same name in two shards is an error.
    inv.tensors.push(inv.tensors[0].clone());
    assert!(inv.finish().unwrap_err().contains("appears in two shards"));
}

/// `tiny_llama` with its block projections stored by `f`: each
/// `(name, dtype, shape)` of a projection's weight becomes the entries `f`
/// returns.
fn quantized(f: impl Fn(&str, &[u64]) -> Vec<Entry>) -> Inventory {
    let mut entries = Vec::new();
    for t in tiny_llama().tensors {
        if t.name.contains(".layers.") && t.name.ends_with("_proj.weight") {
            entries.extend(f(&t.name, &t.shape));
        } else {
            entries.push((t.name, t.dtype, t.shape));
        }
    }
    let mut inv = Inventory::default();
    inv.add_shard("model.safetensors", entries).unwrap();
    inv.finish().unwrap();
    inv
}

fn base(name: &str) -> &str {
    name.strip_suffix(".weight").unwrap()
}

#[test]
fn fp8_block_scales_are_quantization_data_not_parameters() {
    // F8_E4M3 weights, one BF16 scale per 128×128 block (Qwen3-FP8 style).
    let inv = quantized(|n, s| {
        vec![
            (n.to_string(), DType::F8E4M3, s.to_vec()),
            (
                format!("{}.weight_scale_inv", base(n)),
                DType::BF16,
                vec![s[0].div_ceil(128), s[1].div_ceil(128)],
            ),
        ]
    });
    let config =
        json!({"quantization_config": {"quant_method": "fp8", "weight_block_size": [128, 128]}});
    let l = quant::logical(&inv, Some(&config)).unwrap();
    let q = l.quantization.unwrap();
    // 14 scales of one element; the weights keep their shapes.
    assert_eq!(q.aux_elements, 14);
    assert_eq!(q.logical_parameters, 1352);
    assert_eq!(q.stored_elements, 1366);
    assert_eq!(l.inventory.tensors.len(), 21);
    assert_eq!(
        q.equation(),
        "1,366 stored elements = 1,352 parameters + 14 elements of quantization data (BF16 14), which are not parameters"
    );
    assert_eq!(
        q.summary(),
        "F8_E4M3 with scales (14 weights), scales over 128×128 blocks (BF16 `weight_scale_inv`)"
    );
    // The structure reads the logical model: no unusual tensor.
    let a = render::analyse(&inv, None);
    assert!(a.unusual.is_empty(), "{:?}", a.unusual);
}

#[test]
fn mxfp4_blocks_are_read_as_their_logical_weights() {
    // gpt-oss: experts.gate_up_proj_blocks U8 [E, out, in/32, 16] and
    // _scales U8 [E, out, in/32] → gate_up_proj [E, in, out].
    let mut entries = vec![
        (
            "model.layers.0.mlp.experts.gate_up_proj_blocks".to_string(),
            DType::U8,
            vec![4, 128, 2, 16],
        ),
        (
            "model.layers.0.mlp.experts.gate_up_proj_scales".to_string(),
            DType::U8,
            vec![4, 128, 2],
        ),
        (
            "model.layers.0.mlp.experts.down_proj_blocks".to_string(),
            DType::U8,
            vec![4, 64, 2, 16],
        ),
        (
            "model.layers.0.mlp.experts.down_proj_scales".to_string(),
            DType::U8,
            vec![4, 64, 2],
        ),
        (
            "model.layers.0.mlp.router.weight".to_string(),
            DType::BF16,
            vec![4, 64],
        ),
    ];
    entries.push((
        "model.embed_tokens.weight".into(),
        DType::BF16,
        vec![10, 64],
    ));
    let mut inv = Inventory::default();
    inv.add_shard("model.safetensors", entries).unwrap();
    inv.finish().unwrap();
    let l = quant::logical(&inv, None).unwrap();
    let q = l.quantization.unwrap();
    let gate_up = l
        .inventory
        .get("model.layers.0.mlp.experts.gate_up_proj")
        .unwrap();
    assert_eq!(gate_up.shape, [4, 64, 128]);
    assert_eq!(gate_up.dtype, DType::F4);
    assert_eq!(
        l.inventory
            .get("model.layers.0.mlp.experts.down_proj")
            .unwrap()
            .shape,
        [4, 64, 64]
    );
    // 4·128·64 + 4·64·64 parameters in 8192 + 4096 bytes; 1024 + 512 scales.
    assert_eq!(q.packed_logical, 32768 + 16384);
    assert_eq!(q.packed_stored, 16384 + 8192);
    assert_eq!(q.aux_elements, 1536);
    assert_eq!(q.logical_parameters, 49152 + 256 + 640);
    assert_eq!(
        q.equation(),
        "27,008 stored elements = 50,048 parameters − 24,576 (the packed weights' 49,152 parameters are 24,576 stored elements) + 1,536 elements of quantization data (U8 1,536), which are not parameters"
    );
    assert!(q.examples[0].starts_with("model.layers.0.mlp.experts.down_proj_blocks U8 [4, 64, 2, 16] → model.layers.0.mlp.experts.down_proj [4, 64, 64]"), "{:?}", q.examples);
}

#[test]
fn gptq_and_awq_qweights_are_unpacked_by_their_scales() {
    // q_proj [8, 8] etc. padded to 4-bit groups of 8: GPTQ packs input rows,
    // AWQ output columns; scales [in/group, out].
    let gptq = quantized(|n, s| {
        let (out, inp) = (s[0], s[1]);
        let b = base(n);
        vec![
            (format!("{b}.qweight"), DType::I32, vec![inp / 8, out]),
            (format!("{b}.qzeros"), DType::I32, vec![1, out.div_ceil(8)]),
            (format!("{b}.scales"), DType::F16, vec![1, out]),
            (format!("{b}.g_idx"), DType::I32, vec![inp]),
        ]
    });
    let config =
        json!({"quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 128}});
    let l = quant::logical(&gptq, Some(&config)).unwrap();
    let q = l.quantization.unwrap();
    assert_eq!(q.logical_parameters, 1352);
    assert_eq!(
        l.inventory
            .get("model.layers.1.mlp.down_proj.weight")
            .unwrap()
            .shape,
        [8, 16]
    );
    assert_eq!(
        q.methods.keys().next().unwrap().name(),
        "GPTQ 4-bit (I32-packed qweight)"
    );
    // The same without config.json: the scales' width decides.
    assert_eq!(
        quant::logical(&gptq, None)
            .unwrap()
            .quantization
            .unwrap()
            .logical_parameters,
        1352
    );
    // AWQ on the MLP only (k_proj's 4 outputs do not fill an int32).
    let awq = quantized(|n, s| {
        let (out, inp) = (s[0], s[1]);
        let b = base(n);
        if n.contains("self_attn") {
            return vec![(n.to_string(), DType::F16, s.to_vec())];
        }
        vec![
            (format!("{b}.qweight"), DType::I32, vec![inp, out / 8]),
            (format!("{b}.qzeros"), DType::I32, vec![1, out / 8]),
            (format!("{b}.scales"), DType::F16, vec![1, out]),
        ]
    });
    let l = quant::logical(&awq, None).unwrap();
    assert_eq!(l.quantization.as_ref().unwrap().logical_parameters, 1352);
    assert_eq!(
        l.inventory
            .get("model.layers.0.mlp.gate_proj.weight")
            .unwrap()
            .shape,
        [16, 8]
    );
    // Scales that fit neither reading: refused, naming the tensors.
    let config = json!({"quantization_config": {"quant_method": "awq", "bits": 4}});
    let e = quant::logical(&gptq, Some(&config)).unwrap_err();
    assert_eq!(e.method, "AWQ 4-bit");
    assert!(
        e.to_string().contains("its scales should be [groups, "),
        "{e}"
    );
}

#[test]
fn quantizations_the_headers_cannot_describe_are_refused_by_name() {
    let bnb = quantized(|n, s| {
        vec![
            (n.to_string(), DType::U8, vec![s[0] * s[1] / 2, 1]),
            (format!("{n}.absmax"), DType::F32, vec![2]),
            (format!("{n}.quant_map"), DType::F32, vec![16]),
            (
                format!("{n}.quant_state.bitsandbytes__nf4"),
                DType::U8,
                vec![100],
            ),
        ]
    });
    let e = quant::logical(&bnb, None).unwrap_err();
    assert_eq!(e.method, "bitsandbytes 4-bit (nf4/fp4)");
    assert!(e.to_string().starts_with("the checkpoint is quantized with bitsandbytes 4-bit (nf4/fp4): its weights are flattened bytes"), "{e}");
    let gptq3 = quantized(|n, s| {
        vec![(
            format!("{}.qweight", base(n)),
            DType::I32,
            vec![s[1] * 3 / 32, s[0]],
        )]
    });
    let config = json!({"quantization_config": {"quant_method": "gptq", "bits": 3}});
    assert_eq!(
        quant::logical(&gptq3, Some(&config)).unwrap_err().method,
        "GPTQ/AWQ 3-bit"
    );
    // Packed integers under a method this reader does not know.
    let other = quantized(|n, s| vec![(format!("{n}_q"), DType::I32, vec![s[0], 1])]);
    let config = json!({"quantization_config": {"quant_method": "hqq"}});
    let e = quant::logical(&other, Some(&config)).unwrap_err();
    assert_eq!(e.method, "`hqq`");
    // Unquantized: the inventory itself, borrowed.
    let inv = tiny_llama();
    let l = quant::logical(&inv, None).unwrap();
    assert!(l.quantization.is_none());
    assert!(matches!(l.inventory, std::borrow::Cow::Borrowed(_)));
}

fn inventory(entries: Vec<(String, DType, Vec<u64>)>) -> Inventory {
    let mut inv = Inventory::default();
    inv.add_shard("model.safetensors", entries).unwrap();
    inv.finish().unwrap();
    inv
}

/// A GPT-2-style block: Conv1D weights `[in, out]`, the causal-mask buffer,
/// learned positions. d=8, 2 heads, inner 32, V=10, 4 positions.
fn tiny_gpt2(layers: u64) -> Inventory {
    let mut e = vec![
        ("wte.weight".to_string(), DType::F32, vec![10, 8]),
        ("wpe.weight".to_string(), DType::F32, vec![4, 8]),
        ("ln_f.weight".to_string(), DType::F32, vec![8]),
        ("ln_f.bias".to_string(), DType::F32, vec![8]),
    ];
    for l in 0..layers {
        for (n, s) in [
            ("ln_1.weight", vec![8]),
            ("ln_1.bias", vec![8]),
            ("attn.bias", vec![1, 1, 4, 4]),
            ("attn.c_attn.weight", vec![8, 24]),
            ("attn.c_attn.bias", vec![24]),
            ("attn.c_proj.weight", vec![8, 8]),
            ("attn.c_proj.bias", vec![8]),
            ("ln_2.weight", vec![8]),
            ("ln_2.bias", vec![8]),
            ("mlp.c_fc.weight", vec![8, 32]),
            ("mlp.c_fc.bias", vec![32]),
            ("mlp.c_proj.weight", vec![32, 8]),
            ("mlp.c_proj.bias", vec![8]),
        ] {
            e.push((format!("h.{l}.{n}"), DType::F32, s));
        }
    }
    inventory(e)
}

/// GPT-2's `Conv1D` projections are read transposed; its causal-mask
/// buffers are not parameters, nor unusual; its positions are named.
#[test]
fn gpt2_conv1d_weights_buffers_and_positions() {
    let inv = tiny_gpt2(2);
    assert!(structure::conv1d_layout(&inv));
    let l = quant::logical(&inv, None).unwrap();
    assert!(l.conv1d);
    assert_eq!(
        l.inventory.get("h.0.attn.c_attn.weight").unwrap().shape,
        [24, 8]
    );
    assert_eq!(
        l.inventory.get("h.1.mlp.c_proj.weight").unwrap().shape,
        [8, 32]
    );
    // Biases and norms are not transposed; nor is anything of a Linear model.
    assert_eq!(l.inventory.get("h.0.attn.c_attn.bias").unwrap().shape, [24]);
    assert!(!structure::conv1d_layout(&tiny_llama()));
    assert_eq!(structure::buffers(&inv).0, 2 * 16);
    let config = json!({"model_type": "gpt2", "n_embd": 8, "n_head": 2, "n_layer": 2});
    let a = render::analyse(&inv, Some(&config));
    let lines: Vec<String> = a.lines.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    expect![[r#"
        [
            "blocks: 2 (h.{0,1}), all alike",
            "block: attention MHA (2 query heads, 2 key/value heads, head_dim 4), fused qkv_proj, biases on q/k/v/o; MLP plain intermediate 32, with biases; 2 norms (input+bias, post-attention+bias)",
            "embeddings: tied: no lm_head tensor, the output projection reuses the embedding matrix",
            "  also: learned absolute positions wpe.weight [4, 8]",
            "fused projections: qkv_proj",
            "stored as: [in, out] (GPT-2's Conv1D): the projections are read transposed, as [out, in]",
            "buffers: 32 elements saved with the weights that are not parameters (causal masks, rotary frequencies): h.{0,1}.attn.bias [1, 1, 4, 4]",
            "unusual tensors: none",
            "parameters: 1,904 stored elements = 1,872 parameters + 32 elements of buffers",
        ]
    "#]]
    .assert_debug_eq(&lines);
    assert_eq!(a.parameters, Some(1872));
    // A real attention bias is a parameter.
    assert!(!structure::is_buffer("h.0.attn.bias", &[8]));
    assert!(structure::is_buffer(
        "model.layers.0.self_attn.rotary_emb.inv_freq",
        &[32]
    ));
}

/// Falcon-7B's fused multi-query qkv: config.json says `multi_query`, not a
/// KV head count; the split follows the query width either way.
#[test]
fn a_fused_multi_query_projection_is_split_by_the_query_width() {
    let mut e = vec![(
        "transformer.word_embeddings.weight".to_string(),
        DType::BF16,
        vec![10, 8],
    )];
    for (n, s) in [
        ("input_layernorm.weight", vec![8]),
        ("self_attention.query_key_value.weight", vec![8 + 2 * 4, 8]),
        ("self_attention.dense.weight", vec![8, 8]),
        ("mlp.dense_h_to_4h.weight", vec![32, 8]),
        ("mlp.dense_4h_to_h.weight", vec![8, 32]),
    ] {
        e.push((format!("transformer.h.0.{n}"), DType::BF16, s));
    }
    let inv = inventory(e);
    for config in [
        json!({"hidden_size": 8, "num_attention_heads": 2, "num_hidden_layers": 1, "multi_query": true}),
        // Without multi_query the config's KV width is wrong; the query width still splits it.
        json!({"hidden_size": 8, "num_attention_heads": 2, "num_hidden_layers": 1}),
    ] {
        let a = render::analyse(&inv, Some(&config));
        assert_eq!(
            a.lines[1].1,
            "attention MQA (2 query heads, 1 key/value head, head_dim 4), fused qkv_proj; MLP plain intermediate 32; 1 norm (input)",
            "{config}"
        );
    }
}

/// Jamba's Mamba blocks are a known kind of tensor, not unusual ones; OPT's
/// `fc1`/`fc2` sit straight under the block, its norms have their own names.
#[test]
fn mamba_mixers_and_opt_blocks_are_recognized() {
    let mut e = vec![(
        "model.embed_tokens.weight".to_string(),
        DType::BF16,
        vec![10, 8],
    )];
    for (n, s) in [
        ("mamba.in_proj.weight", vec![32, 8]),
        ("mamba.conv1d.weight", vec![16, 1, 4]),
        ("mamba.A_log", vec![16, 4]),
        ("mamba.D", vec![16]),
        ("mamba.out_proj.weight", vec![8, 16]),
        ("input_layernorm.weight", vec![8]),
        ("pre_ff_layernorm.weight", vec![8]),
        ("feed_forward.gate_proj.weight", vec![16, 8]),
        ("feed_forward.up_proj.weight", vec![16, 8]),
        ("feed_forward.down_proj.weight", vec![8, 16]),
    ] {
        e.push((format!("model.layers.0.{n}"), DType::BF16, s));
    }
    let a = render::analyse(&inventory(e), None);
    assert_eq!(
        a.lines[1].1,
        "MLP gated intermediate 16; 2 norms (input, post-attention); Mamba mixer (528 parameters)"
    );
    assert!(a.unusual.is_empty(), "{:?}", a.unusual);
    let mut e = vec![(
        "model.decoder.embed_tokens.weight".to_string(),
        DType::F16,
        vec![10, 8],
    )];
    for (n, s) in [
        ("self_attn.q_proj.weight", vec![8, 8]),
        ("self_attn.k_proj.weight", vec![8, 8]),
        ("self_attn.v_proj.weight", vec![8, 8]),
        ("self_attn.out_proj.weight", vec![8, 8]),
        ("self_attn_layer_norm.weight", vec![8]),
        ("fc1.weight", vec![32, 8]),
        ("fc1.bias", vec![32]),
        ("fc2.weight", vec![8, 32]),
        ("final_layer_norm.weight", vec![8]),
    ] {
        e.push((format!("model.decoder.layers.0.{n}"), DType::F16, s));
    }
    let a = render::analyse(&inventory(e), None);
    assert_eq!(
        a.lines[1].1,
        "attention MHA; MLP plain intermediate 32, with biases; 2 norms (input, post-attention)"
    );
    assert!(a.unusual.is_empty(), "{:?}", a.unusual);
}

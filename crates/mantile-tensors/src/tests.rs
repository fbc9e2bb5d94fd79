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

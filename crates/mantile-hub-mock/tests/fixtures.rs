//! The fixtures' generated tensors agree with the counts the Hub publishes
//! for them (where the fixture states one: `MockModel::fixture` asserts it),
//! and every shard header is a well-formed safetensors header.

use mantile_hub_mock::{MockModel, fixture_names};

#[test]
fn every_fixture_loads_and_its_shards_are_consistent() {
    for name in fixture_names() {
        let m = MockModel::fixture(&name);
        let total: u64 = m.parameters.as_ref().unwrap().iter().map(|(_, n)| n).sum();
        let mut counted = 0u64;
        for (shard, header) in &m.safetensors {
            let mut spans = Vec::new();
            for (k, t) in header.as_object().unwrap() {
                if k == "__metadata__" {
                    continue;
                }
                let n: u64 = t["shape"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_u64().unwrap())
                    .product();
                counted += n;
                let o = t["data_offsets"].as_array().unwrap();
                spans.push((o[0].as_u64().unwrap(), o[1].as_u64().unwrap()));
            }
            spans.sort();
            let mut end = 0;
            for (a, b) in spans {
                assert_eq!(a, end, "{name} {shard}: the data is contiguous");
                end = b;
            }
        }
        assert_eq!(counted, total, "{name}");
        eprintln!("{name}: {} shards, {total} parameters", m.safetensors.len());
    }
}

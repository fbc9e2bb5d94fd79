//! Serves the fixtures (all, or those named) on 127.0.0.1 until killed, and
//! prints the URL to use as `HF_ENDPOINT`:
//!
//! ```sh
//! cargo run -p mantile-hub-mock --example serve -- Qwen--Qwen3-0.6B
//! ```

use mantile_hub_mock::{MockHub, MockModel, fixture_names};

fn main() {
    let names: Vec<String> = std::env::args().skip(1).collect();
    let names = if names.is_empty() {
        fixture_names()
    } else {
        names
    };
    let models: Vec<MockModel> = names.iter().map(|n| MockModel::fixture(n)).collect();
    let (hub, rt) = MockHub::start_in_background(models);
    println!("{}", hub.url);
    rt.block_on(std::future::pending::<()>());
}

//! The arithmetic evaluator on arbitrary expressions: it must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        if let Some(v) = mantile_spec::eval_expr(src) {
            let _ = v.to_decimal_string(12);
            let _ = v.to_string();
        }
    }
});

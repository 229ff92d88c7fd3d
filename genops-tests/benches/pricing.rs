//! Loading LiteLLM's full price file (about 4,900 entries) on top of the embedded table: the
//! target is under 50 ms.

use criterion::{criterion_group, criterion_main, Criterion};
use genops::PriceTable;

fn load_litellm(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../genops-runtime/tests/data/litellm_model_prices.json"
    );
    let text = std::fs::read_to_string(path).expect("LiteLLM's price file");
    c.bench_function("PriceTable::load_file(LiteLLM full file)", |b| {
        b.iter(|| {
            let mut table = PriceTable::embedded();
            table.load_file(path).expect("loads unchanged");
            assert!(table.len() > 4_800);
            table
        })
    });
    c.bench_function(
        "PriceTable::apply_json(LiteLLM full file, already read)",
        |b| {
            b.iter(|| {
                let mut table = PriceTable::new();
                table.apply_json("litellm", &text).expect("parses");
                table
            })
        },
    );
}

criterion_group!(benches, load_litellm);
criterion_main!(benches);

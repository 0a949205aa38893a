//! Loads an inventory once, then times pattern and compound evaluation on it: the cost of
//! "which hosts?" once the inventory is in memory (bench/inventory).
//!
//!   cargo run --release -p om-inventory --example select_timing -- <inventory> <pattern>... [-- <compound>...]

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use om_inventory::{Compound, Inventory, LoadOptions, Pattern, Source, TargetContext};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (source, rest) = args.split_first().expect("usage: select_timing <inventory> <pattern>... [-- <compound>...]");
    let split = rest.iter().position(|a| a == "--").unwrap_or(rest.len());
    let (patterns, compounds) = (&rest[..split], rest.get(split + 1..).unwrap_or_default());
    let start = Instant::now();
    let inventory = Inventory::load(&[Source::parse(source)], &LoadOptions::default()).expect("the inventory loads").inventory;
    println!("load: {:.3}s, {} hosts", start.elapsed().as_secs_f64(), inventory.len());
    for text in patterns {
        let pattern = Pattern::parse(text).expect("a valid pattern");
        let start = Instant::now();
        let (names, _) = inventory.select_names(&pattern, None).expect("the pattern resolves");
        let names_s = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let selection = inventory.select_pattern(&pattern, None).expect("the pattern resolves");
        println!(
            "pattern `{text}`: {} hosts; names {:.4}s; Target (hosts with merged variables, built once and cached) {:.4}s",
            names.len(),
            names_s,
            start.elapsed().as_secs_f64()
        );
        drop(selection);
    }
    for text in compounds {
        let target = Compound::parse(text).expect("a valid target");
        let start = Instant::now();
        let selection = inventory.select_target(&target, TargetContext::default()).expect("the target resolves");
        println!("compound `{text}`: {} hosts; {:.4}s", selection.target.len(), start.elapsed().as_secs_f64());
    }
}

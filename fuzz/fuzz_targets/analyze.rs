//! Fuzzes the whole analyze path: sniff, parse, correlate, aggregate, render.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| bouncectl_fuzz::analyze(data));

//! Fuzzes the classifier with arbitrary reply texts.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| bouncectl_fuzz::classify(data));

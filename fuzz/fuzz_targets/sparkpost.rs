//! Fuzzes the SparkPost parser.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| bouncectl_fuzz::parse_as(bouncectl::parse::Format::SparkPost, data));

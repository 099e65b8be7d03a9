//! A per-thread cache of classifications: retries of the same delivery, and
//! every message to a host that is throttling or unreachable, repeat the same
//! reply text, and classifying costs far more than recognising a text seen
//! before.

use crate::classify::{Classified, Classifier, Status};
use std::cell::RefCell;
use std::hash::{BuildHasher, Hasher};

/// Slots in the direct-mapped table (a power of two).
const SLOTS: usize = 1024;
/// Texts longer than this are classified every time (they are rare and
/// mostly unique).
const MAX_TEXT: usize = 1024;

struct Slot {
    classifier: usize,
    hash: u64,
    dsn: Option<Status>,
    text: Vec<u8>,
    result: Classified,
}

thread_local! {
    static CACHE: RefCell<Vec<Option<Slot>>> = RefCell::new((0..SLOTS).map(|_| None).collect());
}

/// `classifier.classify(text, dsn)`, remembered per thread.
pub fn classify(classifier: &Classifier, text: &[u8], dsn: Option<Status>) -> Classified {
    if text.len() > MAX_TEXT {
        return classifier.classify(text, dsn);
    }
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(text);
    let hash = h.finish();
    let id = classifier as *const Classifier as usize;
    CACHE.with_borrow_mut(|slots| {
        let slot = &mut slots[(hash as usize) & (SLOTS - 1)];
        if let Some(s) = slot {
            if s.classifier == id && s.hash == hash && s.dsn == dsn && s.text == text {
                return s.result.clone();
            }
        }
        let result = classifier.classify(text, dsn);
        *slot = Some(Slot {
            classifier: id,
            hash,
            dsn,
            text: text.to_vec(),
            result: result.clone(),
        });
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_results_equal_fresh_ones() {
        let c = Classifier::builtin();
        let texts: [&[u8]; 3] = [
            b"550 5.1.1 user unknown",
            b"421 4.7.0 [TSS04] deferred",
            b"452 4.2.2 over quota",
        ];
        for _ in 0..3 {
            for t in texts {
                assert_eq!(classify(c, t, None), c.classify(t, None));
                let dsn = Status::parse(b"5.7.1");
                assert_eq!(classify(c, t, dsn), c.classify(t, dsn));
            }
        }
    }
}

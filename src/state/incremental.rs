//! Incremental runs: which bytes of each input are new. An input is known by
//! a hash of its first bytes (up to 4 KiB of its content, decompressed), so
//! that `mail.log` read yesterday is recognised today as `mail.log.1` or
//! `mail.log.2.gz` and read on from where it stopped, never again from the
//! start; a file whose first bytes changed (truncated and rewritten) or that
//! is shorter than what was read is read from 0. Pure planning over stored
//! marks, independent of the backend.

use super::{fnv1a, InputMark};
use crate::input::identity::{InputIdentity, InputPosition, Plan};

/// The plan for one input and the mark to update after reading it.
#[derive(Debug, Clone)]
pub struct Planned {
    pub plan: Plan,
    /// The stored mark this input continues (its id), if any.
    pub mark: Option<InputMark>,
    /// Said on stderr (why an input is skipped or read again from 0).
    pub note: Option<String>,
}

fn head_matches(mark: &InputMark, head: &[u8]) -> bool {
    let len = mark.head_len as usize;
    len > 0 && len <= head.len() && fnv1a(&head[..len]) == mark.head_hash
}

/// Plans every input (in read order) against the stored marks.
pub fn plan(marks: &[InputMark], inputs: &[&InputIdentity]) -> Vec<Planned> {
    let mut claimed: Vec<(Option<i64>, String)> = Vec::new();
    let mut file_ids: Vec<((u64, u64), String)> = Vec::new();
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        if let Some((_, first)) = input
            .file_id
            .and_then(|id| file_ids.iter().find(|(f, _)| *f == id))
        {
            out.push(Planned {
                plan: Plan::Skip,
                mark: None,
                note: Some(format!("{}: the same file as {first}; read once", input.name)),
            });
            continue;
        }
        if let Some(id) = input.file_id {
            file_ids.push((id, input.name.clone()));
        }
        let candidates = marks.iter().filter(|m| head_matches(m, &input.head));
        let mut best: Option<&InputMark> = None;
        let rank = |m: &InputMark| {
            (
                input.file_id.is_some() && m.file_id == input.file_id,
                m.path == input.name,
                m.offset,
            )
        };
        let mut taken_by = None;
        for m in candidates {
            if let Some((_, by)) = claimed.iter().find(|(id, _)| *id == m.id) {
                taken_by = Some(by.clone());
                continue;
            }
            if best.is_none_or(|b| rank(m) > rank(b)) {
                best = Some(m);
            }
        }
        let Some(mark) = best else {
            if let Some(by) = taken_by {
                out.push(Planned {
                    plan: Plan::Skip,
                    mark: None,
                    note: Some(format!(
                        "{}: the same log as {by} (a rotated copy); read once",
                        input.name
                    )),
                });
            } else {
                out.push(Planned {
                    plan: Plan::From(0),
                    mark: None,
                    note: None,
                });
            }
            continue;
        };
        claimed.push((mark.id, input.name.clone()));
        let planned = if input.document {
            // A document (ESP export) is read whole or not at all.
            let unchanged =
                mark.complete && mark.file_id == input.file_id && mark.disk_size == input.disk_size;
            Planned {
                plan: if unchanged { Plan::Skip } else { Plan::From(0) },
                mark: Some(mark.clone()),
                note: None,
            }
        } else if input.compressed {
            let unchanged = mark.compressed
                && mark.complete
                && mark.file_id == input.file_id
                && mark.disk_size == input.disk_size;
            Planned {
                plan: if unchanged {
                    Plan::Skip
                } else {
                    Plan::From(mark.offset)
                },
                mark: Some(mark.clone()),
                note: None,
            }
        } else if input.disk_size == Some(mark.offset) && mark.file_id == input.file_id {
            // The same file, no byte added since: nothing to read. Skipped
            // rather than read from its end, so that a run on unchanged logs
            // loads no in-flight messages and writes nothing (its cost does
            // not grow with the state).
            Planned {
                plan: Plan::Skip,
                mark: Some(mark.clone()),
                note: None,
            }
        } else if input.disk_size.is_some_and(|size| size < mark.offset) {
            Planned {
                plan: Plan::From(0),
                mark: Some(mark.clone()),
                note: Some(format!(
                    "{}: shorter than when last read (truncated and rewritten?); read from the start",
                    input.name
                )),
            }
        } else {
            Planned {
                plan: Plan::From(mark.offset),
                mark: Some(mark.clone()),
                note: None,
            }
        };
        out.push(planned);
    }
    out
}

/// The mark to store after reading an input as planned, or `None` when
/// nothing should be stored (an empty input, an input read as another's
/// copy, an input shorter than planned).
pub fn after_read(
    planned: &Planned,
    input: &InputIdentity,
    position: &InputPosition,
    host: &str,
    now: i64,
) -> Option<InputMark> {
    match planned.plan {
        Plan::Skip => {
            let mut mark = planned.mark.clone()?;
            mark.path = input.name.clone();
            mark.last_seen = now;
            Some(mark)
        }
        Plan::From(_) if position.short || !position.complete => {
            let mut mark = planned.mark.clone()?;
            mark.last_seen = now;
            Some(mark)
        }
        Plan::From(_) => {
            if input.head.is_empty() {
                return None;
            }
            Some(InputMark {
                id: planned.mark.as_ref().and_then(|m| m.id),
                host: host.into(),
                path: input.name.clone(),
                file_id: input.file_id,
                head_len: input.head.len() as u64,
                head_hash: fnv1a(&input.head),
                offset: position.end,
                compressed: input.compressed,
                disk_size: input.disk_size,
                complete: input.compressed || input.document,
                last_seen: now,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(name: &str, head: &[u8], file_id: u64, size: u64, compressed: bool) -> InputIdentity {
        InputIdentity {
            name: name.into(),
            head: head.to_vec(),
            file_id: Some((1, file_id)),
            disk_size: Some(size),
            mtime: None,
            compressed,
            stdin: false,
            document: false,
        }
    }

    fn mark(id: i64, path: &str, head: &[u8], file_id: u64, offset: u64) -> InputMark {
        InputMark {
            id: Some(id),
            host: String::new(),
            path: path.into(),
            file_id: Some((1, file_id)),
            head_len: head.len() as u64,
            head_hash: fnv1a(head),
            offset,
            compressed: false,
            disk_size: Some(offset),
            complete: false,
            last_seen: 0,
        }
    }

    #[test]
    fn rotation_is_recognised_by_the_first_bytes() {
        let marks = vec![mark(1, "mail.log", b"line one\n", 7, 100)];
        // mail.log became mail.log.1 (same inode, appended to), and a new mail.log began.
        let old = identity("mail.log.1", b"line one\nline two\n", 7, 150, false);
        let new = identity("mail.log", b"other start\n", 8, 20, false);
        let p = plan(&marks, &[&old, &new]);
        assert_eq!(p[0].plan, Plan::From(100));
        assert_eq!(p[0].mark.as_ref().and_then(|m| m.id), Some(1));
        assert_eq!(p[1].plan, Plan::From(0));
        assert!(p[1].mark.is_none());
    }

    #[test]
    fn an_unchanged_log_is_skipped_and_a_grown_one_read_on() {
        let marks = vec![mark(1, "mail.log", b"line one\n", 7, 100)];
        let same = identity("mail.log", b"line one\n", 7, 100, false);
        assert_eq!(plan(&marks, &[&same])[0].plan, Plan::Skip);
        assert_eq!(
            plan(&marks, &[&same])[0].mark.as_ref().and_then(|m| m.id),
            Some(1)
        );
        let grown = identity("mail.log", b"line one\n", 7, 120, false);
        assert_eq!(plan(&marks, &[&grown])[0].plan, Plan::From(100));
        // Another file with the same first bytes and size (a copy): read on
        // from the mark, as before (nothing new either way).
        let copy = identity("copy.log", b"line one\n", 8, 100, false);
        assert_eq!(plan(&marks, &[&copy])[0].plan, Plan::From(100));
    }

    #[test]
    fn truncation_reads_from_the_start() {
        let marks = vec![mark(1, "mail.log", b"line one\n", 7, 100)];
        let same_head_shorter = identity("mail.log", b"line one\n", 7, 50, false);
        assert_eq!(plan(&marks, &[&same_head_shorter])[0].plan, Plan::From(0));
        let other_head = identity("mail.log", b"fresh\n", 7, 500, false);
        assert_eq!(plan(&marks, &[&other_head])[0].plan, Plan::From(0));
    }

    #[test]
    fn a_compressed_copy_read_to_its_end_is_skipped_and_a_second_copy_read_once() {
        let mut m = mark(1, "mail.log.2.gz", b"line one\n", 9, 100);
        m.compressed = true;
        m.complete = true;
        m.disk_size = Some(40);
        let gz = identity("mail.log.2.gz", b"line one\n", 9, 40, true);
        assert_eq!(plan(&[m.clone()], &[&gz])[0].plan, Plan::Skip);
        let copy = identity("copy.gz", b"line one\n", 10, 40, true);
        let p = plan(&[m], &[&gz, &copy]);
        assert_eq!(p[1].plan, Plan::Skip);
        assert!(p[1].note.as_deref().unwrap_or("").contains("read once"));
    }

    #[test]
    fn the_mark_after_reading_holds_the_end_and_the_longer_head() {
        let input = identity("mail.log", b"line one\nline two\n", 7, 150, false);
        let planned = Planned {
            plan: Plan::From(100),
            mark: Some(mark(1, "mail.log", b"line one\n", 7, 100)),
            note: None,
        };
        let pos = InputPosition {
            start: 100,
            end: 140,
            complete: true,
            short: false,
        };
        let m = after_read(&planned, &input, &pos, "", 5).unwrap();
        assert_eq!((m.id, m.offset, m.head_len), (Some(1), 140, 18));
        let failed = InputPosition {
            complete: false,
            ..pos
        };
        assert_eq!(after_read(&planned, &input, &failed, "", 5).unwrap().offset, 100);
    }
}

//! What an incremental run remembers between runs: the marks of its inputs
//! (offsets, identities, head hashes) and the correlator's in-flight
//! messages (the snapshot, by host).

use super::rows::file_id_to_sql;
use super::SqliteStore;
use crate::state::{InputMark, Result};
use rusqlite::{params, OptionalExtension};

impl SqliteStore {
    pub(super) fn input_marks(&mut self, host: &str) -> Result<Vec<InputMark>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, host, path, dev, inode, head_len, head_hash, byte_offset, compressed, disk_size, \
                 complete, last_seen FROM inputs WHERE host = ?1 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![host], |r| {
                let dev: Option<i64> = r.get(3)?;
                let ino: Option<i64> = r.get(4)?;
                Ok(InputMark {
                    id: Some(r.get(0)?),
                    host: r.get(1)?,
                    path: r.get(2)?,
                    file_id: dev.zip(ino).map(|(d, i)| (d as u64, i as u64)),
                    head_len: r.get::<_, i64>(5)?.max(0) as u64,
                    head_hash: r.get::<_, i64>(6)? as u64,
                    offset: r.get::<_, i64>(7)?.max(0) as u64,
                    compressed: r.get(8)?,
                    disk_size: r.get::<_, Option<i64>>(9)?.map(|s| s.max(0) as u64),
                    complete: r.get(10)?,
                    last_seen: r.get(11)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        drop(stmt);
        rows.map_err(|e| self.err(e))
    }

    pub(super) fn save_input_mark(&mut self, m: &InputMark) -> Result<i64> {
        let (dev, ino) = file_id_to_sql(m.file_id);
        let values = params![
            m.host,
            m.path,
            dev,
            ino,
            m.head_len as i64,
            m.head_hash as i64,
            m.offset as i64,
            m.compressed,
            m.disk_size.map(|s| s as i64),
            m.complete,
            m.last_seen,
        ];
        match m.id {
            Some(id) => {
                let mut stmt = self
                    .conn
                    .prepare_cached(
                        "UPDATE inputs SET host = ?1, path = ?2, dev = ?3, inode = ?4, head_len = ?5, head_hash = ?6, \
                         byte_offset = ?7, compressed = ?8, disk_size = ?9, complete = ?10, last_seen = ?11 \
                         WHERE id = ?12",
                    )
                    .map_err(|e| self.err(e))?;
                let mut all: Vec<&dyn rusqlite::ToSql> = values.to_vec();
                all.push(&id);
                let r = stmt.execute(all.as_slice());
                drop(stmt);
                r.map_err(|e| self.err(e))?;
                Ok(id)
            }
            None => {
                let mut stmt = self
                    .conn
                    .prepare_cached(
                        "INSERT INTO inputs (host, path, dev, inode, head_len, head_hash, byte_offset, compressed, \
                         disk_size, complete, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    )
                    .map_err(|e| self.err(e))?;
                let r = stmt.execute(values);
                drop(stmt);
                r.map_err(|e| self.err(e))?;
                Ok(self.conn.last_insert_rowid())
            }
        }
    }

    pub(super) fn prune_input_marks(&mut self, host: &str, before: i64) -> Result<()> {
        self.conn
            .execute(
                "DELETE FROM inputs WHERE host = ?1 AND last_seen < ?2",
                params![host, before],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    pub(super) fn snapshot(&mut self, host: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT v FROM kv WHERE k = ?1",
                params![format!("snapshot:{host}")],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    pub(super) fn save_snapshot(&mut self, host: &str, json: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO kv (k, v) VALUES (?1, ?2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                params![format!("snapshot:{host}"), json],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}

//! The settings of a run, built in one place for every command: the
//! command line over the config file over the defaults, the `--sources`
//! file, the input format `--input-format` forces.

use crate::aggregate::report::Breakdown;
use crate::aggregate::Settings;
use crate::config::Effective;
use crate::contacts::{Contacts, ContactsError};
use crate::error::UsageError;
use anyhow::Result;
use std::sync::Arc;

/// The aggregation settings `analyze` and `report` share: the command line
/// over the config file.
pub fn settings(
    eff: &Effective,
    include_local: bool,
    include_notifications: bool,
    now: i64,
) -> Result<Settings> {
    let by: Vec<Breakdown> = eff.by.value.iter().map(|&b| b.into()).collect();
    let contacts = load_contacts(eff.sources.value.as_deref(), &by)?;
    Ok(Settings {
        include_local,
        include_notifications,
        promote_after: eff.promote_after.value,
        warning: eff.warn.value,
        critical: eff.crit.value,
        top: eff.top.value,
        min_volume: eff.min_volume.value,
        by,
        contacts,
        inactivity: eff.inactivity.value,
        now: Some(now),
    })
}

/// The `--sources` file, when given; `--by source` needs one.
pub fn load_contacts(path: Option<&std::path::Path>, by: &[Breakdown]) -> Result<Option<Arc<Contacts>>> {
    let Some(path) = path else {
        if by.contains(&Breakdown::Source) {
            return Err(UsageError(
                "--by source needs --sources FILE: a CSV with an address column and a list or batch column"
                    .into(),
            )
            .into());
        }
        return Ok(None);
    };
    match Contacts::load(path) {
        Ok(c) => Ok(Some(Arc::new(c))),
        Err(e @ ContactsError::Header { .. }) => Err(UsageError(e.to_string()).into()),
        Err(e) => Err(e.into()),
    }
}

//! Putting a finished [`Plan`] on disk: the state first, then every output whose bytes
//! changed. The only code of a build that makes anything visible in the output folder.

use rayon::prelude::*;

use super::plan::{OutputFile, Plan, Staged};
use crate::config::Config;
use crate::error::Result;
use crate::identity;

/// What [`write()`] changed on disk.
#[derive(Debug, Default)]
pub struct Written<'a> {
    /// The plan's outputs that were written (borrowed: a full feed is ~100 MB).
    pub changed: Vec<&'a OutputFile>,
    pub state_changed: bool,
}

/// Writes the plan: every output not staged yet is compared and staged first (a file that
/// cannot be staged fails the write before anything is renamed: no feed is replaced by one
/// that points at a file that is not there), then the state is put in place (so a crash never
/// leaves a feed whose ids or dates the state does not know), then every output whose bytes
/// changed, by a rename.
pub fn write<'a>(config: &Config, plan: &'a Plan) -> Result<Written<'a>> {
    let staged = !matches!(plan.state_staged, Staged::No)
        || plan.outputs.iter().any(|o| !matches!(o.staged, Staged::No));
    if !staged {
        crate::output::clean_stale_temps_tree(&config.site.output_dir);
    }
    // Outputs not staged yet are independent files: staged on every core.
    let fresh: Vec<Result<Option<tempfile::TempPath>>> = plan
        .outputs
        .par_iter()
        .map(|out| match &out.staged {
            Staged::No => crate::output::stage_if_changed(&out.path, &out.read()?),
            Staged::Unchanged => Ok(None),
            Staged::Written(tmp) => Ok(tmp.lock().unwrap_or_else(|e| e.into_inner()).take()),
        })
        .collect();
    // Dropped on an error: each temp file goes with it.
    let fresh = fresh.into_iter().collect::<Result<Vec<_>>>()?;
    // A folder where a file goes would fail its rename after others were done: found first.
    for (out, tmp) in plan.outputs.iter().zip(&fresh) {
        if tmp.is_some() && out.path.is_dir() {
            let e = std::io::Error::new(std::io::ErrorKind::IsADirectory, "a folder is there");
            return Err(crate::error::Error::io(&out.path, "replacing", e));
        }
    }
    let state_changed = match &plan.state_staged {
        Staged::No => {
            plan.previous_state.as_ref() != Some(&plan.state)
                && identity::save_state(&config.site.state_file, &plan.state)?
        }
        Staged::Unchanged => false,
        Staged::Written(tmp) => {
            let tmp = tmp.lock().unwrap_or_else(|e| e.into_inner()).take();
            tmp.map_or(Ok(false), |tmp| {
                crate::output::commit(tmp, &config.site.state_file).map(|()| true)
            })?
        }
    };
    identity::last_written::record(&config.site.state_file, &plan.state);
    let (mut changed, mut placed) = (Vec::new(), Vec::new());
    for (out, tmp) in plan.outputs.iter().zip(fresh) {
        // None: unchanged, or taken by an earlier `write` of this plan (the file is in place).
        if let Some(tmp) = tmp {
            placed.push(crate::output::put_in_place(tmp, &out.path)?);
            changed.push(out);
        }
    }
    // Each folder synced once for all the files renamed into it (an archive's pages share
    // one; a file written through a link, its target's), on every core.
    let mut folders: Vec<&std::path::Path> =
        placed.iter().map(|p| crate::output::folder_of(p)).collect();
    folders.sort_unstable();
    folders.dedup();
    folders
        .par_iter()
        .for_each(|dir| crate::output::sync_folder(dir));
    Ok(Written {
        changed,
        state_changed,
    })
}

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

/// Writes the plan: the state first (so a crash never leaves a feed whose ids or dates the state
/// does not know), then every output file whose bytes changed: a staged plan's temp files are
/// renamed into place, the others written now.
pub fn write<'a>(config: &Config, plan: &'a Plan) -> Result<Written<'a>> {
    let staged = !matches!(plan.state_staged, Staged::No)
        || plan.outputs.iter().any(|o| !matches!(o.staged, Staged::No));
    if !staged {
        crate::output::clean_stale_temps_tree(&config.site.output_dir);
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
    // Outputs not staged yet are independent files: written on every core.
    let wrote: Vec<Result<bool>> = plan
        .outputs
        .par_iter()
        .map(|out| match &out.staged {
            Staged::No => crate::output::write_if_changed(&out.path, &out.read()?),
            Staged::Unchanged => Ok(false),
            Staged::Written(tmp) => {
                let tmp = tmp.lock().unwrap_or_else(|e| e.into_inner()).take();
                // Taken by an earlier `write` of this plan: the file is in place.
                tmp.map_or(Ok(false), |tmp| {
                    crate::output::put_in_place(tmp, &out.path).map(|()| true)
                })
            }
        })
        .collect();
    let mut changed = Vec::new();
    for (out, wrote) in plan.outputs.iter().zip(wrote) {
        if wrote? {
            changed.push(out);
        }
    }
    // Each folder synced once for all the files renamed into it (an archive's pages share
    // one), on every core.
    // (`write_if_changed` synced its own.)
    let mut folders: Vec<&std::path::Path> = changed
        .iter()
        .filter(|o| matches!(o.staged, Staged::Written(_)))
        .map(|o| crate::output::folder_of(&o.path))
        .collect();
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

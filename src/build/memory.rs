//! How soon memory a build frees goes back to the system, stage by stage.
//!
//! Reading and identifying the sources frees many short-lived buffers (the walk's, each
//! parse's) while what it keeps grows to its peak; the allocator would hold those freed
//! pages for a second, on top of the peak. Rendering frees and reuses large buffers run after
//! run, where handing them back at once costs a fifth of a full build's time
//! (docs/benchmarks.md). So freed memory is returned at once until the state is final, and
//! kept for reuse from rendering on. The allocator is the binary's choice: it installs the
//! hook ([`set_hook`]); without one (the library's tests) these calls do nothing.

use std::sync::OnceLock;

/// Whether freed memory goes back to the system at once (`true`) or is kept a while.
static HOOK: OnceLock<fn(bool)> = OnceLock::new();

/// Installs the binary's way of telling its allocator. The first call wins.
pub fn set_hook(hook: fn(bool)) {
    let _ = HOOK.set(hook);
}

/// Freed memory goes back to the system at once (reading and identifying the sources).
pub(crate) fn return_at_once() {
    if let Some(hook) = HOOK.get() {
        hook(true);
    }
}

/// Freed memory is kept a while for reuse (rendering).
pub(crate) fn keep_for_reuse() {
    if let Some(hook) = HOOK.get() {
        hook(false);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    /// What the hook was told, in order (the only test that installs one).
    static TOLD: Mutex<Vec<bool>> = Mutex::new(Vec::new());

    #[test]
    fn a_build_returns_memory_at_once_until_it_renders() {
        super::set_hook(|at_once| TOLD.lock().unwrap().push(at_once));
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("content")).unwrap();
        std::fs::write(
            dir.path().join("content/heat.md"),
            "+++\ntitle = \"Heat\"\ndate = \"2026-01-01\"\n+++\nA heist.\n",
        )
        .unwrap();
        let config = crate::config::Config::parse(
            "[site]\ntitle = \"T\"\nbase_url = \"https://films.example/\"\n\n[[feed]]\nname = \"r\"\ntitle = \"R\"\ndescription = \"D\"\nsource = \"content\"\nlink = \"r/{slug}/\"\n",
            &dir.path().join("config.toml"),
        )
        .unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z").unwrap();
        TOLD.lock().unwrap().clear();
        let plan = super::super::plan(&config, now).unwrap();
        assert_eq!(plan.entry_count, 1);
        // Other tests' builds may run meanwhile: this one's pair is in order among them.
        let told = TOLD.lock().unwrap().clone();
        let first_true = told.iter().position(|&t| t).expect("at once while reading");
        assert!(told[first_true..].contains(&false), "{told:?}");
    }
}

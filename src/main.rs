//! The `feedwright` command. The library does the work; this file only sets up the allocator.

/// mimalloc: a full build makes millions of small allocations (entries, rendered bodies, feed
/// pieces) on every core, and spends less time on them with it than with glibc's malloc
/// (docs/benchmarks.md). Built without transparent huge pages (`no_thp`): zeroing whole 2 MB
/// pages cost more than it saved, and made the time vary from run to run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the vendored mimalloc's `mi_option_e` (include/mimalloc.h); the
/// sys crate names no constant for it. Cargo.lock pins that version, and a test checks it.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    return_freed_memory_soon();
    feedwright::cli::main()
}

/// mimalloc 3 keeps freed memory for a second before handing it back to the system: a whole
/// build, so the memory of every phase stays counted (a 10,000-column rebuild peaked at 75 MB
/// instead of 56 MB). After 10 ms (mimalloc 2's default) it costs no measurable time. A
/// `MIMALLOC_PURGE_DELAY` set in the environment wins.
fn return_freed_memory_soon() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: an option is a plain integer that mimalloc reads atomically, and a delay in
        // milliseconds is what this option holds.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 10) };
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_option_set_is_the_purge_delay() {
        // mimalloc 3 documents a default purge delay of 1000 ms, and no other option defaults
        // to it: a mimalloc that numbers its options otherwise fails here, not silently.
        // SAFETY: reading an option has no preconditions.
        let default = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        assert_eq!(default, 1000);
    }
}

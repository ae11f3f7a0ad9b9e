//! The `feedwright` command. The library does the work; this file only sets up the allocator.

/// mimalloc: a full build makes millions of small allocations (entries, rendered bodies, feed
/// pieces) on every core, and spends less time on them with it than with glibc's malloc
/// (docs/benchmarks.md). Built without transparent huge pages (`no_thp`): zeroing whole 2 MB
/// pages cost more than it saved, and made the time vary from run to run. Its default of
/// keeping freed memory for a second before handing it back to the system is kept where a
/// build reuses that memory run after run of items (rendering), and set aside while the
/// sources are read (`feedwright::build::memory`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its `mimalloc.h`): milliseconds before freed memory
/// goes back to the system.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The delay mimalloc started with (its default, or `MIMALLOC_PURGE_DELAY`), restored for
/// rendering.
static KEPT_DELAY: std::sync::OnceLock<std::ffi::c_long> = std::sync::OnceLock::new();

fn return_freed_memory(at_once: bool) {
    // SAFETY: setting an option is a store to mimalloc's option table, safe from any thread.
    let kept = *KEPT_DELAY.get_or_init(|| unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) });
    // A delay below zero (`MIMALLOC_PURGE_DELAY=-1`) never returns memory: kept so.
    let delay = if at_once && kept > 0 { 0 } else { kept };
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, delay) };
}

fn main() -> std::process::ExitCode {
    feedwright::build::memory::set_hook(return_freed_memory);
    // From the start: the scan before a build frees as it goes too.
    return_freed_memory(true);
    feedwright::cli::main()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_memory_goes_back_at_once_while_reading_and_is_kept_again_for_rendering() {
        // SAFETY: reading an option, as `return_freed_memory` does.
        let started = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        assert!(
            started > 0,
            "mimalloc keeps freed memory a while by default"
        );
        return_freed_memory(true);
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 0);
        return_freed_memory(false);
        assert_eq!(
            unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) },
            started
        );
    }
}

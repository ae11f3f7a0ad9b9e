//! The `feedwright` command. The library does the work; this file only sets up the allocator.

/// mimalloc: a full build makes millions of small allocations (entries, rendered bodies, feed
/// pieces) on every core, and spends less time on them with it than with glibc's malloc
/// (docs/benchmarks.md). Built without transparent huge pages (`no_thp`): zeroing whole 2 MB
/// pages cost more than it saved, and made the time vary from run to run. Its default of
/// keeping freed memory for a second before handing it back to the system is kept: a full
/// build reuses that memory run after run of items instead of faulting it in again.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    feedwright::cli::main()
}

//! The `feedwright` command. The library does the work; this file only picks the allocator.

/// mimalloc: a full build makes millions of small allocations (entries, rendered bodies, feed
/// pieces) on every core; it spends less time on them than glibc's malloc and keeps less memory
/// (docs/benchmarks.md). Built without transparent huge pages (`no_thp`): zeroing whole 2 MB
/// pages cost more than it saved, and made the time vary from run to run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    feedwright::cli::main()
}

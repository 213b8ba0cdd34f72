//! `portico`: see `portico --help`.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc hands memory back to the system soon after it is freed; with the system allocator, a node
/// that rebuilt its search index at start kept the rebuild's peak (hundreds of MB) for its whole life.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = portico::cli::Cli::parse();
    // Searches, hashing and embedding run on the blocking pool and are CPU-bound: more threads than
    // twice the cores only add memory (each thread keeps its own allocations) and contention.
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads((cores * 2).max(4))
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(portico::cli::run(cli))
}

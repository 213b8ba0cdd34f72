//! `portico`: see `portico --help`.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc hands memory back to the system soon after it is freed; with the system allocator, a node
/// that rebuilt its search index at start kept the rebuild's peak (hundreds of MB) for its whole life.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = portico::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
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

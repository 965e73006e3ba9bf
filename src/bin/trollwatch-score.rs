//! The dedicated scorer: `trollwatch score` as a binary of its own, with the same flags.
use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = trollwatch::cli::score::StandaloneArgs::parse();
    let threads = trollwatch::cli::set_threads(args.threads);
    trollwatch::cli::finish(threads.and_then(|()| trollwatch::cli::score::run(args.score)))
}

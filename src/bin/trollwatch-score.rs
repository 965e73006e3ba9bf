//! The dedicated scorer: `trollwatch score` as a binary of its own, with the same flags.
use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = trollwatch::cli::score::StandaloneArgs::parse();
    trollwatch::cli::finish(trollwatch::cli::score::run(args.score))
}

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = trollwatch::cli::Cli::parse();
    trollwatch::cli::finish(cli.run())
}

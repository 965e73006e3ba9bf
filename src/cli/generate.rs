//! `trollwatch generate`: writes the synthetic demo dataset (see `synth`), deterministically,
//! so that `datasets/demo.csv` can be rebuilt and checked byte for byte.

use std::path::PathBuf;

use anyhow::Context;

use crate::text::synth::{generate, write_csv, SynthConfig};
use crate::util::atomic::write_atomic;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  trollwatch generate --out datasets/demo.csv   # the bundled demo data"
)]
pub struct Args {
    /// Where to write the CSV (`-` for stdout).
    #[arg(long, short, default_value = "-")]
    pub out: PathBuf,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of posts.
    #[arg(long, default_value_t = 6000)]
    pub posts: usize,
    /// Ordinary accounts.
    #[arg(long, default_value_t = 150)]
    pub ordinary_accounts: usize,
    /// Troll accounts.
    #[arg(long, default_value_t = 40)]
    pub troll_accounts: usize,
    /// Days covered, from 2016-09-01.
    #[arg(long, default_value_t = 60)]
    pub days: u32,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let cfg = SynthConfig {
        seed: args.seed,
        posts: args.posts,
        ordinary_accounts: args.ordinary_accounts,
        troll_accounts: args.troll_accounts,
        days: args.days,
        ..SynthConfig::default()
    };
    if cfg.days == 0 || cfg.ordinary_accounts + cfg.troll_accounts == 0 {
        return Err(crate::error::Error::param(
            "days/accounts",
            0,
            "need at least one day and one account",
        )
        .into());
    }
    let posts = generate(&cfg);
    let mut buf = Vec::new();
    write_csv(&posts, &mut buf).context("formatting the CSV")?;
    if args.out.as_os_str() == "-" {
        use std::io::Write;
        std::io::stdout().lock().write_all(&buf)?;
    } else {
        write_atomic(&args.out, &buf)?;
        eprintln!("wrote {} posts to {}", posts.len(), args.out.display());
    }
    Ok(())
}

//! `trollwatch generate`: placeholder until the synthetic generator lands.
#[derive(Debug, clap::Args)]
pub struct Args {}
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}

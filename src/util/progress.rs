//! Progress bars on standard error (indicatif), hidden when asked to be quiet or when stderr is
//! not a terminal. Library stages take a `&Progress` and never print anything else.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Debug, Clone, Copy)]
pub struct Progress {
    enabled: bool,
}

impl Progress {
    /// Bars shown when `enabled` and stderr is a terminal.
    pub fn new(enabled: bool) -> Progress {
        use std::io::IsTerminal;
        Progress {
            enabled: enabled && std::io::stderr().is_terminal(),
        }
    }

    pub fn hidden() -> Progress {
        Progress { enabled: false }
    }

    /// A bar over `total` items (a spinner when `total` is 0).
    pub fn bar(&self, total: u64, message: &str) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = if total == 0 {
            ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner} {msg} {human_pos} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            )
        } else {
            ProgressBar::new(total).with_style(
                ProgressStyle::with_template(
                    "{msg:>12} [{bar:30}] {human_pos}/{human_len} [{elapsed}<{eta}]",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            )
        };
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_message(message.to_string());
        bar
    }
}

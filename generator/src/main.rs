use capi_compat::cli::{run, Cli};
use clap::Parser;

fn main() {
    let cli = Cli::parse();
    // Children run in process groups of their own: SIGINT/SIGTERM stop them from here.
    capi_compat::build::interrupt::install();
    // Unlocked handles: `test` reports progress on stderr from worker threads.
    let result = run(cli, &mut std::io::stdout(), &mut std::io::stderr());
    // Interrupted: what failed did so because its child was stopped; the signal's own exit
    // code and message come from the thread that stopped it.
    capi_compat::build::interrupt::park_if_interrupted();
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(e.exit_code());
    }
}

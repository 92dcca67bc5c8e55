use capi_compat::cli::{run, Cli};
use clap::Parser;

fn main() {
    let cli = Cli::parse();
    let result = run(cli, &mut std::io::stdout().lock(), &mut std::io::stderr().lock());
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(e.exit_code());
    }
}

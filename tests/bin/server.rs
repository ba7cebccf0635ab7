//! The server as its own process, for tests that kill it (`SIGKILL`) and start it again. Reads the
//! usual `BAOXIU_*` settings and prints the port it bound.

use baoxiu::config::Config;
use baoxiu::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::load(None)?;
    let app = Application::build(config)?;
    println!("port {}", app.port());
    app.run_until_stopped().await?;
    Ok(())
}

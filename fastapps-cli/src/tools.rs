//! `fastapps tools`: the `tools/list` the project serves, as JSON, for review.

use anyhow::Context as _;

use crate::app::{App, McpClient, free_port};
use crate::project::Project;

/// Builds the server, starts it on a free loopback port, lists its tools and stops it.
pub(crate) async fn tools(project: &Project) -> anyhow::Result<serde_json::Value> {
    let binary = crate::cargo::build_server(&project.root).await?;
    let host = "127.0.0.1";
    let port = free_port(host)?;
    // The server's own output goes to standard error: standard output is the JSON.
    let app = App::start(&binary, &project.root, host, port, &[], crate::process::stderr()).await?;
    let listed = async {
        let mut client = McpClient::connect(&app.mcp_url()).await?;
        client.list_tools().await
    }
    .await
    .context("cannot list the tools");
    app.stop().await;
    Ok(serde_json::json!({ "tools": listed? }))
}

//! The OpenAI Apps SDK's authenticated pizzaz server, done right: every token verified (JWKS,
//! `iss`, `aud`, `exp`, scopes), RFC 9728 metadata, and the challenges ChatGPT and the SDK
//! clients act on. [`app`] is the server and [`auth`] its sign-in, which `main.rs` serves with
//! the settings of the environment ([`auth_from_env`]) and the tests drive in process.

mod data;
mod tools;

use fastapps_core::auth::Auth;
use fastapps_core::{EnvError, ServerBuilder, WidgetMcpServer, env};

/// The server, before its sign-in is set.
pub fn app() -> ServerBuilder {
    WidgetMcpServer::builder("authenticated")
        .version(env!("CARGO_PKG_VERSION"))
        .title("Pizzaz (authenticated)")
        .instructions("Pizza in San Francisco. Signing in shows the user's past orders and usual places.")
}

/// What the example adds to any issuer's settings: its scope and its name in the metadata.
pub fn auth(issuer: Auth) -> Auth {
    issuer.scopes_supported(["pizza:read"]).resource_name("Pizzaz")
}

/// The sign-in from the environment: the `FASTAPPS_AUTH_*` variables (see `docs/auth.md`), or
/// the Apps SDK example's names: `AUTHORIZATION_SERVER_URL` (the issuer), `RESOURCE_SERVER_URL`
/// (the MCP URL), `JWT_AUDIENCES` (space or comma separated).
pub fn auth_from_env() -> Result<Auth, EnvError> {
    let issuer = match Auth::from_env_opt()? {
        Some(auth) => auth,
        None => {
            let issuer = env::var("AUTHORIZATION_SERVER_URL").ok_or_else(|| {
                EnvError::new(
                    "FASTAPPS_AUTH_ISSUER_URL",
                    "is not set (nor AUTHORIZATION_SERVER_URL): set it to your identity provider's issuer, \
                     e.g. https://tenant.us.auth0.com/ (see docs/auth.md)",
                )
            })?;
            let mut auth = Auth::issuer(issuer);
            if let Some(url) = env::var("RESOURCE_SERVER_URL") {
                auth = auth.resource_server_url(url);
            }
            for audience in env::list("JWT_AUDIENCES") {
                auth = auth.audience(audience);
            }
            auth
        }
    };
    Ok(auth(issuer))
}

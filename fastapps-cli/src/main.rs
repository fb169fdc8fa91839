//! The `fastapps` command: scaffold, build and run MCP apps whose tools render widgets.

mod app;
mod build;
mod cargo;
mod create;
mod csp;
mod dev;
mod init;
mod names;
mod node;
mod process;
mod project;
mod templates;
mod tools;

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};

use crate::create::Access;
use crate::project::{BuildMode, Project};
use crate::templates::WidgetTemplate;

/// Build apps for ChatGPT and other MCP hosts: Rust tools with React widgets.
#[derive(Debug, Parser)]
#[command(name = "fastapps", version, about, propagate_version = true)]
struct Cli {
    /// Run as if started in this folder (default: the current one).
    #[arg(short = 'C', long = "dir", global = true, value_name = "DIR")]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a project in a new folder: a server with one widget and one tool, its tests, and
    /// the widget toolchain.
    Init(InitArgs),
    /// Add a widget: its Rust struct in src/widgets/ and its React front end in widgets/<id>/.
    Create(CreateArgs),
    /// Build the widgets into assets/<id>-<hash>.html and assets/manifest.json.
    Build(BuildArgs),
    /// Build and run the server, rebuild and restart on changes, and serve the widget preview.
    Dev(DevArgs),
    /// Manage the domains every widget may reach (fastapps.toml [csp]).
    Csp {
        #[command(subcommand)]
        command: CspCommand,
    },
    /// Print the tools/list JSON the project serves.
    Tools,
}

#[derive(Debug, Args)]
struct InitArgs {
    /// The project's name: its folder and its Cargo package.
    name: String,
    /// A local checkout of fastapps-rs to depend on (default: the one this CLI was built from,
    /// else the crates.io release).
    #[arg(long, env = "FASTAPPS_PATH", value_name = "CHECKOUT")]
    path: Option<PathBuf>,
    /// Do not run npm install (nor the first widget build).
    #[arg(long)]
    no_install: bool,
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// The widget's name (`pizza-list`, `Pizza list`, `PizzaList` are all the same).
    name: String,
    /// Callers must be signed in (and hold --scopes).
    #[arg(long, groups = ["access", "signed_in"])]
    auth: bool,
    /// Anyone may call it; signed-in callers are seen as such.
    #[arg(long, groups = ["access", "signed_in"])]
    optional_auth: bool,
    /// Anyone may call it, even when the server requires sign-in elsewhere.
    #[arg(long, group = "access")]
    public: bool,
    /// OAuth scopes the widget's tool needs, comma separated (with --auth or --optional-auth).
    #[arg(long, value_name = "A,B", requires = "signed_in")]
    scopes: Option<String>,
    /// What the new widget starts as.
    #[arg(long, value_enum, ignore_case = true, default_value = "blank")]
    template: WidgetTemplate,
}

#[derive(Debug, Args)]
struct BuildArgs {
    /// One self-contained HTML file per widget (the default, unless fastapps.toml says hosted).
    #[arg(long, conflicts_with = "hosted")]
    inline: bool,
    /// HTML that loads its script and styles from <public URL>/assets.
    #[arg(long)]
    hosted: bool,
}

#[derive(Debug, Args)]
struct DevArgs {
    /// Port to listen on.
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Address to listen on; keep it on loopback unless you mean to share the server.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Do not start the development sign-in (the server runs without auth unless an identity
    /// provider is configured).
    #[arg(long)]
    no_auth: bool,
}

#[derive(Debug, Subcommand)]
enum CspCommand {
    /// Add origins to a list.
    Add {
        /// Origins such as https://api.example.com (a `*.` label is allowed).
        #[arg(required = true)]
        origins: Vec<String>,
        /// Which list.
        #[arg(long, value_enum, default_value = "connect")]
        kind: csp::Kind,
    },
    /// Remove origins, from one list or from all of them.
    Remove {
        #[arg(required = true)]
        origins: Vec<String>,
        /// Which list (default: every list).
        #[arg(long, value_enum)]
        kind: Option<csp::Kind>,
    },
    /// Show every list.
    List,
}

impl CreateArgs {
    fn access(&self) -> anyhow::Result<Access> {
        let scopes = self.scopes.as_deref().map(create::parse_scopes).transpose()?.unwrap_or_default();
        Ok(if self.auth {
            Access::Required(scopes)
        } else if self.optional_auth {
            Access::Optional(scopes)
        } else if self.public {
            Access::Public
        } else {
            Access::Default
        })
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let cwd = match cli.dir {
        Some(dir) => dir,
        None => std::env::current_dir().context("cannot read the current folder")?,
    };
    match cli.command {
        Command::Init(args) => {
            let framework = init::Framework::choose(args.path)?;
            let options = init::Init { name: args.name, parent: cwd, framework, install: !args.no_install };
            let dir = init::init(options).await?;
            let shown = dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
            eprintln!(
                "\nnext:\n  cd {shown}\n  fastapps dev        # then open http://127.0.0.1:8000/_fastapps/preview"
            );
            if args.no_install {
                eprintln!("  (npm install and fastapps build first: --no-install skipped them)");
            }
        }
        Command::Create(args) => {
            let project = Project::find(&cwd)?;
            let name = names::WidgetName::parse(&args.name)?;
            let access = args.access()?;
            let created = create::add_widget(&project, name, args.template, &access)?;
            eprintln!(
                "created widget {:?} (tool {:?}, struct {}):",
                created.name.id, created.name.id, created.name.type_name
            );
            for file in &created.files {
                eprintln!("  {}", file.strip_prefix(&project.root).unwrap_or(file).display());
            }
            eprintln!("run `fastapps build` (or keep `fastapps dev` running) to build it");
        }
        Command::Build(args) => {
            let project = Project::find(&cwd)?;
            let mode = match (args.inline, args.hosted) {
                (true, _) => Some(BuildMode::Inline),
                (_, true) => Some(BuildMode::Hosted),
                _ => None,
            };
            if mode == Some(BuildMode::Hosted) && project.build.mode != BuildMode::Hosted {
                eprintln!(
                    "note: fastapps.toml says [build] mode = \"inline\"; set it to \"hosted\" so `fastapps dev` \
                     builds the same way"
                );
            }
            let built = build::build(&project, mode).await?;
            eprintln!("{} widget(s) in {}", built.widgets.len(), project.assets_dir().display());
        }
        Command::Dev(args) => {
            let project = Project::find(&cwd)?;
            let options = dev::DevOptions { host: args.host, port: args.port, dev_auth: !args.no_auth };
            dev::dev(&project, options).await?;
        }
        Command::Csp { command } => {
            let project = Project::find(&cwd)?;
            match command {
                CspCommand::Add { origins, kind } => {
                    let added = csp::add(&project, kind, &origins)?;
                    if added.is_empty() {
                        eprintln!("nothing to add: every origin is listed already");
                    }
                    for origin in added {
                        eprintln!("added {origin} to [csp] {}", kind.0);
                    }
                }
                CspCommand::Remove { origins, kind } => {
                    let removed = csp::remove(&project, kind, &origins)?;
                    if removed.is_empty() {
                        bail!("none of {} is listed in fastapps.toml [csp]", origins.join(", "));
                    }
                    for (list, origin) in removed {
                        eprintln!("removed {origin} from [csp] {list}");
                    }
                }
                CspCommand::List => {
                    for (list, origins) in csp::list(&project)? {
                        println!("{list:<9} {}", if origins.is_empty() { "-".to_owned() } else { origins.join(" ") });
                    }
                }
            }
        }
        Command::Tools => {
            let project = Project::find(&cwd)?;
            let listed = tools::tools(&project).await?;
            println!("{}", serde_json::to_string_pretty(&listed)?);
        }
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let dev = matches!(cli.command, Command::Dev(_));
    let outcome = runtime.block_on(async {
        if dev {
            // `dev` stops its server gracefully on Ctrl-C itself.
            return run(cli).await;
        }
        // Interrupted, the command is dropped, and with it every child process it started.
        tokio::select! {
            result = run(cli) => result,
            () = dev::shutdown_signal() => Err(anyhow::anyhow!("interrupted")),
        }
    });
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

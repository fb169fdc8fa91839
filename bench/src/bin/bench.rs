//! Load benchmark driver: MCP `tools/call` throughput and latency of the
//! fixture server against a bare axum baseline, and of a tool requiring a
//! signed-in user (with a valid RS256 token) against the same tool without
//! auth, measured in the same run.
//!
//! See `docs/performance.md` for what is measured; `scripts/bench.sh` builds
//! everything and runs this with `--write docs/performance.md`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use std::{env, fs, thread};

use anyhow::{Context, Result, bail};
use clap::Parser;
use fastapps_bench::client::Endpoint;
use fastapps_bench::load::{self, Plan};
use fastapps_bench::machine::{CpuSnapshot, MachineInfo};
use fastapps_bench::process::ServerProcess;
use fastapps_bench::report::{Comparison, Report, Row, Settings, Target};
use fastapps_bench::stats::Measurement;
use http::StatusCode;

/// Measure MCP `tools/call` throughput and latency (2025-11-25 and 2026-07-28) against a
/// bare axum baseline, and the cost of authentication.
#[derive(Debug, Parser)]
#[command(about)]
struct Args {
    /// Measured seconds per target and connection count.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Warm-up seconds before each measurement.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Alternating rounds per connection count; each row merges all its rounds.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Comma-separated connection counts to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    connections: Vec<usize>,
    /// Fixture server binary [default: <target dir>/release/conformance-server].
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Baseline binary [default: <target dir>/release/bench-baseline].
    #[arg(long)]
    baseline_bin: Option<PathBuf>,
    /// Auth benchmark server binary [default: <target dir>/release/bench-auth-server].
    #[arg(long)]
    auth_server_bin: Option<PathBuf>,
    /// Leave out the cost of authentication (the echo tool with and without auth).
    #[arg(long, conflicts_with = "auth_only")]
    skip_auth: bool,
    /// Measure only the cost of authentication.
    #[arg(long, conflicts_with_all = ["stateless", "stateless_only"])]
    auth_only: bool,
    /// Also measure the fixture server started with `--stateless`.
    #[arg(long)]
    stateless: bool,
    /// Measure only the stateless mode of the fixture server (implies --stateless).
    #[arg(long)]
    stateless_only: bool,
    /// Leave out the 2026-07-28 calls of the fixture server.
    #[arg(long)]
    skip_modern: bool,
    /// Write the markdown report to this file (e.g. docs/performance.md).
    #[arg(long, value_name = "PATH")]
    write: Option<PathBuf>,
    /// Worker threads of the load generator [default: available CPUs].
    #[arg(long)]
    client_threads: Option<usize>,
    /// Seconds after which an unanswered request counts as an error.
    #[arg(long, default_value_t = 10.0)]
    request_timeout: f64,
    /// Seconds to wait for a server to print its URL.
    #[arg(long, default_value_t = 30.0)]
    startup_timeout: f64,
}

/// A started server and the target it represents.
#[derive(Debug)]
struct Running {
    target: Target,
    process: ServerProcess,
    endpoint: Arc<Endpoint>,
}

fn main() -> Result<ExitCode> {
    let args = Args::parse();
    let duration = seconds("--duration", args.duration)?;
    let warmup = seconds("--warmup", args.warmup)?;
    let request_timeout = seconds("--request-timeout", args.request_timeout)?;
    let startup_timeout = seconds("--startup-timeout", args.startup_timeout)?;
    if duration.is_zero() {
        bail!("--duration must be positive");
    }
    if args.rounds == 0 {
        bail!("--rounds must be at least 1");
    }
    if args.connections.is_empty() || args.connections.contains(&0) {
        bail!("--connections needs one or more positive counts");
    }
    let client_threads =
        args.client_threads.unwrap_or_else(|| thread::available_parallelism().map_or(2, usize::from)).max(1);

    let binaries = Binaries {
        server: args.server_bin.unwrap_or_else(|| default_binary("conformance-server")),
        baseline: args.baseline_bin.unwrap_or_else(|| default_binary("bench-baseline")),
        auth_server: args.auth_server_bin.unwrap_or_else(|| default_binary("bench-auth-server")),
    };
    let mut targets = Vec::new();
    if !args.auth_only {
        targets.push(Target::Baseline);
        if !args.stateless_only {
            targets.push(Target::Stateful);
            if !args.skip_modern {
                targets.push(Target::Modern);
            }
        }
        if args.stateless || args.stateless_only {
            targets.push(Target::Stateless);
        }
    }
    if !args.skip_auth {
        targets.extend([Target::EchoNoAuth, Target::EchoAuth]);
    }

    let machine = MachineInfo::detect();
    let mut servers = Vec::with_capacity(targets.len());
    for target in targets {
        servers.push(start(target, &binaries, startup_timeout, request_timeout)?);
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(client_threads)
        .enable_all()
        .build()
        .context("building the load generator runtime")?;

    let pids: Vec<u32> = servers.iter().map(|s| s.process.pid()).collect();
    let cpu_start = CpuSnapshot::take(&pids);
    let plan = |connections| Plan { connections, warmup, duration, request_timeout };
    let rows = measure_all(&runtime, &mut servers, &args.connections, args.rounds, plan);
    let interference = cpu_start.zip(CpuSnapshot::take(&pids)).and_then(|(start, end)| start.interference_until(&end));
    drop(servers);

    let report = Report {
        machine,
        interference,
        settings: Settings { warmup, duration, rounds: args.rounds, client_threads },
        rows,
    };
    for comparison in [Comparison::Framework, Comparison::Auth] {
        println!("{}", report.table(comparison));
    }
    let problems = report.problems();
    if !problems.is_empty() {
        println!("{problems}");
    }
    for comparison in [Comparison::Framework, Comparison::Auth] {
        println!("{}", report.goal_sentence(comparison).replace("**", ""));
    }
    println!("{}", report.interference_text());
    if let Some(path) = &args.write {
        write_report(path, &report.document())?;
        eprintln!("wrote {}", path.display());
    }
    if report.has_problems() {
        eprintln!("some measurements failed or had request errors (see above)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Measures every server at every connection count, alternating between the
/// servers for `rounds` rounds per connection count; one row per server and count.
fn measure_all(
    runtime: &tokio::runtime::Runtime,
    servers: &mut [Running],
    connections: &[usize],
    rounds: usize,
    plan: impl Fn(usize) -> Plan,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for &connections in connections {
        let first = rows.len();
        for round in 1..=rounds {
            for (i, server) in servers.iter_mut().enumerate() {
                let outcome = measure(runtime, server, plan(connections));
                let label = server.target.label();
                match &outcome {
                    Ok(m) => eprintln!(
                        "round {round}/{rounds}: {label}, {connections} connection(s): {:.0} req/s, {} errors",
                        m.requests_per_second(),
                        m.tally.errors
                    ),
                    Err(reason) => {
                        eprintln!("round {round}/{rounds}: {label}, {connections} connection(s) failed: {reason}")
                    }
                }
                if round == 1 {
                    rows.push(Row { connections, target: server.target, outcome });
                } else {
                    merge_round(&mut rows[first + i].outcome, outcome);
                }
            }
        }
    }
    rows
}

/// Takes one measurement of `server`, failing if the server died meanwhile.
fn measure(runtime: &tokio::runtime::Runtime, server: &mut Running, plan: Plan) -> Result<Measurement, String> {
    let measured = runtime.block_on(load::run(Arc::clone(&server.endpoint), server.target.workload(), plan));
    match (measured, server.process.ensure_running()) {
        (_, Err(died)) => Err(format!("{died:#}")),
        (Err(err), Ok(())) => Err(format!("{err:#}")),
        (Ok(measurement), Ok(())) => Ok(measurement),
    }
}

/// Folds one more round into a row; the first failure sticks.
fn merge_round(row: &mut Result<Measurement, String>, round: Result<Measurement, String>) {
    let merged = match (&mut *row, round) {
        (Err(_), _) => return,
        (Ok(total), Ok(more)) => total.absorb(more).map_err(|e| format!("{e:#}")),
        (Ok(_), Err(reason)) => Err(reason),
    };
    if let Err(reason) = merged {
        *row = Err(reason);
    }
}

/// The server programs.
#[derive(Debug)]
struct Binaries {
    server: PathBuf,
    baseline: PathBuf,
    auth_server: PathBuf,
}

/// Starts the process for `target` and parses the URL (and token) it prints.
fn start(target: Target, binaries: &Binaries, startup_timeout: Duration, request_timeout: Duration) -> Result<Running> {
    let (program, extra_args): (&Path, &[&str]) = match target {
        Target::Baseline => (&binaries.baseline, &[]),
        Target::Stateful => (&binaries.server, &[]),
        Target::Stateless => (&binaries.server, &["--stateless"]),
        Target::Modern => (&binaries.server, &[]),
        Target::EchoNoAuth => (&binaries.auth_server, &["--no-auth"]),
        Target::EchoAuth => (&binaries.auth_server, &[]),
    };
    let mut process = ServerProcess::start(target.label(), program, extra_args, startup_timeout)?;
    let mut endpoint =
        Endpoint::parse(process.url()).with_context(|| format!("{} printed an unusable URL", process.name()))?;
    if matches!(target, Target::EchoNoAuth | Target::EchoAuth) {
        let token = process.read_line("token ", startup_timeout)?;
        match (target, token.as_str()) {
            (Target::EchoNoAuth, "-") => {}
            (Target::EchoAuth, token) if token != "-" => {
                endpoint = endpoint.with_bearer(token)?;
                refuses_anonymous(&endpoint, request_timeout)
                    .with_context(|| format!("checking that {} requires a token", target.label()))?;
            }
            (_, token) => bail!("{} printed an unexpected token line: `token {token}`", target.label()),
        }
    }
    eprintln!("started {} at {}", target.label(), process.url());
    Ok(Running { target, process, endpoint: Arc::new(endpoint) })
}

/// Fails unless `initialize` without a token is refused with 401.
fn refuses_anonymous(endpoint: &Endpoint, request_timeout: Duration) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("building a runtime")?;
    let status = runtime.block_on(load::initialize_status(Arc::new(endpoint.without_bearer()), request_timeout))?;
    if status != StatusCode::UNAUTHORIZED {
        bail!("initialize without a token answered {status}, not 401 Unauthorized");
    }
    Ok(())
}

/// `<target dir>/release/<name>`, where the target directory is
/// `$CARGO_TARGET_DIR` if set, else `target/` in the workspace root.
fn default_binary(name: &str) -> PathBuf {
    let target_dir = env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or_else(|| Path::new(".")).join("target"),
        PathBuf::from,
    );
    target_dir.join("release").join(format!("{name}{}", env::consts::EXE_SUFFIX))
}

/// Parses a non-negative, finite number of seconds.
fn seconds(flag: &str, value: f64) -> Result<Duration> {
    if !value.is_finite() || value < 0.0 {
        bail!("{flag} must be a non-negative number of seconds, got {value}");
    }
    Ok(Duration::from_secs_f64(value))
}

/// Writes `contents` to `path`, creating parent directories.
fn write_report(path: &Path, contents: &str) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    fs::write(path, contents).with_context(|| format!("writing {}", path.display()))
}

//! The results table and the markdown document written to `docs/performance.md`.

use std::fmt::Write as _;
use std::time::Duration;

use crate::load::{Expect, Protocol, Workload};
use crate::machine::{Interference, MachineInfo};
use crate::mcp;
use crate::stats::Measurement;

/// Connection count at which the goals are checked.
pub const GOAL_CONNECTIONS: usize = 16;

/// Minimum throughput of the stateful server relative to the baseline.
pub const GOAL_RATIO: f64 = 0.5;

/// Minimum throughput of the authenticated call relative to the same call without auth.
pub const AUTH_GOAL_RATIO: f64 = 0.9;

/// A server being measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The bare axum handler (`bench-baseline`).
    Baseline,
    /// The fixture server in its default, stateful mode.
    Stateful,
    /// The fixture server started with `--stateless`.
    Stateless,
    /// The fixture server in its default mode, called by a 2026-07-28 client (no session,
    /// the request `_meta` and headers on every call).
    Modern,
    /// `bench-auth-server --no-auth`: the `echo` tool without auth.
    EchoNoAuth,
    /// `bench-auth-server`: the `echo` tool requiring a user, called with a valid RS256 token.
    EchoAuth,
}

impl Target {
    /// Name used in the table.
    pub fn label(self) -> &'static str {
        match self {
            Self::Baseline => "axum baseline",
            Self::Stateful => "fastapps (stateful)",
            Self::Stateless => "fastapps (stateless)",
            Self::Modern => "fastapps (2026-07-28)",
            Self::EchoNoAuth => "echo, no auth",
            Self::EchoAuth => "echo, auth (RS256 JWT)",
        }
    }

    /// What the load generator sends this target and what counts as success.
    pub fn workload(self) -> Workload {
        match self {
            Self::Baseline => Workload { protocol: Protocol::Plain, tool: mcp::TOOL_NAME, expect: Expect::Result },
            Self::Stateful | Self::Stateless => {
                Workload { protocol: Protocol::Mcp, tool: mcp::TOOL_NAME, expect: Expect::Result }
            }
            Self::Modern => Workload { protocol: Protocol::Modern, tool: mcp::TOOL_NAME, expect: Expect::Result },
            Self::EchoNoAuth | Self::EchoAuth => {
                Workload { protocol: Protocol::Mcp, tool: mcp::ECHO_TOOL_NAME, expect: Expect::ToolSuccess }
            }
        }
    }

    /// The comparison this target is part of.
    pub fn comparison(self) -> Comparison {
        match self {
            Self::Baseline | Self::Stateful | Self::Stateless | Self::Modern => Comparison::Framework,
            Self::EchoNoAuth | Self::EchoAuth => Comparison::Auth,
        }
    }
}

/// A group of targets compared with one reference target, each with its own table and goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// The fixture server against the bare axum baseline.
    Framework,
    /// The `echo` tool with auth against the same tool without.
    Auth,
}

impl Comparison {
    /// The target the others are divided by.
    pub fn reference(self) -> Target {
        match self {
            Self::Framework => Target::Baseline,
            Self::Auth => Target::EchoNoAuth,
        }
    }

    /// The target the goal is about.
    pub fn goal_target(self) -> Target {
        match self {
            Self::Framework => Target::Stateful,
            Self::Auth => Target::EchoAuth,
        }
    }

    /// The minimum ratio of the goal.
    pub fn goal_ratio(self) -> f64 {
        match self {
            Self::Framework => GOAL_RATIO,
            Self::Auth => AUTH_GOAL_RATIO,
        }
    }

    /// Heading of the ratio column.
    fn ratio_heading(self) -> &'static str {
        match self {
            Self::Framework => "ratio to baseline",
            Self::Auth => "ratio to no auth",
        }
    }
}

/// One line of the results table.
#[derive(Debug, Clone)]
pub struct Row {
    /// Number of concurrent connections.
    pub connections: usize,
    /// What was measured.
    pub target: Target,
    /// The measurement, or why it could not be taken.
    pub outcome: Result<Measurement, String>,
}

/// Parameters of the run, echoed in the document.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Warm-up before each measured window.
    pub warmup: Duration,
    /// Length of each measured window.
    pub duration: Duration,
    /// Number of alternating rounds merged into each row.
    pub rounds: usize,
    /// Worker threads of the load generator's runtime.
    pub client_threads: usize,
}

/// Whether the run met a goal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// Ratio at or above the goal's.
    Met(f64),
    /// Ratio below the goal's.
    Missed(f64),
    /// One of the relevant measurements failed or had request errors.
    Failed,
    /// The relevant rows were not part of this run.
    NotMeasured,
}

/// All results of one run.
#[derive(Debug, Clone)]
pub struct Report {
    /// Machine the run happened on.
    pub machine: MachineInfo,
    /// CPU time other processes took during the run, if known.
    pub interference: Option<Interference>,
    /// Run parameters.
    pub settings: Settings,
    /// Rows in measurement order.
    pub rows: Vec<Row>,
}

impl Report {
    /// The row of `target` at `connections`, if measured.
    fn row(&self, target: Target, connections: usize) -> Option<&Row> {
        self.rows.iter().find(|r| r.target == target && r.connections == connections)
    }

    /// The measurement `row` is compared with, if it succeeded.
    fn reference(&self, row: &Row) -> Option<&Measurement> {
        self.row(row.target.comparison().reference(), row.connections)?.outcome.as_ref().ok()
    }

    /// Throughput of `row` divided by its reference's at the same connection count.
    pub fn ratio(&self, row: &Row) -> Option<f64> {
        let own = row.outcome.as_ref().ok()?.requests_per_second();
        let reference = self.reference(row)?.requests_per_second();
        (reference > 0.0).then(|| own / reference)
    }

    /// The ratio to the reference of each round, pairing the rounds in order.
    pub fn round_ratios(&self, row: &Row) -> Vec<f64> {
        let (Ok(own), Some(reference)) = (&row.outcome, self.reference(row)) else {
            return Vec::new();
        };
        own.round_rates()
            .iter()
            .zip(reference.round_rates())
            .filter(|&(_, &base)| base > 0.0)
            .map(|(own, base)| own / base)
            .collect()
    }

    /// The goal check of `comparison`: its goal target against its reference at
    /// [`GOAL_CONNECTIONS`] connections.
    pub fn goal(&self, comparison: Comparison) -> Goal {
        let (Some(row), Some(reference)) =
            (self.row(comparison.goal_target(), GOAL_CONNECTIONS), self.row(comparison.reference(), GOAL_CONNECTIONS))
        else {
            return Goal::NotMeasured;
        };
        if [row, reference].iter().any(|r| r.outcome.as_ref().map_or(true, Measurement::has_errors)) {
            return Goal::Failed;
        }
        match self.ratio(row) {
            None => Goal::NotMeasured,
            Some(r) if r >= comparison.goal_ratio() => Goal::Met(r),
            Some(r) => Goal::Missed(r),
        }
    }

    /// Whether any measurement failed or had request errors.
    pub fn has_problems(&self) -> bool {
        self.rows.iter().any(|r| r.outcome.as_ref().map_or(true, Measurement::has_errors))
    }

    /// The results of `comparison` as a markdown table (a sentence if none were measured).
    pub fn table(&self, comparison: Comparison) -> String {
        let rows: Vec<&Row> = self.rows.iter().filter(|r| r.target.comparison() == comparison).collect();
        if rows.is_empty() {
            return "Not measured in this run.\n".to_owned();
        }
        let mut out = format!(
            "| connections | target | req/s | p50 (µs) | p99 (µs) | {} | per round | errors |\n\
             | ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |\n",
            comparison.ratio_heading()
        );
        for row in rows {
            let ratio = self.ratio(row).map_or_else(|| "–".to_owned(), |r| format!("{r:.2}"));
            let rounds: Vec<String> = self.round_ratios(row).iter().map(|r| format!("{r:.2}")).collect();
            let rounds = if row.target == comparison.reference() || rounds.len() < 2 {
                "–".to_owned()
            } else {
                rounds.join(" / ")
            };
            let _ = match &row.outcome {
                Ok(m) => writeln!(
                    out,
                    "| {} | {} | {:.0} | {} | {} | {ratio} | {rounds} | {} |",
                    row.connections,
                    row.target.label(),
                    m.requests_per_second(),
                    micros(m.p50()),
                    micros(m.p99()),
                    m.tally.errors,
                ),
                Err(_) => {
                    writeln!(
                        out,
                        "| {} | {} | failed | – | – | – | – | see below |",
                        row.connections,
                        row.target.label(),
                    )
                }
            };
        }
        out
    }

    /// Failures, request errors and setup notes, as a markdown list (empty if none).
    pub fn problems(&self) -> String {
        let mut out = String::new();
        for row in &self.rows {
            let plural = if row.connections == 1 { "" } else { "s" };
            let head = format!("**{}, {} connection{plural}**", row.target.label(), row.connections);
            match &row.outcome {
                Err(reason) => {
                    let _ = writeln!(out, "- {head}: measurement failed:\n{}", fenced(reason));
                }
                Ok(m) => {
                    if m.has_errors() {
                        let _ = writeln!(
                            out,
                            "- {head}: {} failed requests ({} reconnects); first error:\n{}",
                            m.tally.errors,
                            m.tally.reconnects,
                            fenced(m.tally.first_error.as_deref().unwrap_or("(none recorded)")),
                        );
                    }
                    for note in &m.notes {
                        let _ = writeln!(out, "- {head}: note: {note}");
                    }
                }
            }
        }
        out
    }

    /// One sentence on the goal of `comparison`, in markdown.
    pub fn goal_sentence(&self, comparison: Comparison) -> String {
        let goal = self.goal(comparison);
        if let Goal::Met(r) | Goal::Missed(r) = goal {
            let verdict = if matches!(goal, Goal::Met(_)) { "**met**" } else { "**did not meet**" };
            return match comparison {
                Comparison::Framework => format!(
                    "This run {verdict} the goal: {r:.2}× the baseline's throughput at {GOAL_CONNECTIONS} connections."
                ),
                Comparison::Auth => {
                    let cost = (1.0 - r) * 100.0;
                    let cost = if cost > 0.0 {
                        format!("authentication cost {cost:.1}% of the throughput")
                    } else {
                        "no measurable cost".to_owned()
                    };
                    format!(
                        "This run {verdict} the goal: with auth, {r:.2}× the throughput without auth at \
                         {GOAL_CONNECTIONS} connections ({cost})."
                    )
                }
            };
        }
        let measured = match comparison {
            Comparison::Framework => "both the baseline and the stateful server",
            Comparison::Auth => "the echo tool both with and without auth",
        };
        match goal {
            Goal::Failed => format!(
                "This run **could not check** the goal: a measurement at {GOAL_CONNECTIONS} connections it needs failed or had errors (see below)."
            ),
            _ => format!(
                "This run **did not check** the goal: it did not measure {measured} at {GOAL_CONNECTIONS} connections."
            ),
        }
    }

    /// One sentence comparing the 2026-07-28 calls with the 2025-11-25 session calls, in
    /// markdown.
    pub fn era_sentence(&self) -> String {
        let rate = |target| {
            self.row(target, GOAL_CONNECTIONS)
                .and_then(|r| r.outcome.as_ref().ok())
                .filter(|m| m.tally.errors == 0)
                .map(Measurement::requests_per_second)
        };
        match (rate(Target::Modern), rate(Target::Stateful), rate(Target::Baseline)) {
            (Some(modern), Some(legacy), Some(base)) if legacy > 0.0 && base > 0.0 => format!(
                "Both eras at {GOAL_CONNECTIONS} connections: a 2026-07-28 `tools/call` reached {:.2}× the \
                 baseline's throughput, {:.2}× that of a 2025-11-25 call on a session.",
                modern / base,
                modern / legacy
            ),
            _ => format!(
                "This run did not compare the two eras at {GOAL_CONNECTIONS} connections (a measurement is missing or had errors)."
            ),
        }
    }

    /// One line on how much other processes competed for the CPU.
    pub fn interference_text(&self) -> String {
        match self.interference {
            Some(i) => format!(
                "{:.0}% of the machine's CPU time went to other processes during the run, {:.0}% was stolen by the hypervisor; the more, the noisier the figures",
                i.others * 100.0,
                i.steal * 100.0
            ),
            None => "CPU time used by other processes during the run: unknown".to_owned(),
        }
    }

    /// The complete `docs/performance.md`.
    pub fn document(&self) -> String {
        let m = &self.machine;
        let s = &self.settings;
        let problems = self.problems();
        let problems = if problems.is_empty() {
            "Every request of every measurement succeeded.\n".to_owned()
        } else {
            format!("Remarks on this run:\n\n{problems}")
        };
        format!(
            include_str!("performance.md.in"),
            goal_connections = GOAL_CONNECTIONS,
            goal_ratio = GOAL_RATIO,
            goal_sentence = self.goal_sentence(Comparison::Framework),
            auth_goal_ratio = AUTH_GOAL_RATIO,
            auth_goal_percent = (1.0 - AUTH_GOAL_RATIO) * 100.0,
            auth_goal_sentence = self.goal_sentence(Comparison::Auth),
            date = m.date,
            cpu = m.cpu_model,
            cores = m.cores,
            rustc = m.rustc,
            interference = self.interference_text(),
            warmup = s.warmup.as_secs_f64(),
            duration = s.duration.as_secs_f64(),
            rounds = s.rounds,
            client_threads = s.client_threads,
            table = self.table(Comparison::Framework),
            era_sentence = self.era_sentence(),
            auth_table = self.table(Comparison::Auth),
            problems = problems,
        )
    }
}

/// A duration in microseconds with one decimal.
fn micros(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

/// `text` as an indented fenced block inside a list item.
fn fenced(text: &str) -> String {
    let mut out = String::from("  ```text\n");
    for line in text.lines() {
        let _ = writeln!(out, "  {line}");
    }
    out.push_str("  ```");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Tally;

    fn measured(connections: usize, ok: u64) -> anyhow::Result<Measurement> {
        let mut tally = Tally::new()?;
        for _ in 0..ok {
            tally.record_ok(Duration::from_micros(100));
        }
        Ok(Measurement::new(connections, Duration::from_secs(1), tally, Vec::new()))
    }

    fn report(rows: Vec<Row>) -> Report {
        Report {
            machine: MachineInfo {
                cpu_model: "Test CPU".into(),
                cores: 2,
                rustc: "rustc 1.0.0".into(),
                date: "2024-01-01 00:00 UTC".into(),
            },
            settings: Settings {
                warmup: Duration::from_secs(2),
                duration: Duration::from_secs(10),
                rounds: 3,
                client_threads: 2,
            },
            interference: None,
            rows,
        }
    }

    #[test]
    fn computes_ratio_and_goal() -> anyhow::Result<()> {
        let r = report(vec![
            Row { connections: 16, target: Target::Baseline, outcome: Ok(measured(16, 1000)?) },
            Row { connections: 16, target: Target::Stateful, outcome: Ok(measured(16, 600)?) },
        ]);
        assert_eq!(r.ratio(&r.rows[1]), Some(0.6));
        assert_eq!(r.goal(Comparison::Framework), Goal::Met(0.6));
        assert_eq!(r.goal(Comparison::Auth), Goal::NotMeasured);
        assert!(!r.has_problems());
        let doc = r.document();
        assert!(doc.contains("| 16 | fastapps (stateful) | 600 | 100.0 | 100.0 | 0.60 | – | 0 |"));
        assert!(doc.contains("**met**"));
        assert!(doc.contains("**did not check**"));
        Ok(())
    }

    #[test]
    fn compares_auth_with_no_auth() -> anyhow::Result<()> {
        let r = report(vec![
            Row { connections: 16, target: Target::Baseline, outcome: Ok(measured(16, 1000)?) },
            Row { connections: 16, target: Target::Stateful, outcome: Ok(measured(16, 600)?) },
            Row { connections: 16, target: Target::EchoNoAuth, outcome: Ok(measured(16, 800)?) },
            Row { connections: 16, target: Target::EchoAuth, outcome: Ok(measured(16, 760)?) },
        ]);
        assert_eq!(r.ratio(&r.rows[2]), Some(1.0));
        assert_eq!(r.ratio(&r.rows[3]), Some(0.95));
        assert_eq!(r.goal(Comparison::Auth), Goal::Met(0.95));
        let table = r.table(Comparison::Auth);
        assert!(table.contains("| ratio to no auth |"));
        assert!(table.contains("| 16 | echo, auth (RS256 JWT) | 760 | 100.0 | 100.0 | 0.95 | – | 0 |"));
        assert!(!table.contains("stateful"));
        assert!(!r.table(Comparison::Framework).contains("echo"));
        assert!(r.goal_sentence(Comparison::Auth).contains("0.95× the throughput without auth"));
        assert!(r.goal_sentence(Comparison::Auth).contains("cost 5.0%"));

        let slow = report(vec![
            Row { connections: 16, target: Target::EchoNoAuth, outcome: Ok(measured(16, 800)?) },
            Row { connections: 16, target: Target::EchoAuth, outcome: Ok(measured(16, 600)?) },
        ]);
        assert_eq!(slow.goal(Comparison::Auth), Goal::Missed(0.75));
        assert!(slow.goal_sentence(Comparison::Auth).contains("**did not meet**"));
        assert_eq!(slow.table(Comparison::Framework), "Not measured in this run.\n");
        Ok(())
    }

    #[test]
    fn compares_the_two_eras() -> anyhow::Result<()> {
        let report = report(vec![
            Row { connections: 16, target: Target::Baseline, outcome: Ok(measured(16, 1000)?) },
            Row { connections: 16, target: Target::Stateful, outcome: Ok(measured(16, 600)?) },
            Row { connections: 16, target: Target::Modern, outcome: Ok(measured(16, 540)?) },
        ]);
        assert_eq!(
            report.era_sentence(),
            "Both eras at 16 connections: a 2026-07-28 `tools/call` reached 0.54× the baseline's throughput, \
             0.90× that of a 2025-11-25 call on a session."
        );
        assert!(report.table(Comparison::Framework).contains("| 16 | fastapps (2026-07-28) |"));
        let without = report_rows_without_modern()?;
        assert!(without.era_sentence().starts_with("This run did not compare the two eras"));
        Ok(())
    }

    fn report_rows_without_modern() -> anyhow::Result<Report> {
        Ok(report(vec![
            Row { connections: 16, target: Target::Baseline, outcome: Ok(measured(16, 1000)?) },
            Row { connections: 16, target: Target::Stateful, outcome: Ok(measured(16, 600)?) },
        ]))
    }

    #[test]
    fn reports_failures() -> anyhow::Result<()> {
        let r = report(vec![
            Row { connections: 16, target: Target::Baseline, outcome: Ok(measured(16, 1000)?) },
            Row { connections: 16, target: Target::Stateful, outcome: Err("initialize answered HTTP 404".into()) },
        ]);
        assert_eq!(r.goal(Comparison::Framework), Goal::Failed);
        assert!(r.has_problems());
        assert!(r.problems().contains("HTTP 404"));
        Ok(())
    }
}

//! The results table and the markdown document written to `docs/performance.md`.

use std::fmt::Write as _;
use std::time::Duration;

use crate::load::Protocol;
use crate::machine::{Interference, MachineInfo};
use crate::stats::Measurement;

/// Connection count at which the project goal is checked.
pub const GOAL_CONNECTIONS: usize = 16;

/// Minimum throughput of the stateful server relative to the baseline.
pub const GOAL_RATIO: f64 = 0.5;

/// A server being measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The bare axum handler (`bench-baseline`).
    Baseline,
    /// The fixture server in its default, stateful mode.
    Stateful,
    /// The fixture server started with `--stateless`.
    Stateless,
}

impl Target {
    /// Name used in the table.
    pub fn label(self) -> &'static str {
        match self {
            Self::Baseline => "axum baseline",
            Self::Stateful => "fastapps (stateful)",
            Self::Stateless => "fastapps (stateless)",
        }
    }

    /// How the load generator talks to this target.
    pub fn protocol(self) -> Protocol {
        match self {
            Self::Baseline => Protocol::Plain,
            Self::Stateful | Self::Stateless => Protocol::Mcp,
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

/// Whether the run met the project goal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// Ratio at or above [`GOAL_RATIO`].
    Met(f64),
    /// Ratio below [`GOAL_RATIO`].
    Missed(f64),
    /// The relevant measurement failed or had request errors.
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
    /// The baseline measurement at `connections`, if it succeeded.
    fn baseline(&self, connections: usize) -> Option<&Measurement> {
        self.rows.iter().find(|r| r.target == Target::Baseline && r.connections == connections)?.outcome.as_ref().ok()
    }

    /// Throughput of `row` divided by the baseline's at the same connection count.
    pub fn ratio(&self, row: &Row) -> Option<f64> {
        let own = row.outcome.as_ref().ok()?.requests_per_second();
        let baseline = self.baseline(row.connections)?.requests_per_second();
        (baseline > 0.0).then(|| own / baseline)
    }

    /// The ratio to the baseline of each round, pairing the rounds in order.
    pub fn round_ratios(&self, row: &Row) -> Vec<f64> {
        let (Ok(own), Some(baseline)) = (&row.outcome, self.baseline(row.connections)) else {
            return Vec::new();
        };
        own.round_rates()
            .iter()
            .zip(baseline.round_rates())
            .filter(|&(_, &base)| base > 0.0)
            .map(|(own, base)| own / base)
            .collect()
    }

    /// The goal check: stateful server at [`GOAL_CONNECTIONS`] connections.
    pub fn goal(&self) -> Goal {
        let Some(row) = self.rows.iter().find(|r| r.target == Target::Stateful && r.connections == GOAL_CONNECTIONS)
        else {
            return Goal::NotMeasured;
        };
        match &row.outcome {
            Err(_) => Goal::Failed,
            Ok(m) if m.has_errors() => Goal::Failed,
            Ok(_) => match self.ratio(row) {
                None => Goal::NotMeasured,
                Some(r) if r >= GOAL_RATIO => Goal::Met(r),
                Some(r) => Goal::Missed(r),
            },
        }
    }

    /// Whether any measurement failed or had request errors.
    pub fn has_problems(&self) -> bool {
        self.rows.iter().any(|r| r.outcome.as_ref().map_or(true, Measurement::has_errors))
    }

    /// The results as a markdown table.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| connections | target | req/s | p50 (µs) | p99 (µs) | ratio to baseline | per round | errors |\n\
             | ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |\n",
        );
        for row in &self.rows {
            let ratio = self.ratio(row).map_or_else(|| "–".to_owned(), |r| format!("{r:.2}"));
            let rounds: Vec<String> = self.round_ratios(row).iter().map(|r| format!("{r:.2}")).collect();
            let rounds =
                if row.target == Target::Baseline || rounds.len() < 2 { "–".to_owned() } else { rounds.join(" / ") };
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

    /// One sentence on the goal, in markdown.
    pub fn goal_sentence(&self) -> String {
        match self.goal() {
            Goal::Met(r) => format!(
                "This run **met** the goal: {r:.2}× the baseline's throughput at {GOAL_CONNECTIONS} connections."
            ),
            Goal::Missed(r) => format!(
                "This run **did not meet** the goal: {r:.2}× the baseline's throughput at {GOAL_CONNECTIONS} connections."
            ),
            Goal::Failed => format!(
                "This run **could not check** the goal: the stateful measurement at {GOAL_CONNECTIONS} connections failed or had errors (see below)."
            ),
            Goal::NotMeasured => format!(
                "This run **did not check** the goal: it did not measure both the baseline and the stateful server at {GOAL_CONNECTIONS} connections."
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
            goal_sentence = self.goal_sentence(),
            date = m.date,
            cpu = m.cpu_model,
            cores = m.cores,
            rustc = m.rustc,
            interference = self.interference_text(),
            warmup = s.warmup.as_secs_f64(),
            duration = s.duration.as_secs_f64(),
            rounds = s.rounds,
            client_threads = s.client_threads,
            table = self.table(),
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
        assert_eq!(r.goal(), Goal::Met(0.6));
        assert!(!r.has_problems());
        let doc = r.document();
        assert!(doc.contains("| 16 | fastapps (stateful) | 600 | 100.0 | 100.0 | 0.60 | – | 0 |"));
        assert!(doc.contains("**met**"));
        Ok(())
    }

    #[test]
    fn reports_failures() -> anyhow::Result<()> {
        let r = report(vec![
            Row { connections: 16, target: Target::Baseline, outcome: Ok(measured(16, 1000)?) },
            Row { connections: 16, target: Target::Stateful, outcome: Err("initialize answered HTTP 404".into()) },
        ]);
        assert_eq!(r.goal(), Goal::Failed);
        assert!(r.has_problems());
        assert!(r.problems().contains("HTTP 404"));
        Ok(())
    }
}

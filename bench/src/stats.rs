//! Counting requests and recording their latency.

use std::time::Duration;

use anyhow::{Context, Result};
use hdrhistogram::Histogram;

/// Highest latency the histogram tracks exactly; slower requests saturate here.
const MAX_TRACKED: Duration = Duration::from_secs(60);

/// Significant decimal digits kept by the latency histogram.
const SIGNIFICANT_DIGITS: u8 = 3;

/// Per-client (and, once merged, per-measurement) request counters.
#[derive(Debug, Clone)]
pub struct Tally {
    /// Successful requests completed inside the measured window.
    pub ok: u64,
    /// Failed requests (bad status, missing result, transport error or
    /// timeout), counted over the whole run including warmup.
    pub errors: u64,
    /// Connections that had to be re-established after a transport error.
    pub reconnects: u64,
    /// Description of the first error seen, to report the exact symptom.
    pub first_error: Option<String>,
    /// Latency of the successful requests in the measured window, in nanoseconds.
    latency: Histogram<u64>,
}

impl Tally {
    /// An empty tally.
    pub fn new() -> Result<Self> {
        let high = u64::try_from(MAX_TRACKED.as_nanos()).context("histogram bound")?;
        let latency = Histogram::new_with_bounds(1, high, SIGNIFICANT_DIGITS).context("creating latency histogram")?;
        Ok(Self { ok: 0, errors: 0, reconnects: 0, first_error: None, latency })
    }

    /// Records one successful request that took `latency`.
    pub fn record_ok(&mut self, latency: Duration) {
        self.ok += 1;
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.latency.saturating_record(nanos.max(1));
    }

    /// Records one failed request.
    pub fn record_error(&mut self, description: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(description());
        }
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        self.ok += other.ok;
        self.errors += other.errors;
        self.reconnects += other.reconnects;
        if self.first_error.is_none() {
            self.first_error.clone_from(&other.first_error);
        }
        self.latency.add(&other.latency).context("merging latency histograms")
    }

    /// Latency at quantile `q` (0.0..=1.0) of the successful requests.
    pub fn latency_at(&self, q: f64) -> Duration {
        Duration::from_nanos(self.latency.value_at_quantile(q))
    }
}

/// The result of driving one target with one connection count, possibly
/// merged over several rounds.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// Number of concurrent connections (virtual clients).
    pub connections: usize,
    /// Total length of the measured windows (warmup excluded).
    pub window: Duration,
    /// Merged counters of all clients and rounds.
    pub tally: Tally,
    /// Remarks about the session setup, e.g. an unexpected status code.
    pub notes: Vec<String>,
    /// Successful requests per second of each round, in order.
    round_rates: Vec<f64>,
}

impl Measurement {
    /// A single-round measurement.
    pub fn new(connections: usize, window: Duration, tally: Tally, notes: Vec<String>) -> Self {
        let mut measurement = Self { connections, window, tally, notes, round_rates: Vec::new() };
        measurement.round_rates.push(measurement.requests_per_second());
        measurement
    }

    /// Successful requests per second of each round merged into this measurement.
    pub fn round_rates(&self) -> &[f64] {
        &self.round_rates
    }

    /// Successful requests per second over the measured window.
    pub fn requests_per_second(&self) -> f64 {
        let secs = self.window.as_secs_f64();
        if secs > 0.0 { self.tally.ok as f64 / secs } else { 0.0 }
    }

    /// Median latency.
    pub fn p50(&self) -> Duration {
        self.tally.latency_at(0.50)
    }

    /// 99th percentile latency.
    pub fn p99(&self) -> Duration {
        self.tally.latency_at(0.99)
    }

    /// Adds another round of the same target and connection count.
    pub fn absorb(&mut self, other: Self) -> Result<()> {
        self.window += other.window;
        self.tally.merge(&other.tally)?;
        self.round_rates.extend(other.round_rates);
        for note in other.notes {
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
        Ok(())
    }

    /// Whether any request failed.
    pub fn has_errors(&self) -> bool {
        self.tally.errors > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_and_computes_percentiles() -> Result<()> {
        let mut a = Tally::new()?;
        let mut b = Tally::new()?;
        for micros in 1..=100 {
            a.record_ok(Duration::from_micros(micros));
        }
        b.record_error(|| "HTTP 500".to_owned());
        b.record_error(|| "second".to_owned());
        a.merge(&b)?;
        let mut m = Measurement::new(1, Duration::from_secs(2), a, Vec::new());
        assert_eq!(m.tally.ok, 100);
        assert_eq!(m.tally.errors, 2);
        assert_eq!(m.tally.first_error.as_deref(), Some("HTTP 500"));
        assert!((m.requests_per_second() - 50.0).abs() < f64::EPSILON);
        let p50 = m.p50().as_micros();
        assert!((49..=51).contains(&p50), "p50 = {p50}");
        let p99 = m.p99().as_micros();
        assert!((98..=100).contains(&p99), "p99 = {p99}");
        let mut round = Tally::new()?;
        round.record_ok(Duration::from_micros(1));
        m.absorb(Measurement::new(1, Duration::from_secs(1), round, Vec::new()))?;
        assert_eq!(m.round_rates(), &[50.0, 1.0]);
        assert!((m.requests_per_second() - 101.0 / 3.0).abs() < 1e-9);
        Ok(())
    }
}

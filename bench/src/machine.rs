//! A description of the machine and toolchain a run happened on.

use std::fs;
use std::process::Command;
use std::thread;
use std::time::{SystemTime, UNIX_EPOCH};

/// Facts about the benchmark machine, as printed in the report.
#[derive(Debug, Clone)]
pub struct MachineInfo {
    /// CPU model name from `/proc/cpuinfo`.
    pub cpu_model: String,
    /// Number of CPUs available to this process.
    pub cores: usize,
    /// Output of `rustc --version`.
    pub rustc: String,
    /// When the run started, UTC, `YYYY-MM-DD HH:MM UTC`.
    pub date: String,
}

impl MachineInfo {
    /// Collects the facts at the start of a run; anything that cannot be
    /// determined reads `unknown`.
    pub fn detect() -> Self {
        Self {
            cpu_model: cpu_model().unwrap_or_else(unknown),
            cores: thread::available_parallelism().map_or(0, usize::from),
            rustc: rustc_version().unwrap_or_else(unknown),
            date: utc_now(),
        }
    }
}

/// How much CPU time others took from the run, as shares of the machine's total.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interference {
    /// Share of CPU time used by processes other than the benchmark and its servers.
    pub others: f64,
    /// Share of CPU time stolen by the hypervisor (virtual machines only).
    pub steal: f64,
}

/// CPU time counters at one instant, in clock ticks.
#[derive(Debug, Clone, Copy)]
pub struct CpuSnapshot {
    total: u64,
    busy: u64,
    steal: u64,
    own: u64,
}

impl CpuSnapshot {
    /// Reads the machine-wide counters and the CPU time of this process plus `pids`
    /// (processes that are gone count as zero).
    ///
    /// Returns `None` where `/proc` is not available.
    pub fn take(pids: &[u32]) -> Option<Self> {
        let stat = fs::read_to_string("/proc/stat").ok()?;
        let ticks: Vec<u64> = stat
            .lines()
            .next()?
            .strip_prefix("cpu ")?
            .split_whitespace()
            .map(|field| field.parse().unwrap_or(0))
            .collect();
        // user nice system idle iowait irq softirq steal [guest guest_nice]
        let &[user, nice, system, idle, iowait, irq, softirq, steal, ..] = ticks.as_slice() else {
            return None;
        };
        // Interrupt time is left out of `busy`: the kernel does not charge it to
        // any process, and most of it here is the benchmark's own loopback traffic.
        let busy = user + nice + system;
        let mut own = process_ticks("self")?;
        for pid in pids {
            own += process_ticks(&pid.to_string()).unwrap_or(0);
        }
        Some(Self { total: busy + idle + iowait + irq + softirq + steal, busy, steal, own })
    }

    /// What others used between `self` and the later snapshot `end`.
    pub fn interference_until(&self, end: &Self) -> Option<Interference> {
        let total = end.total.checked_sub(self.total).filter(|&t| t > 0)? as f64;
        let busy = end.busy.saturating_sub(self.busy);
        let own = end.own.saturating_sub(self.own);
        Some(Interference {
            others: busy.saturating_sub(own) as f64 / total,
            steal: end.steal.saturating_sub(self.steal) as f64 / total,
        })
    }
}

/// User plus system CPU ticks of process `pid` (or `self`), all threads included.
fn process_ticks(pid: &str) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces; fields after it are fixed.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 (utime) and 15 (stime) of proc(5); `state` (field 3) is index 0 here.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn unknown() -> String {
    "unknown".to_owned()
}

/// The first `model name` in `/proc/cpuinfo`.
fn cpu_model() -> Option<String> {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").ok()?;
    cpuinfo
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(key, _)| key.trim() == "model name")
        .map(|(_, value)| value.trim().to_owned())
}

/// `rustc --version`, honouring `$RUSTC` like cargo does.
fn rustc_version() -> Option<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc).arg("--version").output().ok()?;
    if !output.status.success() {
        return None;
    }
    let version = String::from_utf8(output.stdout).ok()?;
    Some(version.trim().to_owned())
}

/// The current time as `YYYY-MM-DD HH:MM UTC`.
fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let secs = i64::try_from(secs).unwrap_or(i64::MAX);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let minutes = secs.rem_euclid(86_400) / 60;
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", minutes / 60, minutes % 60)
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day).
///
/// This is Howard Hinnant's `civil_from_days` algorithm.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_own_cpu_time() {
        let Some(start) = CpuSnapshot::take(&[]) else { return };
        let spin_until = std::time::Instant::now() + std::time::Duration::from_millis(200);
        let mut x = 0u64;
        while std::time::Instant::now() < spin_until {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let end = CpuSnapshot::take(&[]).unwrap_or(start);
        assert!(end.own > start.own, "own CPU time did not grow");
        let interference = start.interference_until(&end);
        assert!(interference.is_some_and(|i| (0.0..=1.0).contains(&i.others)));
    }

    #[test]
    fn converts_days_to_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}

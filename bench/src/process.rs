//! Server child processes: start one, learn its URL, kill it when done.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Prefix of the line a server prints on stdout once it is bound.
const LISTENING_PREFIX: &str = "listening on ";

/// How much of a server's stderr is kept for error reports.
const STDERR_TAIL_BYTES: usize = 8 * 1024;

/// The last bytes a child wrote to stderr.
type Tail = Arc<Mutex<VecDeque<u8>>>;

/// A running server child process, killed and reaped when dropped.
///
/// The server is started with `--host 127.0.0.1 --port 0` plus any extra
/// arguments, and must print `listening on http://127.0.0.1:<port>/mcp` on
/// stdout once it accepts connections. Its stdout and stderr are drained in
/// background threads so it never blocks on a full pipe; the end of stderr is
/// kept to explain failures. Later stdout lines can be read with
/// [`ServerProcess::read_line`].
#[derive(Debug)]
pub struct ServerProcess {
    name: String,
    child: Child,
    url: String,
    stdout_lines: mpsc::Receiver<String>,
    stderr_tail: Tail,
}

impl ServerProcess {
    /// Starts `program` and waits up to `startup_timeout` for its URL.
    pub fn start(name: &str, program: &Path, extra_args: &[&str], startup_timeout: Duration) -> Result<Self> {
        let mut child = Command::new(program)
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {name} ({})", program.display()))?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let (line_tx, stdout_lines) = mpsc::channel();
        // From here on, dropping `server` kills the child.
        let mut server =
            Self { name: name.to_owned(), child, url: String::new(), stdout_lines, stderr_tail: Arc::default() };
        if let Some(stderr) = stderr {
            drain_stderr(stderr, Arc::clone(&server.stderr_tail));
        }
        drain_stdout(stdout.context("child stdout was not captured")?, line_tx);
        server.url = server.read_line(LISTENING_PREFIX, startup_timeout)?;
        Ok(server)
    }

    /// Waits up to `timeout` for a stdout line starting with `prefix` (skipping
    /// other lines) and returns the rest of it, trimmed.
    pub fn read_line(&mut self, prefix: &str, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout_lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.trim().strip_prefix(prefix) {
                        return Ok(rest.trim().to_owned());
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    bail!("{} printed no `{prefix}…` line within {timeout:?}{}", self.name, self.stderr_report())
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait().context("waiting for child")?;
                    bail!("{} exited ({status}) before printing `{prefix}…`{}", self.name, self.stderr_report())
                }
            }
        }
    }

    /// The URL the server printed.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The operating system's id of the child process.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The display name given at start.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Fails if the server has exited, with its exit status and stderr tail.
    pub fn ensure_running(&mut self) -> Result<()> {
        match self.child.try_wait().context("polling child")? {
            None => Ok(()),
            Some(status) => bail!("{} exited unexpectedly ({status}){}", self.name, self.stderr_report()),
        }
    }

    /// The captured end of stderr, formatted for appending to an error.
    fn stderr_report(&self) -> String {
        // Give the drain thread a moment to catch up with a just-exited child.
        thread::sleep(Duration::from_millis(50));
        let tail = self.stderr_tail.lock().unwrap_or_else(PoisonError::into_inner);
        if tail.is_empty() {
            return String::new();
        }
        let (front, back) = tail.as_slices();
        let text = String::from_utf8_lossy(&[front, back].concat()).into_owned();
        format!("; end of its stderr:\n{}", text.trim_end())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Errors mean the child is already gone; nothing else to do.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads stdout line by line, sends each line to `lines` while anyone
/// listens, and keeps draining until the child closes it.
fn drain_stdout(stdout: ChildStdout, lines: mpsc::Sender<String>) {
    thread::spawn(move || {
        let mut lines = Some(lines);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(tx) = &lines
                && tx.send(line).is_err()
            {
                lines = None;
            }
        }
    });
}

/// Reads stderr until the child closes it, keeping the last bytes in `tail`.
fn drain_stderr(mut stderr: ChildStderr, tail: Tail) {
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            let n = match stderr.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let mut tail = tail.lock().unwrap_or_else(PoisonError::into_inner);
            tail.extend(&buf[..n]);
            let excess = tail.len().saturating_sub(STDERR_TAIL_BYTES);
            tail.drain(..excess);
        }
    });
}

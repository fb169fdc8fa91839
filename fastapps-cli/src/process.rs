//! Child processes that lead process groups of their own, so that stopping one stops
//! everything it started (cargo's rustc, npm's scripts, a server's helpers), and a child is
//! never left running when the CLI stops or is interrupted.

use std::process::ExitStatus;
use std::time::Duration;

use anyhow::Context as _;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::process::{Child, Command};

/// A running child and its process group; the group is killed when this is dropped.
#[derive(Debug)]
pub(crate) struct Group {
    child: Child,
    pgid: Pid,
    what: String,
}

impl Group {
    /// Starts `command` as the leader of a new process group; `what` names it in messages.
    pub(crate) fn spawn(command: &mut Command, what: impl Into<String>) -> anyhow::Result<Self> {
        let what = what.into();
        let child = command.process_group(0).spawn().with_context(|| format!("cannot start {what}"))?;
        let pid = child.id().with_context(|| format!("{what} exited at once"))?;
        let pgid = Pid::from_raw(i32::try_from(pid).context("process id out of range")?);
        Ok(Self { child, pgid, what })
    }

    /// The leader's process id.
    pub(crate) fn id(&self) -> u32 {
        self.pgid.as_raw().unsigned_abs()
    }

    pub(crate) fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Waits for the leader to exit.
    pub(crate) async fn wait(&mut self) -> anyhow::Result<ExitStatus> {
        self.child.wait().await.with_context(|| format!("cannot wait for {}", self.what))
    }

    /// Whether the leader has exited, without waiting.
    pub(crate) fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM to the whole group, then SIGKILL after `grace`; returns once the leader is reaped.
    pub(crate) async fn stop(&mut self, grace: Duration) {
        if self.exited().is_none() {
            let _ = killpg(self.pgid, Signal::SIGTERM);
            if tokio::time::timeout(grace, self.child.wait()).await.is_err() {
                eprintln!("warning: {} did not stop within {grace:?}; killing it", self.what);
            }
        }
        // Whatever else of the group is left (the leader may have gone first).
        let _ = killpg(self.pgid, Signal::SIGKILL);
        let _ = self.child.wait().await;
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        // No-op (ESRCH) when the group is gone already.
        let _ = killpg(self.pgid, Signal::SIGKILL);
    }
}

/// Runs `command` to completion in a group of its own; an error names `what` and its status.
pub(crate) async fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = Group::spawn(command, what)?.wait().await?;
    if status.success() { Ok(()) } else { anyhow::bail!("{what} failed ({status})") }
}

/// The CLI's standard error, for a child's output: its standard output stays free for what a
/// command prints (the JSON of `fastapps tools`).
pub(crate) fn stderr() -> std::process::Stdio {
    use std::os::fd::AsFd as _;
    std::io::stderr().as_fd().try_clone_to_owned().map_or_else(|_| std::process::Stdio::inherit(), Into::into)
}

/// How long a stopped server gets to finish its requests before it is killed.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::*;

    fn alive(pid: u32) -> bool {
        // A zombie has exited: only "running" processes count.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
    }

    #[tokio::test]
    async fn stopping_a_group_stops_its_grandchildren() {
        // A shell that starts a sleeper in the background and waits: both are in the group.
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 60 & echo $! ; wait"]).stdout(std::process::Stdio::piped());
        let mut group = Group::spawn(&mut command, "a test shell").unwrap();
        let mut stdout = group.child_mut().stdout.take().unwrap();
        let mut line = String::new();
        tokio::io::AsyncBufReadExt::read_line(&mut tokio::io::BufReader::new(&mut stdout), &mut line).await.unwrap();
        let sleeper: u32 = line.trim().parse().unwrap();
        assert!(alive(sleeper));
        group.stop(Duration::from_secs(5)).await;
        for _ in 0..50 {
            if !alive(sleeper) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!alive(sleeper), "the grandchild {sleeper} outlived its group");
    }

    #[tokio::test]
    async fn a_failing_command_names_itself() {
        let err = run(Command::new("false").arg("x"), "the false command").await.unwrap_err();
        assert!(err.to_string().starts_with("the false command failed"), "{err}");
    }
}

//! Engine processes come from a warm "zygote": one process per plugin library and host
//! process, started with the first engine, that has the library and libcsound loaded and
//! Csound's ~40 opcode libraries open (an idle instance keeps them), and forks a new engine
//! process for each request. A fork of it starts in a few milliseconds where a fresh process
//! spends ~40 ms loading the same libraries, and its children share those pages instead of
//! each holding a copy.
//!
//! The zygote never compiles an orchestra and runs no threads (so forking it is sound). Each
//! engine is handed its control stream and shared block; the plugin gets back the engine's pid
//! and a pidfd (to signal it without racing pid reuse), and a pipe on which the zygote, which
//! reaps its children, writes how the engine ended.

use super::spawn::{self, Program};
use rustix::event::{poll, PollFd, PollFlags};
use rustix::net::{
    recvmsg, sendmsg, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};
use rustix::process::{pidfd_open, pidfd_send_signal, waitpid, Pid, PidfdFlags, Signal};
use rustix::process::{WaitOptions, WaitStatus};
use std::io::{IoSlice, IoSliceMut, Read, Write};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::Child;
use std::sync::Mutex;
use std::time::Duration;

/// How an engine process ended, as one number: the signal that ended it, 1000 + its exit
/// code, or [`UNKNOWN`].
pub type Ended = i32;

/// It ended, but how is not known (its zygote was gone).
pub const UNKNOWN: Ended = -1;

/// An engine process, forked by the zygote.
#[derive(Debug)]
pub struct EngineProcess {
    pid: Pid,
    /// Stays valid however the process ends: signals never reach a recycled pid. `None` on
    /// kernels without pidfds (before Linux 5.3): the pid is used then.
    pidfd: Option<OwnedFd>,
    /// The zygote writes how the process ended here, then closes it.
    ended: Mutex<std::fs::File>,
}

impl EngineProcess {
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Kills the process at once (from any thread: one system call, no waiting).
    pub fn kill(&self) {
        match &self.pidfd {
            Some(pidfd) => {
                let _ = pidfd_send_signal(pidfd, Signal::KILL);
            }
            None => {
                let _ = rustix::process::kill_process(self.pid, Signal::KILL);
            }
        }
    }

    /// Waits until the process has ended, and says how.
    pub fn wait(&self) -> Ended {
        // The pidfd turns readable when the process ends, even if the zygote is gone; without
        // one, the zygote's report (or its end) says it.
        if let Some(pidfd) = &self.pidfd {
            let mut fds = [PollFd::new(pidfd, PollFlags::IN)];
            while poll(&mut fds, None).is_err() {}
        }
        let mut word = [0u8; 4];
        let read = self.ended.lock().map(|mut f| f.read_exact(&mut word));
        match read {
            Ok(Ok(())) => i32::from_le_bytes(word),
            _ => UNKNOWN,
        }
    }
}

/// A running zygote, seen from the plugin.
struct Zygote {
    program: Program,
    socket: UnixStream,
    process: Child,
}

impl Drop for Zygote {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// The zygotes of this plugin library, one per program (the library itself in a host; the
/// standalone or a benchmark runs itself).
static ZYGOTES: Mutex<Vec<Zygote>> = Mutex::new(Vec::new());

/// Starts an engine process running `program`: it gets `control` as its control stream and
/// `shared` as its shared block.
pub fn spawn(
    program: &Program,
    control: OwnedFd,
    shared: OwnedFd,
) -> std::io::Result<EngineProcess> {
    let mut zygotes = ZYGOTES
        .lock()
        .map_err(|_| std::io::Error::other("the engine starter failed earlier"))?;
    let mut last_error = None;
    // A zygote that died (killed by the user, say) is replaced once.
    for _ in 0..2 {
        let index = match zygotes.iter().position(|z| &z.program == program) {
            Some(index) => index,
            None => {
                zygotes.push(start(program)?);
                zygotes.len() - 1
            }
        };
        match ask(&zygotes[index].socket, &control, &shared) {
            Ok(engine) => return Ok(engine),
            Err(error) => {
                zygotes.swap_remove(index);
                last_error = Some(error);
            }
        }
    }
    Err(last_error.unwrap_or_else(|| std::io::Error::other("no engine process")))
}

fn start(program: &Program) -> std::io::Result<Zygote> {
    let (ours, theirs) = UnixStream::pair()?;
    // Never waits long on a zygote that stopped answering.
    ours.set_read_timeout(Some(Duration::from_secs(5)))?;
    let process = spawn::spawn(program, theirs.into())?;
    Ok(Zygote {
        program: program.clone(),
        socket: ours,
        process,
    })
}

/// Asks the zygote for an engine process.
fn ask(socket: &UnixStream, control: &OwnedFd, shared: &OwnedFd) -> std::io::Result<EngineProcess> {
    let (ended, ended_there) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    let fds = [control.as_fd(), shared.as_fd(), ended_there.as_fd()];
    send_fds(socket, b"E", &fds)?;
    drop(ended_there);
    let mut pid = [0u8; 4];
    let mut fds = receive_fds(socket, &mut pid)?;
    let pid = Pid::from_raw(i32::from_le_bytes(pid))
        .ok_or_else(|| std::io::Error::other("the engine starter could not fork"))?;
    let pidfd = fds.pop();
    Ok(EngineProcess {
        pid,
        pidfd,
        ended: Mutex::new(std::fs::File::from(ended)),
    })
}

fn send_fds(socket: impl AsFd, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> std::io::Result<()> {
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(3))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() && !control.push(SendAncillaryMessage::ScmRights(fds)) {
        return Err(std::io::Error::other("too many descriptors"));
    }
    sendmsg(
        socket,
        &[IoSlice::new(bytes)],
        &mut control,
        SendFlags::NOSIGNAL,
    )?;
    Ok(())
}

/// Receives `bytes.len()` bytes and the descriptors sent with them; none and 0 bytes when the
/// other side has closed.
fn receive_fds(socket: impl AsFd, bytes: &mut [u8]) -> std::io::Result<Vec<OwnedFd>> {
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(3))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let len = bytes.len();
    let got = recvmsg(
        socket,
        &mut [IoSliceMut::new(bytes)],
        &mut control,
        RecvFlags::CMSG_CLOEXEC | RecvFlags::WAITALL,
    )?;
    let mut fds = Vec::new();
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(received) = message {
            fds.extend(received);
        }
    }
    if got.bytes != len {
        return Err(std::io::Error::other("the engine starter closed"));
    }
    Ok(fds)
}

/// The zygote's loop (run in the process the launcher started, with `socket` to the plugin):
/// forks an engine running `engine(control, shared)` for each request, reaps the engines and
/// reports how each ended, and ends when the plugin's side closes. Returns the exit code.
pub fn serve(socket: OwnedFd, engine: fn(OwnedFd, OwnedFd) -> i32) -> i32 {
    // Load Csound and its opcode libraries once, here, for every engine to come.
    crate::csound::instance::warm_up();
    // An engine's report pipe may be closed by the time it ends: a write error, not a death.
    // SAFETY: sets a signal's disposition to "ignore" in this single-threaded process.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let mut engines: Vec<(Pid, Option<OwnedFd>, std::fs::File)> = Vec::new();
    loop {
        let mut fds: Vec<PollFd> = std::iter::once(PollFd::new(&socket, PollFlags::IN))
            .chain(
                engines
                    .iter()
                    .filter_map(|(_, pidfd, _)| Some(PollFd::new(pidfd.as_ref()?, PollFlags::IN))),
            )
            .collect();
        // Engines without a pidfd (old kernels) are looked for every 100 ms.
        let without = engines.iter().any(|(_, pidfd, _)| pidfd.is_none());
        let tick = rustix::time::Timespec {
            tv_sec: 0,
            tv_nsec: 100_000_000,
        };
        if poll(&mut fds, without.then_some(&tick)).is_err() {
            continue;
        }
        let request = !fds[0].revents().is_empty();
        drop(fds);
        // Reap every engine that ended, and say how.
        while let Ok(Some((pid, status))) = waitpid(None, WaitOptions::NOHANG) {
            if let Some(i) = engines.iter().position(|(p, ..)| *p == pid) {
                let (_, _, mut report) = engines.swap_remove(i);
                let _ = report.write_all(&code(status).to_le_bytes());
            }
        }
        if !request {
            continue;
        }
        let mut byte = [0u8; 1];
        let Ok(received) = receive_fds(&socket, &mut byte) else {
            // The plugin's side closed: the host is done with engines. Running engines end
            // when their own control streams close.
            return 0;
        };
        let Ok([control, shared, report]) = <[OwnedFd; 3]>::try_from(received) else {
            continue;
        };
        // SAFETY: this process runs one thread (the zygote starts none, and the launcher's
        // main thread is the only one), so the child is a consistent copy of it.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            drop(socket);
            drop(engines);
            drop(report);
            std::process::exit(engine(control, shared));
        }
        let Some(pid) = Pid::from_raw(pid) else {
            // The fork failed: pid 0 says so.
            if send_fds(&socket, &0i32.to_le_bytes(), &[]).is_err() {
                return 0;
            }
            continue;
        };
        let pidfd = pidfd_open(pid, PidfdFlags::empty()).ok();
        let handle: Vec<_> = pidfd.iter().map(|fd| fd.as_fd()).collect();
        let reply = send_fds(&socket, &pid.as_raw_nonzero().get().to_le_bytes(), &handle);
        engines.push((pid, pidfd, std::fs::File::from(report)));
        if reply.is_err() {
            return 0;
        }
    }
}

/// How a process ended, as [`Ended`] says.
pub fn code(status: WaitStatus) -> Ended {
    match (status.terminating_signal(), status.exit_status()) {
        (Some(signal), _) => signal.max(1),
        (None, Some(exit)) => 1000 + exit,
        _ => UNKNOWN,
    }
}

//! Starting an engine process. A plugin is a shared library (a CLAP plugin on Linux is a single
//! file), so it carries a small launcher program (`launcher.c`, built by `build.rs`) and runs it
//! from memory: the launcher loads the very library file the plugin was loaded from and calls
//! its engine entry point. No separate executable is installed or searched for, no environment
//! variable is read, and two plugin versions side by side each run their own engine.

use rustix::fs::{memfd_create, MemfdFlags};
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The launcher program's bytes.
static LAUNCHER: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/engine-launcher"));

/// The shared library this code was loaded from, or `None` when it is part of a program (the
/// command line, a test binary): found in the process's own memory map.
pub fn own_library() -> Option<PathBuf> {
    let here = own_library as *const () as usize;
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let exe = std::fs::canonicalize("/proc/self/exe").ok();
    for line in maps.lines() {
        // "start-end perms offset dev inode   path" (the path may hold spaces).
        let mut fields = line.splitn(6, ' ');
        let (start, end) = fields.next()?.split_once('-')?;
        let (start, end) = (
            usize::from_str_radix(start, 16).ok()?,
            usize::from_str_radix(end, 16).ok()?,
        );
        if !(start..end).contains(&here) {
            continue;
        }
        let path = PathBuf::from(fields.nth(4)?.trim_start());
        let is_program = exe.as_deref().is_some_and(|exe| exe == path);
        return (!is_program && path.is_absolute()).then_some(path);
    }
    None
}

/// The argument that makes a program containing the engine (the standalone application) run
/// as an engine process.
pub const ENGINE_ARGUMENT: &str = "--csound-plugin-engine";

/// What an engine process runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Program {
    /// A plugin library, through the launcher.
    Library(PathBuf),
    /// A program that runs as an engine when given [`ENGINE_ARGUMENT`].
    Executable(PathBuf),
}

/// Starts the engine processes' zygote ([`super::zygote`]) running `program`: its standard
/// input is `socket`; standard error stays the host's.
pub fn spawn(program: &Program, socket: OwnedFd) -> std::io::Result<Child> {
    let (mut command, _launcher) = match program {
        Program::Library(library) => {
            let launcher = memfd_create("csound-plugin-launcher", MemfdFlags::CLOEXEC)?;
            std::fs::File::from(launcher.try_clone()?).write_all(LAUNCHER)?;
            // The kernel opens the launcher through this path before the close-on-exec
            // descriptors go, so the program runs from memory.
            let mut command = Command::new(format!("/proc/self/fd/{}", launcher.as_raw_fd()));
            command.arg(library);
            (command, Some(launcher))
        }
        Program::Executable(path) => {
            let mut command = Command::new(path);
            command.arg(ENGINE_ARGUMENT);
            (command, None)
        }
    };
    command
        .stdin(Stdio::from(socket))
        .stdout(Stdio::null())
        .spawn()
}

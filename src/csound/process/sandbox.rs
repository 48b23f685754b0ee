//! Confinement of an engine process that runs an orchestra the user has not allowed, enforced
//! by the kernel whatever the orchestra does (the parse-tree gate refuses such orchestras
//! first; this holds even if an opcode slipped past it):
//!
//! - **seccomp-bpf** (Linux 3.5 and later): running programs (`execve`, `execveat`), creating
//!   sockets, and opening files for writing or creating, renaming, linking or removing files
//!   fail with `EPERM`. Files already open (the plugin's control stream) stay usable.
//! - **Landlock** (Linux 5.13 and later, where enabled): the file system is read-only and
//!   nothing can be executed from it; from Linux 6.7 TCP connections and listening are refused.
//!
//! Threads started afterwards (Csound's) inherit both. Where a mechanism is missing,
//! [`Confinement`] says so and the other still holds.

use landlock::{
    Access, AccessFs, AccessNet, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, ABI,
};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule,
};
use std::collections::BTreeMap;

/// What the kernel enforces for this process now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confinement {
    /// The seccomp filter is in place.
    pub seccomp: bool,
    /// Landlock's rules: fully, partly (an older kernel), or not at all (`None`: not enabled).
    pub landlock: Option<bool>,
}

impl std::fmt::Display for Confinement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seccomp = if self.seccomp { "on" } else { "unavailable" };
        let landlock = match self.landlock {
            Some(true) => "fully enforced",
            Some(false) => "partly enforced (older kernel)",
            None => "not enabled in this kernel",
        };
        write!(f, "seccomp {seccomp}, Landlock {landlock}")
    }
}

/// Confines this process (and the threads it starts from now on): no programs, no network,
/// no file writes.
pub fn confine() -> Confinement {
    let landlock = landlock_read_only();
    let seccomp = seccomp_filter().is_ok();
    Confinement { seccomp, landlock }
}

fn landlock_read_only() -> Option<bool> {
    let abi = ABI::V4;
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .ok()?
        .handle_access(AccessNet::from_all(abi))
        .ok()?
        .create()
        .ok()?
        // Reading is allowed everywhere; writing, executing and TCP nowhere.
        .add_rules(landlock::path_beneath_rules(
            ["/"],
            AccessFs::ReadFile | AccessFs::ReadDir,
        ))
        .ok()?
        .restrict_self()
        .ok()?;
    match status.ruleset {
        RulesetStatus::FullyEnforced => Some(true),
        RulesetStatus::PartiallyEnforced => Some(false),
        RulesetStatus::NotEnforced => None,
    }
}

fn seccomp_filter() -> Result<(), Box<dyn std::error::Error>> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for call in [
        libc::SYS_execve,
        libc::SYS_execveat,
        libc::SYS_socket,
        libc::SYS_socketpair,
        libc::SYS_creat,
        libc::SYS_rename,
        libc::SYS_renameat,
        libc::SYS_renameat2,
        libc::SYS_unlink,
        libc::SYS_unlinkat,
        libc::SYS_link,
        libc::SYS_linkat,
        libc::SYS_symlink,
        libc::SYS_symlinkat,
        libc::SYS_mkdir,
        libc::SYS_mkdirat,
        libc::SYS_rmdir,
        libc::SYS_truncate,
    ] {
        rules.insert(call, Vec::new());
    }
    // Opening for writing: any of these flags in the flags argument.
    let writing = [
        libc::O_WRONLY,
        libc::O_RDWR,
        libc::O_CREAT,
        libc::O_TRUNC,
        libc::O_APPEND,
    ];
    for (call, flags_arg) in [(libc::SYS_open, 1), (libc::SYS_openat, 2)] {
        let mut open_rules = Vec::new();
        for flag in writing {
            let flag = flag as u64;
            let condition = SeccompCondition::new(
                flags_arg,
                SeccompCmpArgLen::Dword,
                SeccompCmpOp::MaskedEq(flag),
                flag,
            )?;
            open_rules.push(SeccompRule::new(vec![condition])?);
        }
        rules.insert(call, open_rules);
    }
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        std::env::consts::ARCH.try_into()?,
    )?;
    let program: BpfProgram = filter.try_into()?;
    seccompiler::apply_filter(&program)?;
    Ok(())
}

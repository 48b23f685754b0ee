//! The user's folder, where the plugin keeps what the user decided and saved (the trust store
//! and user presets), and the cache of what it can make again (exports' unpacked files).

/// Where the plugin keeps the user's files: `$CSOUND_PLUGIN_HOME` if set, else
/// `$XDG_DATA_HOME/csound-plugin`, else `~/.local/share/csound-plugin`.
pub fn data_dir() -> Option<std::path::PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(home) = var("CSOUND_PLUGIN_HOME") {
        return Some(home.into());
    }
    let data = var("XDG_DATA_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| var("HOME").map(|h| std::path::PathBuf::from(h).join(".local/share")))?;
    Some(data.join("csound-plugin"))
}

/// Where the plugin keeps files it can make again (an exported plugin's unpacked files):
/// `$CSOUND_PLUGIN_HOME/cache` if set, else `$XDG_CACHE_HOME/csound-plugin`, else
/// `~/.cache/csound-plugin`, else the system's temporary folder.
pub fn cache_dir() -> std::path::PathBuf {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(home) = var("CSOUND_PLUGIN_HOME") {
        return std::path::PathBuf::from(home).join("cache");
    }
    var("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| var("HOME").map(|h| std::path::PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("csound-plugin")
}

/// The file that marks a completely written cache folder.
const COMPLETE: &str = ".complete";

/// Makes the cache folder `dir` once: unless a complete copy is there, `fill` writes one into a
/// temporary folder beside it, which is then renamed into place, so another instance (or
/// process) filling it at the same moment never sees half a folder.
pub fn fill_once(
    dir: &std::path::Path,
    fill: &dyn Fn(&std::path::Path) -> Result<(), String>,
) -> Result<(), String> {
    use std::sync::atomic::{AtomicU32, Ordering};
    if dir.join(COMPLETE).is_file() {
        return Ok(());
    }
    let parent = dir.parent().ok_or("no cache folder")?;
    let fail = |what: &std::path::Path, e: std::io::Error| format!("{}: {e}", what.display());
    std::fs::create_dir_all(parent).map_err(|e| fail(parent, e))?;
    static COUNT: AtomicU32 = AtomicU32::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let temp = parent.join(format!(".filling-{}-{n}", std::process::id()));
    let filled = fill(&temp)
        .and_then(|()| std::fs::write(temp.join(COMPLETE), b"").map_err(|e| fail(&temp, e)));
    if let Err(e) = filled {
        let _ = std::fs::remove_dir_all(&temp);
        return Err(e);
    }
    if std::fs::rename(&temp, dir).is_err() {
        // Someone else finished first (or a stale incomplete copy is in the way).
        let _ = std::fs::remove_dir_all(&temp);
        if !dir.join(COMPLETE).is_file() {
            let _ = std::fs::remove_dir_all(dir);
            return fill_once(dir, fill);
        }
    }
    Ok(())
}

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

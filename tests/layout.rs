//! The house rules, read from the source itself: no import cycle between the modules of `src/`,
//! no source file over 600 lines, and every module says what it is for in a `//!` comment.
//!
//! The import graph has one node per module file and an edge for every `use crate::…`,
//! `use super::…` and inline `crate::…`/`super::…`/`self::…` path to another module. Re-exports
//! (`pub use`) shape the public API and are not edges: a `mod.rs` may gather its children's
//! names while the children use each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The library's module files: module path (`engine::live`) -> file. Binaries are other crates.
fn library_modules() -> BTreeMap<String, PathBuf> {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .filter(|f| !f.starts_with(src.join("bin")) && !f.ends_with("main.rs"))
        .map(|f| {
            let rel = f.strip_prefix(&src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                parts.pop();
            }
            (parts.join("::"), f)
        })
        .collect()
}

/// The text with `//` comments and string literals blanked, so only code is read.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut prev = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if !in_string && c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            if c == '"' && prev != '\\' {
                in_string = !in_string;
                out.push(' ');
            } else {
                out.push(if in_string { ' ' } else { c });
            }
            prev = if prev == '\\' && c == '\\' { ' ' } else { c };
        }
        out.push('\n');
    }
    out
}

/// Expands a `use` tree (`crate::{a::{b, c}, d}`) into whole paths.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        let path = tree.split("as").next().unwrap_or("");
        return vec![path.trim_end_matches("::self").to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.len() - 1];
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| {
            if p == "self" {
                vec![prefix.trim_end_matches("::").to_string()]
            } else {
                expand(&format!("{prefix}{p}"))
            }
        })
        .collect()
}

/// Every path a module's code refers to, resolved from the crate root (not counting `pub use`
/// re-exports).
fn references(module: &str, text: &str) -> Vec<String> {
    // Unit tests (at the end of a file) are not part of the module's dependencies.
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    let code = code_only(text);
    let mut paths = Vec::new();
    let mut plain = String::new();
    let mut rest = code.as_str();
    // `use` statements, possibly over several lines.
    while let Some(at) = rest.find("use ") {
        let before = &rest[..at];
        let word_start = before
            .chars()
            .last()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_');
        if !word_start {
            plain.push_str(&rest[..at + 4]);
            rest = &rest[at + 4..];
            continue;
        }
        let end = rest[at..].find(';').map_or(rest.len(), |e| at + e);
        let reexport = before.trim_end().ends_with("pub") || before.trim_end().ends_with(')');
        if !reexport {
            paths.extend(expand(&rest[at + 4..end]));
        }
        plain.push_str(before);
        rest = &rest[end..];
    }
    plain.push_str(rest);
    // Inline paths outside `use` statements.
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = plain[from..].find(start) {
            let at = from + at;
            let prev = plain[..at].chars().last();
            if prev.is_none_or(|c| !c.is_alphanumeric() && c != '_' && c != ':') {
                let path: String = plain[at..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                paths.push(path.trim_end_matches(':').to_string());
            }
            from = at + start.len();
        }
    }
    let own: Vec<&str> = module.split("::").filter(|p| !p.is_empty()).collect();
    paths
        .into_iter()
        .map(|p| {
            let mut parts: Vec<&str> = p.split("::").filter(|s| !s.is_empty()).collect();
            let mut base = match parts.first() {
                Some(&"crate") => Vec::new(),
                // `super::`, `self::`, and a path starting with a child module's name (an
                // external crate's name resolves to no module of ours and is dropped later).
                _ => own.clone(),
            };
            while let Some(&first) = parts.first() {
                match first {
                    "crate" | "self" => {}
                    "super" => {
                        base.pop();
                    }
                    _ => break,
                }
                parts.remove(0);
            }
            base.extend(parts);
            base.join("::")
        })
        .collect()
}

/// The modules among `known` that a module's code uses.
fn edges_of(module: &str, text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    references(module, text)
        .into_iter()
        .filter_map(|path| {
            // The longest prefix of the path that is a module.
            let parts: Vec<&str> = path.split("::").collect();
            (0..=parts.len())
                .rev()
                .map(|n| parts[..n].join("::"))
                .find(|p| known.contains(p))
        })
        .filter(|t| t != module)
        .collect()
}

/// The import graph between library modules.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = library_modules();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(module, file)| {
            let text = std::fs::read_to_string(file).unwrap();
            (module.clone(), edges_of(module, &text, &known))
        })
        .collect()
}

/// A cycle in the graph, if there is one.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|n| visit(n, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_import_cycle_between_modules() {
    let edges = graph();
    assert!(
        edges.len() > 20,
        "the modules were found: {:?}",
        edges.keys()
    );
    if let Some(cycle) = find_cycle(&edges) {
        panic!("import cycle: {}", cycle.join(" -> "));
    }
}

#[test]
fn the_cycle_check_sees_a_cycle() {
    let known: BTreeSet<String> = ["", "a", "b", "c", "m", "m::n", "m::o"]
        .map(String::from)
        .into();
    // Two modules using each other: a grouped `use`, and an inline path.
    let mut edges = BTreeMap::new();
    let a = "use crate::{b::{Thing, Other}, c};\nfn f() {}\n";
    let b = "fn g() { crate::a::f(); }\n// crate::c::in_a_comment\n";
    edges.insert("a".to_string(), edges_of("a", a, &known));
    edges.insert("b".to_string(), edges_of("b", b, &known));
    assert_eq!(
        edges["b"],
        ["a".to_string()].into(),
        "comments are not code"
    );
    let cycle = find_cycle(&edges).expect("a -> b -> a");
    assert_eq!(cycle.first(), cycle.last());
    // Re-exports are not edges; `super` is the parent module; a child is named directly.
    assert!(edges_of("m", "pub use crate::a::Y;\n", &known).is_empty());
    assert_eq!(
        edges_of("m", "use n::X;\nuse std::fmt;\n", &known),
        ["m::n".to_string()].into()
    );
    assert_eq!(
        edges_of("m::n", "use super::o::P;\n", &known),
        ["m::o".to_string()].into()
    );
}

#[test]
fn no_source_file_is_over_600_lines() {
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches", "xtask/src"] {
        rust_files(&root().join(dir), &mut files);
    }
    files.push(root().join("build.rs"));
    let long: Vec<String> = files
        .iter()
        .map(|f| (f, std::fs::read_to_string(f).unwrap().lines().count()))
        .filter(|(_, n)| *n > MAX_LINES)
        .map(|(f, n)| format!("{} ({n} lines)", f.strip_prefix(root()).unwrap().display()))
        .collect();
    assert!(long.is_empty(), "over {MAX_LINES} lines: {long:?}");
}

#[test]
fn every_module_starts_by_saying_what_it_is_for() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let silent: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|f| f.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    assert!(silent.is_empty(), "no `//!` doc comment: {silent:?}");
}

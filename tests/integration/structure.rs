//! The crate's top-level modules (`src/X.rs` or `src/X/`) import one another without a cycle, so
//! that each can be read, tested and changed knowing only the modules below it (the data flow of
//! `lib.rs`: `config ─► source ─► curate ─► media ─► render ─► emit`, the error types below all).
//!
//! A module's imports are the `crate::` paths in its code, as a reader sees them: comments, doc
//! comments (and so their doc links) and string literals are left out, and a `crate::{a, b}` group
//! names each of its modules. A name that `lib.rs` re-exports (`crate::Error`) counts as its module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// For each module, the modules it names, each with where it first does (`src/a.rs:12`).
type Graph = BTreeMap<String, BTreeMap<String, String>>;

#[test]
fn top_level_modules_import_one_another_without_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let files: Vec<(String, String)> = files
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(&src).unwrap();
            let relative = relative.to_string_lossy().replace('\\', "/");
            (relative, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    let graph = graph_of(&files);
    // What the reading must find, or it found nothing at all.
    for (from, to) in [
        ("build", "source"),
        ("source", "error"),
        ("error", "api_error"),
    ] {
        assert!(
            graph
                .get(from)
                .is_some_and(|imports| imports.contains_key(to)),
            "{from} should import {to}: {graph:#?}"
        );
    }
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "top-level modules import one another in a cycle:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn a_cycle_is_found_and_named() {
    let file = |name: &str, text: &str| (name.to_owned(), text.to_owned());
    let mut files = vec![
        file("lib.rs", "mod a;\nmod b;\npub use d::{Other, Thing};\n"),
        file("a.rs", "use crate::b::Thing;\n"),
        file(
            "b/mod.rs",
            "//! Uses [`crate::a`] in a doc link only.\nuse crate::{\n    c::{self, f},\n    Other,\n};\n",
        ),
        file(
            "b/inner.rs",
            "/* crate::a in a block comment */\nfn f<'a>(s: &'a str) -> char {\n    let _ = \"crate::a in a string\";\n    'c'\n}\n",
        ),
        file(
            "c.rs",
            "// crate::b in a comment\n/// [crate::b] in a doc comment\npub fn g() {\n    crate::a::go();\n}\n",
        ),
        file("d.rs", "pub struct Other;\n"),
    ];
    let graph = graph_of(&files);
    let names = |module: &str| graph[module].keys().cloned().collect::<Vec<_>>();
    assert_eq!(names("a"), ["b"]);
    assert_eq!(names("b"), ["c", "d"]);
    assert_eq!(names("c"), ["a"]);
    assert!(names("d").is_empty());
    assert_eq!(graph["c"]["a"], "src/c.rs:4");
    let found = cycles(&graph);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("a -> b -> c -> a"),
        "the cycle is named: {}",
        found[0]
    );
    assert!(found[0].contains("c -> a (src/c.rs:4)"), "{}", found[0]);

    files[4] = file("c.rs", "pub fn g() {}\n");
    assert!(cycles(&graph_of(&files)).is_empty());
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file (relative to `src/`) belongs to; `None` for the crate root.
fn module_of(file: &str) -> Option<String> {
    if file == "lib.rs" || file == "main.rs" {
        return None;
    }
    let first = file.split('/').next()?;
    Some(first.strip_suffix(".rs").unwrap_or(first).to_owned())
}

/// The import graph of `files` (paths relative to `src/`, and their text).
fn graph_of(files: &[(String, String)]) -> Graph {
    let modules: BTreeSet<String> = files.iter().filter_map(|(f, _)| module_of(f)).collect();
    let reexports: BTreeMap<String, String> = files
        .iter()
        .filter(|(f, _)| f == "lib.rs")
        .flat_map(|(_, text)| reexports(&code_only(text), &modules))
        .collect();
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeMap::new()))
        .collect();
    for (file, text) in files {
        let Some(from) = module_of(file) else {
            continue;
        };
        for (line, name) in crate_paths(&code_only(text)) {
            let to = if modules.contains(&name) {
                name
            } else if let Some(module) = reexports.get(&name) {
                module.clone()
            } else {
                panic!("src/{file}:{line}: crate::{name} is neither a top-level module nor re-exported by lib.rs");
            };
            if to != from {
                graph
                    .get_mut(&from)
                    .unwrap()
                    .entry(to)
                    .or_insert_with(|| format!("src/{file}:{line}"));
            }
        }
    }
    graph
}

/// The names `pub use m::{A, B};` or `pub use m::A;` in the crate root gives to module `m`.
fn reexports(code: &str, modules: &BTreeSet<String>) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for statement in code.split(';') {
        let statement = statement.trim();
        let Some(path) = statement.strip_prefix("pub use ") else {
            continue;
        };
        let path = path.trim().trim_start_matches("crate::");
        let Some((module, rest)) = path.split_once("::") else {
            continue;
        };
        if !modules.contains(module) {
            continue;
        }
        let rest = rest.trim().trim_start_matches('{').trim_end_matches('}');
        for item in rest.split(',') {
            // `A`, `inner::A` or `A as B`: the name it is known by at the root.
            let name = item.rsplit(" as ").next().unwrap_or(item).trim();
            let name = name.rsplit("::").next().unwrap_or(name).trim();
            if !name.is_empty() && name != "self" {
                found.push((name.to_owned(), module.to_owned()));
            }
        }
    }
    found
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The first name after each `crate::` in `code`, with its line; in a `crate::{...}` group, the
/// first name of each item.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find("crate::") {
        let start = from + at;
        from = start + "crate::".len();
        if code[..start].chars().next_back().is_some_and(is_ident) {
            continue; // `my_crate::`
        }
        let line = code[..start].matches('\n').count() + 1;
        let rest = code[from..].trim_start();
        let first_name = |item: &str| -> String {
            item.trim_start()
                .chars()
                .take_while(|&c| is_ident(c))
                .collect()
        };
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 || (depth == 1 && c == ',') {
                    let name = first_name(&item);
                    if !name.is_empty() && name != "self" {
                        found.push((line, name));
                    }
                    item.clear();
                    if depth == 0 {
                        break;
                    }
                } else {
                    item.push(c);
                }
            }
        } else {
            let name = first_name(rest);
            if !name.is_empty() {
                found.push((line, name));
            }
        }
    }
    found
}

/// `text` with comments (doc comments too), string literals and character literals blanked out,
/// lines kept where they were.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                let pair = (chars[i], chars.get(i + 1).copied());
                if pair == ('/', Some('*')) {
                    depth += 1;
                } else if pair == ('*', Some('/')) {
                    depth -= 1;
                }
                if matches!(pair, ('/', Some('*')) | ('*', Some('/'))) {
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if c == '"' || (c == 'r' && raw_string_at(&chars, i)) {
            // A string, a byte string (its `b` stays, harmless) or a raw string `r#"..."#`.
            let mut hashes = 0;
            if c == 'r' {
                blank(&mut out, c);
                i += 1;
                while chars[i] == '#' {
                    hashes += 1;
                    blank(&mut out, '#');
                    i += 1;
                }
            }
            blank(&mut out, '"');
            i += 1;
            while i < chars.len() {
                if hashes == 0 && c == '"' && chars[i] == '\\' {
                    blank(&mut out, chars[i]);
                    if let Some(&escaped) = chars.get(i + 1) {
                        blank(&mut out, escaped);
                    }
                    i += 2;
                    continue;
                }
                let closes =
                    chars[i] == '"' && (0..hashes).all(|k| chars.get(i + 1 + k) == Some(&'#'));
                blank(&mut out, chars[i]);
                i += 1;
                if closes {
                    for _ in 0..hashes {
                        blank(&mut out, '#');
                        i += 1;
                    }
                    break;
                }
            }
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{1F600}'); anything else is a lifetime or label.
            let end = if next == Some('\\') {
                (i + 2..chars.len()).find(|&j| chars[j] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for &ch in &chars[i..=end] {
                        blank(&mut out, ch);
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether a raw string (`r"`, `r#"`, `br"`) starts at the `r` at `i`, not an identifier.
fn raw_string_at(chars: &[char], i: usize) -> bool {
    let before = i.checked_sub(1).map(|j| chars[j]);
    if before.is_some_and(|b| is_ident(b) && b != 'b')
        || (before == Some('b') && i >= 2 && is_ident(chars[i - 2]))
    {
        return false;
    }
    let mut j = i + 1;
    while chars.get(j) == Some(&'#') {
        j += 1;
    }
    chars.get(j) == Some(&'"')
}

/// One cycle through each group of modules that import one another, named with where each import
/// is: `a -> b -> a (a -> b (src/a.rs:3), b -> a (src/b.rs:7))`.
fn cycles(graph: &Graph) -> Vec<String> {
    let mut named = Vec::new();
    let mut covered = BTreeSet::new();
    for start in graph.keys() {
        if covered.contains(start) {
            continue;
        }
        let Some(path) = shortest_cycle(graph, start) else {
            continue;
        };
        // Modules on this cycle, and any reaching `start` and reachable from it, are one group.
        covered.extend(
            graph
                .keys()
                .filter(|m| reaches(graph, start, m) && reaches(graph, m, start))
                .cloned(),
        );
        let steps: Vec<String> = path
            .windows(2)
            .map(|w| format!("{} -> {} ({})", w[0], w[1], graph[&w[0]][&w[1]]))
            .collect();
        named.push(format!("{} ({})", path.join(" -> "), steps.join(", ")));
    }
    named
}

/// The shortest way from `start` back to itself, breadth first.
fn shortest_cycle(graph: &Graph, start: &str) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.to_owned()]);
    while let Some(module) = queue.pop_front() {
        for next in graph[&module].keys() {
            if next == start {
                // Back from `module` to `start` by the way each was reached, then round again.
                let mut path = vec![module.clone()];
                while let Some(previous) = came_from.get(path.last().unwrap()) {
                    path.push(previous.clone());
                }
                path.reverse();
                path.push(start.to_owned());
                return Some(path);
            }
            if !came_from.contains_key(next) {
                came_from.insert(next.clone(), module.clone());
                queue.push_back(next.clone());
            }
        }
    }
    None
}

fn reaches(graph: &Graph, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_owned()];
    while let Some(module) = stack.pop() {
        if module == to {
            return true;
        }
        if seen.insert(module.clone()) {
            stack.extend(graph[&module].keys().cloned());
        }
    }
    false
}

//! The runtime's modules depend one way: each names only modules of its own tier or a lower
//! one, the graph of top-level modules has no cycle, and no files import each other in a circle.
//! Read from the sources, so a new `use` that breaks the order fails here. [`TIERS`] is the one
//! statement of the tiers: the docs that list them ([`DOCUMENTED`]) must list the same.

mod imports;
mod lexer;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use imports::{display, Graph, Module};

/// Every top-level module, by tier, bottom (1) to top (6).
const TIERS: [&[&str]; 6] = [
    // 1. values
    &[
        "env",
        "redact",
        "semconv",
        "money",
        "usage",
        "token_class",
        "intern",
        "attribution",
        "outcome",
        "recordable",
        "plausibility",
        "request",
    ],
    // 2. pricing, the ledger, and set-up errors (which carry pricing's)
    &["pricing", "ledger", "error"],
    // 3. governance and export
    &["governance", "export", "focus"],
    // 4. the life of one tracked call, and a Bedrock stream that records on it
    &["call", "bedrock"],
    // 5. the layer and the Prometheus endpoint
    &["layer", "prometheus"],
    // 6. set-up
    &["init"],
];

/// What the generated code names: re-exports only, above every tier.
const ABOVE_ALL: &str = "__private";

/// Where the docs list the tiers: a file below the workspace root, and the heading of the list.
/// Each must have the list, and list the same tiers as [`TIERS`].
const DOCUMENTED: [(&str, &str); 2] = [
    ("genops-runtime/src/lib.rs", "# Modules, bottom to top"),
    (
        "docs/guide/layout.md",
        "## The runtime's layers, bottom to top",
    ),
];

/// Each module's tier, [`ABOVE_ALL`] one above the top.
fn tiers() -> BTreeMap<&'static str, usize> {
    let mut tiers: BTreeMap<&str, usize> = TIERS
        .iter()
        .enumerate()
        .flat_map(|(i, modules)| modules.iter().map(move |m| (*m, i + 1)))
        .collect();
    tiers.insert(ABOVE_ALL, TIERS.len() + 1);
    tiers
}

/// The runtime's `src/`.
fn runtime_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level module of a module below lib.rs.
fn top(module: &Module) -> &str {
    &module[0]
}

/// Every import between two modules with a tier, test code included (a test that needs a
/// higher module lives in that module). lib.rs and the crate's own test support have no tier;
/// any other module without one fails.
fn tiered_imports<'a>(
    graph: &'a Graph,
    tiers: &'a BTreeMap<&str, usize>,
) -> impl Iterator<Item = (&'a Module, &'a Module)> + 'a {
    let tiered = move |module: &Module| {
        if module.is_empty() || graph.modules[module] && !tiers.contains_key(top(module)) {
            return false;
        }
        assert!(
            tiers.contains_key(top(module)),
            "{} has no tier: add it to TIERS",
            top(module)
        );
        true
    };
    graph
        .imports
        .iter()
        .filter(move |(from, _)| tiered(from))
        .flat_map(|(from, targets)| targets.keys().map(move |to| (from, to)))
        .filter(move |(_, to)| tiered(to))
}

/// Every import from a module to one of a higher tier.
fn upward_imports(graph: &Graph, tiers: &BTreeMap<&str, usize>) -> Vec<String> {
    tiered_imports(graph, tiers)
        .filter(|(from, to)| tiers[top(to)] > tiers[top(from)])
        .map(|(from, to)| {
            format!(
                "{} (tier {}) names {} (tier {})",
                display(from),
                tiers[top(from)],
                display(to),
                tiers[top(to)]
            )
        })
        .collect()
}

/// A cycle among the top-level modules, even within a tier, if there is one.
fn top_level_cycle(graph: &Graph, tiers: &BTreeMap<&str, usize>) -> Option<Vec<String>> {
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (from, to) in tiered_imports(graph, tiers) {
        if top(from) != top(to) {
            edges.entry(top(from)).or_default().insert(top(to));
        }
    }
    fn visit<'a>(
        node: &'a str,
        edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if done.contains(node) {
            return None;
        }
        if let Some(start) = path.iter().position(|n| *n == node) {
            let mut cycle: Vec<String> = path[start..].iter().map(|n| n.to_string()).collect();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        path.push(node);
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, &edges, &mut Vec::new(), &mut done))
}

#[test]
fn modules_depend_one_way() {
    let graph = Graph::read(&runtime_src());
    let tiers = tiers();
    let wrong = upward_imports(&graph, &tiers);
    assert!(
        wrong.is_empty(),
        "modules name higher ones:\n{}",
        wrong.join("\n")
    );
    if let Some(cycle) = top_level_cycle(&graph, &tiers) {
        panic!("import cycle: {}", cycle.join(" -> "));
    }
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let circles = Graph::read(&runtime_src()).circles();
    let lines: Vec<String> = circles
        .iter()
        .map(|c| {
            let names: Vec<String> = c.iter().map(display).collect();
            format!("circle: {}", names.join(", "))
        })
        .collect();
    assert!(
        circles.is_empty(),
        "{} import circles among the runtime's files; make a parent `mod.rs` a front door and \
         move what siblings share into a leaf module of its own:\n{}",
        circles.len(),
        lines.join("\n")
    );
}

/// The tiers `docs` lists under `heading`, if it has that heading: each numbered item's
/// backticked module names, leaving out what is in parentheses (a module's description). The
/// list ends at the next heading.
fn documented_tiers(docs: &str, heading: &str) -> Option<BTreeMap<String, usize>> {
    let mut lines = docs.lines().skip_while(|line| line.trim() != heading);
    lines.next()?;
    let mut tiers = BTreeMap::new();
    let mut tier = None;
    // How deep in parentheses the item is: they may span its lines.
    let mut depth = 0usize;
    for line in lines.take_while(|line| !line.starts_with('#')) {
        let numbered = line
            .split_once(". ")
            .and_then(|(n, _)| n.parse::<usize>().ok());
        if numbered.is_some() {
            tier = numbered;
            depth = 0;
        } else if !line.starts_with(' ') || line.trim().is_empty() {
            tier = None; // only an item's indented lines continue it
        }
        let Some(tier) = tier else { continue };
        let mut outside = String::new();
        for c in line.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ if depth == 0 => outside.push(c),
                _ => {}
            }
        }
        for (i, name) in outside.split('`').enumerate() {
            if i % 2 == 1 {
                tiers.insert(name.to_owned(), tier);
            }
        }
    }
    Some(tiers)
}

/// The docs in `file` (below the workspace root), if it exists: a Rust file's `//!` lines
/// without the markers, any other file whole.
fn doc_text(file: &str) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(file);
    let text = std::fs::read_to_string(path).ok()?;
    if !file.ends_with(".rs") {
        return Some(text);
    }
    let docs: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect();
    Some(docs.join("\n"))
}

/// How the documented tiers differ from [`TIERS`], one line per module.
fn docs_disagreements(documented: &BTreeMap<String, usize>) -> Vec<String> {
    let mut tiers = tiers();
    tiers.remove(ABOVE_ALL);
    let mut wrong = Vec::new();
    for (module, tier) in &tiers {
        match documented.get(*module) {
            None => wrong.push(format!("{module}: tier {tier} here, missing from the docs")),
            Some(t) if t != tier => {
                wrong.push(format!("{module}: tier {tier} here, tier {t} in the docs"))
            }
            Some(_) => {}
        }
    }
    for (module, tier) in documented {
        if !tiers.contains_key(module.as_str()) {
            wrong.push(format!(
                "{module}: tier {tier} in the docs, not a module of TIERS"
            ));
        }
    }
    wrong
}

#[test]
fn the_docs_list_the_same_tiers() {
    for (file, heading) in DOCUMENTED {
        let documented = doc_text(file)
            .and_then(|docs| documented_tiers(&docs, heading))
            .unwrap_or_else(|| panic!("{file} has no list of the tiers under `{heading}`"));
        let wrong = docs_disagreements(&documented);
        assert!(
            wrong.is_empty(),
            "{file}'s `{heading}` disagrees with TIERS in tests/layering:\n{}",
            wrong.join("\n")
        );
    }
}

/// The detector on small synthetic crates, written to a temporary directory.
mod detector {
    use super::*;

    /// A crate of `files` (path below `src/`, contents) in a directory of its own, removed when
    /// dropped.
    struct Tree(PathBuf);

    impl Tree {
        fn new(name: &str, files: &[(&str, &str)]) -> Tree {
            let dir =
                std::env::temp_dir().join(format!("genops-layering-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            for (path, text) in files {
                let path = dir.join(path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
            }
            Tree(dir)
        }

        /// The circles, each as `a, b/c`-style names.
        fn circles(&self) -> Vec<String> {
            Graph::read(&self.0)
                .circles()
                .iter()
                .map(|c| c.iter().map(display).collect::<Vec<_>>().join(", "))
                .collect()
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_clean_tree_has_no_circle() {
        let tree = Tree::new(
            "clean",
            &[
                ("lib.rs", "mod a;\nmod b;\npub use b::B;\n"),
                ("a.rs", "pub struct A;\n"),
                ("b/mod.rs", "mod c;\npub use c::B;\n"),
                ("b/c.rs", "use crate::a::A;\npub struct B(A);\n"),
            ],
        );
        assert_eq!(tree.circles(), Vec::<String>::new());
    }

    #[test]
    fn crate_paths_make_a_circle() {
        let tree = Tree::new(
            "crate-paths",
            &[
                ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
                ("a.rs", "use crate::b::B;\npub struct A;\n"),
                ("b.rs", "pub struct B(crate::a::A);\n"),
                ("c.rs", "use crate::a::A;\n"),
            ],
        );
        assert_eq!(tree.circles(), ["a, b"]);
    }

    #[test]
    fn a_parent_that_children_use_is_a_circle_through_super() {
        let tree = Tree::new(
            "super",
            &[
                ("lib.rs", "mod store;\n"),
                (
                    "store/mod.rs",
                    "mod memory;\npub use memory::Memory;\npub struct Slot;\n",
                ),
                (
                    "store/memory.rs",
                    "use super::Slot;\npub struct Memory(Slot);\n",
                ),
            ],
        );
        assert_eq!(tree.circles(), ["store, store::memory"]);
    }

    #[test]
    fn a_root_reexport_leads_to_the_file_that_defines_the_item() {
        let tree = Tree::new(
            "reexport",
            &[
                (
                    "lib.rs",
                    "mod error;\nmod init;\npub use error::InitError;\n",
                ),
                (
                    "error.rs",
                    "pub struct InitError;\npub fn check() { crate::init::go() }\n",
                ),
                (
                    "init.rs",
                    "pub fn go() -> Option<crate::InitError> { None }\n",
                ),
            ],
        );
        assert_eq!(tree.circles(), ["error, init"]);
    }

    #[test]
    fn siblings_in_a_group_import_make_a_circle() {
        let tree = Tree::new(
            "group",
            &[
                ("lib.rs", "mod call;\n"),
                ("call/mod.rs", "mod finish;\nmod stream;\n"),
                (
                    "call/finish.rs",
                    "use super::{stream::End, Other};\npub struct Done;\n",
                ),
                (
                    "call/stream.rs",
                    "pub struct End;\nfn f() -> super::finish::Done { todo!() }\n",
                ),
            ],
        );
        assert_eq!(tree.circles(), ["call::finish, call::stream"]);
    }

    #[test]
    fn comments_strings_macros_and_tests_make_no_circle() {
        let tree = Tree::new(
            "ignored",
            &[
                (
                    "lib.rs",
                    "mod a;\nmod b;\n#[cfg(test)]\nmod test_support;\n",
                ),
                (
                    "a.rs",
                    "use crate::b::B;\n\
                     // crate::test_support::x and crate::b live above\n\
                     pub struct A;\n",
                ),
                (
                    "b.rs",
                    "/// See [`A`](crate::a::A).\n\
                     pub struct B;\n\
                     const S: &str = \"crate::a::A\";\n\
                     const R: &str = r#\"crate::a::A\"#;\n\
                     macro_rules! m { () => { $crate::a::A } }\n\
                     #[cfg(test)]\n\
                     mod tests {\n    use crate::a::A;\n    use super::B;\n}\n",
                ),
                ("test_support.rs", "use crate::a::A;\nuse crate::b::B;\n"),
            ],
        );
        assert_eq!(tree.circles(), Vec::<String>::new());
        // The tests' own imports are still seen, as test imports (they count for the tiers).
        let graph = Graph::read(&tree.0);
        let b = vec!["b".to_owned()];
        let a = vec!["a".to_owned()];
        assert_eq!(graph.imports[&b].get(&a), Some(&true));
        assert!(graph.modules[&vec!["test_support".to_owned()]]);
    }

    #[test]
    fn a_higher_tier_named_by_tests_is_reported() {
        let tree = Tree::new(
            "tiers",
            &[
                ("lib.rs", "mod money;\nmod layer;\n"),
                (
                    "money.rs",
                    "#[cfg(test)]\nmod tests {\n    use crate::layer::L;\n}\n",
                ),
                ("layer.rs", "pub struct L;\n"),
            ],
        );
        let tiers = BTreeMap::from([("money", 1), ("layer", 5)]);
        assert_eq!(
            upward_imports(&Graph::read(&tree.0), &tiers),
            ["money (tier 1) names layer (tier 5)"]
        );
    }

    #[test]
    fn the_docs_list_is_read_by_tier_leaving_descriptions_out() {
        let docs = "# Modules, bottom to top\n\nEach module only uses the ones below it.\n\n\
                    1. Values: `env`, [`semconv`], and `recordable` (what a `provider`\n   \
                    reports, `model` and `id`).\n\
                    2. Pricing: `pricing`,\n   `ledger`.\n\n`__private` only re-exports.\n\n\
                    # Cargo features\n\n- `otlp`\n";
        let documented = documented_tiers(docs, "# Modules, bottom to top").unwrap();
        let expected = BTreeMap::from(
            [
                ("env", 1),
                ("semconv", 1),
                ("recordable", 1),
                ("pricing", 2),
                ("ledger", 2),
            ]
            .map(|(m, t)| (m.to_owned(), t)),
        );
        assert_eq!(documented, expected);
        let wrong = docs_disagreements(&documented);
        assert!(wrong.contains(&"redact: tier 1 here, missing from the docs".to_owned()));
    }

    #[test]
    fn a_markdown_list_is_read_too_and_a_missing_heading_is_none() {
        let guide = "# Layout\n\n## The runtime's layers, bottom to top\n\n\
                     1. **Values**: `env`, `redact`.\n\
                     2. **Pricing**: `pricing`, and `error` (set-up errors, which carry\n   \
                     `pricing`'s).\n\n## Tests\n\n1. `tests` is not a tier.\n";
        let documented = documented_tiers(guide, "## The runtime's layers, bottom to top");
        let expected = BTreeMap::from(
            [("env", 1), ("redact", 1), ("pricing", 2), ("error", 2)]
                .map(|(m, t)| (m.to_owned(), t)),
        );
        assert_eq!(documented, Some(expected));
        assert_eq!(documented_tiers(guide, "# Modules, bottom to top"), None);
    }
}

//! The runtime's modules depend one way: each names only modules of its own tier or a lower
//! one, and the graph of top-level modules has no cycle. Read from the sources, so a new `use`
//! that breaks the order fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every top-level module and its tier, bottom (1) to top (6).
const TIERS: [(&str, u8); 20] = [
    // 1. values
    ("env", 1),
    ("redact", 1),
    ("semconv", 1),
    ("money", 1),
    ("usage", 1),
    ("intern", 1),
    ("attribution", 1),
    ("outcome", 1),
    ("recordable", 1),
    // 2. pricing, the ledger, and set-up errors (which carry pricing's)
    ("pricing", 2),
    ("ledger", 2),
    ("error", 2),
    // 3. governance and export
    ("governance", 3),
    ("export", 3),
    // 4. the life of one tracked call, and a Bedrock stream that records on it
    ("call", 4),
    ("bedrock", 4),
    // 5. the layer and the Prometheus endpoint
    ("layer", 5),
    ("prometheus", 5),
    // 6. set-up
    ("init", 6),
    // what the generated code names: re-exports only, above everything
    ("__private", 7),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the source dir") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src");
    let first = relative.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_owned()
}

/// The top-level modules `text` names as `crate::module`, outside its comments. Unit tests
/// count too: a test that needs a higher module lives in that module.
fn named(text: &str, modules: &BTreeMap<&str, u8>) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        if code[..i].ends_with('$') {
            continue; // `$crate::Item` in a macro: a root re-export
        }
        let rest = &code[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if modules.contains_key(name.as_str()) {
            found.insert(name);
        }
    }
    found
}

#[test]
fn modules_depend_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let tiers: BTreeMap<&str, u8> = TIERS.into_iter().collect();
    let mut sources = Vec::new();
    files(&src, &mut sources);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for file in &sources {
        let module = module_of(&src, file);
        if module == "lib" || module == "test_support" {
            continue;
        }
        let tier = *tiers
            .get(module.as_str())
            .unwrap_or_else(|| panic!("{module} has no tier: add it to TIERS"));
        let text = std::fs::read_to_string(file).expect("the file");
        for used in named(&text, &tiers) {
            if used == module {
                continue;
            }
            if tiers[used.as_str()] > tier {
                wrong.push(format!(
                    "{} (tier {tier}) names {used} (tier {})",
                    file.display(),
                    tiers[used.as_str()]
                ));
            }
            graph.entry(module.clone()).or_default().insert(used);
        }
    }
    assert!(
        wrong.is_empty(),
        "modules name higher ones:\n{}",
        wrong.join("\n")
    );
    // No cycle, even within a tier: a depth-first search finds no back edge.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(start) = path.iter().position(|n| n == node) {
            panic!("import cycle: {} -> {node}", path[start..].join(" -> "));
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(node.to_owned());
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn the_checker_reads_code_and_tests_not_comments_or_macros() {
    let tiers: BTreeMap<&str, u8> = TIERS.into_iter().collect();
    let named = named(
        "/// see [`x`](crate::ledger)\nuse crate::layer::GenOpsLayer;\nuse $crate::Dimension;\n\
         #[cfg(test)]\nuse crate::init;",
        &tiers,
    );
    assert_eq!(named.into_iter().collect::<Vec<_>>(), ["init", "layer"]);
}

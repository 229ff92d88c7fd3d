//! The import graph among the files of a crate's `src/`, and its circles.
//!
//! Each file is a module, named by its path (`call/state.rs` is `call::state`, a `mod.rs` is its
//! directory). An import is any path to another module file: `crate::`, `super::`, `self::` or a
//! child module the file declares with `mod x;`, with `pub use` re-exports followed to the file
//! that defines the item (so `crate::InitError` leads to `error.rs` through lib.rs). Paths that
//! end at lib.rs itself (the facade and its root macros) and `$crate::` paths in macros are left
//! out. A parent `mod.rs` that re-exports its children while they use what it defines is
//! therefore a circle too.
//!
//! Test code (`#[cfg(test)]` modules, inline or in files of their own) is kept apart: it counts
//! for the tiers but takes no part in circles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::lexer::{tokens, Token};

/// A module, as the path of its file below `src/` (empty for lib.rs).
pub type Module = Vec<String>;

/// One file's tokens, which of them are test code, and whether the whole file is.
struct File {
    tokens: Vec<Token>,
    in_test: Vec<bool>,
    test_only: bool,
}

/// The import graph of one crate.
pub struct Graph {
    /// Every module file and whether it is test code.
    pub modules: BTreeMap<Module, bool>,
    /// Each module's imports, each with whether only test code makes it.
    pub imports: BTreeMap<Module, BTreeMap<Module, bool>>,
}

impl Graph {
    /// Reads every `.rs` file under `src`.
    pub fn read(src: &Path) -> Graph {
        let mut files = BTreeMap::new();
        read_dir(src, src, &mut files);
        // Files declared under `#[cfg(test)]` are test code, with everything below them.
        let test_roots: Vec<Module> = files
            .iter()
            .flat_map(|(module, file)| {
                test_children(file)
                    .into_iter()
                    .map(move |child| [module.clone(), vec![child]].concat())
            })
            .collect();
        for (module, file) in files.iter_mut() {
            file.test_only = test_roots.iter().any(|root| module.starts_with(root));
        }
        let modules: BTreeSet<Module> = files.keys().cloned().collect();
        let mut reexports = BTreeMap::new();
        for (module, file) in &files {
            for statement in uses(module, file) {
                if statement.public {
                    for (path, name) in statement.leaves {
                        reexports.insert((module.clone(), name), path);
                    }
                }
            }
        }
        let resolver = Resolver {
            modules: &modules,
            reexports: &reexports,
        };
        let mut imports: BTreeMap<Module, BTreeMap<Module, bool>> = BTreeMap::new();
        for (module, file) in &files {
            let found = imports.entry(module.clone()).or_default();
            for (path, in_test) in paths(module, file) {
                let Some(target) = resolver.resolve(&path, 0) else {
                    continue;
                };
                if target.is_empty() || &target == module {
                    continue;
                }
                let only_test = file.test_only || in_test;
                let entry = found.entry(target).or_insert(only_test);
                *entry &= only_test;
            }
        }
        let modules = files.into_iter().map(|(m, f)| (m, f.test_only)).collect();
        Graph { modules, imports }
    }

    /// The circles among the modules, leaving test code out: each strongly connected component
    /// of more than one module, its members sorted, in a stable order.
    pub fn circles(&self) -> Vec<Vec<Module>> {
        let mut tarjan = Tarjan::default();
        for module in self.modules.keys() {
            if !tarjan.index.contains_key(module) {
                tarjan.visit(module, self);
            }
        }
        let mut circles: Vec<Vec<Module>> = tarjan
            .components
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|mut c| {
                c.sort();
                c
            })
            .collect();
        circles.sort();
        circles
    }

    /// The modules `module`'s code (not its tests) imports.
    fn code_imports<'a>(&'a self, module: &Module) -> impl Iterator<Item = &'a Module> {
        self.imports
            .get(module)
            .into_iter()
            .flatten()
            .filter(|(_, only_test)| !**only_test)
            .map(|(target, _)| target)
    }
}

/// A module's name as a reader writes it: `call::state`, or `lib` for the crate root.
pub fn display(module: &Module) -> String {
    if module.is_empty() {
        "lib".to_owned()
    } else {
        module.join("::")
    }
}

/// Reads the `.rs` files under `dir` into `out`, keyed by module.
fn read_dir(src: &Path, dir: &Path, out: &mut BTreeMap<Module, File>) {
    for entry in std::fs::read_dir(dir).expect("the source dir") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            read_dir(src, &path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path
            .strip_prefix(src)
            .expect("under src")
            .with_extension("");
        let mut module: Module = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(
            module.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            module.pop();
        }
        let text = std::fs::read_to_string(&path).expect("a source file");
        let tokens = tokens(&text);
        let in_test = test_regions(&tokens);
        out.insert(
            module,
            File {
                tokens,
                in_test,
                test_only: false,
            },
        );
    }
}

/// The index of the token after the attribute that starts at `i` (`#[...]`), if one does, and
/// whether it is `#[cfg(...)]` naming `test` (and not `not`).
fn attribute(tokens: &[Token], i: usize) -> Option<(usize, bool)> {
    if tokens.get(i) != Some(&Token::Punct('#')) || tokens.get(i + 1) != Some(&Token::Punct('[')) {
        return None;
    }
    let end = matching(tokens, i + 1, '[', ']');
    let inner = &tokens[i + 2..end];
    let cfg_test = inner.first().is_some_and(|t| t.is("cfg"))
        && inner.iter().any(|t| t.is("test"))
        && !inner.iter().any(|t| t.is("not"));
    Some((end + 1, cfg_test))
}

/// The index of the bracket that closes the one at `open`.
fn matching(tokens: &[Token], open: usize, left: char, right: char) -> usize {
    let mut depth = 0;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        if *token == Token::Punct(left) {
            depth += 1;
        } else if *token == Token::Punct(right) {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    tokens.len() - 1
}

/// The index after a visibility (`pub`, `pub(crate)`, ...) at `i`, or `i` when there is none.
fn skip_visibility(tokens: &[Token], i: usize) -> usize {
    if !tokens.get(i).is_some_and(|t| t.is("pub")) {
        return i;
    }
    if tokens.get(i + 1) == Some(&Token::Punct('(')) {
        return matching(tokens, i + 1, '(', ')') + 1;
    }
    i + 1
}

/// A `#[cfg(test)]` item at `i`: the index after its attributes and visibility, if the
/// attributes at `i` include `cfg(test)`.
fn cfg_test_item(tokens: &[Token], mut i: usize) -> Option<usize> {
    let mut test = false;
    while let Some((next, cfg_test)) = attribute(tokens, i) {
        test |= cfg_test;
        i = next;
    }
    test.then(|| skip_visibility(tokens, i))
}

/// Which tokens lie inside an inline `#[cfg(test)] mod name { ... }`.
fn test_regions(tokens: &[Token]) -> Vec<bool> {
    let mut in_test = vec![false; tokens.len()];
    let mut i = 0;
    while i < tokens.len() {
        if let Some(item) = cfg_test_item(tokens, i) {
            if tokens.get(item).is_some_and(|t| t.is("mod"))
                && tokens.get(item + 2) == Some(&Token::Punct('{'))
            {
                let end = matching(tokens, item + 2, '{', '}');
                in_test[i..=end].iter_mut().for_each(|t| *t = true);
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    in_test
}

/// The child modules a file declares under `#[cfg(test)]` (`#[cfg(test)] mod tests;`).
fn test_children(file: &File) -> Vec<String> {
    let tokens = &file.tokens;
    (0..tokens.len())
        .filter_map(|i| {
            let item = cfg_test_item(tokens, i)?;
            match (tokens.get(item), tokens.get(item + 1), tokens.get(item + 2)) {
                (Some(m), Some(Token::Ident(name)), Some(Token::Punct(';'))) if m.is("mod") => {
                    Some(name.clone())
                }
                _ => None,
            }
        })
        .collect()
}

/// The child modules a file declares with `mod name;`.
fn children(tokens: &[Token]) -> BTreeSet<String> {
    tokens
        .windows(3)
        .filter_map(|w| match w {
            [m, Token::Ident(name), Token::Punct(';')] if m.is("mod") => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// Where a path starts, and so how it is made absolute.
#[derive(Clone, Copy)]
enum Root {
    /// `crate::`, `super::` or `self::`.
    Keyword,
    /// A child module this file declares.
    Child,
}

/// The root of a path whose first segment is `tokens[i]`, if it is one the graph follows.
fn root(tokens: &[Token], i: usize, children: &BTreeSet<String>) -> Option<Root> {
    let Some(Token::Ident(first)) = tokens.get(i) else {
        return None;
    };
    let prev = i.checked_sub(1).map(|p| &tokens[p]);
    if matches!(
        prev,
        Some(Token::PathSep | Token::Punct('$') | Token::Punct('.'))
    ) {
        return None; // in the middle of a path, `$crate` in a macro, or a field
    }
    if tokens.get(i + 1) != Some(&Token::PathSep) {
        return None;
    }
    match first.as_str() {
        "crate" | "super" | "self" => Some(Root::Keyword),
        name if children.contains(name) => Some(Root::Child),
        _ => None,
    }
}

/// The absolute module path of `segments`, written in module `here` (`inline` holds the inline
/// modules the path sits in).
fn absolute(here: &Module, inline: &[String], segments: &[String], root: Root) -> Vec<String> {
    let mut out: Vec<String> = [here.clone(), inline.to_vec()].concat();
    let mut rest = segments;
    if let Root::Keyword = root {
        match rest[0].as_str() {
            "crate" => {
                out.clear();
                rest = &rest[1..];
            }
            "self" => rest = &rest[1..],
            _ => {}
        }
    }
    while rest.first().is_some_and(|s| s == "super") {
        out.pop();
        rest = &rest[1..];
    }
    out.extend(rest.iter().cloned());
    out
}

/// One `use` statement: whether it is a re-export, and each imported path with the name it is
/// imported as.
struct Use {
    public: bool,
    leaves: Vec<(Vec<String>, String)>,
    /// Every path the statement imports: its leaves, and the modules of its globs.
    paths: Vec<Vec<String>>,
}

/// A path's segments from `i` (an identifier), and the index after them.
fn segments(tokens: &[Token], mut i: usize) -> (Vec<String>, usize) {
    let mut segs = Vec::new();
    while let Some(Token::Ident(seg)) = tokens.get(i) {
        segs.push(seg.clone());
        if tokens.get(i + 1) == Some(&Token::PathSep)
            && matches!(tokens.get(i + 2), Some(Token::Ident(_)))
        {
            i += 2;
        } else {
            i += 1;
            break;
        }
    }
    (segs, i)
}

/// Reads the use tree at `i` below `prefix` into `out`; returns the index after it.
fn use_tree(tokens: &[Token], i: usize, prefix: &[String], out: &mut Use) -> usize {
    if tokens.get(i) == Some(&Token::Punct('*')) {
        out.paths.push(prefix.to_vec()); // a glob depends on all of the module
        return i + 1;
    }
    if tokens.get(i) == Some(&Token::Punct('{')) {
        return use_group(tokens, i, prefix, out);
    }
    let (segs, mut i) = segments(tokens, i);
    let path = if segs == ["self"] && !prefix.is_empty() {
        prefix.to_vec() // `use a::{self}` names `a` itself
    } else {
        [prefix, &segs[..]].concat()
    };
    if tokens.get(i) == Some(&Token::PathSep) {
        return use_tree(tokens, i + 1, &path, out);
    }
    out.paths.push(path.clone());
    let mut name = path.last().cloned().unwrap_or_default();
    if tokens.get(i).is_some_and(|t| t.is("as")) {
        if let Some(Token::Ident(alias)) = tokens.get(i + 1) {
            name = alias.clone();
        }
        i += 2;
    }
    if name != "_" {
        out.leaves.push((path, name));
    }
    i
}

/// Reads the group `{a, b::c, ...}` that opens at `i` below `prefix`; returns the index after
/// it.
fn use_group(tokens: &[Token], open: usize, prefix: &[String], out: &mut Use) -> usize {
    let close = matching(tokens, open, '{', '}');
    let mut i = open + 1;
    while i < close {
        if tokens[i] == Token::Punct(',') {
            i += 1;
            continue;
        }
        let next = use_tree(tokens, i, prefix, out);
        i = next.max(i + 1);
    }
    close + 1
}

/// The `use` statements of a file whose root is one the graph follows, made absolute. Each
/// comes with whether it sits in test code.
fn use_statements(module: &Module, file: &File) -> Vec<(Use, bool)> {
    let tokens = &file.tokens;
    let children = children(tokens);
    let mut inline = InlineModules::default();
    let mut out = Vec::new();
    for i in 0..tokens.len() {
        inline.step(tokens, i);
        if !tokens[i].is("use") {
            continue;
        }
        let Some(root) = root(tokens, i + 1, &children) else {
            continue;
        };
        let public = (0..i).rev().find_map(|j| match &tokens[j] {
            Token::Punct(')') => None,
            Token::Punct('(') => None,
            Token::Ident(w) if w == "crate" || w == "super" || w == "self" || w == "in" => None,
            t => Some(t.is("pub")),
        });
        let mut statement = Use {
            public: public.unwrap_or(false),
            leaves: Vec::new(),
            paths: Vec::new(),
        };
        use_tree(tokens, i + 1, &[], &mut statement);
        let make = |p: &Vec<String>| absolute(module, &inline.names, p, root);
        statement.leaves = statement
            .leaves
            .iter()
            .map(|(p, n)| (make(p), n.clone()))
            .collect();
        statement.paths = statement.paths.iter().map(make).collect();
        out.push((statement, file.in_test[i]));
    }
    out
}

/// The re-exports and imports of a file's `use` statements.
fn uses(module: &Module, file: &File) -> Vec<Use> {
    use_statements(module, file)
        .into_iter()
        .filter(|(_, in_test)| !in_test)
        .map(|(statement, _)| statement)
        .collect()
}

/// Every path a file names that the graph follows, made absolute, with whether it sits in test
/// code.
fn paths(module: &Module, file: &File) -> Vec<(Vec<String>, bool)> {
    let tokens = &file.tokens;
    let children = children(tokens);
    let mut out: Vec<(Vec<String>, bool)> = use_statements(module, file)
        .into_iter()
        .flat_map(|(statement, in_test)| statement.paths.into_iter().map(move |p| (p, in_test)))
        .collect();
    let mut inline = InlineModules::default();
    let mut in_use = false;
    for i in 0..tokens.len() {
        inline.step(tokens, i);
        // `use` statements are read above, whole.
        if tokens[i].is("use") {
            in_use = true;
        } else if tokens[i] == Token::Punct(';') {
            in_use = false;
        }
        if in_use {
            continue;
        }
        let Some(root) = root(tokens, i, &children) else {
            continue;
        };
        let (segs, _) = segments(tokens, i);
        out.push((
            absolute(module, &inline.names, &segs, root),
            file.in_test[i],
        ));
    }
    out
}

/// The inline modules (`mod name { ... }`) around a token, tracked token by token.
#[derive(Default)]
struct InlineModules {
    /// The names of the open inline modules, outermost first.
    names: Vec<String>,
    /// The brace depth at which each of them opened.
    opened_at: Vec<usize>,
    /// The current brace depth.
    depth: usize,
}

impl InlineModules {
    /// Takes token `i` into account.
    fn step(&mut self, tokens: &[Token], i: usize) {
        match &tokens[i] {
            Token::Punct('{') => {
                if i >= 2 && tokens[i - 2].is("mod") {
                    if let Token::Ident(name) = &tokens[i - 1] {
                        self.names.push(name.clone());
                        self.opened_at.push(self.depth);
                    }
                }
                self.depth += 1;
            }
            Token::Punct('}') => {
                self.depth = self.depth.saturating_sub(1);
                if self.opened_at.last() == Some(&self.depth) {
                    self.opened_at.pop();
                    self.names.pop();
                }
            }
            _ => {}
        }
    }
}

/// Follows paths to the module file that defines what they name.
struct Resolver<'a> {
    modules: &'a BTreeSet<Module>,
    /// `(module, name)` to the absolute path `module` re-exports as `name`.
    reexports: &'a BTreeMap<(Module, String), Vec<String>>,
}

impl Resolver<'_> {
    /// The module file that defines what `path` names, following re-exports; `None` when the
    /// path leaves the crate's files.
    fn resolve(&self, path: &[String], depth: usize) -> Option<Module> {
        let mut module: Module = Vec::new();
        for (i, seg) in path.iter().enumerate() {
            let child = [module.clone(), vec![seg.clone()]].concat();
            if self.modules.contains(&child) {
                module = child;
            } else if let Some(target) = self.reexports.get(&(module.clone(), seg.clone())) {
                if depth >= 20 {
                    break;
                }
                return self.resolve(
                    &[target.clone(), path[i + 1..].to_vec()].concat(),
                    depth + 1,
                );
            } else {
                break;
            }
        }
        self.modules.contains(&module).then_some(module)
    }
}

/// Tarjan's strongly connected components.
#[derive(Default)]
struct Tarjan {
    index: BTreeMap<Module, usize>,
    low: BTreeMap<Module, usize>,
    stack: Vec<Module>,
    on_stack: BTreeSet<Module>,
    components: Vec<Vec<Module>>,
}

impl Tarjan {
    fn visit(&mut self, v: &Module, graph: &Graph) {
        let n = self.index.len();
        self.index.insert(v.clone(), n);
        self.low.insert(v.clone(), n);
        self.stack.push(v.clone());
        self.on_stack.insert(v.clone());
        for w in graph.code_imports(v) {
            if !self.index.contains_key(w) {
                self.visit(w, graph);
                let low = self.low[v].min(self.low[w]);
                self.low.insert(v.clone(), low);
            } else if self.on_stack.contains(w) {
                let low = self.low[v].min(self.index[w]);
                self.low.insert(v.clone(), low);
            }
        }
        if self.low[v] == self.index[v] {
            let mut component = Vec::new();
            loop {
                let w = self.stack.pop().expect("v is on the stack");
                self.on_stack.remove(&w);
                let done = &w == v;
                component.push(w);
                if done {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}

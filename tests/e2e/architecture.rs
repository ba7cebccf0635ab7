//! The layering, kept by a test rather than by memory: it reads the source tree and fails when a
//! module reaches across a forbidden edge.
//!
//! - `api/` is thin: it calls `service/`, never `db/` or diesel, and no api module reaches into
//!   another (each area's own folder, such as `api/fund/`, is one area).
//! - `web/` (the pages) is thin in the same way: it calls `service/`, never `db/` or diesel, and
//!   neither it nor `api/` borrows from the other: what both need is in `http/`, which reaches no
//!   storage either.
//! - `auth/` resolves the caller through a use case, never a table of its own.
//! - `service/` knows nothing of HTTP: no actix, no `api/`, no `web/`; a use case takes
//!   `service::Context`, never the edge's whole `AppState` (signing in and out, which reach the
//!   token keys, are the one exception).
//! - `db/` is storage: it imports nothing from `service/`, `state`, `api/` or `auth/`, and its
//!   errors are storage facts (`db::StoreError`), never the API's codes.
//! - `printing/` lays documents out: no storage, no use cases, no HTTP.
//! - `domain/` is pure: no I/O, no database, no HTTP, nothing from the layers above it.
//! - `sync-protocol`'s core (everything but its `client` and `bin`) compiles without actix,
//!   diesel, an HTTP client or a database driver.
//!
//! Test code (after a `#[cfg(test)]` line) and comments are not checked.

use std::path::{Path, PathBuf};

/// One forbidden edge: files under `from` (relative to the repository) may not mention any of
/// `paths`.
struct Rule {
    from: &'static str,
    /// Subfolders of `from` the rule does not cover.
    except: &'static [&'static str],
    paths: &'static [&'static str],
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        from: "server/src/api",
        except: &[],
        paths: &["crate::db", "diesel", "crate::api::", "crate::web"],
        why: "handlers call a service; they hold no SQL, no other area's handlers and nothing of the pages",
    },
    Rule {
        from: "server/src/web",
        except: &[],
        paths: &["crate::db", "diesel", "crate::api"],
        why: "pages call a service; they hold no SQL and borrow nothing from the API (what both need is in http/)",
    },
    Rule {
        from: "server/src/http",
        except: &[],
        paths: &["crate::db", "diesel", "crate::api", "crate::web"],
        why: "the edge beneath api/ and web/ answers with what a service gave it",
    },
    Rule {
        from: "server/src/auth",
        except: &[],
        paths: &["crate::db", "diesel"],
        why: "the caller is resolved by a use case (service::accounts::caller_of_session)",
    },
    Rule {
        from: "server/src/service",
        except: &[],
        paths: &[
            "actix_web",
            "actix_files",
            "crate::api",
            "crate::web",
            "crate::http",
            "HttpRequest",
            "HttpResponse",
            "askama",
        ],
        why: "use cases know nothing of HTTP",
    },
    Rule {
        from: "server/src/service",
        except: &["accounts.rs"],
        paths: &["crate::state", "AppState"],
        why: "a use case takes the context it uses (service::Context), not the edge's whole state; \
              only signing in and out reaches the edge's token keys and sign-in guards",
    },
    Rule {
        from: "server/src/db",
        except: &[],
        paths: &[
            "crate::service",
            "crate::state",
            "crate::api",
            "crate::auth",
            "crate::web",
            "crate::error",
            "AppError",
            "AppResult",
            "Code",
        ],
        why: "storage does not reach up into the layers that use it, and answers with storage \
              errors (db::StoreError), never an API code: the use case decides the rules",
    },
    Rule {
        from: "server/src/printing",
        except: &[],
        paths: &[
            "crate::service",
            "crate::state",
            "crate::api",
            "crate::db",
            "crate::web",
            "actix_web",
            "diesel",
        ],
        why: "printing lays out a model it is given; the use cases read what goes in it",
    },
    Rule {
        from: "server/src/domain",
        except: &[],
        paths: &[
            "diesel",
            "actix",
            "tokio",
            "reqwest",
            "std::fs",
            "std::net",
            "std::io",
            "crate::db",
            "crate::service",
            "crate::api",
            "crate::state",
            "crate::media",
            "crate::auth",
            "crate::config",
        ],
        why: "rules are pure",
    },
    Rule {
        from: "sync-protocol/src",
        except: &["client", "bin"],
        paths: &["actix", "diesel", "reqwest", "rusqlite", "tokio"],
        why: "the wire crate's core builds for any client",
    },
];

/// The modules directly under `server/src/api`, which may not name one another through `super::`.
fn api_areas(root: &Path) -> Vec<String> {
    let mut areas: Vec<String> = std::fs::read_dir(root.join("server/src/api"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "mod.rs"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    areas.sort();
    areas.dedup();
    areas
}

fn rust_files(dir: &Path, except: &[PathBuf], out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if except.contains(&path) {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, except, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code a file runs outside its tests, without comments, line by line.
fn code_lines(source: &str) -> impl Iterator<Item = (usize, &str)> {
    source
        .lines()
        .enumerate()
        .take_while(|(_, line)| line.trim() != "#[cfg(test)]")
        .map(|(n, line)| (n + 1, line.split("//").next().unwrap_or("")))
}

/// Every mention of a forbidden path in `source`, as `line: text`.
fn violations(source: &str, paths: &[&str]) -> Vec<String> {
    code_lines(source)
        .filter(|(_, code)| paths.iter().any(|p| mentions(code, p)))
        .map(|(n, code)| format!("{n}: {}", code.trim()))
        .collect()
}

/// Whether `code` names `path` as a path (not as part of a longer identifier).
fn mentions(code: &str, path: &str) -> bool {
    code.match_indices(path).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + path.len()..].chars().next();
        let starts = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let ends = path.ends_with(':') || after.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        starts && ends
    })
}

/// A handler file naming a sibling area through `super::`, such as `super::claims::claim_scope`.
fn sideways(source: &str, areas: &[String], own: &str) -> Vec<String> {
    let paths: Vec<String> = areas.iter().filter(|a| *a != own).map(|a| format!("super::{a}")).collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    violations(source, &paths)
}

#[test]
fn no_module_imports_across_a_forbidden_edge() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    let mut checked = 0;
    for rule in RULES {
        let dir = root.join(rule.from);
        let except: Vec<PathBuf> = rule.except.iter().map(|e| dir.join(e)).collect();
        let mut files = Vec::new();
        rust_files(&dir, &except, &mut files);
        assert!(!files.is_empty(), "{} holds no source", rule.from);
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for v in violations(&source, rule.paths) {
                found.push(format!(
                    "{} {v}\n    ({})",
                    file.strip_prefix(&root).unwrap().display(),
                    rule.why
                ));
            }
            checked += 1;
        }
    }
    let areas = api_areas(&root);
    for entry in std::fs::read_dir(root.join("server/src/api")).unwrap() {
        let path = entry.unwrap().path();
        let Some(own) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else { continue };
        if path.is_dir() || own == "mod" {
            continue;
        }
        for v in sideways(&std::fs::read_to_string(&path).unwrap(), &areas, &own) {
            found.push(format!("server/src/api/{own}.rs {v}\n    (no api module reaches into another)"));
        }
    }
    assert!(checked > 50, "only {checked} files checked: has the tree moved?");
    assert!(found.is_empty(), "imports across a forbidden edge:\n{}", found.join("\n"));
}

#[test]
fn the_checker_sees_what_it_must_and_nothing_else() {
    let handler = "use crate::db::claims as db;\nfn f() { crate::service::claims::page(); }";
    assert_eq!(violations(handler, RULES[0].paths), ["1: use crate::db::claims as db;"]);
    // Longer names, comments and tests do not count.
    assert!(violations("use crate::dbx; // crate::db::claims\n", &["crate::db"]).is_empty());
    assert!(violations("fn f() {}\n#[cfg(test)]\nuse std::fs;\n", &["std::fs"]).is_empty());
    assert_eq!(violations("let t = tokio::spawn(x);", &["tokio"]), ["1: let t = tokio::spawn(x);"]);
    let areas = vec!["claims".to_string(), "fund".to_string(), "sync".to_string()];
    let sideways_use = "use super::claims::claim_scope;\nuse super::Paged;";
    assert_eq!(sideways(sideways_use, &areas, "fund"), ["1: use super::claims::claim_scope;"]);
    assert!(sideways("use super::sync_pull;", &areas, "fund").is_empty(), "sync is not sync_pull");
}

/// Files under `server/src` longer than this are split along a seam.
const MAX_LINES: usize = 700;

#[test]
fn no_source_file_is_long_or_imports_a_glob() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["server/src", "sync-protocol/src", "tests"] {
        rust_files(&root.join(dir), &[], &mut files);
    }
    let mut found = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        let lines = source.lines().count();
        if lines > MAX_LINES {
            found.push(format!("{name}: {lines} lines (at most {MAX_LINES})"));
        }
        // Outside tests a glob hides where a name comes from: `use super::*`, or `pub use x::*`.
        let test_code = name.starts_with("tests/") || name.ends_with("/tests.rs");
        for (n, code) in code_lines(&source).filter(|_| !test_code) {
            let code = code.trim();
            let reexport = code.starts_with("pub use ") && code.ends_with("::*;");
            if code.contains("use super::*") || reexport {
                found.push(format!("{name}:{n}: {code}"));
            }
        }
    }
    assert!(files.len() > 150, "only {} files: has the tree moved?", files.len());
    assert!(found.is_empty(), "long files and glob imports:\n{}", found.join("\n"));
}

/// Every use case that records an applicant's signature decides it with the one rule of Art. 22,
/// `domain::signing::decide`: the web form and the API (`service/claims/cost_sheets.rs`) and the
/// phone's `owner_confirmation` (`service/sync/kinds.rs`). Filing an emergency advance signs the
/// sheet its applicant paid (Art. 25), the one other place a signature is recorded.
#[test]
fn every_signature_is_decided_by_the_one_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rust_files(&root.join("server/src/service"), &[], &mut files);
    let mut deciders = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        let code: String = code_lines(&source).map(|(_, c)| format!("{c}\n")).collect();
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        let records =
            ["sign_latest(", "confirm_in_person(", "record_signing("].iter().any(|r| code.contains(r));
        let decides = code.contains("signing::decide(");
        if decides {
            deciders.push(name.clone());
        }
        if records && !decides {
            assert_eq!(
                name, "server/src/service/claims/filing.rs",
                "{name} records a signature without signing::decide"
            );
        }
    }
    deciders.sort();
    assert_eq!(deciders, ["server/src/service/claims/cost_sheets.rs", "server/src/service/sync/kinds.rs"]);
}

/// `docs/ARCHITECTURE.md` names only files that exist and, as `path::name`, only names defined in
/// them; and it has a row for every folder the layering rules cover.
#[test]
fn architecture_md_names_only_what_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).unwrap();
    let mut checked = 0;
    for quoted in doc.split('`').skip(1).step_by(2) {
        let (path, name) = match quoted.split_once("::") {
            Some((path, name)) => (path, Some(name)),
            None => (quoted, None),
        };
        let known = ["server/", "sync-protocol/", "tests/", "docs/"];
        if !known.iter().any(|k| path.starts_with(k)) || path.contains(' ') {
            continue;
        }
        let file = root.join(path.trim_end_matches('/'));
        assert!(file.exists(), "docs/ARCHITECTURE.md names {path}, which does not exist");
        if let Some(name) = name {
            let name: String = name.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let source = std::fs::read_to_string(&file).unwrap();
            assert!(
                mentions(&source, &format!("fn {name}"))
                    || mentions(&source, &format!("struct {name}"))
                    || mentions(&source, &format!("enum {name}"))
                    || mentions(&source, &format!("{name} =")),
                "docs/ARCHITECTURE.md names {quoted}, which {path} does not define"
            );
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} references checked: is the page still there?");
    for rule in RULES {
        let folder = format!("`{}/`", rule.from);
        assert!(doc.contains(&folder) || rule.from == "sync-protocol/src", "no row for {folder}");
    }
}

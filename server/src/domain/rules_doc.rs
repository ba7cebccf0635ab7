//! Keeps `docs/RULES.md` honest: every `path::name` it cites must be a function or test that exists.

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn every_reference_in_rules_md_exists() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let doc = std::fs::read_to_string(root.join("docs/RULES.md")).unwrap();
        let mut checked = 0;
        for reference in doc.split('`').skip(1).step_by(2) {
            let Some((file, name)) = reference.split_once("::") else { continue };
            if !file.ends_with(".rs") {
                continue;
            }
            let source = std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(
                source.contains(&format!("fn {name}(")),
                "docs/RULES.md cites {reference}, which does not exist"
            );
            checked += 1;
        }
        assert!(checked >= 40, "only {checked} references found: is the table still there?");
        for article in [8, 9, 11, 12, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30] {
            assert!(doc.contains(&format!("| Art. {article} |")), "Art. {article} has no row");
        }
    }
}

//! The defect code list (`fixtures/defect-codes.toml`): where in a building a defect is, which
//! component, and the cause its repair found; each with zh-CN and English names, under a version
//! every claim keeps. A code once published keeps its meaning; a retired one is no longer offered
//! but still reads on the claims that carry it.

use serde::{Deserialize, Serialize};

/// The list as shipped with this build.
pub const DEFAULT_CODES: &str = include_str!("../../../fixtures/defect-codes.toml");

/// The shipped list, read once; the start-up refuses a list that does not parse
/// (`Config::rule_settings`), so a running server always has it.
pub fn shipped() -> Option<&'static CodeList> {
    static LIST: std::sync::LazyLock<Option<CodeList>> =
        std::sync::LazyLock::new(|| CodeList::parse(DEFAULT_CODES).ok());
    LIST.as_ref()
}

/// One code with its names.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Code {
    pub code: String,
    pub zh: String,
    pub en: String,
    /// No longer offered for new claims; still read on the claims that carry it.
    #[serde(default)]
    pub retired: bool,
}

/// The list: its version and its three kinds of code.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeList {
    pub version: String,
    pub locations: Vec<Code>,
    pub components: Vec<Code>,
    pub causes: Vec<Code>,
}

/// What is wrong with a code list.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CodeListError {
    #[error("the defect code list does not parse: {0}")]
    Parse(String),
    #[error("the defect code list has no version")]
    NoVersion,
    #[error("the defect code {0:?} is not a lower-case name, or has an empty name")]
    BadCode(String),
    #[error("the defect code {0:?} appears twice in one kind")]
    Duplicate(String),
}

/// Which kind of code a field names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Location,
    Component,
    Cause,
}

impl CodeList {
    /// Reads and checks a list: a version, and in each kind codes of lower-case letters and
    /// underscores, once each, with both names.
    pub fn parse(text: &str) -> Result<CodeList, CodeListError> {
        use figment::providers::{Format, Toml};
        let list: CodeList = figment::Figment::from(Toml::string(text))
            .extract()
            .map_err(|e| CodeListError::Parse(e.to_string()))?;
        if list.version.trim().is_empty() {
            return Err(CodeListError::NoVersion);
        }
        for kind in [&list.locations, &list.components, &list.causes] {
            let mut seen = std::collections::HashSet::new();
            for c in kind {
                let well_formed =
                    !c.code.is_empty() && c.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
                if !well_formed || c.zh.trim().is_empty() || c.en.trim().is_empty() {
                    return Err(CodeListError::BadCode(c.code.clone()));
                }
                if !seen.insert(c.code.as_str()) {
                    return Err(CodeListError::Duplicate(c.code.clone()));
                }
            }
        }
        Ok(list)
    }

    fn of(&self, kind: Kind) -> &[Code] {
        match kind {
            Kind::Location => &self.locations,
            Kind::Component => &self.components,
            Kind::Cause => &self.causes,
        }
    }

    /// The code, retired or not: what a stored claim reads.
    pub fn find(&self, kind: Kind, code: &str) -> Option<&Code> {
        self.of(kind).iter().find(|c| c.code == code)
    }

    /// Whether a new claim may be coded with it: known and not retired.
    pub fn offers(&self, kind: Kind, code: &str) -> bool {
        self.find(kind, code).is_some_and(|c| !c.retired)
    }

    /// The codes offered for new claims.
    pub fn offered(&self, kind: Kind) -> Vec<&Code> {
        self.of(kind).iter().filter(|c| !c.retired).collect()
    }

    /// A code's names (zh-CN, English), or the code itself twice where this list does not know it.
    pub fn names<'a>(&'a self, kind: Kind, code: &'a str) -> (&'a str, &'a str) {
        self.find(kind, code).map_or((code, code), |c| (c.zh.as_str(), c.en.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_parses_with_its_names_and_offers_every_code_not_retired() {
        let list = CodeList::parse(DEFAULT_CODES).unwrap();
        assert_eq!(list.version, "2026-12");
        assert!(list.offers(Kind::Location, "roof") && list.offers(Kind::Component, "waterproofing"));
        assert!(list.offers(Kind::Cause, "workmanship"));
        assert_eq!(list.names(Kind::Location, "roof").0, "屋面");
        assert_eq!(list.names(Kind::Component, "water_riser").1, "Water or drainage riser");
        assert!(!list.offers(Kind::Location, "waterproofing"), "a component is no location");
        assert_eq!(list.names(Kind::Location, "unknown_code").0, "unknown_code");
    }

    #[test]
    fn a_retired_code_reads_but_is_not_offered_and_a_bad_list_is_refused() {
        let text = r#"
            version = "x"
            locations = [{ code = "roof", zh = "屋面", en = "Roof" }, { code = "attic", zh = "阁楼", en = "Attic", retired = true }]
            components = []
            causes = []
        "#;
        let list = CodeList::parse(text).unwrap();
        assert!(!list.offers(Kind::Location, "attic"));
        assert_eq!(list.names(Kind::Location, "attic").0, "阁楼");
        assert_eq!(list.offered(Kind::Location).len(), 1);
        let twice = text.replace("attic", "roof");
        assert_eq!(CodeList::parse(&twice), Err(CodeListError::Duplicate("roof".into())));
        let bad = text.replace("\"attic\"", "\"Attic Room\"");
        assert_eq!(CodeList::parse(&bad), Err(CodeListError::BadCode("Attic Room".into())));
        assert_eq!(
            CodeList::parse(&text.replace("version = \"x\"", "version = \" \"")),
            Err(CodeListError::NoVersion)
        );
    }
}

//! Defects that come back (Art. 30 and the after-sales practice of monthly, quarterly and yearly
//! early warnings): whether a new claim duplicates an open one or repeats a completed repair of the
//! same defect at the same place, whether that makes an entry of the building's Art. 30 register,
//! and when a building's category warrants a warning for the month, the quarter or the year.
//!
//! Pure rules on plain values: the service gathers the earlier claims of a defect key and the counts
//! per period, and stores what these decide (each warning once per key and period).

use chrono::{Datelike, NaiveDate};

use super::coverage::WarrantyCategory;

/// Where the numbers of these rules come from: each jurisdiction's settings, with these defaults.
#[derive(Clone, Copy, Debug, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecurrenceSettings {
    /// A claim filed within this many days after a completed repair of the same defect repeats it.
    pub repeat_window_days: i64,
    /// Repairs of one defect inside its warranty that make an Art. 30 candidate.
    pub art30_repairs: usize,
    /// Distinct units of a building with the same category in a calendar month that warn.
    pub month_units: usize,
    /// Standard deviations above the centre line of the u-chart that warn.
    pub sigmas: f64,
    /// Months of a quarter with a month warning that warn for the quarter.
    pub quarter_months: usize,
    /// A quarter's count against the same quarter a year before that warns, and the least count.
    pub quarter_growth: u32,
    pub quarter_least: u32,
    /// Quarters of the last twelve months with a quarter warning that warn for the year.
    pub year_quarters: usize,
    /// Working days the developer has to acknowledge a warning.
    pub acknowledge_days: u32,
}

impl Default for RecurrenceSettings {
    fn default() -> Self {
        RecurrenceSettings {
            repeat_window_days: 180,
            art30_repairs: 3,
            month_units: 3,
            sigmas: 3.0,
            quarter_months: 2,
            quarter_growth: 2,
            quarter_least: 5,
            year_quarters: 2,
            acknowledge_days: 5,
        }
    }
}

impl RecurrenceSettings {
    /// Whether the numbers make sense: windows and counts that can be met, a positive spread.
    fn check(&self) -> Result<(), String> {
        let fine = (1..=3650).contains(&self.repeat_window_days)
            && (2..=50).contains(&self.art30_repairs)
            && (2..=1000).contains(&self.month_units)
            && self.sigmas.is_finite()
            && self.sigmas > 0.0
            && (1..=3).contains(&self.quarter_months)
            && self.quarter_growth >= 1
            && self.quarter_least >= 1
            && (1..=4).contains(&self.year_quarters)
            && (1..=60).contains(&self.acknowledge_days);
        fine.then_some(()).ok_or_else(|| format!("recurrence settings out of range: {self:?}"))
    }
}

/// The recurrence settings of a deployment: a default set, and a set per jurisdiction (its
/// six-digit division code) where a city sets its own. Read from a TOML file:
///
/// ```toml
/// [default]
/// repeat_window_days = 180
///
/// [jurisdiction.370102]
/// art30_repairs = 2
/// ```
///
/// Each set starts from the built-in defaults; a jurisdiction's set starts from the file's default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecurrenceTable {
    pub default: RecurrenceSettings,
    pub jurisdictions: std::collections::BTreeMap<String, RecurrenceSettings>,
}

impl RecurrenceTable {
    /// The settings a jurisdiction's claims are judged by.
    pub fn of(&self, jurisdiction: &str) -> &RecurrenceSettings {
        self.jurisdictions.get(jurisdiction).unwrap_or(&self.default)
    }

    pub fn parse(text: &str) -> Result<RecurrenceTable, String> {
        use figment::providers::{Format, Serialized, Toml};
        use figment::value::Dict;
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            default: Dict,
            #[serde(default)]
            jurisdiction: std::collections::BTreeMap<String, Dict>,
        }
        let file: File = figment::Figment::from(Toml::string(text)).extract().map_err(|e| e.to_string())?;
        let settings = |dict: Dict| -> Result<RecurrenceSettings, String> {
            let settings: RecurrenceSettings =
                figment::Figment::from(Serialized::defaults(dict)).extract().map_err(|e| e.to_string())?;
            settings.check()?;
            Ok(settings)
        };
        let default = settings(file.default.clone())?;
        let mut jurisdictions = std::collections::BTreeMap::new();
        for (code, table) in file.jurisdiction {
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("jurisdiction {code:?} is not a six-digit division code"));
            }
            let mut merged = file.default.clone();
            merged.extend(table);
            jurisdictions.insert(code.clone(), settings(merged).map_err(|e| format!("{code}: {e}"))?);
        }
        Ok(RecurrenceTable { default, jurisdictions })
    }
}

super::text_enum! {
    /// How grave a defect is: serious where structural safety or a vital function is at stake (as
    /// in Art. 25), ordinary otherwise.
    pub enum Severity {
        Serious = "serious",
        Ordinary = "ordinary",
    }
}

/// Where in a building a defect is: one unit, or the common parts.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    Unit(String),
    Common,
}

/// The same defect at the same place (Art. 30): building, unit or common part, the coded location
/// and component, and the warranty category.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DefectKey {
    pub building: String,
    pub place: Place,
    pub location: String,
    pub component: String,
    pub category: WarrantyCategory,
}

/// An earlier claim of the same defect key, as the rules read it.
#[derive(Clone, Debug, PartialEq)]
pub struct Earlier {
    pub claim_id: String,
    pub filed_on: NaiveDate,
    /// Still open: neither paid, closed nor rejected.
    pub open: bool,
    /// The day its repair was completed (the cost sheet submitted, or the developer's repair
    /// recorded); `None` while it is not.
    pub repaired_on: Option<NaiveDate>,
    /// It was itself a duplicate of another: it counts once, with that one.
    pub duplicate: bool,
}

/// How a new claim stands to the earlier claims of its defect key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// The same defect while an earlier claim of it is open: linked, counted once.
    DuplicateOf(String),
    /// The same defect filed within the window after an earlier repair of it completed.
    RepeatOf { claim_id: String, days_after: i64 },
    /// Neither.
    New,
}

/// How a claim filed on `filed_on` stands to the earlier claims of the same defect key: a duplicate
/// of the newest open one; else a repeat of the newest repair completed no more than the window's
/// days before (day 180 is inside, 181 outside); else new.
pub fn link(filed_on: NaiveDate, earlier: &[Earlier], settings: &RecurrenceSettings) -> Link {
    if let Some(open) = earlier.iter().filter(|e| e.open).max_by_key(|e| e.filed_on) {
        return Link::DuplicateOf(open.claim_id.clone());
    }
    earlier
        .iter()
        .filter_map(|e| {
            let repaired = e.repaired_on?;
            let days_after = (filed_on - repaired).num_days();
            (0..=settings.repeat_window_days).contains(&days_after).then_some((repaired, e, days_after))
        })
        .max_by_key(|(repaired, ..)| *repaired)
        .map_or(Link::New, |(_, e, days_after)| Link::RepeatOf { claim_id: e.claim_id.clone(), days_after })
}

/// Why a defect enters the building's Art. 30 register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Art30Reason {
    /// A serious defect repaired again within the window of a completed repair.
    SeriousRepeat { of: String, days_after: i64 },
    /// The same defect repaired this many times inside its warranty period.
    RepairedTimes(usize),
}

/// Whether the defect is an Art. 30 candidate once this claim's repair is counted: a serious
/// defect repeating a repair, or the same defect repaired `art30_repairs` times or more inside its
/// warranty (which ends on `warranty_last_day`; a duplicate counts once). `repaired_now` counts
/// this claim's own repair where it is completed.
pub fn art30_candidate(
    link: &Link,
    severity: Severity,
    earlier: &[Earlier],
    repaired_now: Option<NaiveDate>,
    warranty_last_day: NaiveDate,
    settings: &RecurrenceSettings,
) -> Option<Art30Reason> {
    if let (Link::RepeatOf { claim_id, days_after }, Severity::Serious) = (link, severity) {
        return Some(Art30Reason::SeriousRepeat { of: claim_id.clone(), days_after: *days_after });
    }
    let inside = |day: &NaiveDate| *day <= warranty_last_day;
    let repairs =
        earlier.iter().filter(|e| !e.duplicate).filter_map(|e| e.repaired_on).filter(inside).count()
            + usize::from(repaired_now.as_ref().is_some_and(inside) && !matches!(link, Link::DuplicateOf(_)));
    (repairs >= settings.art30_repairs).then_some(Art30Reason::RepairedTimes(repairs))
}

impl Art30Reason {
    /// The stored name of the reason.
    pub fn as_str(&self) -> &'static str {
        match self {
            Art30Reason::SeriousRepeat { .. } => "serious_repeat",
            Art30Reason::RepairedTimes(_) => "repaired_times",
        }
    }
}

super::text_enum! {
    /// Where an entry of the Art. 30 register stands: open until the bureau decides; confirmed
    /// when the defect still impairs normal use; dismissed when it does not.
    pub enum EntryStatus {
        Open = "open",
        Confirmed = "confirmed",
        Dismissed = "dismissed",
    }
}

super::text_enum! {
    /// What the bureau decides of a register entry.
    pub enum EntryDecision {
        Confirm = "confirm",
        Dismiss = "dismiss",
    }
}

impl EntryStatus {
    /// Whether the entry refuses its building's refund of its category (Art. 29-30): while it is
    /// open or confirmed.
    pub fn holds_refund(self) -> bool {
        self != EntryStatus::Dismissed
    }

    /// The status after a decision: an open entry is confirmed or dismissed; a confirmed one may
    /// still be dismissed once the defect no longer impairs use; a dismissal is final (a later
    /// repair that makes the defect a candidate again opens a new entry).
    pub fn decide(self, decision: EntryDecision) -> Option<EntryStatus> {
        match (self, decision) {
            (EntryStatus::Open, EntryDecision::Confirm) => Some(EntryStatus::Confirmed),
            (EntryStatus::Open | EntryStatus::Confirmed, EntryDecision::Dismiss) => {
                Some(EntryStatus::Dismissed)
            }
            _ => None,
        }
    }
}

/// A period a warning is for; its key names it once (`2026-11`, `2026-Q4`, `2026`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Month { year: i32, month: u32 },
    Quarter { year: i32, quarter: u32 },
    Year { year: i32 },
}

impl Period {
    pub fn month_of(day: NaiveDate) -> Period {
        Period::Month { year: day.year(), month: day.month() }
    }

    pub fn quarter_of(day: NaiveDate) -> Period {
        Period::Quarter { year: day.year(), quarter: (day.month() - 1) / 3 + 1 }
    }

    /// The period's name in a warning's key.
    pub fn key(&self) -> String {
        match self {
            Period::Month { year, month } => format!("{year}-{month:02}"),
            Period::Quarter { year, quarter } => format!("{year}-Q{quarter}"),
            Period::Year { year } => format!("{year}"),
        }
    }
}

/// A count of claims in a period against the units still inside their warranty then.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exposure {
    pub claims: u32,
    /// Units of the building (or buildings) still inside the category's warranty.
    pub units: u32,
}

impl Exposure {
    /// Claims per 100 in-warranty units; `None` with no unit in warranty.
    pub fn rate(&self) -> Option<f64> {
        (self.units > 0).then(|| f64::from(self.claims) * 100.0 / f64::from(self.units))
    }
}

/// A u-chart's centre line over a baseline (claims per 100 units, pooled) and its upper control
/// limit for a period of `units`: ū + k·√(ū / n), n in hundreds of units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ControlLimits {
    pub centre: f64,
    pub upper: f64,
}

/// The limits for a period of `units` from the `baseline` periods (the developer's buildings over
/// the previous twelve months); `None` without a baseline, without a claim in it (a chart centred
/// on zero would call the first claim out of control), or without units to measure.
pub fn control_limits(baseline: &[Exposure], units: u32, sigmas: f64) -> Option<ControlLimits> {
    let claims: u32 = baseline.iter().map(|e| e.claims).sum();
    let exposure: u32 = baseline.iter().map(|e| e.units).sum();
    if exposure == 0 || units == 0 || claims == 0 {
        return None;
    }
    let centre = f64::from(claims) * 100.0 / f64::from(exposure);
    let upper = centre + sigmas * (centre / (f64::from(units) / 100.0)).sqrt();
    Some(ControlLimits { centre, upper })
}

/// Why a building's category warns for a month.
#[derive(Clone, Debug, PartialEq)]
pub enum MonthWarning {
    /// So many distinct units with the category in the calendar month.
    DistinctUnits(usize),
    /// The month's rate per 100 in-warranty units above the upper control limit.
    AboveControlLimit { rate: f64, limit: f64 },
}

/// Whether a building's category warns for a month: `month_units` distinct units or more, or a rate
/// above the u-chart's upper control limit over the baseline.
pub fn month_warning(
    distinct_units: usize,
    month: Exposure,
    baseline: &[Exposure],
    settings: &RecurrenceSettings,
) -> Option<MonthWarning> {
    if distinct_units >= settings.month_units {
        return Some(MonthWarning::DistinctUnits(distinct_units));
    }
    let limits = control_limits(baseline, month.units, settings.sigmas)?;
    let rate = month.rate()?;
    (rate > limits.upper).then_some(MonthWarning::AboveControlLimit { rate, limit: limits.upper })
}

/// Why a building's category warns for a quarter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuarterWarning {
    /// So many of its months warned.
    MonthsWarned(usize),
    /// Its count against the same quarter a year before.
    Grew { count: u32, year_before: u32 },
}

/// Whether a building's category warns for a quarter: its months warned `quarter_months` times or
/// more, or its count at least `quarter_growth` times the same quarter's a year before and at least
/// `quarter_least`.
pub fn quarter_warning(
    months_warned: usize,
    count: u32,
    year_before: u32,
    settings: &RecurrenceSettings,
) -> Option<QuarterWarning> {
    if months_warned >= settings.quarter_months {
        return Some(QuarterWarning::MonthsWarned(months_warned));
    }
    let grew = count >= settings.quarter_least
        && u64::from(count) >= u64::from(settings.quarter_growth) * u64::from(year_before);
    grew.then_some(QuarterWarning::Grew { count, year_before })
}

/// Whether a building's category warns for the year: quarters warned `year_quarters` times or more
/// in the last twelve months.
pub fn year_warning(quarters_warned: usize, settings: &RecurrenceSettings) -> Option<usize> {
    (quarters_warned >= settings.year_quarters).then_some(quarters_warned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn repaired(id: &str, on: &str) -> Earlier {
        Earlier {
            claim_id: id.into(),
            filed_on: d("2026-01-05"),
            open: false,
            repaired_on: Some(d(on)),
            duplicate: false,
        }
    }

    #[test]
    fn an_open_claim_of_the_same_defect_makes_a_duplicate() {
        let s = RecurrenceSettings::default();
        let open = Earlier {
            claim_id: "a".into(),
            filed_on: d("2026-03-01"),
            open: true,
            repaired_on: None,
            duplicate: false,
        };
        let older = Earlier { filed_on: d("2026-02-01"), claim_id: "b".into(), ..open.clone() };
        assert_eq!(link(d("2026-03-10"), &[older, open], &s), Link::DuplicateOf("a".into()));
        assert_eq!(link(d("2026-03-10"), &[], &s), Link::New);
    }

    #[test]
    fn a_claim_within_180_days_of_a_completed_repair_repeats_it_and_day_181_does_not() {
        let s = RecurrenceSettings::default();
        let earlier = [repaired("a", "2026-01-10")];
        let on = |days: i64| d("2026-01-10") + chrono::Duration::days(days);
        assert_eq!(link(on(179), &earlier, &s), Link::RepeatOf { claim_id: "a".into(), days_after: 179 });
        assert_eq!(link(on(180), &earlier, &s), Link::RepeatOf { claim_id: "a".into(), days_after: 180 });
        assert_eq!(link(on(181), &earlier, &s), Link::New);
        // The newest repair inside the window is the one repeated.
        let two = [repaired("a", "2026-01-10"), repaired("b", "2026-03-01")];
        assert!(matches!(link(on(100), &two, &s), Link::RepeatOf { claim_id, .. } if claim_id == "b"));
        // A repair recorded after the filing day is no earlier repair.
        assert_eq!(link(d("2026-01-09"), &earlier, &s), Link::New);
    }

    #[test]
    fn a_serious_repeat_or_a_third_repair_inside_the_warranty_is_an_art_30_candidate() {
        let s = RecurrenceSettings::default();
        let end = d("2027-06-30");
        let repeat = Link::RepeatOf { claim_id: "a".into(), days_after: 30 };
        assert_eq!(
            art30_candidate(&repeat, Severity::Serious, &[], None, end, &s),
            Some(Art30Reason::SeriousRepeat { of: "a".into(), days_after: 30 })
        );
        assert_eq!(
            art30_candidate(&repeat, Severity::Ordinary, &[repaired("a", "2026-01-10")], None, end, &s),
            None
        );
        // Two repairs: not yet; the third, counted when it completes, is.
        let two = [repaired("a", "2025-01-10"), repaired("b", "2026-01-10")];
        assert_eq!(art30_candidate(&Link::New, Severity::Ordinary, &two, None, end, &s), None);
        assert_eq!(
            art30_candidate(&Link::New, Severity::Ordinary, &two, Some(d("2026-09-01")), end, &s),
            Some(Art30Reason::RepairedTimes(3))
        );
        // A repair after the warranty ended, or a duplicate's, does not count.
        assert_eq!(
            art30_candidate(&Link::New, Severity::Ordinary, &two, Some(d("2027-07-01")), end, &s),
            None
        );
        let dup = Earlier { duplicate: true, ..repaired("c", "2026-05-01") };
        assert_eq!(
            art30_candidate(&Link::New, Severity::Ordinary, &[two[0].clone(), dup], None, end, &s),
            None
        );
    }

    #[test]
    fn a_jurisdiction_sets_its_own_numbers_on_top_of_the_deployments_defaults() {
        let table = RecurrenceTable::parse(
            "[default]\nrepeat_window_days = 90\n\n[jurisdiction.370102]\nart30_repairs = 2\n",
        )
        .unwrap();
        assert_eq!(table.of("370000").repeat_window_days, 90);
        assert_eq!(table.of("370000").art30_repairs, 3);
        assert_eq!((table.of("370102").repeat_window_days, table.of("370102").art30_repairs), (90, 2));
        assert_eq!(RecurrenceTable::parse("").unwrap(), RecurrenceTable::default());
        for bad in [
            "[default]\nsigmas = -1.0\n",
            "[default]\nrepeat_windows = 3\n",
            "[jurisdiction.jinan]\nmonth_units = 4\n",
            "[jurisdiction.370102]\nart30_repairs = 1\n",
        ] {
            assert!(RecurrenceTable::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_open_or_confirmed_entry_holds_the_refund_and_a_dismissal_is_final() {
        use EntryDecision::{Confirm, Dismiss};
        assert!(EntryStatus::Open.holds_refund() && EntryStatus::Confirmed.holds_refund());
        assert!(!EntryStatus::Dismissed.holds_refund());
        assert_eq!(EntryStatus::Open.decide(Confirm), Some(EntryStatus::Confirmed));
        assert_eq!(EntryStatus::Open.decide(Dismiss), Some(EntryStatus::Dismissed));
        assert_eq!(EntryStatus::Confirmed.decide(Dismiss), Some(EntryStatus::Dismissed));
        assert_eq!(EntryStatus::Confirmed.decide(Confirm), None);
        assert_eq!(EntryStatus::Dismissed.decide(Confirm), None);
        assert_eq!(EntryStatus::Dismissed.decide(Dismiss), None);
    }

    #[test]
    fn three_distinct_units_in_a_month_warn_and_two_do_not() {
        let s = RecurrenceSettings::default();
        let month = Exposure { claims: 3, units: 100 };
        assert_eq!(month_warning(3, month, &[], &s), Some(MonthWarning::DistinctUnits(3)));
        assert_eq!(month_warning(2, month, &[], &s), None);
    }

    #[test]
    fn a_month_just_over_the_upper_control_limit_warns_and_just_under_does_not() {
        let s = RecurrenceSettings::default();
        // Baseline: 12 months of 1 claim per 100 units: ū = 1; for n = 1 (100 units) UCL = 1 + 3·1 = 4.
        let baseline = [Exposure { claims: 1, units: 100 }; 12];
        let limits = control_limits(&baseline, 100, s.sigmas).unwrap();
        assert!((limits.centre - 1.0).abs() < 1e-9 && (limits.upper - 4.0).abs() < 1e-9, "{limits:?}");
        // 4 claims in 100 units is on the limit, not over it; 5 in 110 units (4.55) is over its own
        // limit (1 + 3·√(1/1.1) ≈ 3.86).
        assert_eq!(month_warning(1, Exposure { claims: 4, units: 100 }, &baseline, &s), None);
        let over = month_warning(1, Exposure { claims: 5, units: 110 }, &baseline, &s);
        assert!(
            matches!(over, Some(MonthWarning::AboveControlLimit { rate, limit }) if rate > limit),
            "{over:?}"
        );
        // Just under: 3 claims in 80 units (3.75) against 1 + 3·√(1/0.8) ≈ 4.35.
        assert_eq!(month_warning(1, Exposure { claims: 3, units: 80 }, &baseline, &s), None);
        // No baseline, a baseline without a claim, or no unit in warranty: nothing to compare with.
        assert_eq!(month_warning(1, Exposure { claims: 9, units: 100 }, &[], &s), None);
        let quiet = [Exposure { claims: 0, units: 100 }; 12];
        assert_eq!(month_warning(1, Exposure { claims: 1, units: 100 }, &quiet, &s), None);
        assert_eq!(month_warning(1, Exposure { claims: 9, units: 0 }, &baseline, &s), None);
    }

    #[test]
    fn quarters_warn_on_two_warned_months_or_doubling_with_five_and_years_on_two_quarters() {
        let s = RecurrenceSettings::default();
        assert_eq!(quarter_warning(2, 0, 0, &s), Some(QuarterWarning::MonthsWarned(2)));
        assert_eq!(quarter_warning(1, 4, 1, &s), None, "doubled but fewer than five");
        assert_eq!(quarter_warning(1, 5, 2, &s), Some(QuarterWarning::Grew { count: 5, year_before: 2 }));
        assert_eq!(quarter_warning(1, 5, 3, &s), None, "not double");
        assert_eq!(quarter_warning(0, 6, 0, &s), Some(QuarterWarning::Grew { count: 6, year_before: 0 }));
        assert_eq!(year_warning(2, &s), Some(2));
        assert_eq!(year_warning(1, &s), None);
    }

    #[test]
    fn each_period_has_one_key() {
        let day = d("2026-11-30");
        assert_eq!(Period::month_of(day).key(), "2026-11");
        assert_eq!(Period::quarter_of(day).key(), "2026-Q4");
        assert_eq!(Period::quarter_of(d("2026-01-01")).key(), "2026-Q1");
        assert_eq!(Period::Year { year: 2026 }.key(), "2026");
    }
}

//! Is a defect covered by the warranty, until when, and who may claim on the fund for it
//! (Art. 17-20, 25)?

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::articles::Article;
use super::periods::years_after;
use super::text_enum;

text_enum! {
    /// Warranty scope items of Art. 18, each with its own minimum period.
    pub enum WarrantyCategory {
        /// Foundation, main structure, infrastructure 地基基础/主体结构/基础设施: the design's service life.
        Structural = "structural",
        /// Roof waterproofing 屋面防水: 5 years.
        RoofWaterproofing = "roof_waterproofing",
        /// Seepage of waterproofed bathrooms and rooms and of exterior walls 卫生间/房间/外墙防渗漏: 5 years.
        Seepage = "seepage",
        /// Exterior-wall insulation 外墙外保温: 5 years.
        ExteriorInsulation = "exterior_insulation",
        /// Heating system 供热系统: 2 heating seasons.
        Heating = "heating",
        /// Cooling system 供冷系统: 2 cooling seasons.
        Cooling = "cooling",
        /// Electrical lines, water supply and drainage, equipment installation: 2 years.
        ElectricalPlumbingEquipment = "electrical_plumbing_equipment",
        /// Decoration done by the developer 精装修: 2 years.
        Decoration = "decoration",
        /// Anything else: as the sales contract and quality guarantee say.
        Other = "other",
    }
}

text_enum! {
    /// Where in the building a defect is (Art. 20).
    pub enum PartLocation {
        /// A private part 专有部位: inside one owner's unit.
        PrivatePart = "private_part",
        /// A common part or common facility 共用部位、共用设施设备.
        CommonPart = "common_part",
    }
}

text_enum! {
    /// What the warranty does not cover (Art. 19).
    pub enum Exclusion {
        /// The owner's improper use (Art. 19 i).
        OwnerMisuse = "owner_misuse",
        /// Unauthorised alteration of structure or equipment (Art. 19 i).
        UnauthorisedAlteration = "unauthorised_alteration",
        /// Improper decoration by the owner (Art. 19 i).
        ImproperDecoration = "improper_decoration",
        /// Professional facilities the developer did not build, e.g. utilities' equipment (Art. 19 ii).
        FacilityNotBuiltByDeveloper = "facility_not_built_by_developer",
        /// Force majeure (Art. 19 iii).
        ForceMajeure = "force_majeure",
    }
}

/// A warranty period as the rules and contracts state it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Whole years from hand-over.
    Years(u32),
    /// Whole heating or cooling seasons after hand-over.
    Seasons(u32),
    /// The design's reasonable service life, a building attribute.
    DesignLife,
}

impl WarrantyCategory {
    /// The statutory minimum of Art. 18; `None` for [`WarrantyCategory::Other`], which only the
    /// contract sets.
    pub fn minimum_period(self) -> Option<Period> {
        use WarrantyCategory::*;
        Some(match self {
            Structural => Period::DesignLife,
            RoofWaterproofing | Seepage | ExteriorInsulation => Period::Years(5),
            Heating | Cooling => Period::Seasons(2),
            ElectricalPlumbingEquipment | Decoration => Period::Years(2),
            Other => return None,
        })
    }
}

/// A season as (month, day) to (month, day), possibly across the new year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Season {
    pub start_month: u32,
    pub start_day: u32,
    pub end_month: u32,
    pub end_day: u32,
}

/// Regional season dates, a deployment setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeasonSettings {
    /// Shandong's statutory heating season runs 15 November to 15 March.
    pub heating: Season,
    /// No statute fixes a cooling season; the default, 1 June to 30 September, is the common
    /// contract practice in Shandong. Deployments set their own.
    pub cooling: Season,
}

impl Default for SeasonSettings {
    fn default() -> Self {
        SeasonSettings {
            heating: Season { start_month: 11, start_day: 15, end_month: 3, end_day: 15 },
            cooling: Season { start_month: 6, start_day: 1, end_month: 9, end_day: 30 },
        }
    }
}

impl Season {
    /// Reads `MM-DD..MM-DD` (the configuration's spelling), such as `11-15..03-15`.
    pub fn parse(text: &str) -> Option<Season> {
        let (start, end) = text.trim().split_once("..")?;
        let month_day = |s: &str| -> Option<(u32, u32)> {
            let (m, d) = s.trim().split_once('-')?;
            let (m, d) = (m.parse().ok()?, d.parse().ok()?);
            // 2024 is a leap year: 29 February is a day a season may start or end on.
            NaiveDate::from_ymd_opt(2024, m, d).map(|_| (m, d))
        };
        let ((start_month, start_day), (end_month, end_day)) = (month_day(start)?, month_day(end)?);
        Some(Season { start_month, start_day, end_month, end_day })
    }

    fn start_in(&self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year, self.start_month, self.start_day)
    }

    /// The end of the season starting on `start`.
    fn end_after(&self, start: NaiveDate) -> Option<NaiveDate> {
        let same_year = NaiveDate::from_ymd_opt(start.year(), self.end_month, self.end_day)?;
        if same_year >= start {
            Some(same_year)
        } else {
            NaiveDate::from_ymd_opt(start.year() + 1, self.end_month, self.end_day)
        }
    }

    /// The last day of the `n`-th whole season that starts on or after `handover`. A season already
    /// running at hand-over does not count: the rule speaks of whole seasons, and counting only
    /// whole ones never shortens the owner's minimum.
    pub fn nth_end_after(&self, handover: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut year = handover.year();
        let mut counted = 0;
        let mut end = None;
        while counted < n {
            let start = self.start_in(year)?;
            if start >= handover {
                counted += 1;
                end = self.end_after(start);
            }
            year += 1;
        }
        end
    }
}

impl BuildingWarranty {
    /// A building's warranty as the register holds it: its hand-over date and design life, with no
    /// longer period agreed (a claim names one where the contract does).
    pub fn of_building(handover: NaiveDate, design_life_years: i32) -> BuildingWarranty {
        BuildingWarranty {
            handover,
            design_life_years: u32::try_from(design_life_years).unwrap_or(0),
            contract: BTreeMap::new(),
        }
    }
}

/// What a building's warranty is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildingWarranty {
    /// Hand-over date 交付使用之日, from which every period runs (Art. 18).
    pub handover: NaiveDate,
    /// The design's reasonable service life, in years.
    pub design_life_years: u32,
    /// Longer periods agreed in the sales contract and quality guarantee, by category.
    pub contract: BTreeMap<WarrantyCategory, Period>,
}

/// Why a defect is not covered, each naming its article.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NotCovered {
    /// Reported after the warranty's last day.
    #[error("the warranty for this category ended on {last_day} (Art. 18)")]
    OutOfPeriod { last_day: NaiveDate },
    /// Reported before hand-over, when no warranty period has begun.
    #[error("the building had not been handed over (Art. 18)")]
    BeforeHandover,
    /// An "other" item with no period in the contract.
    #[error("no warranty period for this item was agreed in the sales contract (Art. 18)")]
    NoPeriodAgreed,
    /// Excluded by Art. 19.
    #[error("not covered: {exclusion} (Art. 19)")]
    Excluded { exclusion: Exclusion },
}

impl NotCovered {
    /// The article that refuses the claim.
    pub fn article(&self) -> Article {
        match self {
            NotCovered::Excluded { .. } => Article::EXCLUSIONS,
            _ => Article::WARRANTY_PERIODS,
        }
    }
}

/// A defect as reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defect {
    pub category: WarrantyCategory,
    pub location: PartLocation,
    /// The Asia/Shanghai date the defect was reported.
    pub reported_on: NaiveDate,
    /// An exclusion the bureau has found, if any.
    pub exclusion: Option<Exclusion>,
}

/// A covered defect: the warranty's last day and the rule that sets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Covered {
    pub last_day: NaiveDate,
    pub period: Period,
    /// True when the sales contract's longer period applies.
    pub by_contract: bool,
}

fn last_day(
    period: Period,
    category: WarrantyCategory,
    w: &BuildingWarranty,
    seasons: &SeasonSettings,
) -> Option<NaiveDate> {
    match period {
        Period::Years(n) => years_after(w.handover, n),
        Period::DesignLife => years_after(w.handover, w.design_life_years),
        Period::Seasons(n) => {
            let season =
                if category == WarrantyCategory::Cooling { seasons.cooling } else { seasons.heating };
            season.nth_end_after(w.handover, n)
        }
    }
}

/// The warranty's last day for a category: the statutory minimum or the contract's period,
/// whichever ends later (a contract may lengthen the minimum, never shorten it).
pub fn warranty_until(
    category: WarrantyCategory,
    warranty: &BuildingWarranty,
    seasons: &SeasonSettings,
) -> Result<Covered, NotCovered> {
    let statutory = category
        .minimum_period()
        .and_then(|p| last_day(p, category, warranty, seasons).map(|d| (p, d, false)));
    let contract = warranty
        .contract
        .get(&category)
        .and_then(|&p| last_day(p, category, warranty, seasons).map(|d| (p, d, true)));
    let (period, last_day, by_contract) = match (statutory, contract) {
        (Some(s), Some(c)) if c.1 > s.1 => c,
        (Some(s), _) => s,
        (None, Some(c)) => c,
        (None, None) => return Err(NotCovered::NoPeriodAgreed),
    };
    Ok(Covered { last_day, period, by_contract })
}

/// Is the defect covered (Art. 18, 19)? Exclusions are checked first: an excluded defect is refused
/// whatever the date.
pub fn assess(
    defect: &Defect,
    warranty: &BuildingWarranty,
    seasons: &SeasonSettings,
) -> Result<Covered, NotCovered> {
    if let Some(exclusion) = defect.exclusion {
        return Err(NotCovered::Excluded { exclusion });
    }
    if defect.reported_on < warranty.handover {
        return Err(NotCovered::BeforeHandover);
    }
    let covered = warranty_until(defect.category, warranty, seasons)?;
    if defect.reported_on > covered.last_day {
        return Err(NotCovered::OutOfPeriod { last_day: covered.last_day });
    }
    Ok(covered)
}

/// Why a declared report date is refused (Art. 18).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReportDateRefused {
    /// A defect cannot have been reported on a day still to come.
    #[error("the report date is in the future")]
    InTheFuture,
    /// A report date this far before the filing needs something that shows it (an earlier
    /// written report, a dated photo): the warranty may have ended since (Art. 18).
    #[error("a report date {days} days before filing needs evidence (more than {grace} days)")]
    BackdatedWithoutEvidence { days: i64, grace: u32 },
}

/// Checks the report date an applicant declares against the filing date: not in the future, and
/// more than `grace_days` before the filing only with evidence. Answers how many days before the
/// filing it lies when that is beyond the grace, so the claim is flagged for the reviewer; the
/// warranty itself is assessed on the report date (Art. 18), see [`assess`].
pub fn check_report_date(
    reported_on: NaiveDate,
    filed_on: NaiveDate,
    grace_days: u32,
    has_evidence: bool,
) -> Result<Option<i64>, ReportDateRefused> {
    if reported_on > filed_on {
        return Err(ReportDateRefused::InTheFuture);
    }
    let days = (filed_on - reported_on).num_days();
    if days <= i64::from(grace_days) {
        return Ok(None);
    }
    if !has_evidence {
        return Err(ReportDateRefused::BackdatedWithoutEvidence { days, grace: grace_days });
    }
    Ok(Some(days))
}

/// Who is applying to use the fund.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applicant {
    /// An owner; `owns_the_unit` says whether the defect is in their own unit.
    Owner { owns_the_unit: bool },
    /// The estate's property manager; `with_owner_representatives` says whether elected owner
    /// representatives join the application.
    PropertyManager { with_owner_representatives: bool },
    /// The owners' committee 业主委员会.
    OwnersCommittee,
}

/// Why an applicant may not apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantRefusal {
    /// A private part is claimed by its own owner only (Art. 20 ¶1).
    #[error("a private part is claimed by the owner of that unit (Art. 20)")]
    PrivatePartNeedsItsOwner,
    /// Common parts are claimed by the property manager or the owners' committee (Art. 20 ¶2).
    #[error("common parts are claimed by the property manager or the owners' committee (Art. 20)")]
    CommonPartNeedsManagerOrCommittee,
    /// Without an owners' committee, the property manager applies together with elected owner
    /// representatives (Art. 20 ¶2).
    #[error("without an owners' committee the property manager applies with elected owner representatives (Art. 20)")]
    NeedsOwnerRepresentatives,
    /// Only an owner or the property manager may advance money for an emergency repair (Art. 25).
    #[error("only an owner or the property manager may advance an emergency repair (Art. 25)")]
    NotAnAdvancer,
}

impl ApplicantRefusal {
    pub fn article(&self) -> Article {
        match self {
            ApplicantRefusal::NotAnAdvancer => Article::EMERGENCY_ADVANCE,
            _ => Article::APPLICANTS,
        }
    }
}

/// May this applicant apply for a defect at this location (Art. 20)?
pub fn may_apply(
    applicant: Applicant,
    location: PartLocation,
    committee_exists: bool,
) -> Result<(), ApplicantRefusal> {
    match (location, applicant) {
        (PartLocation::PrivatePart, Applicant::Owner { owns_the_unit: true }) => Ok(()),
        (PartLocation::PrivatePart, _) => Err(ApplicantRefusal::PrivatePartNeedsItsOwner),
        (PartLocation::CommonPart, Applicant::OwnersCommittee) if committee_exists => Ok(()),
        (PartLocation::CommonPart, Applicant::PropertyManager { .. }) if committee_exists => Ok(()),
        (PartLocation::CommonPart, Applicant::PropertyManager { with_owner_representatives: true }) => Ok(()),
        (PartLocation::CommonPart, Applicant::PropertyManager { with_owner_representatives: false }) => {
            Err(ApplicantRefusal::NeedsOwnerRepresentatives)
        }
        (PartLocation::CommonPart, _) => Err(ApplicantRefusal::CommonPartNeedsManagerOrCommittee),
    }
}

/// May this applicant advance money for an emergency repair and claim it back (Art. 25)? Only an
/// owner (for their own unit) or the property manager; the claim itself then follows Art. 20.
pub fn may_advance(
    applicant: Applicant,
    location: PartLocation,
    committee_exists: bool,
) -> Result<(), ApplicantRefusal> {
    if matches!(applicant, Applicant::OwnersCommittee) {
        return Err(ApplicantRefusal::NotAnAdvancer);
    }
    may_apply(applicant, location, committee_exists)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// 1号楼 of the demo estate: handed over 30 June 2022, designed for 50 years.
    fn building() -> BuildingWarranty {
        BuildingWarranty { handover: d("2022-06-30"), design_life_years: 50, contract: BTreeMap::new() }
    }

    fn defect(category: WarrantyCategory, reported: &str) -> Defect {
        Defect { category, location: PartLocation::PrivatePart, reported_on: d(reported), exclusion: None }
    }

    #[test]
    fn art_18_minimum_periods_worked_examples() {
        let s = SeasonSettings::default();
        let w = building();
        let until = |c| warranty_until(c, &w, &s).unwrap().last_day;
        assert_eq!(until(WarrantyCategory::Structural), d("2072-06-30"));
        assert_eq!(until(WarrantyCategory::RoofWaterproofing), d("2027-06-30"));
        assert_eq!(until(WarrantyCategory::Seepage), d("2027-06-30"));
        assert_eq!(until(WarrantyCategory::ExteriorInsulation), d("2027-06-30"));
        assert_eq!(until(WarrantyCategory::ElectricalPlumbingEquipment), d("2024-06-30"));
        assert_eq!(until(WarrantyCategory::Decoration), d("2024-06-30"));
        // Heating seasons 2022-11-15..2023-03-15 and 2023-11-15..2024-03-15.
        assert_eq!(until(WarrantyCategory::Heating), d("2024-03-15"));
        // Cooling seasons 2023-06-01..09-30 and 2024-06-01..09-30 (2022's had begun before hand-over).
        assert_eq!(until(WarrantyCategory::Cooling), d("2024-09-30"));
        assert_eq!(warranty_until(WarrantyCategory::Other, &w, &s), Err(NotCovered::NoPeriodAgreed));
    }

    #[test]
    fn a_heating_season_running_at_handover_does_not_count() {
        let s = SeasonSettings::default();
        let w = BuildingWarranty { handover: d("2024-12-20"), ..building() };
        // Whole seasons: 2025-11-15..2026-03-15 and 2026-11-15..2027-03-15.
        assert_eq!(warranty_until(WarrantyCategory::Heating, &w, &s).unwrap().last_day, d("2027-03-15"));
        let on_start = BuildingWarranty { handover: d("2024-11-15"), ..building() };
        assert_eq!(
            warranty_until(WarrantyCategory::Heating, &on_start, &s).unwrap().last_day,
            d("2026-03-15")
        );
    }

    #[test]
    fn contracts_lengthen_but_never_shorten() {
        let s = SeasonSettings::default();
        let mut w = building();
        w.contract.insert(WarrantyCategory::RoofWaterproofing, Period::Years(8));
        w.contract.insert(WarrantyCategory::Decoration, Period::Years(1));
        w.contract.insert(WarrantyCategory::Other, Period::Years(3));
        let roof = warranty_until(WarrantyCategory::RoofWaterproofing, &w, &s).unwrap();
        assert_eq!((roof.last_day, roof.by_contract), (d("2030-06-30"), true));
        let deco = warranty_until(WarrantyCategory::Decoration, &w, &s).unwrap();
        assert_eq!((deco.last_day, deco.by_contract), (d("2024-06-30"), false), "the 2-year minimum stands");
        assert_eq!(warranty_until(WarrantyCategory::Other, &w, &s).unwrap().last_day, d("2025-06-30"));
    }

    #[test]
    fn assessment_names_its_reason() {
        let s = SeasonSettings::default();
        let w = building();
        // The last day is still covered; the day after is not.
        assert!(assess(&defect(WarrantyCategory::ElectricalPlumbingEquipment, "2024-06-30"), &w, &s).is_ok());
        let late =
            assess(&defect(WarrantyCategory::ElectricalPlumbingEquipment, "2024-07-01"), &w, &s).unwrap_err();
        assert_eq!(late, NotCovered::OutOfPeriod { last_day: d("2024-06-30") });
        assert_eq!(late.article(), Article(18));
        assert_eq!(
            assess(&defect(WarrantyCategory::Structural, "2022-06-29"), &w, &s),
            Err(NotCovered::BeforeHandover)
        );
        let mut misuse = defect(WarrantyCategory::Seepage, "2023-01-01");
        misuse.exclusion = Some(Exclusion::ImproperDecoration);
        let refused = assess(&misuse, &w, &s).unwrap_err();
        assert_eq!(refused.article(), Article(19));
        assert_eq!(refused.to_string(), "not covered: improper_decoration (Art. 19)");
    }

    #[test]
    fn art_20_who_may_apply() {
        use Applicant::*;
        use PartLocation::*;
        assert_eq!(may_apply(Owner { owns_the_unit: true }, PrivatePart, false), Ok(()));
        assert_eq!(
            may_apply(Owner { owns_the_unit: false }, PrivatePart, true),
            Err(ApplicantRefusal::PrivatePartNeedsItsOwner)
        );
        assert_eq!(
            may_apply(PropertyManager { with_owner_representatives: true }, PrivatePart, true),
            Err(ApplicantRefusal::PrivatePartNeedsItsOwner)
        );
        assert_eq!(may_apply(OwnersCommittee, CommonPart, true), Ok(()));
        assert_eq!(
            may_apply(PropertyManager { with_owner_representatives: false }, CommonPart, true),
            Ok(())
        );
        assert_eq!(
            may_apply(PropertyManager { with_owner_representatives: true }, CommonPart, false),
            Ok(())
        );
        assert_eq!(
            may_apply(PropertyManager { with_owner_representatives: false }, CommonPart, false),
            Err(ApplicantRefusal::NeedsOwnerRepresentatives)
        );
        assert_eq!(
            may_apply(Owner { owns_the_unit: true }, CommonPart, false),
            Err(ApplicantRefusal::CommonPartNeedsManagerOrCommittee)
        );
        assert_eq!(
            may_apply(OwnersCommittee, CommonPart, false),
            Err(ApplicantRefusal::CommonPartNeedsManagerOrCommittee)
        );
    }

    #[test]
    fn art_25_who_may_advance() {
        assert_eq!(
            may_advance(Applicant::Owner { owns_the_unit: true }, PartLocation::PrivatePart, false),
            Ok(())
        );
        assert_eq!(
            may_advance(
                Applicant::PropertyManager { with_owner_representatives: false },
                PartLocation::CommonPart,
                true
            ),
            Ok(())
        );
        let refused = may_advance(Applicant::OwnersCommittee, PartLocation::CommonPart, true).unwrap_err();
        assert_eq!(refused.article(), Article(25));
    }

    #[test]
    fn art_18_a_report_date_long_before_filing_needs_evidence_and_is_flagged() {
        let filed = d("2026-06-30");
        assert_eq!(check_report_date(d("2026-06-30"), filed, 30, false), Ok(None));
        assert_eq!(check_report_date(d("2026-05-31"), filed, 30, false), Ok(None), "30 days is within grace");
        assert_eq!(
            check_report_date(d("2026-05-30"), filed, 30, false),
            Err(ReportDateRefused::BackdatedWithoutEvidence { days: 31, grace: 30 })
        );
        assert_eq!(check_report_date(d("2026-05-30"), filed, 30, true), Ok(Some(31)));
        assert_eq!(check_report_date(d("2026-07-01"), filed, 30, true), Err(ReportDateRefused::InTheFuture));
    }
}

//! Who is who, and what is where: roles, organisations, building classes.

use super::text_enum;

text_enum! {
    /// What a person does in Baoxiu. One role per account; the organisations an account belongs to
    /// (memberships) decide which objects it sees.
    pub enum Role {
        /// Runs the installation: organisations, accounts, the registry.
        Admin = "admin",
        /// Housing-bureau reviewer 物业主管部门: decides claims in their bureau's jurisdiction (Art. 21-23).
        Reviewer = "reviewer",
        /// Developer 开发企业 staff: deposits the fund, is asked to repair first (Art. 17, 24).
        Developer = "developer",
        /// Property manager 物业服务企业 staff: applies for common parts (Art. 20).
        PropertyManager = "property_manager",
        /// Owner 业主 of one or more units.
        Owner = "owner",
        /// Technician of a repair unit 维修单位 (Art. 21-22).
        Technician = "technician",
    }
}

text_enum! {
    /// The kinds of organisation the fund's rules name.
    pub enum OrgKind {
        /// City or county housing bureau, with a jurisdiction.
        HousingBureau = "housing_bureau",
        /// Developer 开发企业.
        Developer = "developer",
        /// Property manager 物业服务企业.
        PropertyManager = "property_manager",
        /// Repair unit 维修单位 designated by the bureau.
        RepairUnit = "repair_unit",
    }
}

text_enum! {
    /// Building class, which sets the deposit rate (Art. 8).
    pub enum BuildingClass {
        /// Low-rise 低层: 3 %.
        LowRise = "low_rise",
        /// Multi-storey 多层: 3 %.
        MultiStorey = "multi_storey",
        /// Small high-rise 小高层: 4 %.
        SmallHighRise = "small_high_rise",
        /// High-rise 高层: 5 %.
        HighRise = "high_rise",
    }
}

impl Role {
    /// The organisation kind an account of this role belongs to, if any.
    pub fn organisation_kind(self) -> Option<OrgKind> {
        match self {
            Role::Reviewer => Some(OrgKind::HousingBureau),
            Role::Developer => Some(OrgKind::Developer),
            Role::PropertyManager => Some(OrgKind::PropertyManager),
            Role::Technician => Some(OrgKind::RepairUnit),
            Role::Admin | Role::Owner => None,
        }
    }
}

/// A jurisdiction: the six-digit administrative division code of a city or county (e.g. 370102,
/// Lixia District, Jinan), which decides which bureau reviews an estate's claims.
pub fn valid_jurisdiction(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) && code.starts_with("37")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), *role);
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        for class in BuildingClass::ALL {
            assert_eq!(class.as_str().parse::<BuildingClass>().unwrap(), *class);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn jurisdictions_are_shandong_division_codes() {
        assert!(valid_jurisdiction("370102"));
        assert!(!valid_jurisdiction("110101"), "Beijing is not Shandong");
        assert!(!valid_jurisdiction("37010"));
        assert!(!valid_jurisdiction("37010x"));
    }
}

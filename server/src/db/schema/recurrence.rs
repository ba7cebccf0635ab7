//! The tables of recurring defects (issue 32): the Art. 30 register and the early warnings.

diesel::table! {
    art30_entries (id) {
        id -> Text,
        jurisdiction -> Text,
        building_id -> Text,
        category -> Text,
        unit_id -> Nullable<Text>,
        defect_location -> Text,
        defect_component -> Text,
        claim_id -> Text,
        reason -> Text,
        repairs -> Integer,
        claim_ids -> Text,
        warranty_last_day -> Date,
        status -> Text,
        opened_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
        evidence_ids -> Text,
    }
}

diesel::table! {
    defect_warnings (id) {
        id -> Text,
        jurisdiction -> Text,
        developer_id -> Text,
        building_id -> Text,
        category -> Text,
        period -> Text,
        level -> Text,
        rule -> Text,
        figures -> Text,
        claim_ids -> Text,
        raised_at -> Timestamp,
        acknowledge_by -> Date,
        digested_at -> Nullable<Timestamp>,
        acknowledged_at -> Nullable<Timestamp>,
        acknowledged_by -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        closed_by -> Nullable<Text>,
        cause -> Nullable<Text>,
        measures -> Nullable<Text>,
    }
}

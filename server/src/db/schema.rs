// One diesel schema for both backends: the migrations in `migrations/sqlite` and
// `migrations/postgres` declare the same columns with the same types.

diesel::table! {
    organisations (id) {
        id -> Text,
        kind -> Text,
        name -> Text,
        jurisdiction -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        phone -> Nullable<Text>,
        password_hash -> Text,
        role -> Text,
        active -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    memberships (user_id, organisation_id) {
        user_id -> Text,
        organisation_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    estates (id) {
        id -> Text,
        name -> Text,
        address -> Text,
        jurisdiction -> Text,
        developer_id -> Text,
        property_manager_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    buildings (id) {
        id -> Text,
        estate_id -> Text,
        name -> Text,
        class -> Text,
        construction_cost_fen -> BigInt,
        design_life_years -> Integer,
        handover_date -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    units (id) {
        id -> Text,
        building_id -> Text,
        number -> Text,
        floor -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    unit_owners (unit_id, user_id) {
        unit_id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    devices (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        public_key -> Text,
        enrolled_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoke_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> organisations (organisation_id));
diesel::joinable!(buildings -> estates (estate_id));
diesel::joinable!(units -> buildings (building_id));
diesel::joinable!(unit_owners -> units (unit_id));
diesel::joinable!(unit_owners -> users (user_id));
diesel::joinable!(devices -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    memberships,
    estates,
    buildings,
    units,
    unit_owners,
    devices,
    sessions,
    refresh_tokens,
);

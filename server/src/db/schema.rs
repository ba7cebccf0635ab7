// One diesel schema for both backends: the migrations in `migrations/sqlite` and
// `migrations/postgres` declare the same columns with the same types.

mod recurrence;
pub use recurrence::{art30_entries, defect_warnings};

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
        notify_sms -> Bool,
        notify_push -> Bool,
    }
}

diesel::table! {
    memberships (user_id, organisation_id) {
        user_id -> Text,
        organisation_id -> Text,
        created_at -> Timestamp,
        office -> Bool,
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
    password_resets (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        replaced_by -> Nullable<Text>,
    }
}

diesel::table! {
    claims (id) {
        id -> Text,
        kind -> Text,
        state -> Text,
        waiting_on -> Text,
        jurisdiction -> Text,
        estate_id -> Text,
        building_id -> Text,
        unit_id -> Nullable<Text>,
        developer_id -> Text,
        property_manager_id -> Nullable<Text>,
        location -> Text,
        category -> Text,
        location_detail -> Text,
        description -> Text,
        applicant_id -> Text,
        applicant_capacity -> Text,
        with_owner_representatives -> Bool,
        warranty_last_day -> Date,
        advanced_amount_fen -> Nullable<BigInt>,
        repair_unit_id -> Nullable<Text>,
        rejection_reason -> Nullable<Text>,
        rejection_note -> Nullable<Text>,
        plan_approved -> Bool,
        cost_sheet_signed -> Bool,
        cost_sheet_verified -> Bool,
        developer_reply_due_on -> Nullable<Date>,
        cost_sheet_received_at -> Nullable<Timestamp>,
        payout_due_on -> Nullable<Date>,
        usage_notice_due_on -> Nullable<Date>,
        bureau_due_on -> Nullable<Date>,
        version -> Integer,
        filed_at -> Timestamp,
        reported_on -> Nullable<Date>,
        repair_due_on -> Nullable<Date>,
        inspection_due_on -> Nullable<Date>,
        owner_representatives -> Nullable<Text>,
        defect_location -> Nullable<Text>,
        defect_component -> Nullable<Text>,
        severity -> Nullable<Text>,
        defect_codes_version -> Nullable<Text>,
        duplicate_of -> Nullable<Text>,
        repeat_of -> Nullable<Text>,
        defect_cause -> Nullable<Text>,
        defect_solution -> Nullable<Text>,
    }
}

diesel::table! {
    owners_committees (estate_id) {
        estate_id -> Text,
        name -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    committee_members (estate_id, user_id) {
        estate_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    payouts (claim_id) {
        claim_id -> Text,
        amount_fen -> BigInt,
        payee -> Text,
        paid_on -> Date,
        bank_reference -> Text,
        cost_sheet_id -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    claim_evidence (claim_id, evidence_id) {
        claim_id -> Text,
        evidence_id -> Text,
        kind -> Text,
        attached_by -> Text,
        attached_at -> Timestamp,
        visit_id -> Nullable<Text>,
        cost_sheet_id -> Nullable<Text>,
        line_no -> Nullable<Integer>,
        reported_taken_at -> Nullable<Timestamp>,
        reported_lat -> Nullable<Double>,
        reported_lng -> Nullable<Double>,
    }
}

diesel::table! {
    blobs (sha256) {
        sha256 -> Text,
        size -> BigInt,
        media_type -> Text,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        taken_at -> Nullable<Timestamp>,
        gps_lat -> Nullable<Double>,
        gps_lng -> Nullable<Double>,
        camera -> Nullable<Text>,
        orientation -> Integer,
        has_exif -> Bool,
        derivatives -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    files (id) {
        id -> Text,
        sha256 -> Text,
        uploaded_by -> Text,
        device_id -> Nullable<Text>,
        filename -> Nullable<Text>,
        received_at -> Timestamp,
    }
}

diesel::table! {
    uploads (id) {
        id -> Text,
        owner_id -> Text,
        device_id -> Nullable<Text>,
        length -> BigInt,
        sha256 -> Text,
        filename -> Nullable<Text>,
        claim_id -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        file_id -> Nullable<Text>,
        received -> BigInt,
    }
}

diesel::table! {
    upload_parts (upload_id, start_offset) {
        upload_id -> Text,
        start_offset -> BigInt,
        length -> BigInt,
        object_key -> Text,
    }
}

diesel::table! {
    job_runs (job, period) {
        job -> Text,
        period -> Text,
        instance -> Text,
        lease_until -> Timestamp,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        failed -> Bool,
    }
}

diesel::table! {
    rate_windows (key) {
        key -> Text,
        window_start -> BigInt,
        hits -> Integer,
    }
}

diesel::table! {
    repair_plans (id) {
        id -> Text,
        claim_id -> Text,
        revision -> Integer,
        description -> Text,
        budget_fen -> BigInt,
        submitted_by -> Text,
        submitted_at -> Timestamp,
        decision -> Nullable<Text>,
        decision_comment -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        lines -> Text,
    }
}

diesel::table! {
    cost_sheets (id) {
        id -> Text,
        claim_id -> Text,
        revision -> Integer,
        total_fen -> BigInt,
        budget_total_fen -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        signed_by -> Nullable<Text>,
        signed_at -> Nullable<Timestamp>,
        approved_total_fen -> Nullable<BigInt>,
        verified_by -> Nullable<Text>,
        verified_at -> Nullable<Timestamp>,
        revision_hash -> Nullable<Text>,
        parent_hash -> Nullable<Text>,
        conflict -> Bool,
        signer_name -> Nullable<Text>,
        signer_phone -> Nullable<Text>,
        signature_file_id -> Nullable<Text>,
        signing_device_id -> Nullable<Text>,
        device_signature -> Nullable<Text>,
        lines -> Text,
        witnessed_by -> Nullable<Text>,
        disputed_at -> Nullable<Timestamp>,
        dispute_reason -> Nullable<Text>,
    }
}

diesel::table! {
    line_decisions (cost_sheet_id, line_no) {
        cost_sheet_id -> Text,
        line_no -> Integer,
        decision -> Text,
        approved_fen -> BigInt,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        claim_id -> Text,
        actor_id -> Text,
        device_id -> Nullable<Text>,
        action -> Text,
        before_state -> Nullable<Text>,
        after_state -> Text,
        detail -> Text,
        at -> Timestamp,
        change_seq -> Nullable<BigInt>,
    }
}

diesel::table! {
    change_counter (id) {
        id -> Integer,
        last -> BigInt,
    }
}

diesel::table! {
    work_orders (id) {
        id -> Text,
        claim_id -> Text,
        repair_unit_id -> Text,
        technician_id -> Nullable<Text>,
        status -> Text,
        description -> Text,
        urgent -> Bool,
        on_site_by -> Nullable<Timestamp>,
        window_start -> Nullable<Timestamp>,
        window_end -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        version -> Integer,
    }
}

diesel::table! {
    visits (id) {
        id -> Text,
        work_order_id -> Text,
        technician_id -> Text,
        device_id -> Nullable<Text>,
        check_in_at -> Timestamp,
        check_in_device_at -> Nullable<Timestamp>,
        check_in_lat -> Nullable<Double>,
        check_in_lng -> Nullable<Double>,
        check_out_at -> Nullable<Timestamp>,
        check_out_device_at -> Nullable<Timestamp>,
        check_out_lat -> Nullable<Double>,
        check_out_lng -> Nullable<Double>,
        notes -> Nullable<Text>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        claim_id -> Nullable<Text>,
        work_order_id -> Nullable<Text>,
        dedup_key -> Text,
        params -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        notification_id -> Text,
        channel -> Text,
        recipient -> Text,
        body -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        sent_at -> Nullable<Timestamp>,
        status -> Text,
        next_attempt_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    return_visits (claim_id) {
        claim_id -> Text,
        repair_unit_id -> Nullable<Text>,
        attitude -> Integer,
        quality -> Integer,
        resolution -> Integer,
        comment -> Nullable<Text>,
        rated_by -> Text,
        rated_at -> Timestamp,
    }
}

diesel::table! {
    deposit_notices (id) {
        id -> Text,
        building_id -> Text,
        jurisdiction -> Text,
        developer_id -> Text,
        cost_fen -> BigInt,
        class -> Text,
        rate -> Text,
        reductions -> Text,
        amount_fen -> BigInt,
        due_on -> Date,
        notified_at -> Timestamp,
        objection_due_on -> Date,
        status -> Text,
        objection -> Nullable<Text>,
        objected_at -> Nullable<Timestamp>,
        recheck_note -> Nullable<Text>,
        rechecked_at -> Nullable<Timestamp>,
        paid_fen -> BigInt,
        late_fee_fen -> BigInt,
        certificate_number -> Nullable<Text>,
        version -> Integer,
    }
}

diesel::table! {
    deposit_evidence (notice_id, evidence_id) {
        notice_id -> Text,
        evidence_id -> Text,
        kind -> Text,
    }
}

diesel::table! {
    deposit_payments (id) {
        id -> Text,
        notice_id -> Text,
        amount_fen -> BigInt,
        paid_on -> Date,
        bank_reference -> Text,
        late_fee_fen -> BigInt,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    journal (id) {
        id -> Text,
        jurisdiction -> Text,
        building_id -> Text,
        category -> Text,
        kind -> Text,
        amount_fen -> BigInt,
        entry_date -> Date,
        claim_id -> Nullable<Text>,
        reverses_id -> Nullable<Text>,
        reverses_kind -> Nullable<Text>,
        reason -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    shortfalls (id) {
        id -> Text,
        claim_id -> Text,
        building_id -> Text,
        developer_id -> Text,
        category -> Text,
        amount_fen -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    interest_runs (id) {
        id -> Text,
        jurisdiction -> Text,
        period_from -> Date,
        period_to -> Date,
        total_fen -> BigInt,
        posted_by -> Text,
        posted_at -> Timestamp,
    }
}

diesel::table! {
    refund_holds (id) {
        id -> Text,
        building_id -> Text,
        category -> Text,
        reason -> Text,
        placed_by -> Text,
        placed_at -> Timestamp,
        lifted_by -> Nullable<Text>,
        lifted_at -> Nullable<Timestamp>,
        lift_reason -> Nullable<Text>,
    }
}

diesel::table! {
    publications (building_id, year) {
        building_id -> Text,
        year -> Integer,
        published_by -> Text,
        published_at -> Timestamp,
    }
}

diesel::table! {
    sync_devices (device_id) {
        device_id -> Text,
        acknowledged_through -> BigInt,
    }
}

diesel::table! {
    sync_mutations (device_id, seq) {
        device_id -> Text,
        seq -> BigInt,
        mutation_id -> Text,
        kind -> Text,
        payload -> Text,
        payload_hash -> Text,
        outcome -> Text,
        reason -> Nullable<Text>,
        entity_version -> Nullable<BigInt>,
        received_at -> Timestamp,
    }
}

diesel::table! {
    issued_documents (number) {
        number -> Text,
        kind -> Text,
        subject_id -> Text,
        content_key -> Text,
        sha256 -> Text,
        size -> BigInt,
        summary -> Text,
        issued_by -> Text,
        issued_at -> Timestamp,
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
diesel::joinable!(claim_evidence -> claims (claim_id));
diesel::joinable!(claim_evidence -> files (evidence_id));
diesel::joinable!(files -> blobs (sha256));
diesel::joinable!(payouts -> claims (claim_id));
diesel::joinable!(repair_plans -> claims (claim_id));
diesel::joinable!(cost_sheets -> claims (claim_id));
diesel::joinable!(line_decisions -> cost_sheets (cost_sheet_id));
diesel::joinable!(audit_log -> claims (claim_id));
diesel::joinable!(work_orders -> claims (claim_id));
diesel::joinable!(visits -> work_orders (work_order_id));
diesel::joinable!(outbox -> notifications (notification_id));
diesel::joinable!(return_visits -> claims (claim_id));
diesel::joinable!(deposit_notices -> buildings (building_id));
diesel::joinable!(deposit_payments -> deposit_notices (notice_id));
diesel::joinable!(journal -> buildings (building_id));

diesel::allow_tables_to_appear_in_same_query!(
    password_resets,
    upload_parts,
    issued_documents,
    organisations,
    owners_committees,
    committee_members,
    users,
    memberships,
    estates,
    buildings,
    units,
    unit_owners,
    devices,
    sessions,
    refresh_tokens,
    claims,
    payouts,
    claim_evidence,
    blobs,
    files,
    uploads,
    repair_plans,
    cost_sheets,
    line_decisions,
    audit_log,
    work_orders,
    visits,
    notifications,
    outbox,
    return_visits,
    deposit_notices,
    deposit_evidence,
    deposit_payments,
    journal,
    shortfalls,
    interest_runs,
    refund_holds,
    publications,
    sync_devices,
    sync_mutations,
    change_counter,
    art30_entries,
    defect_warnings,
);

//! Words made from what the service answers, in the reader's language: a refusal's detail (a
//! form's field by its label and row, an article as 第十七条) and a verification page's facts.

use super::texts::{category_name, kind_name, state_name, texts, Texts};
use crate::messages::Lang;

/// A refusal's detail as its reader reads it: a form's field named by its label (and row), an
/// article in the reader's language, a number as it is; a detail for programs only (an English
/// phrase on a Chinese page, a key no label names) is left out.
pub fn detail_text(detail: &str, lang: Lang) -> Option<String> {
    let t = texts(lang);
    let key_like = |d: &str| {
        !d.is_empty()
            && d.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.' || b.is_ascii_digit())
    };
    if key_like(detail) && detail.bytes().any(|b| b.is_ascii_lowercase()) {
        // `line_quantity_3`, `lines.reason`, `approved_2`: the field's label, and its row.
        let (name, row) = match detail.rsplit_once('_') {
            Some((name, n)) if n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty() => (name, Some(n)),
            _ => (detail, None),
        };
        let name = name.rsplit('.').next().unwrap_or(name);
        let name = name.strip_prefix("line_").or_else(|| name.strip_prefix("plan_")).unwrap_or(name);
        let label = field_label(name, t)?;
        return Some(match (row, lang) {
            (Some(n), Lang::ZhCn) => format!("第{n}行 {label}"),
            (Some(n), Lang::En) => format!("line {n}: {label}"),
            (None, _) => label.to_string(),
        });
    }
    // `repair_by: 2026-12-06..2027-01-05`: the field's label, then the fact.
    if let Some((name, rest)) = detail.split_once(": ") {
        if key_like(name) {
            let rest = crate::messages::articles_in(rest, lang);
            let readable = lang == Lang::En || !rest.bytes().any(|b| b.is_ascii_alphabetic());
            let label = detail_text(name, lang)?;
            return Some(if readable { format!("{label}: {rest}") } else { label });
        }
    }
    let text = crate::messages::articles_in(detail, lang);
    let foreign = lang == Lang::ZhCn && text.bytes().any(|b| b.is_ascii_alphabetic());
    (!foreign).then_some(text)
}

/// The label of a form's field, by the name the form and the API give it.
fn field_label(name: &str, t: &'static Texts) -> Option<&'static str> {
    Some(match name {
        "description" => t.description,
        "unit" => t.unit_of_measure,
        "quantity" => t.quantity,
        "unit_price" => t.unit_price,
        "budget" => t.budget,
        "amount" | "advance" => t.advanced_amount,
        "kind" => t.line_kind,
        "plan_line" => t.plan_line,
        "lines" => t.what_was_paid,
        "category" => t.category,
        "location_detail" => t.location_detail,
        "place" => t.where_defect,
        "reported_on" => t.reported_on,
        "reason" => t.reason,
        "note" => t.note,
        "comment" => t.comment,
        "repair_by" => t.repair_by,
        "paid_on" => t.paid_on,
        "bank_reference" => t.bank_reference,
        "payee" => t.payee,
        "repair_unit_id" => t.repair_unit,
        "decision" | "developer_liable" => t.decision,
        "approved" | "approved_amount" => t.approved_amount,
        "evidence_id" | "evidence" => t.evidence_file,
        "report_evidence_id" => t.report_file,
        "revision" => t.revision,
        "username" => t.username,
        "password" => t.password,
        "display_name" => t.admin_display_name,
        "phone" => t.phone,
        "role" => t.admin_role,
        "organisation_id" | "organisation" => t.admin_organisation,
        "name" => t.admin_name,
        "address" => t.admin_address,
        "jurisdiction" => t.admin_jurisdiction,
        "developer_id" => t.nav_developer,
        "property_manager_id" => t.admin_property_manager,
        "class" => t.admin_class,
        "construction_cost" => t.admin_construction_cost,
        "design_life_years" => t.admin_design_life,
        "handover_date" => t.admin_handover,
        "number" | "unit_id" => t.unit,
        "floor" => t.admin_floor,
        "member_ids" => t.admin_committee_members,
        "from" => t.admin_from,
        "cause" => t.repair_cause,
        "solution" => t.repair_solution,
        "to" => t.admin_to,
        _ => return None,
    })
}

/// A verification page's fact as its reader reads it: the label in their language and the value
/// (money as people read it, a state or kind by name, yes or no); a fact with no label is left out.
pub fn fact_text(key: &str, value: &serde_json::Value, lang: Lang) -> Option<(&'static str, String)> {
    let t = texts(lang);
    let text = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
    let money = || crate::messages::yuan(&text);
    Some(match key {
        "revision" => (t.revision, text),
        "total" => (t.total, money()),
        "budget_total" => (t.fact_budget_total, money()),
        "approved_total" => (t.approved_total, money()),
        "signed" => (t.fact_signed, if value.as_bool() == Some(true) { t.yes } else { t.no }.to_string()),
        "revision_hash" => (t.revision_hash, text),
        "state" => (t.col_state, text.parse().map(|s| state_name(s, lang)).unwrap_or("").to_string()),
        "kind" => (t.kind, text.parse().map(|k| kind_name(k, lang)).unwrap_or("").to_string()),
        "category" => (t.category, text.parse().map(|c| category_name(c, lang)).unwrap_or("").to_string()),
        "used" => (t.total_used, money()),
        "category_balance" => (t.category_balance_after, money()),
        "amount" => (t.deposit_amount, money()),
        "due_on" => (t.due_on, text),
        "year" => (t.fact_year, text),
        "opening_balance" => (t.opening_balance, money()),
        "closing_balance" => (t.fact_closing_balance, money()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_name_fields_and_articles_in_the_readers_language() {
        assert_eq!(detail_text("line_quantity_3", Lang::ZhCn).as_deref(), Some("第3行 数量"));
        assert_eq!(detail_text("line_quantity_3", Lang::En).as_deref(), Some("line 3: Quantity"));
        assert_eq!(detail_text("lines.reason", Lang::ZhCn).as_deref(), Some("理由"));
        assert_eq!(detail_text("approved_2", Lang::ZhCn).as_deref(), Some("第2行 核定金额（核减时填写）"));
        assert_eq!(detail_text("Art. 22", Lang::ZhCn).as_deref(), Some("第二十二条"));
        assert_eq!(detail_text("Art. 22", Lang::En).as_deref(), Some("Art. 22"));
        assert_eq!(detail_text("no verdict for line 3", Lang::ZhCn), None);
        assert_eq!(detail_text("mutations.seq", Lang::ZhCn), None);
        assert_eq!(detail_text("3", Lang::ZhCn).as_deref(), Some("3"));
        let range = "repair_by: 2026-12-06..2027-01-05";
        assert_eq!(detail_text(range, Lang::ZhCn).as_deref(), Some("完成维修日期: 2026-12-06..2027-01-05"));
    }
}

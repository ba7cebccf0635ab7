//! The names of things a person reads beside the codes: warranty categories, journal entries,
//! legal clocks, timeline entries, plausibility flags and evidence kinds, shared by the pages and
//! the printed documents.

use super::Lang;
use crate::domain::coverage::WarrantyCategory;
use crate::domain::lifecycle::Recorded;

/// A warranty category's name.
pub fn category_name(category: WarrantyCategory, lang: Lang) -> &'static str {
    use WarrantyCategory::*;
    let (zh, en) = match category {
        Structural => ("地基基础和主体结构", "Foundation and main structure"),
        RoofWaterproofing => ("屋面防水", "Roof waterproofing"),
        Seepage => ("防渗漏", "Seepage"),
        ExteriorInsulation => ("外墙外保温", "Exterior-wall insulation"),
        Heating => ("供热系统", "Heating"),
        Cooling => ("供冷系统", "Cooling"),
        ElectricalPlumbingEquipment => ("电气管线、给排水管道、设备安装", "Electrical, plumbing, equipment"),
        Decoration => ("装修工程", "Decoration"),
        Other => ("其他", "Other"),
    };
    lang.pick(zh, en)
}

/// A fund journal entry kind's name.
pub fn entry_kind_name(kind: &str, lang: Lang) -> &'static str {
    let (zh, en) = match kind {
        "deposit" => ("交存", "Deposit"),
        "late_fee" => ("滞纳金", "Late fee"),
        "interest" => ("利息", "Interest"),
        "payout" => ("使用", "Payout"),
        "award_refund" => ("奖励退还", "Award refund"),
        "refund" => ("退还", "Refund"),
        "reversal" => ("更正", "Reversal"),
        _ => ("其他", "Other"),
    };
    lang.pick(zh, en)
}

/// A legal clock's name, as `claim.deadlines[].clock` names it.
pub fn clock_name(clock: &str, lang: Lang) -> &'static str {
    let (zh, en) = match clock {
        "developer_reply" => ("建设单位答复", "Developer's reply"),
        "developer_repair" => ("建设单位维修", "Developer's repair"),
        "inspection" => ("检测结论", "Inspection finding"),
        "payout" => ("支付（20日）", "Payout (20 days)"),
        "usage_notice" => ("使用通知", "Usage notice"),
        _ => ("期限", "Deadline"),
    };
    lang.pick(zh, en)
}

/// A timeline entry's name, as the audit trail records it; an unknown name reads as "step".
pub fn action_name(action: &str, lang: Lang) -> &'static str {
    match action.parse() {
        Ok(recorded) => recorded_name(recorded, lang),
        Err(_) => lang.pick("办理", "Step"),
    }
}

/// What a timeline entry records, by name: every step and act has its text, or this does not
/// compile.
pub fn recorded_name(recorded: Recorded, lang: Lang) -> &'static str {
    use crate::domain::lifecycle::{Act, StepName as S};
    let (zh, en) = match recorded {
        Recorded::Step(step) => match step {
            S::AskDeveloper => ("通知建设单位", "Asked the developer"),
            S::DeveloperWillRepair => ("建设单位承诺维修", "Developer will repair"),
            S::DeveloperDisputes => ("建设单位提出异议", "Developer disputes"),
            S::DeveloperSilent => ("建设单位逾期未答复", "Developer silent"),
            S::DeveloperUnable => ("建设单位无力维修", "Developer unable"),
            S::DeveloperRepaired => ("建设单位已维修", "Developer repaired"),
            S::DeveloperDefaulted => ("建设单位未按承诺维修", "Developer defaulted"),
            S::InspectionFound => ("检测结论", "Inspection finding"),
            S::Approve => ("同意使用保修金", "Approved"),
            S::Reject => ("驳回", "Rejected"),
            S::SubmitPlan => ("提交方案", "Plan submitted"),
            S::ApprovePlan => ("批准方案", "Plan approved"),
            S::ReturnPlan => ("退回方案", "Plan returned"),
            S::StartRepair => ("开始维修", "Repair started"),
            S::SubmitCostSheet => ("提交费用清单", "Cost sheet submitted"),
            S::ReturnCostSheet => ("退回费用清单", "Cost sheet returned"),
            S::DisputeSignature => ("对现场签字提出异议", "Signature disputed"),
            S::Verify => ("核定费用清单", "Verified"),
            S::Pay => ("支付", "Paid"),
            S::NotifyDeveloper => ("通知建设单位使用情况", "Developer notified"),
        },
        Recorded::Act(act) => match act {
            Act::Filed => ("提交申请", "Filed"),
            Act::CostSheetRevision => ("费用清单新版本", "Cost-sheet revision"),
            Act::CostSheetSigned => ("签字确认费用清单", "Cost sheet signed"),
            Act::InPersonSignatureConfirmed => ("确认现场签字", "In-person signature confirmed"),
            Act::EvidenceAttached => ("上传证据", "Evidence attached"),
            Act::WorkOrderCreated => ("派发工单", "Work order created"),
            Act::WorkOrderAssigned => ("指派技术人员", "Technician assigned"),
            Act::WorkOrderScheduled => ("预约上门", "Visit scheduled"),
            Act::VisitCheckIn => ("到场签到", "Checked in on site"),
            Act::VisitCheckOut => ("离场签退", "Checked out"),
            Act::VisitNote => ("上门记录", "Visit note"),
            Act::ReturnVisit => ("回访评价", "Return visit"),
            Act::DefectRecoded => ("更正问题编码", "Defect coding corrected"),
            Act::RegisterDecided => ("第三十条登记认定", "Art. 30 register entry decided"),
        },
    };
    lang.pick(zh, en)
}

/// A plausibility flag's explanation (`service::evidence`).
pub fn flag_name(flag: &str, lang: Lang) -> &'static str {
    let (zh, en) = match flag {
        "no_exif" => ("无拍摄信息", "No EXIF"),
        "far_from_site" => ("拍摄地点远离现场", "Taken far from the site"),
        "outside_visit_time" => ("拍摄时间不在上门时段内", "Taken outside the visit"),
        "reused_on_other_claim" => ("同一照片用于其他申请", "Reused on another claim"),
        _ => ("需核对", "Check"),
    };
    lang.pick(zh, en)
}

/// An evidence kind's name.
pub fn evidence_kind_name(kind: &str, lang: Lang) -> &'static str {
    let (zh, en) = match kind {
        "before" => ("维修前", "Before"),
        "during" => ("维修中", "During"),
        "after" => ("维修后", "After"),
        "receipt" => ("票据", "Receipt"),
        "inspection_report" => ("检测报告", "Inspection report"),
        "signature" => ("签字", "Signature"),
        "developer_status" => ("建设单位状况证明", "Developer's status"),
        _ => ("文件", "File"),
    };
    lang.pick(zh, en)
}

/// An amount of money as people read it, on pages and printed documents alike: `¥3,840,000.00`,
/// and a negative one with a true minus sign before the yuan sign, `−¥100.00`. Anything that is
/// not a decimal number is shown as it is, after the sign.
pub fn yuan(amount: impl std::fmt::Display) -> String {
    let text = amount.to_string();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').map_or((digits, None), |(w, f)| (w, Some(f)));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return format!("¥{text}");
    }
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
    let zero = whole.bytes().all(|b| b == b'0') && fraction.bytes().all(|b| b == b'0' || b == b'.');
    let sign = if negative && !zero { "\u{2212}" } else { "" };
    format!("{sign}¥{grouped}{fraction}")
}

/// A defect's severity by its stored name.
pub fn severity_name(severity: &str, lang: Lang) -> &'static str {
    match severity {
        "serious" => {
            lang.pick("严重（危及结构安全或主要使用功能）", "Serious (structural safety or a vital function)")
        }
        "ordinary" => lang.pick("一般", "Ordinary"),
        _ => lang.pick("未分级", "Not graded"),
    }
}

/// A journal entry's reason as its reader reads it: the reasons the fund's own postings carry
/// (`deposit (Art. 12)`, `refund (Art. 29) ICBC-…`) in the reader's language, with whatever
/// follows them (a bank reference) kept; a reason a person typed as typed, its article references
/// in the reader's language.
pub fn journal_reason(reason: &str, lang: Lang) -> String {
    const POSTINGS: &[(&str, &str, &str)] = &[
        ("deposit (Art. 12)", "交存保修金（第十二条）", "Deposit (Art. 12)"),
        ("late fee (Art. 16)", "滞纳金（第十六条）", "Late fee (Art. 16)"),
        ("interest (Art. 27)", "利息（第二十七条）", "Interest (Art. 27)"),
        ("payout (Art. 23)", "支付维修费用（第二十三条）", "Repair costs paid (Art. 23)"),
        ("refund (Art. 29)", "返还保修金（第二十九条）", "Refund (Art. 29)"),
    ];
    for (stored, zh, en) in POSTINGS {
        if let Some(rest) = reason.strip_prefix(stored) {
            return format!("{}{rest}", lang.pick(zh, en));
        }
    }
    articles_in(reason, lang)
}

/// An article's number as a Chinese reader reads it: 8 → 八, 22 → 二十二.
fn chinese_number(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let ones = |d: u32| if d == 0 { "" } else { DIGITS[d as usize] };
    match n {
        0..=9 => DIGITS[n as usize].to_string(),
        10..=19 => format!("十{}", ones(n % 10)),
        20..=99 => format!("{}十{}", DIGITS[(n / 10) as usize], ones(n % 10)),
        _ => n.to_string(),
    }
}

/// A text with its article references in the reader's language: in Chinese, "Art. 17" becomes
/// 第十七条, "Art. 18-25" 第十八至二十五条 and "Art. 17, 24" 第十七条、第二十四条; English is left as it is.
pub fn articles_in(text: &str, lang: Lang) -> String {
    if lang == Lang::En || !text.contains("Art. ") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(at) = rest.find("Art. ") {
        out.push_str(&rest[..at]);
        rest = &rest[at + 5..];
        // Numbers joined by "-" (a range) or ", " (a list).
        let mut numbers: Vec<(u32, char)> = Vec::new();
        loop {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let Ok(n) = rest[..digits].parse::<u32>() else { break };
            rest = &rest[digits..];
            if let Some(next) = rest.strip_prefix('-').filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
            {
                numbers.push((n, '-'));
                rest = next;
            } else if let Some(next) =
                rest.strip_prefix(", ").filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
            {
                numbers.push((n, ','));
                rest = next;
            } else {
                numbers.push((n, ' '));
                break;
            }
        }
        if numbers.is_empty() {
            out.push_str("Art. ");
            continue;
        }
        for (i, (n, joined)) in numbers.iter().enumerate() {
            let previous = i.checked_sub(1).map(|p| numbers[p].1);
            match previous {
                Some('-') => out.push('至'),
                Some(_) => out.push('、'),
                None => {}
            }
            if previous != Some('-') {
                out.push('第');
            }
            out.push_str(&chinese_number(*n));
            if *joined != '-' {
                out.push('条');
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::{articles_in, journal_reason, yuan};
    use crate::messages::Lang;

    #[test]
    fn articles_read_in_chinese_on_chinese_pages() {
        let zh = |t| articles_in(t, Lang::ZhCn);
        assert_eq!(zh("Art. 17"), "第十七条");
        assert_eq!(zh("Art. 9"), "第九条");
        assert_eq!(zh("Art. 20"), "第二十条");
        assert_eq!(zh("Art. 18-25"), "第十八至二十五条");
        assert_eq!(zh("Art. 17, 24"), "第十七条、第二十四条");
        assert_eq!(zh("Art. 22-23"), "第二十二至二十三条");
        assert_eq!(zh("deposit (Art. 12)"), "deposit (第十二条)");
        assert_eq!(zh("Art. 18: 30"), "第十八条: 30");
        assert_eq!(zh("Art. x"), "Art. x");
        assert_eq!(articles_in("Art. 17", Lang::En), "Art. 17");
        assert_eq!(journal_reason("deposit (Art. 12)", Lang::ZhCn), "交存保修金（第十二条）");
        assert_eq!(journal_reason("refund (Art. 29) ICBC-1", Lang::ZhCn), "返还保修金（第二十九条） ICBC-1");
        assert_eq!(journal_reason("refund (Art. 29) ICBC-1", Lang::En), "Refund (Art. 29) ICBC-1");
        assert_eq!(journal_reason("更正误记（Art. 12）", Lang::ZhCn), "更正误记（第十二条）");
    }

    #[test]
    fn amounts_read_with_separators_and_a_true_minus() {
        assert_eq!(yuan("3840000.00"), "¥3,840,000.00");
        assert_eq!(yuan("-100.00"), "\u{2212}¥100.00");
        assert_eq!(yuan("999.50"), "¥999.50");
        assert_eq!(yuan("1000"), "¥1,000");
        assert_eq!(yuan("-0.00"), "¥0.00");
        assert_eq!(yuan("n/a"), "¥n/a");
        assert_eq!(yuan(baoxiu_sync_protocol::Money::from_fen(123_456_789)), "¥1,234,567.89");
    }
}

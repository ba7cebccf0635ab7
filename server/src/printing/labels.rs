//! Every text printed on a document, in one place: zh-CN, which documents are issued in (the
//! language of the bureau's files), and English beside it for readers of this code and for a
//! translation should one be wanted.

macro_rules! labels {
    ($($name:ident: $zh:literal, $en:literal;)*) => {
        /// The fixed texts of the printed documents, one language's set.
        pub struct Labels {
            $(pub $name: &'static str,)*
        }

        /// Chinese: what documents are printed in.
        pub const ZH: Labels = Labels { $($name: $zh,)* };
        /// English, for reference.
        pub const EN: Labels = Labels { $($name: $en,)* };
    };
}

labels! {
    number: "编号", "No.";
    issued_on: "出具日期", "Issued on";
    page: "第", "Page";
    scan_to_verify: "扫码核验", "Scan to verify";
    verify_at: "核验", "Verify at";
    cost_sheet_title: "物业维修工程费用清单", "Repair cost sheet";
    dossier_title: "保修金使用申请卷宗", "Claim dossier";
    certificate_title: "保修金交存证明", "Warranty fund deposit certificate";
    deposit_notice_title: "保修金交存通知书", "Warranty fund deposit notice";
    usage_notice_title: "保修金使用情况通知书", "Notice of the fund's use";
    publication_title: "保修金年度公示", "Yearly publication of the fund";
    claim: "申请编号", "Claim";
    estate: "小区", "Estate";
    building: "楼栋", "Building";
    unit: "房屋", "Unit";
    common_part: "共用部位", "Common parts";
    location: "具体位置", "Location";
    category: "保修类别", "Category";
    warranty: "保修依据", "Warranty basis";
    warranty_until: "保修期至（第十八条）", "Warranty until (Art. 18)";
    reported_on: "报修日期", "Reported on";
    filed_on: "申请日期", "Filed on";
    applicant: "申请人", "Applicant";
    repair_unit: "维修单位", "Repair unit";
    description: "问题描述", "Description";
    revision: "清单版本", "Revision";
    lines: "费用明细", "Lines";
    col_no: "序号", "No.";
    col_item: "项目", "Item";
    col_quantity: "数量", "Quantity";
    col_unit_price: "单价", "Unit price";
    col_amount: "金额", "Amount";
    col_budget: "预算", "Budget";
    col_verdict: "审核意见", "Bureau's verdict";
    total: "合计", "Total";
    approved_total: "核定金额（第二十三条）", "Approved total (Art. 23)";
    signature: "申请人签字确认（第二十二条）", "The applicant's signature (Art. 22)";
    signed_by: "签字人", "Signed by";
    signed_how: "签字方式", "How";
    signed_own: "申请人本人在线签字", "On the applicant's own account";
    signed_in_person: "现场签字，技术人员见证", "In person, witnessed by the technician";
    witness: "见证人", "Witness";
    signed_at: "签字时间", "Signed at";
    device_key: "签字设备公钥指纹", "Signing device's key fingerprint";
    unsigned: "尚未签字", "Not signed";
    disputed: "申请人对现场签字提出异议", "The applicant disputes the in-person signature";
    revision_hash: "清单版本哈希（SHA-256）", "Revision hash (SHA-256)";
    drawing: "签名", "Signature";
    verdict_approved: "核准", "Approved";
    verdict_cut: "核减", "Cut";
    verdict_rejected: "不予核准", "Rejected";
    application: "申请", "Application";
    coverage: "保修判断", "Coverage";
    covered: "报修日在保修期内。", "Reported within the warranty period.";
    not_covered: "报修日已超出保修期。", "Reported after the warranty period.";
    timeline: "办理经过", "Timeline";
    col_at: "时间", "At";
    col_who: "经办人", "By";
    col_step: "事项", "Step";
    col_note: "说明", "Note";
    deadlines: "法定期限", "Deadlines";
    col_clock: "期限", "Deadline";
    col_due: "截止日", "Due on";
    col_met: "完成", "Met";
    met: "已完成", "Met";
    open: "未完成", "Open";
    on_time: "按期", "on time";
    late: "逾期", "late";
    plans: "维修方案与预算", "Plan and budget";
    evidence: "证据", "Evidence";
    payout: "支付", "Payout";
    paid_on: "支付日期", "Paid on";
    payee: "收款方", "Payee";
    bank_reference: "银行流水号", "Bank reference";
    developer: "建设单位", "Developer";
    deposit_amount: "应交存金额", "Amount to deposit";
    construction_cost: "建筑安装工程造价", "Construction and installation cost";
    rate: "交存比例", "Rate";
    due_on: "交存期限", "Due on";
    objection_until: "异议期限（第十一条）", "Objection until (Art. 11)";
    paid: "已交存", "Paid";
    outstanding: "未交存", "Outstanding";
    certificate_no: "交存证明编号", "Certificate number";
    payments: "交存记录", "Payments";
    used: "使用金额", "Used";
    balance_after: "该类别余额", "Category balance after";
    entries: "记账明细", "Journal entries";
    col_date: "日期", "Date";
    col_kind: "类型", "Kind";
    year: "年度", "Year";
    opening: "期初余额", "Opening balance";
    closing: "期末余额", "Closing balance";
    movements: "本年收支", "The year's movements";
    deposits: "交存", "Deposits";
    interest: "利息", "Interest";
    payouts: "使用", "Payouts";
    refunds: "退还", "Refunds";
    certificate_text: "兹证明上述建设单位已按《山东省新建住宅工程质量保修金管理办法》足额交存保修金（第十五条）。", "This certifies that the developer above has deposited the warranty fund in full (Art. 15).";
    notice_text: "请于交存期限前足额交存保修金；对金额有异议的，可于收到本通知之日起7日内提出（第十条、第十一条）。", "Deposit the fund in full by the due date; objections within 7 days of this notice (Art. 10-11).";
    usage_text: "依照第二十六条，现将保修金使用情况通知如下。", "Under Art. 26, the fund's use is notified as follows.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sets_have_every_text() {
        for labels in [ZH, EN] {
            assert!(!labels.cost_sheet_title.is_empty() && !labels.usage_text.is_empty());
        }
        assert_ne!(ZH.total, EN.total);
    }
}

//! Every text the web pages show, in zh-CN and English, in one place. Templates read the fields
//! of [`Texts`] (a missing text in either language does not compile) and the names of the
//! domain's values through the functions below; sentences about a claim's progress and refusals
//! come from [`crate::messages`], as the API's do.

use crate::domain::coverage::PartLocation;
use crate::domain::lifecycle::{ClaimKind, ClaimState, RejectionReason, WaitingOn};
use crate::domain::registry::{BuildingClass, OrgKind, Role};
use crate::domain::work_order::WorkOrderStatus;
use crate::messages::Lang;
pub use crate::messages::{
    action_name, category_name, clock_name, entry_kind_name, evidence_kind_name, flag_name,
};

/// Declares a set of page texts: a struct with one `&'static str` per text and its two
/// languages' values, `ZH` and `EN`.
macro_rules! text_set {
    ($(#[$meta:meta])* $set:ident { $($name:ident: $zh:literal, $en:literal;)* }) => {
        $(#[$meta])*
        pub struct $set {
            /// The page's `lang` attribute.
            #[allow(dead_code)]
            pub lang: &'static str,
            $(pub $name: &'static str,)*
        }

        const ZH: $set = $set { lang: "zh-CN", $($name: $zh,)* };
        const EN: $set = $set { lang: "en", $($name: $en,)* };

        impl $set {
            /// Every text of this language's set, by name.
            #[cfg(test)]
            pub(crate) fn all(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($name), self.$name),)*]
            }
        }
    };
}
pub(crate) use text_set;

text_set! {
    /// The fixed texts of the pages, one language's set.
    Texts {
    app_name: "保修金维修", "Baoxiu warranty repairs";
    skip_to_content: "跳到正文", "Skip to content";
    switch_language: "English", "中文";
    sign_in: "登录", "Sign in";
    sign_out: "退出登录", "Sign out";
    username: "用户名", "Username";
    password: "密码", "Password";
    sign_in_title: "登录保修金维修系统", "Sign in to Baoxiu";
    session_ends: "如无操作，登录将于此时失效：", "Signed in until, if idle:";
    session_expired: "登录已失效，请重新登录。", "Your session has ended. Please sign in again.";
    signed_out: "已退出登录。", "You are signed out.";
    nav_queue: "待办队列", "Queue";
    nav_fund: "保修金", "Fund";
    nav_notifications: "通知", "Notifications";
    nav_my_claims: "我的报修", "My claims";
    nav_repairs: "维修任务", "Repairs";
    nav_developer: "建设单位", "Developer";
    back_home: "返回首页", "Back to my page";
    me_title: "我的保修", "My warranty repairs";
    developer_title: "建设单位保修事务", "Developer's warranty matters";
    requests_to_repair: "维修要求", "Requests to repair";
    no_requests: "没有待答复的维修要求。", "No requests wait for your answer.";
    reply_by: "答复期限", "Reply by";
    usage_notices: "保修金使用通知", "What the fund paid";
    no_usage_notices: "尚无使用通知。", "No usage notices yet.";
    total_used: "使用金额", "Used";
    category_balance_after: "该类别余额", "Category balance after";
    posted_on: "日期", "Date";
    deposit_notices: "保修金交存通知", "Deposit notices";
    no_deposit_notices: "尚无交存通知。", "No deposit notices.";
    deposit_amount: "应交存金额", "Amount to deposit";
    deposit_due: "交存期限", "Due on";
    late_fee_accruing: "滞纳金（截至今日）", "Late fee to date";
    objection: "异议", "Objection";
    recheck: "复核结果", "Recheck";
    object_to_notice: "对交存金额提出异议", "Object to the amount";
    other_claims: "其他申请", "Other claims";
    repair_title: "维修任务", "Repairs";
    verify_title: "文书核验", "Check a document";
    verify_explained: "以下为本系统出具的该编号文书。请核对纸质件或电子件的编号与 SHA-256 哈希是否一致；不一致的不是本文书。", "This is the document the system issued under this number. Check that your copy's number and SHA-256 match; a copy that differs is not this document.";
    document_kind: "文书种类", "Kind";
    document_number: "文书编号", "Number";
    issued_at: "出具时间", "Issued at";
    document_sha256: "PDF 的 SHA-256", "SHA-256 of the PDF";
    document_size: "字节数", "Bytes";
    download_pdf: "下载 PDF", "Download the PDF";
    dossier_pdf: "下载卷宗（PDF）", "The dossier (PDF)";
    usage_notice_pdf: "使用情况通知书（PDF）", "Usage notice (PDF)";
    deposit_notice_pdf: "交存通知书（PDF）", "Deposit notice (PDF)";
    certificate_pdf: "交存证明（PDF）", "Deposit certificate (PDF)";
    publication_pdf: "年度公示（PDF）", "Yearly publication (PDF)";
    payments_received: "已收款项", "Payments received";
    no_payments: "尚无款项。", "No payments yet.";
    designated_claims: "指定本单位维修的申请", "Claims designated to your unit";
    no_designated: "尚无指定本单位维修的申请。", "No claims are designated to your unit.";
    arrival_window: "上门时段", "Arrival window";
    visits: "上门记录", "Visits";
    no_visits: "尚无上门记录。", "No visits yet.";
    work_order_title: "工单", "Work order";
    assigned_to: "维修人员", "Technician";
    assign: "派工", "Assign";
    schedule: "预约上门时段", "Book the arrival window";
    window_start: "开始", "From";
    window_end: "结束", "To";
    on_site_by: "须到场时间", "On site by";
    overdue_flag: "已超时", "Overdue";
    check_in: "到场", "Checked in";
    check_out: "离场", "Checked out";
    file_claim: "申请维修", "Ask for a repair";
    file_emergency: "紧急维修垫付报销", "Claim back an emergency repair";
    emergency_badge: "紧急垫付报销", "Emergency reimbursement";
    emergency_explained: "危及安全的紧急情况可先行维修，保留票据和照片，由保修金报销（第二十五条）。", "In an emergency you may repair first with your own money, keep the receipts and photos, and claim it back from the fund (Art. 25).";
    my_claims: "我的申请", "My claims";
    no_claims: "尚无申请。", "No claims yet.";
    my_units: "我的房屋", "My units";
    handover: "交付使用日期", "Handed over on";
    by_contract: "以购房合同约定为准", "As the sales contract agrees";
    common_parts: "可申请维修的共用部位", "Common parts you may claim for";
    where_defect: "维修部位", "Where";
    my_unit: "本户", "My unit";
    common_part_of: "共用部位", "Common parts of";
    location_detail: "具体位置", "Exact place";
    location_example: "如：主卧卫生间顶棚", "e.g. the master bathroom ceiling";
    with_representatives: "已与业主推选的代表共同申请（第二十条）", "Applying with the owners' elected representatives (Art. 20)";
    photos: "照片", "Photos";
    add_photos: "拍照或选择照片", "Take or choose photos";
    receipts: "票据", "Receipts";
    add_receipts: "拍摄或选择票据", "Take or choose receipts";
    what_was_paid: "已支付的维修费用", "What you paid for";
    upload_preparing: "准备中…", "Preparing…";
    upload_resuming: "连接中断，正在续传…", "Connection lost; resuming…";
    upload_failed: "上传未完成", "Upload stopped";
    upload_retry: "继续上传", "Resume";
    upload_done: "已上传", "Uploaded";
    back_to_claim: "返回申请", "Back to the claim";
    claim_page_title: "维修申请", "Claim";
    claim_filed: "申请已提交。", "Your claim is filed.";
    signed_notice: "已签字确认，维修单位将提交费用清单。", "Signed. The repair unit will hand the cost sheet in.";
    sheet_changed: "费用清单已有新版本，请核对下列内容后再签字。", "The cost sheet has changed: check the revision below before you sign.";
    sign_title: "签字确认维修费用清单", "Sign the repair cost sheet";
    sign_waiting: "维修单位已提交费用清单，等待您核对签字：", "The repair unit's cost sheet waits for your signature:";
    open_signing: "核对并签字", "Check and sign";
    sign_here: "请在下方用手指签名：", "Sign below with your finger:";
    sign_clear: "重写", "Clear";
    sign_confirm: "确认签名", "Confirm signature";
    sign_empty: "请先在签名框内签名。", "Please sign in the box first.";
    sign_sending: "正在提交签名…", "Sending your signature…";
    sign_failed: "签名未能提交，请检查网络后重试。", "Your signature could not be sent; check the connection and try again.";
    sign_binds: "您的签名与上列清单的版本哈希绑定保存；清单若有改动，须重新签字。", "Your signature is kept bound to this revision's hash; any change to the sheet needs a new signature.";
    already_signed: "此版本已签字。", "This revision is signed.";
    work_photos: "施工照片", "Photos of the work";
    in_person_title: "现场签字记录", "Signed in person";
    in_person_record: "技术人员在现场记录了代您签字的清单：", "A technician recorded the sheet as signed in person for you:";
    confirm_signature: "确认是本人签字", "Confirm it was me";
    dispute_signature: "不是本人签字，提出异议", "It was not me: dispute";
    return_visit: "回访评价", "Rate the repair";
    return_visit_to_bureau: "评价提交主管部门，不向被评价的维修单位公开。", "Your rating goes to the bureau, not to the repair unit rated.";
    rate_attitude: "服务态度", "Attitude";
    rate_quality: "维修质量", "Quality";
    rate_resolution: "问题解决", "Resolution";
    rated: "已评价（态度/质量/解决）：", "Rated (attitude / quality / resolution):";
    developer_answer: "答复维修要求", "Answer the request to repair";
    will_repair: "自行维修", "We will repair";
    repair_by: "完成维修日期", "Repaired by";
    dispute_liability: "对保修责任有异议", "Dispute liability";
    dispute_explained: "提出异议后，须委托检测机构检测并上传检测报告（第二十四条）。", "Disputing, you commission a testing agency and upload its report (Art. 24).";
    upload_report: "上传检测报告", "Upload the testing report";
    report_document: "检测报告（PDF 或图片）", "Report (PDF or image)";
    submit_plan: "提交维修方案和预算", "Submit the plan and budget";
    plan_lines_explained: "可逐项列出预算，各项之和须等于预算总额。", "You may give the budget line by line; the lines must add up to the budget.";
    line_kind: "类别", "Kind";
    unit_of_measure: "单位", "Unit";
    plan_line: "对应方案项", "Plan line";
    start_repair: "开始维修", "Start the repair";
    work_orders: "工单", "Work orders";
    no_work_orders: "尚无工单。", "No work orders yet.";
    new_work_order: "新建工单", "New work order";
    urgent: "紧急", "Urgent";
    urgent_explained: "紧急：24小时内到场", "Urgent: on site within 24 hours";
    new_revision: "填写费用清单（新版本）", "Record the cost sheet (a new revision)";
    submit_cost_sheet: "提交已签字的费用清单", "Hand in the signed cost sheet";
    unread: "未读", "unread";
    queue_title: "待审核申请", "Claims waiting on the bureau";
    queue_empty: "没有符合条件的待办申请。", "No claims match.";
    counts_title: "各状态数量", "Claims by state";
    filter_state: "状态", "State";
    filter_building: "楼栋", "Building";
    filter_category: "保修类别", "Category";
    filter_due: "剩余天数不超过", "Due within days";
    any: "全部", "Any";
    apply_filters: "筛选", "Filter";
    col_claim: "申请", "Claim";
    col_state: "状态", "State";
    col_next: "下一步", "Next step";
    col_due: "期限", "Due";
    col_days_left: "剩余天数", "Days left";
    overdue_by: "已逾期（天）", "Overdue by (days)";
    legend_overdue: "已逾期", "Overdue";
    legend_due2: "2日内到期", "Due within 2 days";
    legend_due5: "5日内到期", "Due within 5 days";
    claims_in_all: "共计（件）", "Claims in all";
    no_deadline: "无期限", "No deadline";
    previous_page: "上一页", "Previous";
    next_page: "下一页", "Next";
    page_of: "第", "Page";
    pages: "分页", "Pages";
    claim_title: "维修申请卷宗", "Claim dossier";
    back_to_queue: "返回队列", "Back to the queue";
    applicant: "申请人", "Applicant";
    phone: "电话", "Phone";
    location: "部位", "Location";
    unit: "房屋", "Unit";
    category: "保修类别", "Category";
    warranty_until: "保修期至", "Warranty until";
    coverage: "保修依据", "Coverage";
    coverage_within: "报修日在保修期内（第十八条）。", "Reported within the warranty period (Art. 18).";
    coverage_outside: "报修日已超出保修期（第十八条）。", "Reported after the warranty period (Art. 18).";
    reported_on: "报修日期", "Reported on";
    filed_on: "申请日期", "Filed on";
    days_before_filing: "报修日早于申请日（天）", "Report date before filing (days)";
    description: "问题描述", "Description";
    kind: "申请类型", "Kind";
    repair_unit: "维修单位", "Repair unit";
    advanced_amount: "垫付金额", "Amount advanced";
    rejection: "驳回", "Rejection";
    deadlines: "法定期限", "Deadlines";
    clock: "期限", "Clock";
    due_on: "截止日", "Due on";
    met: "已完成", "Met";
    timeline: "经过", "Timeline";
    at: "时间", "At";
    who: "经办人", "By";
    step: "步骤", "Step";
    evidence: "证据", "Evidence";
    no_evidence: "尚无证据。", "No evidence yet.";
    exif: "拍摄信息（EXIF）", "EXIF";
    taken_at: "拍摄时间", "Taken at";
    place: "位置", "Place";
    flags: "提示", "Flags";
    open_preview: "查看大图", "Open preview";
    plans: "维修方案与预算", "Plans and budgets";
    budget: "预算", "Budget";
    decision: "决定", "Decision";
    cost_sheets: "维修费用清单", "Cost sheets";
    revision: "版本", "Revision";
    line_no: "序号", "No.";
    quantity: "数量", "Quantity";
    unit_price: "单价", "Unit price";
    amount: "金额", "Amount";
    variance: "与预算差额", "Against budget";
    total: "合计", "Total";
    approved_total: "核定金额", "Approved total";
    signature: "签字", "Signature";
    signed_by: "签字人", "Signed by";
    signed_account: "申请人本人在线签字", "Signed by the applicant on their own account";
    signed_in_person: "现场签字（技术人员见证）", "Signed in person, witnessed by the technician";
    witnessed_by: "见证人", "Witnessed by";
    unsigned: "未签字", "Not signed";
    disputed: "申请人对现场签字提出异议", "The applicant disputes the in-person signature";
    drawing_repeated: "注意：签名图像与此前版本的签名完全相同（可能系复制），版本：", "Warning: this signature drawing is byte for byte an earlier revision's (possibly copied), revision:";
    revision_hash: "版本哈希", "Revision hash";
    conflict: "冲突：另一版本基于同一上级版本，请比较后选择。", "Conflict: another revision has the same parent; compare them and choose.";
    conflicting_revisions: "冲突版本对照", "Conflicting revisions side by side";
    payout: "支付", "Payout";
    payee: "收款方", "Payee";
    pay_amount: "支付金额（核定总额）", "Amount to pay (the verified total)";
    paid_on: "支付日期", "Paid on";
    bank_reference: "银行流水号", "Bank reference";
    payee_applicant: "申请人", "The applicant";
    payee_repair_unit: "维修单位", "The repair unit";
    steps_title: "办理", "Take a step";
    no_steps: "当前状态下审核人员无需办理。", "Nothing for the bureau to do in this state.";
    note: "备注", "Note";
    reason: "理由", "Reason";
    submit: "提交", "Submit";
    ask_developer: "通知建设单位维修或答复", "Ask the developer to repair or answer";
    developer_silent: "记录建设单位逾期未答复", "Record that the developer did not answer";
    developer_unable: "记录建设单位无力维修", "Record that the developer cannot repair";
    evidence_file: "证明文件编号", "Evidence file id";
    developer_repaired: "记录建设单位已维修", "Record that the developer repaired";
    developer_defaulted: "记录建设单位承诺后未维修", "Record that the developer did not repair as promised";
    inspection: "记录检测机构结论", "Record the testing agency's finding";
    developer_liable: "建设单位负有保修责任", "The developer is liable";
    developer_not_liable: "建设单位不负保修责任", "The developer is not liable";
    report_file: "检测报告文件编号（可选）", "Report file id (optional)";
    approve: "同意使用保修金并指定维修单位", "Approve and designate a repair unit";
    reject: "驳回申请", "Reject the claim";
    decide_plan: "审核维修方案与预算", "Decide the plan and budget";
    approve_plan: "批准", "Approve";
    return_plan: "退回修改", "Return with comments";
    comment: "意见", "Comment";
    return_cost_sheet: "退回费用清单", "Return the cost sheet";
    verify: "逐项核定费用清单", "Verify the cost sheet line by line";
    line_approved: "核准", "Approve";
    line_cut: "核减", "Cut";
    line_rejected: "不予核准", "Reject";
    approved_amount: "核定金额（核减时填写）", "Approved amount (for a cut)";
    pay: "支付维修费用", "Pay";
    notify_developer: "向建设单位发出使用通知", "Send the developer the usage notice";
    stale_notice: "这份申请刚被他人更新，页面已刷新，请核对后重新办理。", "Someone else has just updated this claim; the page is reloaded. Check it and try again.";
    done_notice: "已办理。", "Done.";
    document_uploaded: "文件已上传，已填入下方需要证明文件的表单。", "The file is uploaded and filled into the forms below that need a document.";
    upload_document: "上传证明文件", "Upload a document";
    document: "文件（图片或 PDF）", "File (image or PDF)";
    upload: "上传", "Upload";
    fund_title: "保修金", "The fund";
    nav_insights: "质量分析", "Insights";
    buildings: "楼栋", "Buildings";
    balance: "余额", "Balance";
    journal: "账目", "Journal";
    export_csv: "导出 CSV", "Export CSV";
    yearly_statement: "年度公示", "Yearly statement";
    deposit_notice: "保修金交存通知", "Deposit notice";
    no_deposit_notice: "尚未发出交存通知。", "No deposit notice yet.";
    notified_on: "通知时间", "Notified at";
    objection_until: "异议期至", "Objection until";
    paid: "已交存", "Paid";
    outstanding: "未交存", "Outstanding";
    late_fees: "滞纳金", "Late fees";
    certificate: "交存证明", "Certificate";
    holds: "暂停退还", "Holds";
    opening_balance: "期初余额", "Opening balance";
    deposits: "交存", "Deposits";
    interest: "利息", "Interest";
    uses: "使用", "Uses";
    refunds: "退还", "Refunds";
    custody_until: "保管期至", "Kept until";
    on_hold: "暂停退还", "On hold";
    interest_runs: "计息", "Interest runs";
    no_interest_runs: "尚未计息。", "No interest posted yet.";
    run_interest: "按活期存款利率计息", "Post interest at the demand-deposit rate";
    interest_to: "止（不含当日）", "To (the day after the last)";
    from: "起", "From";
    to: "止", "To";
    entry_kind: "类型", "Kind";
    notifications_title: "通知", "Notifications";
    no_notifications: "暂无通知。", "No notifications.";
    mark_read: "标为已读", "Mark read";
    mark_all_read: "全部标为已读", "Mark all read";
    kept_file: "已上传的文件", "Uploaded file";
    remove_file: "移除", "Remove";
    remove_line: "删除此行", "Remove line";
    more_lines: "增加一行", "Add a line";
    admin_title: "系统管理", "Administration";
    owner_representatives: "业主代表", "Owners' representatives";
    fact_budget_total: "预算合计", "Budget total";
    fact_signed: "申请人已签字确认", "Signed by the applicant";
    fact_year: "年度", "Year";
    fact_closing_balance: "期末余额", "Closing balance";
    yes: "是", "Yes";
    saving: "节余", "Saved";
    defect_location: "缺陷部位", "Where in the building";
    defect_component: "缺陷构件", "Which component";
    severity: "严重程度", "How serious";
    severity_ordinary: "一般", "Ordinary";
    severity_serious: "严重：危及结构安全或主要使用功能", "Serious: structural safety or a vital function at stake";
    defect_coding: "缺陷编码", "Defect coding";
    defect_history: "同一部位同一缺陷的历史", "This defect at this place before";
    repaired_on: "完工日期", "Repaired";
    history_open: "处理中", "Open";
    history_done: "已办结", "Done";
    history_duplicate: "重复申请（合并计数）", "Duplicate (counted once)";
    register_entry: "反复维修登记", "Register entry";
    decide_entry: "认定反复维修登记", "Decide the register entry";
    entry_decision: "认定", "Decision";
    confirm_entry: "确认：仍影响正常使用，该分部工程保修金不予退还", "Confirm: it still impairs normal use; no refund of that part";
    dismiss_entry: "排除：已不影响正常使用", "Dismiss: it no longer impairs normal use";
    recode_title: "更正缺陷编码", "Correct the defect coding";
    not_coded: "尚未编码", "Not coded yet";
    duplicate_of: "与未办结的申请重复（同一缺陷，合并计数）", "Duplicates an open claim (the same defect, counted once)";
    repeat_of: "重复维修（同一缺陷在维修完成后180日内再次报修）", "Repeat repair (the same defect again within 180 days of its repair)";
    earlier_claim: "查看先前的申请", "The earlier claim";
    repair_cause: "缺陷原因", "Cause found";
    repair_solution: "处理方法", "What was done";
    repair_finding: "维修结论", "What the repair found";
    no: "否", "No";
    certificate_title: "物业质量保修金交存证明", "Deposit certificate";
    certificate_explained: "以下为系统登记的交存证明信息，可与纸质证明核对。", "What the system recorded for this certificate, to compare with the paper one.";
    certificate_valid: "有效", "Valid";
    certificate_invalid: "无效", "Not valid";
    paid_on_day: "交存日期", "Paid on";
    my_applications: "我提交的申请", "My applications";
    estate_claims: "本小区其他报修（跟进）", "Other claims in my estates (followed)";
    no_estate_claims: "本小区暂无其他报修。", "No other claims in your estates.";
    open_repairs: "维修任务（本单位被指定维修）", "Repairs (your unit was designated)";
    representative_names: "业主推选的代表姓名（共同申请时填写）", "Names of the owners' elected representatives (when applying with them)";
    representative_example: "例：王建国、刘秀英", "e.g. Wang Jianguo, Liu Xiuying";
    admin_accounts: "账户", "Accounts";
    admin_organisations: "机构", "Organisations";
    admin_estates: "小区与楼栋", "Estates and buildings";
    admin_outbox: "消息投递", "Deliveries";
    admin_audit: "审计日志", "Audit log";
    admin_display_name: "姓名", "Name";
    admin_role: "角色", "Role";
    admin_status: "状态", "Status";
    admin_active: "正常", "Active";
    admin_locked: "已锁定", "Locked";
    admin_new_account: "新建账户", "New account";
    admin_organisation: "所属机构", "Organisation";
    admin_first_password: "初始密码（至少10位）", "First password (10 characters or more)";
    admin_role_needs_org: "审核人员、建设单位、物业服务企业和维修技术人员须选择对应类型的机构；业主和系统管理员不选。", "Reviewers, developers, property managers and technicians belong to an organisation of their kind; owners and administrators to none.";
    admin_created: "创建时间", "Created";
    admin_reset_link: "密码重置链接", "Password-reset link";
    admin_reset_once: "请将此链接交给账户本人。链接只显示这一次，仅可使用一次，有效期至", "Hand this link to the account's holder. It is shown this once, works once, and lapses at";
    admin_reset_explained: "生成一次性链接，由账户本人设置新密码；此前的链接随即失效，设置后该账户所有登录会话结束。", "Issues a one-time link with which the holder sets a new password; any earlier link stops working, and setting it ends every session of the account.";
    admin_issue_reset: "生成重置链接", "Issue a reset link";
    admin_reset_issued: "已生成密码重置链接。", "A password-reset link was issued.";
    admin_lock: "锁定账户", "Lock the account";
    admin_change_role: "更改角色", "Change the role";
    admin_role_explained: "仅可更改不属于任何机构、未登记为业主的账户；更改后该账户须重新登录。", "Only an account in no organisation and owning no unit changes role; it then signs in again.";
    admin_unlock: "解除锁定", "Unlock the account";
    admin_lock_explained: "锁定后该账户无法登录，已登录的会话立即失效。", "A locked account cannot sign in, and its sessions end at once.";
    admin_unlock_explained: "解除锁定后可重新登录；此前的会话不会恢复。", "Unlocked, it may sign in again; its earlier sessions stay ended.";
    admin_memberships: "所属机构", "Memberships";
    admin_no_memberships: "未加入任何机构。", "No organisation.";
    admin_join: "加入机构", "Join an organisation";
    admin_leave: "退出", "Leave";
    admin_office: "本单位调度（可分派工单、查看同事被退回的同步记录）", "Of the office (assigns work orders, reads colleagues' refused sync records)";
    admin_name: "名称", "Name";
    admin_kind: "类型", "Kind";
    admin_jurisdiction: "辖区代码", "Jurisdiction";
    admin_jurisdiction_explained: "住房和城乡建设主管部门须填写六位行政区划代码。", "A housing bureau needs its six-digit area code.";
    admin_new_organisation: "新建机构", "New organisation";
    admin_members: "成员", "Members";
    admin_no_members: "尚无成员。", "No members yet.";
    admin_address: "地址", "Address";
    admin_property_manager: "物业服务企业", "Property manager";
    admin_new_estate: "新建小区", "New estate";
    admin_buildings: "楼栋", "Buildings";
    admin_class: "建筑类型", "Class";
    admin_construction_cost: "建安工程造价", "Construction cost";
    admin_design_life: "设计使用年限（年）", "Design life (years)";
    admin_handover: "交付日期", "Handed over";
    admin_new_building: "新建楼栋", "New building";
    admin_committee: "业主委员会", "Owners' committee";
    admin_no_committee: "尚未登记业主委员会。", "No owners' committee recorded.";
    admin_set_committee: "登记业主委员会", "Record the owners' committee";
    admin_committee_members: "委员（可多选）", "Members (choose several)";
    admin_units: "房屋", "Units";
    admin_floor: "楼层", "Floor";
    admin_new_unit: "新增房屋", "New unit";
    admin_add_owner: "登记业主", "Record an owner";
    admin_owner_account: "业主账户", "Owner's account";
    admin_webhook: "投递地址", "Delivered to";
    admin_webhook_unset: "未配置（消息只显示在系统内）", "Not configured (notifications stay in the feed)";
    admin_webhook_explained: "投递地址和密钥属于部署配置（BAOXIU_WEBHOOK_URL、BAOXIU_WEBHOOK_SECRET），不在页面上修改；失败多次的消息列在下方，可重新投递。", "The address and its secret are deployment settings (BAOXIU_WEBHOOK_URL, BAOXIU_WEBHOOK_SECRET), not changed here; deliveries that failed too often are listed below and may be sent again.";
    admin_backlog: "待投递", "Waiting";
    admin_dead_letters: "投递失败", "Dead letters";
    admin_no_dead_letters: "没有投递失败的消息。", "No dead letters.";
    admin_channel: "渠道", "Channel";
    admin_recipient: "接收方", "Recipient";
    admin_attempts: "尝试次数", "Attempts";
    admin_last_error: "最近错误", "Last error";
    admin_retry: "重新投递", "Send again";
    admin_from: "起始日期", "From";
    admin_to: "截止日期", "To";
    admin_show: "查询", "Show";
    admin_no_entries: "该期间没有记录。", "Nothing recorded in that period.";
    admin_when: "时间", "When";
    admin_step: "操作", "Step";
    admin_state_change: "状态变化", "State";
    admin_reset_title: "设置新密码", "Set a new password";
    admin_new_password: "新密码", "New password";
    admin_password_rule: "至少10位。设置后请用新密码登录。", "At least 10 characters. Then sign in with it.";
    admin_password_set: "新密码已设置，请登录。", "Your new password is set. Please sign in.";
    error_title: "无法完成", "Could not be done";
    not_found: "找不到该页面，或您无权查看。", "There is no such page, or you may not see it.";
    forbidden_page: "此页面仅供住房和城乡建设主管部门审核人员使用。", "This page is for housing-bureau reviewers.";
    }
}

/// The texts in `lang`.
pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::ZhCn => &ZH,
        Lang::En => &EN,
    }
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::ZhCn => zh,
        Lang::En => en,
    }
}

/// A claim state's name.
pub fn state_name(state: ClaimState, lang: Lang) -> &'static str {
    use ClaimState::*;
    let (zh, en) = match state {
        Filed => ("已申请", "Filed"),
        DeveloperAsked => ("待建设单位答复", "Developer asked"),
        DeveloperRepairing => ("建设单位维修中", "Developer repairing"),
        UnderInspection => ("检测中", "Under inspection"),
        AwaitingDecision => ("待决定", "Awaiting decision"),
        Approved => ("已同意", "Approved"),
        Rejected => ("已驳回", "Rejected"),
        PlanSubmitted => ("方案待审", "Plan submitted"),
        PlanReturned => ("方案退回", "Plan returned"),
        PlanApproved => ("方案已批", "Plan approved"),
        InRepair => ("维修中", "In repair"),
        CostSheetSubmitted => ("清单待核", "Cost sheet submitted"),
        Verified => ("已核定", "Verified"),
        Paid => ("已支付", "Paid"),
        DeveloperNotified => ("已通知建设单位", "Developer notified"),
        Closed => ("已结案", "Closed"),
    };
    pick(lang, zh, en)
}

pub fn location_name(location: PartLocation, lang: Lang) -> &'static str {
    match location {
        PartLocation::PrivatePart => pick(lang, "专有部位", "Private part"),
        PartLocation::CommonPart => pick(lang, "共用部位", "Common part"),
    }
}

pub fn kind_name(kind: ClaimKind, lang: Lang) -> &'static str {
    match kind {
        ClaimKind::Standard => pick(lang, "维修申请", "Standard claim"),
        ClaimKind::EmergencyAdvance => pick(lang, "紧急维修垫付报销", "Emergency advance"),
    }
}

pub fn waiting_on_name(on: WaitingOn, lang: Lang) -> &'static str {
    let (zh, en) = match on {
        WaitingOn::Bureau => ("主管部门", "The bureau"),
        WaitingOn::Developer => ("建设单位", "The developer"),
        WaitingOn::RepairUnit => ("维修单位", "The repair unit"),
        WaitingOn::Applicant => ("申请人", "The applicant"),
        WaitingOn::Nobody => ("无", "Nobody"),
    };
    pick(lang, zh, en)
}

pub fn reason_name(reason: RejectionReason, lang: Lang) -> &'static str {
    use RejectionReason::*;
    let (zh, en) = match reason {
        OutOfPeriod => ("超出保修期（第十八条）", "Outside the warranty period (Art. 18)"),
        Excluded => ("属于除外情形（第十九条）", "An exclusion (Art. 19)"),
        DeveloperRepairs => ("建设单位自行维修（第十七条）", "The developer repairs (Art. 17)"),
        NotDeveloperLiable => ("检测认定建设单位无责（第二十四条）", "Developer found not liable (Art. 24)"),
        IneligibleApplicant => ("申请人不符合条件（第二十条）", "Ineligible applicant (Art. 20)"),
        NotAnEmergency => ("不属于紧急情况（第二十五条）", "Not an emergency (Art. 25)"),
    };
    pick(lang, zh, en)
}

/// A cost-sheet or plan line's kind.
pub fn line_kind_name(kind: &str, lang: Lang) -> &'static str {
    let (zh, en) = match kind {
        "material" => ("材料", "Material"),
        "labour" => ("人工", "Labour"),
        "machinery" => ("机械", "Machinery"),
        _ => ("其他", "Other"),
    };
    pick(lang, zh, en)
}

/// A work order's status.
pub fn work_order_status_name(status: WorkOrderStatus, lang: Lang) -> &'static str {
    let (zh, en) = match status {
        WorkOrderStatus::Open => ("待派工", "Open"),
        WorkOrderStatus::Assigned => ("已派工", "Assigned"),
        WorkOrderStatus::Scheduled => ("已预约", "Scheduled"),
        WorkOrderStatus::InProgress => ("施工中", "In progress"),
        WorkOrderStatus::FollowUp => ("待再次上门", "Follow-up"),
        WorkOrderStatus::Completed => ("已完成", "Completed"),
    };
    pick(lang, zh, en)
}

pub fn role_name(role: Role, lang: Lang) -> &'static str {
    let (zh, en) = match role {
        Role::Admin => ("系统管理员", "Administrator"),
        Role::Reviewer => ("审核人员", "Reviewer"),
        Role::Developer => ("建设单位", "Developer"),
        Role::PropertyManager => ("物业服务企业", "Property manager"),
        Role::Owner => ("业主", "Owner"),
        Role::Technician => ("维修技术人员", "Technician"),
    };
    pick(lang, zh, en)
}

pub fn org_kind_name(kind: OrgKind, lang: Lang) -> &'static str {
    let (zh, en) = match kind {
        OrgKind::HousingBureau => ("住房和城乡建设主管部门", "Housing bureau"),
        OrgKind::Developer => ("建设单位", "Developer"),
        OrgKind::PropertyManager => ("物业服务企业", "Property manager"),
        OrgKind::RepairUnit => ("维修单位", "Repair unit"),
    };
    pick(lang, zh, en)
}

pub fn class_name(class: BuildingClass, lang: Lang) -> &'static str {
    let (zh, en) = match class {
        BuildingClass::LowRise => ("低层", "Low-rise"),
        BuildingClass::MultiStorey => ("多层", "Multi-storey"),
        BuildingClass::SmallHighRise => ("小高层", "Small high-rise"),
        BuildingClass::HighRise => ("高层", "High-rise"),
    };
    pick(lang, zh, en)
}

/// A decision on a plan or a cost-sheet line, as stored: `approved`, `returned`, `cut`, `rejected`.
pub fn decision_name(decision: &str, lang: Lang) -> &'static str {
    let (zh, en) = match decision {
        "approved" => ("核准", "Approved"),
        "returned" => ("退回", "Returned"),
        "cut" => ("核减", "Cut"),
        "rejected" => ("不予核准", "Rejected"),
        _ => ("其他", "Other"),
    };
    pick(lang, zh, en)
}

/// A payee, as a payout records it.
pub fn payee_name(payee: &str, lang: Lang) -> &'static str {
    match payee {
        "applicant" => pick(lang, "申请人", "The applicant"),
        _ => pick(lang, "维修单位", "The repair unit"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coverage::WarrantyCategory;

    #[test]
    fn each_language_set_speaks_only_its_language() {
        let cjk =
            |t: &str| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || "，。；：（）".contains(c));
        for (name, text) in EN.all() {
            // The switch to the other language names it in that language.
            assert!(name == "switch_language" || !cjk(text), "English {name}: {text}");
        }
        for (name, text) in ZH.all() {
            assert!(!text.contains("Art. "), "Chinese {name}: {text}");
        }
    }

    #[test]
    fn both_languages_name_every_state_and_category() {
        for lang in [Lang::ZhCn, Lang::En] {
            for s in ClaimState::ALL {
                assert!(!state_name(*s, lang).is_empty());
            }
            for c in WarrantyCategory::ALL {
                assert!(!category_name(*c, lang).is_empty());
            }
        }
        assert_ne!(state_name(ClaimState::Paid, Lang::ZhCn), state_name(ClaimState::Paid, Lang::En));
        assert_eq!(texts(Lang::En).lang, "en");
    }
}

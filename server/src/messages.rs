//! Every text a person reads, by stable code, in zh-CN and English, in one place.
//!
//! Handlers never build sentences: they name a [`Code`], and the API edge picks the text for the
//! caller's language (zh-CN unless the request prefers English).

use serde::Serialize;

mod names;

pub use names::{
    action_name, articles_in, category_name, clock_name, entry_kind_name, evidence_kind_name, flag_name,
    journal_reason, recorded_name, severity_name, yuan,
};

use crate::domain::lifecycle::RejectionReason;
use crate::domain::next_step::Step;

/// The language a message is shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// Simplified Chinese, the default.
    ZhCn,
    /// English.
    En,
}

impl Lang {
    /// The text in this language of a zh-CN and English pair.
    pub fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::ZhCn => zh,
            Lang::En => en,
        }
    }

    /// Picks the language from an `Accept-Language` header: English only when the first language
    /// the caller names is English; Chinese for everything else, since Baoxiu's users read Chinese.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let first = header
            .and_then(|h| h.split(',').next())
            .map(|tag| tag.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
        match first {
            Some(tag) if tag == "en" || tag.starts_with("en-") => Lang::En,
            _ => Lang::ZhCn,
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $status:literal, $zh:literal, $en:literal; )*) => {
        /// A stable, machine-readable reason, serialised as its snake_case name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, for tests and documentation.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The snake_case name that goes on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The HTTP status this code answers with.
            pub fn status(self) -> u16 {
                match self { $(Code::$variant => $status,)* }
            }

            /// The text a person reads.
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Code::$variant, Lang::ZhCn) => $zh, (Code::$variant, Lang::En) => $en,)*
                }
            }
        }
    };
}

codes! {
    /// The body is not valid JSON, or not the JSON this endpoint takes.
    MalformedJson = "malformed_json", 400, "请求内容不是有效的 JSON 或格式不符。", "The request body is not valid JSON or does not have the expected shape.";
    /// A field failed validation; `detail` names it.
    InvalidInput = "invalid_input", 400, "提交的内容有误，请检查后重试。", "Some of the submitted data is not valid.";
    /// An id in the path or body is not a well-formed id.
    InvalidId = "invalid_id", 400, "编号格式不正确。", "The id is not well formed.";
    /// The body is larger than this endpoint accepts.
    PayloadTooLarge = "payload_too_large", 413, "提交的内容过大。", "The request body is too large.";
    BodyTimeout = "body_timeout", 408, "提交内容传输过慢，已中断，请重试。", "The request body arrived too slowly and was cut off; try again.";
    /// The body is not `application/json`.
    UnsupportedMediaType = "unsupported_media_type", 415, "请以 JSON 格式提交。", "The request body must be JSON.";
    /// No access token was presented.
    Unauthenticated = "unauthenticated", 401, "请先登录。", "Please sign in first.";
    /// The access token is malformed, tampered with, signed with another key or algorithm, or meant for another service.
    InvalidToken = "invalid_token", 401, "登录凭证无效，请重新登录。", "The access token is not valid; please sign in again.";
    /// The access token has expired or is not yet valid.
    TokenExpired = "token_expired", 401, "登录已过期，请重新登录。", "Your session has expired; please sign in again.";
    /// The session behind the token was signed out or revoked, or the account was disabled.
    SessionRevoked = "session_revoked", 401, "登录已失效，请重新登录。", "This session has ended; please sign in again.";
    /// Wrong username or password.
    InvalidCredentials = "invalid_credentials", 401, "用户名或密码错误。", "Wrong username or password.";
    /// Too many failed sign-ins for this account or from this address.
    TooManyAttempts = "too_many_attempts", 429, "登录失败次数过多，请稍后再试。", "Too many failed sign-in attempts; please try again later.";
    RateLimited = "rate_limited", 429, "请求过于频繁，请稍后再试。", "Too many requests; please try again later.";
    /// The refresh token is unknown or expired.
    RefreshTokenInvalid = "refresh_token_invalid", 401, "续期凭证无效，请重新登录。", "The refresh token is not valid; please sign in again.";
    /// A refresh token was used twice: the whole session has been revoked.
    RefreshTokenReused = "refresh_token_reused", 401, "续期凭证被重复使用，为安全起见已注销该登录，请重新登录。", "A refresh token was used twice; the session has been ended for safety. Please sign in again.";
    /// The caller's role may not do this.
    Forbidden = "forbidden", 403, "您没有执行此操作的权限。", "You are not allowed to do this.";
    /// A web form arrived without this session's CSRF token (or the sign-in form without its own).
    CsrfRefused = "csrf_refused", 403, "表单已过期或来源不明，请刷新页面后重试。", "The form has expired or did not come from this site; reload the page and try again.";
    /// The reviewer tried to act outside their jurisdiction.
    OutsideJurisdiction = "outside_jurisdiction", 403, "该事项不在您的管辖范围内。", "This is outside your jurisdiction.";
    /// Nothing with that id exists that the caller may see.
    NotFound = "not_found", 404, "未找到该记录。", "Not found.";
    /// The route does not exist.
    NoSuchRoute = "no_such_route", 404, "请求的接口不存在。", "No such endpoint.";
    /// The method is not allowed on this route.
    MethodNotAllowed = "method_not_allowed", 405, "不支持该请求方式。", "Method not allowed.";
    /// The username is already taken.
    UsernameTaken = "username_taken", 409, "该用户名已被使用。", "That username is already taken.";
    /// An administrator may not lock their own account (nobody would be left to unlock it).
    OwnAccount = "own_account", 409, "不能锁定自己的账户或更改自己的角色。", "You cannot lock your own account or change your own role.";
    /// An account still acting in its role (a member of an organisation, a unit's owner) keeps it.
    RoleInUse = "role_in_use", 409, "该账户仍属于机构或登记为房屋业主，请先解除后再更改角色。", "The account still belongs to an organisation or owns a unit; end those first, then change its role.";
    /// A password-reset link that was used, lapsed or replaced by a newer one.
    ResetLinkSpent = "reset_link_spent", 410, "该重置链接已使用或已过期，请联系管理员重新发送。", "This reset link was used or has lapsed; ask an administrator for a new one.";
    /// A record with the same natural key already exists.
    AlreadyExists = "already_exists", 409, "该记录已存在。", "That record already exists.";
    /// The device id is enrolled already, perhaps to another account.
    DeviceAlreadyEnrolled = "device_already_enrolled", 409, "该设备已登记。", "That device is already enrolled.";
    /// The device public key is not a valid Ed25519 key.
    InvalidDeviceKey = "invalid_device_key", 400, "设备公钥无效。", "The device public key is not a valid Ed25519 key.";
    /// Someone changed the record first; `detail` carries the current version.
    StaleVersion = "stale_version", 409, "该记录已被他人修改，请刷新后重试。", "Someone else changed this first; reload and try again.";
    /// The claim cannot take this step in its present state; `detail` names the article.
    StepOutOfOrder = "step_out_of_order", 409, "当前办理环节不允许此操作。", "This step is not possible at the claim's present stage.";
    /// This role may not take this step; `detail` names the article.
    StepNotForRole = "step_not_for_role", 403, "您的身份不能办理此环节。", "Your role may not take this step.";
    /// The developer's reply period has not passed; it is not silent yet (Art. 17).
    ReplyPeriodRunning = "reply_period_running", 409, "开发企业的答复期限尚未届满，期满后方可认定其未答复；如企业已注销或破产，请办理“无法履行”。", "The developer's reply period has not passed; silence can be recorded only after it. If the developer has closed down or gone bankrupt, record that instead.";
    /// The cost sheet lacks the applicant's signature (Art. 22).
    CostSheetUnsigned = "cost_sheet_unsigned", 409, "费用清单须经申请人签章确认。", "The cost sheet must be signed by the applicant.";
    /// An emergency claim needs its evidence and the signed cost sheet (Art. 25).
    EmergencyEvidenceRequired = "emergency_evidence_required", 422, "紧急抢修垫资申请须附证据和经签章确认的费用清单。", "An emergency repair claim needs its evidence and the signed cost sheet.";
    /// The defect is outside the warranty period (Art. 18).
    OutOfWarranty = "out_of_warranty", 422, "该问题已超出保修期。", "The defect is outside the warranty period.";
    /// The building had not been handed over when the defect was reported (Art. 18).
    BeforeHandover = "before_handover", 422, "房屋尚未交付，保修期未开始。", "The building has not been handed over; no warranty period has begun.";
    /// No warranty period for this item was agreed in the sales contract (Art. 18).
    NoPeriodAgreed = "no_period_agreed", 422, "该项目的保修期限未在合同中约定。", "No warranty period for this item was agreed in the sales contract.";
    /// The report date lies long before the filing and no evidence shows it (Art. 18); `detail`
    /// is how many days before.
    ReportDateNeedsEvidence = "report_date_needs_evidence", 422, "申报的报修日期早于提交日期过久，请附上能证明当时已报修的材料（书面报修记录、带日期的照片等）。", "The report date is long before the filing; attach something that shows the defect was reported then (a written report, a dated photo).";
    /// The applicant may not apply for this part (Art. 20).
    IneligibleApplicant = "ineligible_applicant", 422, "您不能就该部位提出保修金使用申请。", "You may not apply for this part of the building.";
    /// The advanced amount does not equal the cost sheet's total.
    AdvancedAmountMismatch = "advanced_amount_mismatch", 422, "垫资金额与费用清单合计不一致。", "The advanced amount does not match the cost sheet's total.";
    /// The 7-day objection period has passed (Art. 11).
    ObjectionPeriodOver = "objection_period_over", 409, "异议期（7日）已过。", "The 7-day objection period has passed.";
    /// A payment larger than what is still owed.
    PaymentExceedsOutstanding = "payment_exceeds_outstanding", 422, "缴款金额超过应缴未缴金额。", "The payment is more than what is still owed.";
    /// The fund's balance cannot cover the payout; `detail` is the shortfall, recorded against the developer.
    InsufficientBalance = "insufficient_balance", 409, "保修金余额不足，差额已记录在开发企业名下。", "The fund's balance cannot cover this; the shortfall has been recorded against the developer.";
    /// An interest run overlapping a period already posted (Art. 27).
    InterestPeriodOverlaps = "interest_period_overlaps", 409, "该期间的利息已部分计提，不能重复计息。", "Interest for part of this period has already been posted.";
    /// The category's warranty has not expired; `detail` is when its refund falls due (Art. 29).
    RefundNotDue = "refund_not_due", 409, "该分部工程保修期尚未届满，不能退还。", "The warranty for this part has not expired yet.";
    /// A hold for an unresolved serious defect blocks the refund (Art. 30).
    RefundOnHold = "refund_on_hold", 409, "存在尚未修复的严重质量问题，保修金暂不退还。", "A serious defect is unresolved; the refund is on hold.";
    /// An open or confirmed entry of the building's Art. 30 register refuses the refund (Art. 29-30).
    RecurringDefectRegistered = "recurring_defect_registered", 409, "该楼栋此分部工程在第三十条登记簿中有反复维修的质量问题尚未排除，保修金不予退还。", "This part of the building has an open or confirmed entry in the Art. 30 register (a defect repaired again and again); the refund is refused until the bureau dismisses it.";
    /// Nothing is left to refund in this category.
    NothingToRefund = "nothing_to_refund", 409, "该项保修金已无余额可退。", "Nothing is left to refund.";
    /// The account still has open work orders in the organisation it would leave; `detail` is how many.
    MemberHasOpenWorkOrders = "member_has_open_work_orders", 409, "该人员在本单位仍有未完成的工单，请先改派后再移除。", "This person still has open work orders here; reassign them before removing them.";
    /// The sync protocol version is not accepted; `detail` is the accepted range.
    UnsupportedProtocolVersion = "unsupported_protocol_version", 400, "应用版本过旧，请升级后再同步。", "This app's sync protocol version is not accepted; please update the app.";
    /// A mutation number is missing; `detail` is the number expected next.
    SequenceGap = "sequence_gap", 409, "同步记录不连续，请从指定序号重新同步。", "Sync records are out of sequence; resend from the number given.";
    /// A mutation number was reused with different content; `detail` is the number.
    IdempotencyConflict = "idempotency_conflict", 409, "同一序号的记录内容不一致，已拒绝。", "A record number was reused with different content.";
    /// Two cost-sheet revisions were made from the same parent; someone must choose by adding a
    /// revision before either can be signed.
    CostSheetConflict = "cost_sheet_conflict", 409, "同一版本下出现了两份修改后的费用清单，请先确认采用哪一份并重新提交。", "Two revisions were made from the same cost sheet; choose one by adding a revision before signing.";
    /// The signature drawing's bytes are already on this claim (`detail`: the revision that has
    /// them): a signature is drawn anew for the sheet it signs.
    SignatureReused = "signature_reused", 422, "该签名图像已用于本申请的费用清单，不能重复使用，请当场重新签名。", "This signature drawing is already on this claim's cost sheets and cannot be used again; sign anew.";
    /// The upload id is unknown, or not the caller's.
    UploadNotFound = "upload_not_found", 404, "上传任务不存在。", "No such upload.";
    /// The upload was abandoned too long and has been removed; start again.
    UploadExpired = "upload_expired", 410, "上传任务已过期，请重新上传。", "This upload has expired; please start again.";
    /// The chunk does not start where the upload stands; `detail` is the current offset.
    UploadOffsetMismatch = "upload_offset_mismatch", 409, "上传位置不一致，请查询当前进度后续传。", "The chunk does not start at the upload's current offset; ask for the offset and resume.";
    /// Another request is writing to this upload.
    UploadBusy = "upload_busy", 423, "该文件正在上传中，请稍后重试。", "This upload is being written by another request; try again shortly.";
    /// The connection dropped mid-upload; what arrived is kept for resuming.
    UploadInterrupted = "upload_interrupted", 400, "上传连接中断，请查询进度后续传。", "The connection dropped during the upload; ask for the offset and resume.";
    /// More bytes than the upload declared.
    UploadExceedsLength = "upload_exceeds_length", 413, "上传的数据超过了声明的文件大小。", "More bytes were sent than the upload declared.";
    /// The chunk's checksum does not match; the chunk was discarded.
    ChecksumMismatch = "checksum_mismatch", 460, "数据校验失败，该段已丢弃，请重传。", "The chunk's checksum does not match; it was discarded, please resend it.";
    /// Only `sha256` checksums are accepted.
    ChecksumAlgorithmUnsupported = "checksum_algorithm_unsupported", 400, "仅支持 sha256 校验。", "Only sha256 checksums are supported.";
    /// The request does not speak tus 1.0.0.
    TusVersionUnsupported = "tus_version_unsupported", 412, "上传协议版本不受支持（需 tus 1.0.0）。", "Unsupported upload protocol version; tus 1.0.0 is required.";
    /// The complete file's SHA-256 is not the one declared; nothing was stored.
    HashMismatch = "hash_mismatch", 422, "文件校验值与声明不符，未保存，请重新上传。", "The file's SHA-256 does not match the one declared; nothing was stored.";
    /// The file is larger than allowed; `detail` is the limit in bytes.
    FileTooLarge = "file_too_large", 413, "文件超过大小上限。", "The file is larger than allowed.";
    /// The claim's evidence quota would be exceeded; `detail` is the quota in bytes.
    UserQuotaExceeded = "user_quota_exceeded", 413, "您上传但尚未用于任何申请的文件已达容量上限，请先使用或等待过期。", "Your uploaded files not yet used by any claim have reached their quota.";
    ClaimQuotaExceeded = "claim_quota_exceeded", 422, "该申请的证据文件已达容量上限。", "This claim's evidence quota would be exceeded.";
    /// Not a JPEG, PNG, WebP or PDF, whatever its name says; `detail` is what the bytes are.
    UnsupportedFileType = "unsupported_file_type", 415, "仅接受 JPEG、PNG、WebP 图片和 PDF 文件。", "Only JPEG, PNG and WebP photos and PDF documents are accepted.";
    /// HEIC photos cannot be decoded here.
    HeicNotAccepted = "heic_not_accepted", 415, "暂不支持 HEIC 格式，请在相机设置中选择“兼容性最佳”或转换为 JPEG 后上传。", "HEIC photos are not accepted; set the camera to 'Most Compatible' or convert to JPEG.";
    /// The image is larger than the limits (or a decompression bomb); `detail` is its size.
    ImageTooLarge = "image_too_large", 422, "图片尺寸超过上限。", "The image's dimensions exceed the limit.";
    /// The file is truncated or corrupt.
    CorruptFile = "corrupt_file", 422, "文件已损坏或不完整，请重新上传。", "The file is truncated or corrupt; please upload it again.";
    /// No file with this id was uploaded by the caller; `detail` is the id.
    FileNotFound = "file_not_found", 422, "找不到您上传的该文件，请先上传。", "No file with this id was uploaded by you; upload it first.";
    /// The thumbnail or preview is still being made.
    PreviewNotReady = "preview_not_ready", 404, "缩略图正在生成，请稍后再试。", "The thumbnail or preview is still being made; try again shortly.";
    /// The link is expired or its signature is wrong.
    LinkInvalid = "link_invalid", 403, "链接已失效，请刷新页面。", "This link has expired or is not valid; reload the page.";
    /// The database is busy or unreachable; try again.
    ServiceUnavailable = "service_unavailable", 503, "服务暂时繁忙，请稍后重试。", "The service is busy; please try again shortly.";
    /// Something went wrong on our side; it has been logged.
    Internal = "internal", 500, "服务器内部错误，已记录，请稍后重试。", "Something went wrong on our side; it has been logged.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_translated() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {}", code.as_str());
            assert!(code.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
            assert!(!code.text(Lang::ZhCn).is_empty() && !code.text(Lang::En).is_empty());
            assert!((400..600).contains(&code.status()));
        }
    }

    #[test]
    fn every_hint_has_both_texts() {
        for hint in Hint::ALL {
            assert!(!hint.text(Lang::ZhCn).is_empty() && hint.text(Lang::En).is_ascii());
        }
    }

    #[test]
    fn language_follows_the_first_preference() {
        assert_eq!(Lang::from_accept_language(None), Lang::ZhCn);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("zh-CN,en;q=0.5")), Lang::ZhCn);
        assert_eq!(Lang::from_accept_language(Some("EN")), Lang::En);
    }
}

macro_rules! notices {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $zh:literal, $en:literal; )*) => {
        /// What a notification tells its reader; texts in zh-CN and English.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Notice {
            $( $(#[$doc])* $variant, )*
        }

        impl Notice {
            /// Every notice.
            pub const ALL: &'static [Notice] = &[$(Notice::$variant),*];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self { $(Notice::$variant => $code,)* }
            }

            /// Parses a stored name.
            pub fn parse(name: &str) -> Option<Notice> {
                match name { $($code => Some(Notice::$variant),)* _ => None }
            }

            /// The text a person reads.
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Notice::$variant, Lang::ZhCn) => $zh, (Notice::$variant, Lang::En) => $en,)*
                }
            }
        }
    };
}

notices! {
    /// The bureau asks the developer to answer a claim (Art. 17, 21).
    DeveloperAsked = "developer_asked", "住建部门请贵司就一项保修金使用申请作出答复。", "The bureau asks you to answer a warranty-fund claim.";
    /// The bureau designated this repair unit for a claim (Art. 21).
    RepairUnitDesignated = "repair_unit_designated", "贵单位被指定承担一项保修维修，请编制维修方案及预算。", "Your unit was designated to repair; please prepare a plan and budget.";
    /// The plan and budget were approved (Art. 22).
    PlanApproved = "plan_approved", "维修方案及资金预算已获批准，可以组织维修。", "The repair plan and budget were approved; work may start.";
    /// The plan came back with comments (Art. 22).
    PlanReturned = "plan_returned", "维修方案被退回，请查看审查意见后修改。", "The repair plan was returned with comments.";
    /// A work order was assigned to this technician.
    WorkOrderAssigned = "work_order_assigned", "您有新的维修工单。", "A work order has been assigned to you.";
    /// A cost sheet awaits the applicant's signature (Art. 22).
    SignatureRequested = "signature_requested", "请核对并签章确认维修工程费用清单。", "Please review and sign the repair cost sheet.";
    /// A technician recorded the applicant's signature in person on a phone (Art. 22): the
    /// applicant is told at once and may dispute it.
    SignedInPerson = "signed_in_person", "维修人员在现场记录了您对维修工程费用清单的签章确认。如非本人签署，请在住建部门审核前提出异议。", "A technician recorded your signature on the repair cost sheet on site. If you did not sign, dispute it before the bureau verifies.";
    /// The applicant disputed a signature the technician recorded in person (Art. 22).
    SignatureDisputed = "signature_disputed", "申请人对现场记录的签章确认提出异议，费用清单已退回，请重新取得签章。", "The applicant disputed the signature recorded on site; the cost sheet is back with you for a new signature.";
    /// A claim was filed in the reviewer's jurisdiction (Art. 20-21).
    ClaimFiled = "claim_filed", "辖区内有一项新的保修金使用申请，请审核。", "A new warranty-fund claim was filed in your jurisdiction.";
    /// The bureau asked the developer to repair or answer; the applicant is told (Art. 21).
    BureauAskedDeveloper = "bureau_asked_developer", "住建部门已受理您的申请，并已函告开发企业限期维修或答复。", "The bureau has taken up your claim and asked the developer to repair or answer.";
    /// The developer undertook to repair by a date (Art. 17).
    DeveloperWillRepair = "developer_will_repair", "开发企业已承诺在期限内自行维修。", "The developer has promised to repair by a date.";
    /// The developer disputes liability; a testing agency inspects (Art. 24).
    DeveloperDisputed = "developer_disputed", "开发企业对质量责任提出异议，将由质量检测机构鉴定。", "The developer disputes liability; a testing agency will inspect.";
    /// The bureau recorded the developer's silence after its reply date (Art. 17).
    DeveloperSilentRecorded = "developer_silent_recorded", "开发企业逾期未答复，住建部门将决定是否使用保修金维修。", "The developer did not answer in time; the bureau will decide on using the fund.";
    /// The bureau recorded that the developer cannot repair (Art. 17).
    DeveloperUnableRecorded = "developer_unable_recorded", "开发企业已无法履行保修责任（注销或破产），住建部门将决定是否使用保修金维修。", "The developer cannot repair (closed down or bankrupt); the bureau will decide on using the fund.";
    /// The developer let its reply or promised repair date pass; the claim is back with the bureau (Art. 17).
    DeveloperOverdue = "developer_overdue", "开发企业逾期未答复或未按承诺维修，该申请已转回住建部门办理。", "The developer missed its reply or promised repair date; the claim is back with the bureau.";
    /// The developer repaired; the claim closes without the fund (Art. 17).
    ClaimClosed = "claim_closed", "开发企业已完成维修，本申请办结，不使用保修金。", "The developer repaired; the claim is closed without using the fund.";
    /// The developer promised to repair but did not (Art. 17).
    DeveloperDefaulted = "developer_defaulted", "开发企业未按承诺维修，住建部门将决定是否使用保修金维修。", "The developer did not repair as promised; the bureau will decide on using the fund.";
    /// The developer filed the testing agency's report (Art. 24).
    InspectionReportFiled = "inspection_report_filed", "开发企业已提交质量检测报告，请登记鉴定结论。", "The developer filed the testing agency's report; record its finding.";
    /// The testing agency found the developer liable (Art. 24).
    InspectionFound = "inspection_found", "质量检测机构鉴定开发企业应承担责任，住建部门将决定是否使用保修金。", "The testing agency found the developer liable; the bureau will decide on using the fund.";
    /// The bureau decided to use the fund (Art. 21).
    ClaimApproved = "claim_approved", "住建部门已同意使用保修金维修。", "The bureau approved using the fund for the repair.";
    /// The bureau refused the claim; the reason is on the claim (Art. 17-25).
    ClaimRejected = "claim_rejected", "您的保修金使用申请未获同意，请查看决定及理由。", "Your claim was not approved; see the decision and its reason.";
    /// The repair unit submitted its plan and budget (Art. 22).
    PlanSubmitted = "plan_submitted", "维修单位已提交维修方案及资金预算，请审核。", "The repair unit submitted its plan and budget for review.";
    /// The repair has started (Art. 22).
    RepairStarted = "repair_started", "维修已开工，维修人员将与您约定上门时间。", "The repair has started; a technician will book a visit with you.";
    /// A signed cost sheet reached the bureau: the 20-day payout clock runs (Art. 23).
    CostSheetSubmitted = "cost_sheet_submitted", "维修单位已提交经签章确认的费用清单，请在20日内审核支付。", "A signed cost sheet was submitted; verify and pay within 20 days.";
    /// The bureau sent the cost sheet back.
    CostSheetReturned = "cost_sheet_returned", "费用清单被退回，请按审核意见修改后重新取得签章并提交。", "The cost sheet came back; revise it, have it signed again and resubmit.";
    /// The bureau verified the cost sheet in full (Art. 23).
    CostSheetVerified = "cost_sheet_verified", "费用清单已审核通过，等待支付。", "The cost sheet was verified in full; payment follows.";
    /// The bureau verified the cost sheet with cuts (Art. 23): each cut has its reason.
    CostSheetVerifiedWithCuts = "cost_sheet_verified_with_cuts", "费用清单已审核，部分项目被核减，请查看各项核减理由。", "The cost sheet was verified with cuts; see the reason for each.";
    /// The fund paid the repair unit (Art. 23).
    PaidToRepairUnit = "paid_to_repair_unit", "保修金已向贵单位支付维修费用。", "The fund has paid your unit for the repair.";
    /// The bureau told the developer what the fund paid (Art. 26).
    UsageNotice = "usage_notice", "住建部门告知：贵司交存的保修金已用于一项维修，详见使用情况通知。", "The bureau informs you that your warranty fund paid for a repair; see the usage notice.";
    /// The claim was paid; the applicant is invited to rate the repair.
    ClaimPaid = "claim_paid", "保修金已支付。欢迎对本次维修进行回访评价。", "The claim has been paid. Please rate the repair.";
    /// The bureau notified the developer of a building's deposit (Art. 10).
    DepositNotified = "deposit_notified", "住建部门已函告一幢楼的保修金交存标准和数额，如有异议请于7日内申请复核。", "The bureau has notified a building's deposit; you may object within 7 days.";
    /// A building's fund nears or passes the 5-year custody limit with money left (Art. 27).
    CustodyLimit = "custody_limit", "一幢楼的保修金存储即将或已经满5年，请按规定办理退还。", "A building's fund nears or passes the 5-year custody limit; arrange its refund.";
    /// A repair made a defect an Art. 30 candidate: an entry opened in the building's register.
    RegisterEntryOpened = "register_entry_opened", "同一质量问题反复维修，已列入该楼栋第三十条登记簿，待住建部门认定；认定前该分部工程保修金不予退还。", "A defect repaired again and again entered the building's Art. 30 register; until the bureau decides, that part's refund is refused.";
    /// The bureau confirmed or dismissed an entry of the Art. 30 register.
    RegisterEntryDecided = "register_entry_decided", "住建部门已对第三十条登记簿中的一项反复维修问题作出认定，请查看理由。", "The bureau decided an entry of the Art. 30 register; see its reason.";
    /// The day's new early warnings of recurring defects, one digest a day.
    DefectWarnings = "defect_warnings", "有新的质量问题预警（本月、本季或本年度反复出现），请查看并处理。", "New early warnings of recurring defects (this month, quarter or year); please review them.";
    /// The developer closed a warning with its cause and measures.
    DefectWarningClosed = "defect_warning_closed", "开发企业已就一项质量问题预警说明原因及整改措施。", "The developer closed an early warning with its cause and measures.";
    /// A legal deadline falls due within five days.
    DeadlineIn5Days = "deadline_in_5_days", "一项法定办理期限将在5日内到期。", "A legal deadline falls due within 5 days.";
    /// A legal deadline falls due within two days.
    DeadlineIn2Days = "deadline_in_2_days", "一项法定办理期限将在2日内到期，请尽快办理。", "A legal deadline falls due within 2 days.";
    /// A legal deadline has passed.
    DeadlineOverdue = "deadline_overdue", "一项法定办理期限已逾期。", "A legal deadline is overdue.";
}

/// What a person is told of a claim's next step (`domain::next_step`): the text for the one who
/// acts, and the text for those who wait on them.
pub fn step_text(step: Step, acting: bool, lang: Lang) -> &'static str {
    let (act_zh, act_en, wait_zh, wait_en) = match step {
        Step::AskDeveloper => (
            "请核实申请并函告开发企业限期维修或答复；如开发企业已注销或破产，可直接认定其无法履行。",
            "Check the claim and ask the developer to repair or answer; if it has closed down or gone bankrupt, record that at once.",
            "等待住建部门审核申请并函告开发企业。",
            "Waiting for the bureau to review the claim and ask the developer.",
        ),
        Step::ReplyToBureau => (
            "请在答复期限内答复住建部门：自行维修，或对责任提出异议并委托检测机构。",
            "Answer the bureau by the reply date: repair it yourself, or dispute liability with a testing agency.",
            "等待开发企业在答复期限内答复。",
            "Waiting for the developer to answer by its reply date.",
        ),
        Step::RecordDeveloperSilence => (
            "开发企业答复期限已过仍未答复，请认定其未答复并决定是否使用保修金。",
            "The developer let its reply date pass; record its silence and decide on the fund.",
            "开发企业逾期未答复，等待住建部门认定。",
            "The developer did not answer in time; waiting for the bureau to record it.",
        ),
        Step::RepairAsPromised => (
            "请在承诺的期限内完成维修。",
            "Complete the repair by the date you promised.",
            "开发企业已承诺维修，等待其在承诺期限内完成。",
            "The developer promised to repair; waiting for it to finish by the promised date.",
        ),
        Step::RecordDeveloperRepair => (
            "开发企业承诺的维修期限已过，请向申请人核实：已修复则办结，未修复则认定其未履行。",
            "The developer's promised date has passed: confirm with the applicant and record the repair or the default.",
            "开发企业承诺的维修期限已过，等待住建部门核实。",
            "The developer's promised date has passed; waiting for the bureau to check.",
        ),
        Step::RecordInspection => (
            "请在期限内登记质量检测机构的鉴定结论并上传报告。",
            "Record the testing agency's finding, with its report, by the due date.",
            "开发企业对责任有异议，等待检测鉴定结论。",
            "The developer disputes liability; waiting for the testing agency's finding.",
        ),
        Step::Decide => (
            "请作出决定：同意使用保修金并指定维修单位，或说明理由不予同意。",
            "Decide: approve the fund with a repair unit, or reject with a reason.",
            "等待住建部门作出是否使用保修金的决定。",
            "Waiting for the bureau to decide on the fund.",
        ),
        Step::SubmitPlan => (
            "请编制维修方案及资金预算并提交审核。",
            "Prepare the repair plan and budget and submit them.",
            "等待维修单位提交维修方案及资金预算。",
            "Waiting for the repair unit's plan and budget.",
        ),
        Step::ReviewPlan => (
            "请审核维修方案及资金预算：批准，或提出意见退回。",
            "Review the repair plan and budget: approve, or return them with comments.",
            "等待住建部门审核维修方案及资金预算。",
            "Waiting for the bureau to review the plan and budget.",
        ),
        Step::StartRepair => (
            "维修方案已获批准，请组织开工维修。",
            "The plan is approved; start the repair.",
            "等待维修单位开工。",
            "Waiting for the repair unit to start.",
        ),
        Step::CreateWorkOrder => (
            "请创建维修工单并派给维修人员，约定上门时间。",
            "Create a work order, assign a technician and book the visit.",
            "等待维修单位派工。",
            "Waiting for the repair unit to send a technician.",
        ),
        Step::RecordCostSheet => (
            "请按实际完成的工程填写维修工程费用清单。",
            "Record the cost sheet of the work done.",
            "等待维修单位填写维修工程费用清单。",
            "Waiting for the repair unit's cost sheet.",
        ),
        Step::SignCostSheet => (
            "请核对维修工程费用清单的每一项并签章确认。",
            "Check every line of the repair cost sheet and sign it.",
            "等待申请人核对并签章确认费用清单。",
            "Waiting for the applicant to check and sign the cost sheet.",
        ),
        Step::SubmitCostSheet => (
            "费用清单已签章确认，请提交住建部门审核。",
            "The cost sheet is signed; submit it to the bureau.",
            "等待维修单位提交已签章的费用清单。",
            "Waiting for the repair unit to submit the signed cost sheet.",
        ),
        Step::VerifyCostSheet => (
            "请逐项审核费用清单（核准、核减并说明理由或不予核准），或退回修改；须在20日内支付。",
            "Verify the cost sheet line by line (approve, cut with a reason, or reject), or return it; payment is due within 20 days.",
            "等待住建部门审核费用清单。",
            "Waiting for the bureau to verify the cost sheet.",
        ),
        Step::VerifyReimbursement => (
            "紧急抢修垫资报销：请核对现场证据、收据和申请人签章的费用清单，逐项核准或核减（第二十五条）；须在20日内支付。",
            "Emergency reimbursement: check the evidence, the receipts and the sheet the applicant signed, line by line (Art. 25); payment is due within 20 days.",
            "等待住建部门审核紧急抢修垫资报销。",
            "Waiting for the bureau to verify the emergency reimbursement.",
        ),
        Step::Reimburse => (
            "请按核准金额向垫资的申请人支付（第二十五条），并登记支付日期和银行流水号。",
            "Repay the applicant who advanced the repair the approved amount (Art. 25), recording the date and bank reference.",
            "等待住建部门向垫资的申请人支付。",
            "Waiting for the bureau to repay the applicant's advance.",
        ),
        Step::Pay => (
            "请按核准金额支付并登记支付日期和银行流水号。",
            "Pay the approved amount and record the payment date and bank reference.",
            "等待住建部门支付。",
            "Waiting for the bureau to pay.",
        ),
        Step::NotifyDeveloper => (
            "请在结算后30日内将保修金使用情况书面告知开发企业。",
            "Tell the developer in writing what the fund paid, within 30 days of settlement.",
            "等待住建部门告知开发企业保修金使用情况。",
            "Waiting for the bureau to tell the developer what was paid.",
        ),
        Step::RateRepair => (
            "维修已完成并支付，请对服务态度、维修质量和问题解决情况进行评价。",
            "The repair is done and paid; please rate the attitude, the quality and the result.",
            "等待申请人回访评价。",
            "Waiting for the applicant's rating.",
        ),
        Step::ReadDecision => (
            "申请未获同意，请查看决定及理由；如有新的证据，可补充后重新申请。",
            "The claim was not approved; read the decision and its reason. With new evidence you may file again.",
            "申请未获同意。",
            "The claim was not approved.",
        ),
    };
    match (acting, lang) {
        (true, Lang::ZhCn) => act_zh,
        (true, Lang::En) => act_en,
        (false, Lang::ZhCn) => wait_zh,
        (false, Lang::En) => wait_en,
    }
}

/// What a person is told of a finished claim.
pub fn done_text(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhCn => "本申请已办结。",
        Lang::En => "This claim is finished.",
    }
}

/// A rejection's reason in words (the reason code names its article).
pub fn rejection_text(reason: RejectionReason, lang: Lang) -> &'static str {
    let (zh, en) = match reason {
        RejectionReason::OutOfPeriod => ("报修时该部位已超出保修期（第十八条）。", "The defect was reported after the warranty period ended (Art. 18)."),
        RejectionReason::Excluded => (
            "属于不予保修的情形：使用不当、擅自改动结构或设备、装修不当、非开发企业建设的专业设施或不可抗力（第十九条）。",
            "Not covered: misuse, unauthorised alteration, improper decoration, facilities the developer did not build, or force majeure (Art. 19).",
        ),
        RejectionReason::DeveloperRepairs => ("开发企业负责维修，不使用保修金（第十七条）。", "The developer repairs, so the fund is not used (Art. 17)."),
        RejectionReason::NotDeveloperLiable => (
            "质量检测机构鉴定开发企业不承担责任，见鉴定结论（第二十四条）。",
            "The testing agency found the developer not liable; see its finding (Art. 24).",
        ),
        RejectionReason::IneligibleApplicant => (
            "申请人无权就该部位申请：专有部位由业主本人申请，共用部位由物业服务企业或业主委员会申请（第二十条）。",
            "The applicant may not apply for this part: an owner for their own unit, the property manager or owners' committee for common parts (Art. 20).",
        ),
        RejectionReason::NotAnEmergency => (
            "不属于危及结构安全或基本使用功能的紧急情况，或证据不足（第二十五条）。",
            "Not an emergency of structural safety or a vital function, or the evidence does not show it (Art. 25).",
        ),
    };
    if lang == Lang::En {
        en
    } else {
        zh
    }
}

macro_rules! hints {
    ($( $(#[$doc:meta])* $variant:ident, $zh:literal, $en:literal; )*) => {
        /// What would make a refused request pass, told to a person.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Hint {
            $( $(#[$doc])* $variant, )*
        }

        impl Hint {
            /// Every hint.
            pub const ALL: &'static [Hint] = &[$(Hint::$variant),*];

            /// The text a person reads.
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Hint::$variant, Lang::ZhCn) => $zh, (Hint::$variant, Lang::En) => $en,)*
                }
            }
        }
    };
}

hints! {
    /// A step the claim cannot take in its state.
    TakeAnAllowedStep, "该申请当前只能办理“allowed”所列环节，请先完成这些环节。", "The claim can only take the steps listed in `allowed` now; take one of those first.";
    /// A step for another role.
    StepIsAnothers, "此环节由其他办理方负责，请查看申请的“下一步”。", "Another party takes this step; see the claim's next step.";
    /// The cost sheet must be signed first (Art. 22).
    SignFirst, "请申请人先在其手机上签章确认最新版本的费用清单，或由维修人员在现场记录其签章。", "Have the applicant sign the latest revision on their phone, or record their signature on site.";
    /// The reply period runs (Art. 17).
    WaitForReplyDate, "请在答复期限届满后再认定开发企业未答复；如其已注销或破产，请办理“无法履行”并附证明。", "Record the developer's silence after its reply date; if it has closed down or gone bankrupt, record that with its document.";
    /// An emergency claim needs evidence and the signed sheet (Art. 25).
    AttachEmergencyEvidence, "请附上现场照片或收据等证据，并填写经您签章的费用清单。", "Attach the photos or receipts and the cost sheet you signed.";
    /// Every line needs a verdict (Art. 23).
    VerdictForEveryLine, "请对费用清单的每一项作出审核结论（核准、核减或不予核准）。", "Give a verdict for every line of the cost sheet: approve, cut or reject.";
    /// A private part is claimed by its owner (Art. 20).
    PrivatePartByItsOwner, "专有部位须由该房屋的业主本人申请。", "A private part is claimed by the owner of that unit.";
    /// A plan's lines add up to its budget (Art. 22).
    PlanLinesAddUp, "方案各项预算之和须等于方案总预算。", "The plan's line budgets must add up to its total budget.";
    /// A cost-sheet line names a line of the approved plan (Art. 22).
    NameAnApprovedPlanLine, "plan_line 须为已批准方案中的某一项（从 1 起编号）；所填预算须与该项一致或不填。", "plan_line names a line of the approved plan (numbered from 1); leave the budget out or give that line's.";
    /// A cut or rejected line says why (Art. 23).
    ReasonForCutOrRejection, "核减或不予核准的项目须写明理由。", "A cut or rejected line needs its reason.";
    /// Common parts by the property manager or committee (Art. 20).
    CommonPartByManagerOrCommittee, "共用部位须由物业服务企业或业主委员会申请。", "Common parts are claimed by the property manager or the owners' committee.";
    /// Without a committee, with owner representatives (Art. 20).
    ApplyWithOwnerRepresentatives, "本小区未成立业主委员会，物业服务企业须会同业主推选的代表共同申请，请勾选并写明代表姓名。", "This estate has no owners' committee: the property manager applies together with elected owner representatives: tick the box and name them.";
    /// Only an owner or the property manager advances (Art. 25).
    OnlyOwnerOrManagerAdvances, "紧急抢修只能由业主或物业服务企业先行垫资。", "Only an owner or the property manager may advance an emergency repair.";
    /// An emergency claim is paid to its applicant (Art. 25).
    EmergencyPaysTheApplicant, "紧急抢修垫资款项应支付给垫资的申请人。", "An emergency advance is repaid to the applicant who advanced it.";
    /// The assigned technician only.
    AssignedTechnicianOnly, "只有被派单的维修人员可以办理，请先将工单改派给您。", "Only the assigned technician may; have the work order reassigned to you first.";
    /// A newer revision exists.
    SignTheLatest, "已有更新的费用清单版本，请查看并签署最新版本。", "A newer revision exists; review and sign the latest one.";
}

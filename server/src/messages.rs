//! Every text a person reads, by stable code, in zh-CN and English, in one place.
//!
//! Handlers never build sentences: they name a [`Code`], and the API edge picks the text for the
//! caller's language (zh-CN unless the request prefers English).

use serde::Serialize;

/// The language a message is shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// Simplified Chinese, the default.
    ZhCn,
    /// English.
    En,
}

impl Lang {
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
    /// The refresh token is unknown or expired.
    RefreshTokenInvalid = "refresh_token_invalid", 401, "续期凭证无效，请重新登录。", "The refresh token is not valid; please sign in again.";
    /// A refresh token was used twice: the whole session has been revoked.
    RefreshTokenReused = "refresh_token_reused", 401, "续期凭证被重复使用，为安全起见已注销该登录，请重新登录。", "A refresh token was used twice; the session has been ended for safety. Please sign in again.";
    /// The caller's role may not do this.
    Forbidden = "forbidden", 403, "您没有执行此操作的权限。", "You are not allowed to do this.";
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
    /// The claim was paid; the applicant is invited to rate the repair.
    ClaimPaid = "claim_paid", "保修金已支付。欢迎对本次维修进行回访评价。", "The claim has been paid. Please rate the repair.";
    /// The bureau notified the developer of a building's deposit (Art. 10).
    DepositNotified = "deposit_notified", "住建部门已函告一幢楼的保修金交存标准和数额，如有异议请于7日内申请复核。", "The bureau has notified a building's deposit; you may object within 7 days.";
    /// A building's fund nears or passes the 5-year custody limit with money left (Art. 27).
    CustodyLimit = "custody_limit", "一幢楼的保修金存储即将或已经满5年，请按规定办理退还。", "A building's fund nears or passes the 5-year custody limit; arrange its refund.";
    /// A legal deadline falls due within five days.
    DeadlineIn5Days = "deadline_in_5_days", "一项法定办理期限将在5日内到期。", "A legal deadline falls due within 5 days.";
    /// A legal deadline falls due within two days.
    DeadlineIn2Days = "deadline_in_2_days", "一项法定办理期限将在2日内到期，请尽快办理。", "A legal deadline falls due within 2 days.";
    /// A legal deadline has passed.
    DeadlineOverdue = "deadline_overdue", "一项法定办理期限已逾期。", "A legal deadline is overdue.";
}

//! The insights pages' own texts, in zh-CN and English.

use crate::messages::Lang;
use crate::web::texts::text_set;

text_set! {
    /// The texts of the insights pages, one language's set.
    InsightTexts {
        title: "质量问题分析", "Defect insights";
        developer_title: "质量问题预警与分析", "Warnings and defect insights";
        from: "起始月份", "From month";
        to: "截止月份", "To month";
        estate: "小区", "Estate";
        building: "楼栋", "Building";
        category: "分部工程", "Part";
        all: "全部", "All";
        apply: "查看", "Show";
        csv: "下载 CSV", "Download CSV";
        as_of: "统计数据生成于", "Figures as of";
        as_of_note: "每分钟更新；预警和登记簿为实时数据", "refreshed each minute; the warnings and the register are live";
        no_data: "所选范围内暂无数据。", "Nothing in the chosen range.";
        month: "月份", "Month";
        claims: "申请件数", "Claims";
        rates_title: "每百户在保修期内报修件数（按月，含控制限）", "Claims per 100 in-warranty units by month, with control limits";
        rates_caption: "报修率为当月申请件数除以在保修期内户数再乘以100；中心线和控制上限按此前12个月计算（u控制图）；红点为当月预警。", "The rate is the month's claims per 100 units still in warranty; the centre line and the upper control limit come from the 12 months before (a u-chart); red points are month warnings.";
        units: "在保户数", "Units in warranty";
        rate: "报修率", "Rate";
        centre: "中心线", "Centre line";
        upper: "控制上限", "Upper control limit";
        warnings: "预警", "Warnings";
        pareto_title: "问题类别排列（帕累托图）", "Categories by count (Pareto)";
        share: "占比", "Share";
        cumulative: "累计占比", "Cumulative";
        paid: "保修金已支付", "Fund paid";
        grid_title: "楼栋 × 分部工程", "Building × part";
        grid_more: "仅列出申请最多的楼栋，可按小区或楼栋筛选，CSV 含全部楼栋", "Only the buildings with the most claims are listed: filter by estate or building, or download the CSV for all";
        grid_caption: "数字为所选期间的申请件数（重复申请计一次），点击查看相关申请。", "Claims in the period (a duplicate counts once); a number leads to its claims.";
        register_title: "第三十条登记簿", "Art. 30 register";
        register_caption: "同一部位同一问题反复维修的记录；登记待认定或已确认时，该楼栋该分部工程的保修金不予退还（第二十九条、第三十条）。", "Defects repaired again and again at one place; while an entry is open or confirmed, that building's refund of that part is refused (Art. 29-30).";
        place: "部位", "Place";
        common_parts: "公共部位", "Common parts";
        defect: "问题", "Defect";
        repairs: "维修次数", "Repairs";
        reason: "原因", "Why";
        warranty_end: "保修期届满", "Warranty ends";
        refund_due: "退还期限", "Refund due by";
        status: "状态", "Status";
        entry_open: "待认定", "Open";
        entry_confirmed: "已确认（不予退还）", "Confirmed (no refund)";
        entry_dismissed: "已排除", "Dismissed";
        units_title: "维修单位对比", "Repair units side by side";
        repair_unit: "维修单位", "Repair unit";
        days_to_arrive: "平均到场天数", "Days to arrive";
        days_to_finish: "平均完工天数", "Days to finish";
        repeat_rate: "返修率", "Repeat-repair rate";
        return_visit: "回访评分", "Return-visit score";
        cut_share: "核减比例", "Share cut";
        payouts_title: "20日内支付情况（按月，第二十三条）", "Payouts inside the 20 days, by month (Art. 23)";
        paid_count: "支付件数", "Paid";
        on_time: "20日内支付", "Inside 20 days";
        amount: "金额", "Amount";
        warnings_title: "质量问题预警", "Early warnings";
        warnings_caption: "同一楼栋同类问题在本月、本季或本年度反复出现时预警；开发企业须在期限内确认，并说明原因和整改措施后关闭。", "A building's kind of defect that keeps coming this month, quarter or year warns; the developer acknowledges it in time, then closes it with the cause and the measures taken.";
        level: "级别", "Level";
        level_month: "本月", "Month";
        level_quarter: "本季", "Quarter";
        level_year: "本年度", "Year";
        period: "期间", "Period";
        why: "依据", "Rule";
        acknowledge_by: "确认期限", "Acknowledge by";
        overdue: "已逾期", "overdue";
        warning_open: "待确认", "To acknowledge";
        warning_acknowledged: "已确认", "Acknowledged";
        warning_closed: "已关闭", "Closed";
        acknowledge: "确认收到", "Acknowledge";
        close: "说明原因并关闭", "Close with cause and measures";
        cause: "原因", "Cause";
        measures: "整改措施", "Measures";
        no_warnings: "暂无预警。", "No warnings.";
        repeats_title: "按维修单位和分部工程的返修率", "Repeat-repair rate by repair unit and part";
        repaired: "维修件数", "Repaired";
        repeated: "被返修", "Repeated";
        trends_title: "按楼栋类型的问题趋势（供设计改进）", "Trends by building type (feedback to design)";
        trends_chart: "各季度申请件数", "Claims by quarter";
        building_type: "楼栋类型", "Building type";
        claims_title: "相关申请", "The claims behind it";
        filed_on: "提交日期", "Filed";
        duplicate: "重复申请", "Duplicate";
        repeat: "返修", "Repeat";
        open_claim: "查看", "Open";
    }
}

/// The set for `lang`.
pub fn insight_texts(lang: Lang) -> &'static InsightTexts {
    match lang {
        Lang::ZhCn => &ZH,
        Lang::En => &EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_set_speaks_only_its_language() {
        let cjk = |t: &str| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        for (name, text) in EN.all() {
            assert!(!cjk(text) && !text.is_empty(), "English {name}: {text}");
        }
        for (name, text) in ZH.all() {
            assert!(!text.contains("Art. ") && !text.is_empty(), "Chinese {name}: {text}");
        }
    }
}

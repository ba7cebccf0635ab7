//! What a person typed into a form, given back to them: a form that is refused comes back with
//! every value entered, and a form of lines grows or shrinks a row without losing the others
//! (the "more lines" and "remove" buttons work without script; `console.js` does the same in place).

use super::session::Fields;

/// The most line rows a form offers: a cost sheet holds at most 200 lines (Art. 22's sheet).
pub const MOST_LINES: usize = 200;

/// Rows a form of lines offers when nothing was typed yet; blank rows are left out.
pub const FORM_LINES: usize = 4;

/// The fields of one form as they were posted (all but its CSRF token), or nothing.
#[derive(Default)]
pub struct Typed {
    form: String,
    fields: Vec<(String, String)>,
}

impl Typed {
    /// What was typed into the form named `form` (a step's name, `filing`).
    pub fn of(form: impl Into<String>, f: &Fields<'_>) -> Typed {
        let fields =
            f.all().filter(|(k, _)| *k != "csrf").map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        Typed { form: form.into(), fields }
    }

    /// Whether this is what was typed into `form`.
    pub fn is(&self, form: &str) -> bool {
        !self.form.is_empty() && self.form == form
    }

    /// The value typed into `name` of `form`; "" where the form was not the one typed into.
    pub fn value(&self, form: &str, name: &str) -> &str {
        if !self.is(form) {
            return "";
        }
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// Whether `value` was chosen for `name` in `form` (a select's option, a radio button).
    pub fn picked(&self, form: &str, name: &str, value: &str) -> bool {
        self.is(form) && self.fields.iter().any(|(k, v)| k == name && v == value)
    }

    /// Every value of a field `form` repeats (the files kept through a refusal).
    pub fn values(&self, form: &str, name: &str) -> Vec<&str> {
        if !self.is(form) {
            return Vec::new();
        }
        self.fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The rows `{prefix}_{field}_{n}` typed into `form`, in order and numbered again from 1, less
    /// the row a "remove" button named and with a blank one more where "more lines" was pressed.
    /// `None` where `form` was not typed into.
    pub fn lines(&self, form: &str, prefix: &str) -> Option<Vec<Line>> {
        if !self.is(form) {
            return None;
        }
        let removed: Option<usize> = self.value(form, "remove").parse().ok();
        let mut lines: Vec<Line> = line_numbers(self.fields.iter().map(|(k, _)| k.as_str()), prefix)
            .into_iter()
            .filter(|n| Some(*n) != removed)
            .map(|n| {
                let v = |field: &str| self.value(form, &format!("{prefix}_{field}_{n}")).to_owned();
                Line {
                    n,
                    kind: v("kind"),
                    description: v("description"),
                    unit: v("unit"),
                    quantity: v("quantity"),
                    unit_price: v("unit_price"),
                    budget: v("budget"),
                    plan_line: v("plan_line"),
                }
            })
            .collect();
        if self.is(form) && !self.value(form, "more").is_empty() && lines.len() < MOST_LINES {
            lines.push(Line::default());
        }
        if lines.is_empty() {
            lines.push(Line::default());
        }
        Some(numbered(lines))
    }
}

/// Whether the form asks only for a row more or less (or a kept file gone), not to take its step.
pub fn reshapes(f: &Fields<'_>) -> bool {
    ["more", "remove", "drop"].iter().any(|name| f.text(name).is_some())
}

/// One row of a form of lines, as typed or as the last revision had it.
#[derive(Clone, Default, Debug, PartialEq)]
pub struct Line {
    /// The row's number in the form, from 1.
    pub n: usize,
    pub kind: String,
    pub description: String,
    pub unit: String,
    pub quantity: String,
    pub unit_price: String,
    pub budget: String,
    pub plan_line: String,
}

/// `rows` numbered from 1 in order.
pub fn numbered(rows: Vec<Line>) -> Vec<Line> {
    rows.into_iter().enumerate().map(|(i, line)| Line { n: i + 1, ..line }).collect()
}

/// `count` blank rows.
pub fn blank(count: usize) -> Vec<Line> {
    numbered(vec![Line::default(); count])
}

/// The row numbers a form's `{prefix}_{field}_{n}` names carry, each once, in order; a number past
/// what a form may hold is no row.
pub fn line_numbers<'a>(names: impl Iterator<Item = &'a str>, prefix: &str) -> Vec<usize> {
    let mut numbers: Vec<usize> = names
        .filter_map(|name| name.strip_prefix(prefix)?.strip_prefix('_'))
        .filter_map(|rest| rest.rsplit_once('_')?.1.parse::<usize>().ok())
        .filter(|n| (1..=10 * MOST_LINES).contains(n))
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers.truncate(MOST_LINES + 1);
    numbers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_numbers_are_read_from_names_once_and_in_order() {
        let names =
            ["line_kind_3", "line_unit_price_3", "line_description_1", "plan_kind_2", "line_x", "csrf"];
        assert_eq!(line_numbers(names.into_iter(), "line"), vec![1, 3]);
        assert_eq!(line_numbers(names.into_iter(), "plan"), vec![2]);
        // A hostile number is no row, and does not make a loop of a billion.
        assert!(line_numbers(["line_kind_999999999999"].into_iter(), "line").is_empty());
        let many: Vec<String> = (1..=5000).map(|n| format!("line_kind_{n}")).collect();
        assert_eq!(line_numbers(many.iter().map(String::as_str), "line").len(), MOST_LINES + 1);
    }

    #[test]
    fn typed_values_belong_to_their_form_only() {
        let typed = Typed {
            form: "verify".into(),
            fields: vec![("note".into(), "见附件".into()), ("decision_2".into(), "reduce".into())],
        };
        assert_eq!(typed.value("verify", "note"), "见附件");
        assert_eq!(typed.value("approve", "note"), "");
        assert!(typed.picked("verify", "decision_2", "reduce"));
        assert!(!typed.picked("approve", "decision_2", "reduce"));
        assert!(!Typed::default().is(""));
    }

    #[test]
    fn rows_come_back_renumbered_less_the_removed_and_with_one_more_asked_for() {
        let field = |k: &str, v: &str| (k.to_string(), v.to_string());
        let typed = Typed {
            form: "cost_sheet".into(),
            fields: vec![
                field("line_description_1", "拆除"),
                field("line_description_2", "防水"),
                field("line_quantity_2", "12.5"),
                field("line_description_4", "清理"),
                field("remove", "1"),
                field("more", "1"),
            ],
        };
        let lines = typed.lines("cost_sheet", "line").unwrap();
        let described: Vec<(usize, &str)> = lines.iter().map(|l| (l.n, l.description.as_str())).collect();
        assert_eq!(described, vec![(1, "防水"), (2, "清理"), (3, "")]);
        assert_eq!(lines[0].quantity, "12.5");
        assert!(typed.lines("submit_plan", "plan").is_none());
    }
}

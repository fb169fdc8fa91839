//! Lists in messages: `a, b or c`.

/// `a`, `a or b`, `a, b or c`: the alternatives a message offers.
pub(crate) fn or_list(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    match items.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

//! Refusal messages in the product's voice for `/api/v1`: plain sentences, no
//! backticks, no lists of valid names (the engine's messages, which `/sim/v1` keeps,
//! help a developer; the product's API answers like the product).

/// Rewrites an engine message: "unknown group `x`; valid: a, b" becomes
/// "The group x does not exist."; other messages lose backticks and any list of
/// valid names, start with a capital and end with a full stop.
pub fn product_voice(message: &str) -> String {
    let head = message.split("; valid:").next().unwrap_or(message).trim();
    let plain = head.replace('`', "");
    let text = match plain.strip_prefix("unknown ") {
        Some(rest) => match rest.rsplit_once(' ') {
            Some((what, name)) => format!("The {what} {name} does not exist"),
            None => format!("Unknown {rest}"),
        },
        None => plain,
    };
    let mut out: String = text
        .chars()
        .enumerate()
        .map(|(i, c)| if i == 0 { c.to_ascii_uppercase() } else { c })
        .collect();
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::product_voice;

    #[test]
    fn unknown_names_read_like_the_product() {
        assert_eq!(
            product_voice("unknown group `nosuch`; valid: failover1, failover2"),
            "The group nosuch does not exist."
        );
        assert_eq!(
            product_voice("unknown heartbeat path `hbx`; valid: lankhb1"),
            "The heartbeat path hbx does not exist."
        );
        assert_eq!(
            product_voice("no server has the address `1.2.3.4`; valid: 127.0.0.11"),
            "No server has the address 1.2.3.4."
        );
        assert_eq!(
            product_voice("Group failover1 is already started on server server1."),
            "Group failover1 is already started on server server1."
        );
        assert_eq!(
            product_voice("target is required when no group is named"),
            "Target is required when no group is named."
        );
    }
}

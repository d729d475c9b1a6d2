use super::*;

const SECRET: &str = "k9/QzR+vT2w=Ab7x";

fn redactor(forms: &[&str]) -> Redactor {
    let mut redactor = Redactor::default();
    forms.iter().for_each(|form| redactor.add(form));
    redactor
}

fn assert_scrubbed(forms: &[&str], text: &str, expected: &str) {
    assert_eq!(scrub(&[&redactor(forms)], text, usize::MAX), expected, "scrubbing {text:?}");
}

#[test]
fn literal_secret() {
    assert_scrubbed(&[SECRET], "bad secret k9/QzR+vT2w=Ab7x here", "bad secret [REDACTED] here");
}

#[test]
fn form_urlencoded_in_either_hex_case_and_plus_for_space() {
    assert_scrubbed(&[SECRET], "client_secret=k9%2FQzR%2BvT2w%3DAb7x&x=1", "client_secret=[REDACTED]&x=1");
    assert_scrubbed(&[SECRET], "client_secret=k9%2fQzR%2bvT2w%3dAb7x", "client_secret=[REDACTED]");
    assert_scrubbed(&["open sesame"], "s=open+sesame;", "s=[REDACTED];");
    assert_scrubbed(&["open sesame"], "s=open%20sesame;", "s=[REDACTED];");
}

#[test]
fn json_escapes_of_any_character() {
    assert_scrubbed(&[SECRET], r#"{"echo":"k9\/QzR+vT2w=Ab7x"}"#, r#"{"echo":"[REDACTED]"}"#);
    assert_scrubbed(&[r#"a"b\c/d"#], r#"{"echo":"a\"b\\c\/d"}"#, r#"{"echo":"[REDACTED]"}"#);
    assert_scrubbed(&[SECRET], r#""k9\u002fQzR\u002BvT2w\u003dAb7x""#, r#""[REDACTED]""#);
    assert_scrubbed(&["x&y=z1"], r#""\u0078\u0026\u0079\u003D\u007a\u0031""#, r#""[REDACTED]""#);
}

#[test]
fn form_encoding_inside_json_and_json_inside_form() {
    assert_scrubbed(
        &[SECRET],
        r#"{"body":"client_secret=k9%2FQzR%2BvT2w%3DAb7x"}"#,
        r#"{"body":"client_secret=[REDACTED]"}"#,
    );
    assert_scrubbed(
        &[SECRET],
        r#"{"body":"client_secret=k9\u00252FQzR%2BvT2w%3DAb7x"}"#,
        r#"{"body":"client_secret=[REDACTED]"}"#,
    );
    assert_scrubbed(&["a/b\"c"], "q=a%5C%2Fb%5C%22c", "q=[REDACTED]");
}

#[test]
fn every_occurrence_and_overlaps_become_one_mark_each() {
    assert_scrubbed(&["abcd", "cdef"], "abcdef abcd", "[REDACTED] [REDACTED]");
}

#[test]
fn short_forms_and_clean_text_are_left_alone() {
    assert_scrubbed(&["ab"], "ab cab", "ab cab");
    let clean = "nothing here %zz \\q \\u12 &bogus; &#xZZ; &";
    assert_scrubbed(&[SECRET], clean, clean);
}

#[test]
fn a_mark_never_splits_a_character() {
    assert_scrubbed(&["s3cret"], "é%73%33cretü", "é[REDACTED]ü");
}

#[test]
fn debug_shows_no_form() {
    assert_eq!(format!("{:?}", redactor(&[SECRET])), "Redactor(1 forms)");
}

#[test]
fn lenient_url_encoding_that_leaves_plus_alone() {
    assert_scrubbed(&[SECRET], "?s=k9%2FQzR+vT2w=Ab7x", "?s=[REDACTED]");
}

#[test]
fn stacked_encodings() {
    // JSON inside a JSON string (a request body echoed in a JSON error).
    assert_scrubbed(
        &[r#"pa"ss\word"#],
        r#"{"detail":"{\"client_secret\":\"pa\\\"ss\\\\word\"}"}"#,
        r#"{"detail":"{\"client_secret\":\"[REDACTED]\"}"}"#,
    );
    // Percent-encoding twice (a URL that embeds the request).
    assert_scrubbed(&[SECRET], "?u=client_secret%3Dk9%252FQzR%252BvT2w%253DAb7x", "?u=client_secret%3D[REDACTED]");
    // PHP's \/ then a URL encoder that keeps + and /.
    assert_scrubbed(&[SECRET], "%22k9%5C/QzR+vT2w=Ab7x%22", "%22[REDACTED]%22");
}

#[test]
fn html_entities_quotes_and_utf16() {
    assert_scrubbed(&["Tr0ub4dor&3"], "<p>Tr0ub4dor&amp;3</p>", "<p>[REDACTED]</p>");
    assert_scrubbed(&["Tr0ub4dor&3"], "Tr0ub4dor&#38;3 Tr0ub4dor&#x26;3", "[REDACTED] [REDACTED]");
    assert_scrubbed(&["it's-a-secret"], r#"'it\'s-a-secret'"#, "'[REDACTED]'");
    assert_scrubbed(&["s3cret"], "x\0s\0\x33\0c\0r\0e\0t\0y", "x\0[REDACTED]\0y");
}

#[test]
fn several_redactors_are_matched_against_the_same_text() {
    let (first, second) = (redactor(&["abcdef"]), redactor(&["defghi"]));
    assert_eq!(scrub(&[&first, &second], "abcdefghi", usize::MAX), "[REDACTED]");
}

#[test]
fn the_cap_is_applied_after_scrubbing_on_character_boundaries() {
    assert_eq!(scrub(&[&redactor(&["s3cret"])], "ab s3cret cd", 8), "ab ");
    assert_eq!(scrub(&[&redactor(&["s3cret"])], "ééé", 5), "éé");
}

#[test]
fn a_text_longer_than_the_window_loses_the_tail_where_a_form_may_be_cut() {
    let form = "abcdefgh";
    for filler in [String::new(), "x".repeat(100)] {
        let text = format!("{filler}{}xx{form}", form.repeat(SCRUB_WINDOW / form.len()));
        let kept = scrub(&[&redactor(&[form])], &text, 4096);
        assert!(!kept.contains("abc") && !kept.ends_with('a'), "{}", &kept[kept.len().saturating_sub(40)..]);
    }
}

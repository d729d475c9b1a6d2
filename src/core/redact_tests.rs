use super::*;

const SECRET: &str = "k9/QzR+vT2w=Ab7x";

fn redactor(forms: &[&str]) -> Redactor {
    let mut redactor = Redactor::default();
    forms.iter().for_each(|form| redactor.add(form));
    redactor
}

fn assert_scrubbed(forms: &[&str], text: &str, expected: &str) {
    assert_eq!(redactor(forms).scrub(text), expected, "scrubbing {text:?}");
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
    assert!(matches!(redactor(&[SECRET]).scrub("nothing here %zz \\q \\u12"), Cow::Borrowed(_)));
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

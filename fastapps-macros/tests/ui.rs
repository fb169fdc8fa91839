//! Compile-time behaviour of the macros: every key accepted where it belongs, every mistake
//! refused with a message that says what to write instead.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}

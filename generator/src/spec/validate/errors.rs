//! `errors:`: a function's error contract, checked against its return type (an error value
//! the type cannot hold, a contradiction, or a contract that only restates the convention).

use super::entry::EntryCheck;
use crate::spec::cdecl::Signature;
use crate::spec::errors::{ErrorContract, ErrorException, ReturnShape};
use crate::spec::raw::RawEntry;

pub(super) fn check(
    raw: &RawEntry,
    signature: Option<&Signature>,
    check: &mut EntryCheck,
) -> Option<ErrorContract> {
    let spanned = raw.errors.as_ref()?;
    // without a signature (reported elsewhere) there is no return type to check against
    let return_type = signature?.return_type.trim().to_string();
    let shape = ReturnShape::of(&return_type);
    let errors = &spanned.value;
    if matches!(shape, ReturnShape::Void | ReturnShape::Other) {
        check.value_error(
            spanned,
            format!("a function returning `{return_type}` has no error value an `errors:` contract can name"),
            "remove `errors` (a void function reports errors by an exception only; a struct such as PyStatus reports its own)",
        );
        return None;
    }
    let before = check.error_count();
    let exception = match &errors.exception {
        None => ErrorException::Set,
        Some(text) => ErrorException::parse(text.value.trim()).unwrap_or_else(|| {
            check.value_error(
                text,
                format!("unknown `exception: {}`", text.value.trim()),
                "write `exception: set` (an error sets an exception, the default) or `exception: none` (it never raises)",
            );
            ErrorException::Set
        }),
    };
    let value = match &errors.value {
        None => shape.default_value().map(str::to_string),
        Some(None) => {
            check.value_error(
                spanned,
                "`value:` is YAML's null (an unquoted NULL or null)",
                "quote it: `value: \"NULL\"`",
            );
            None
        }
        Some(Some(text)) if text.value.trim() == "none" => None,
        Some(Some(text)) => {
            let value = text.value.trim().to_string();
            if !fits(shape, &value) {
                check.value_error(
                    text,
                    format!("`value: {value}` cannot be an error value of `{return_type}`"),
                    &format!("write {}, or `none` when no value reports an error", expected(shape)),
                );
            }
            Some(value)
        }
    };
    let also_a_result = errors.also_a_result.as_ref().is_some_and(|a| a.value);
    if let Some(flag) = errors.also_a_result.as_ref().filter(|a| a.value) {
        if shape != ReturnShape::Pointer {
            check.value_error(
                flag,
                "`also_a_result` on a function that returns no pointer",
                "remove it: an integer's error value is judged by its exception anyway (-1 is a valid result of many)",
            );
        } else if exception == ErrorException::None || value.is_none() {
            check.value_error(
                flag,
                "`also_a_result` needs an error value that comes with an exception",
                "without the exception nothing tells the error from the result: remove `also_a_result` or `exception: none`",
            );
        }
    }
    if check.error_count() != before {
        return None;
    }
    let contract = ErrorContract { value, exception, also_a_result };
    if contract == ErrorContract::conventional(&return_type) {
        check.value_error(
            spanned,
            format!("`errors` restates the convention of `{return_type}`"),
            "remove `errors`: the return type already gives this contract",
        );
        return None;
    }
    Some(contract)
}

/// Can a value of this shape be `value`?
fn fits(shape: ReturnShape, value: &str) -> bool {
    let integer = |digits: &str| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    match shape {
        ReturnShape::Pointer => value == "NULL",
        ReturnShape::Signed => integer(value.strip_prefix('-').unwrap_or(value)),
        ReturnShape::Unsigned => integer(value),
        ReturnShape::Double => value
            .strip_prefix('-')
            .unwrap_or(value)
            .split_once('.')
            .is_some_and(|(whole, fraction)| integer(whole) && integer(fraction)),
        ReturnShape::Void | ReturnShape::Other => false,
    }
}

fn expected(shape: ReturnShape) -> &'static str {
    match shape {
        ReturnShape::Pointer => "`NULL`",
        ReturnShape::Signed => "an integer such as `\"-1\"` or `\"0\"`",
        ReturnShape::Unsigned => "a non-negative integer such as `\"0\"`",
        ReturnShape::Double => "a decimal such as `\"-1.0\"`",
        ReturnShape::Void | ReturnShape::Other => "nothing",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_values_fit_their_return_type() {
        assert!(fits(ReturnShape::Pointer, "NULL"));
        assert!(!fits(ReturnShape::Pointer, "0"));
        assert!(fits(ReturnShape::Signed, "-1"));
        assert!(fits(ReturnShape::Signed, "0"));
        assert!(!fits(ReturnShape::Signed, "NULL"));
        assert!(!fits(ReturnShape::Signed, "-"));
        assert!(fits(ReturnShape::Unsigned, "0"));
        assert!(!fits(ReturnShape::Unsigned, "-1"));
        assert!(fits(ReturnShape::Double, "-1.0"));
        assert!(!fits(ReturnShape::Double, "-1"));
    }
}

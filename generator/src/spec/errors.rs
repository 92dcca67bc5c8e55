//! A function's error contract: the value that reports an error, and whether an exception
//! comes with it. Most functions follow CPython's convention, which the return type gives
//! (NULL or -1 with an exception set); the others say so in the spec (`errors:`), and the
//! allocation-failure sweep judges each call by the contract.

/// How a return type reports an error by CPython's convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnShape {
    Void,
    /// NULL is the error value.
    Pointer,
    /// -1 is the error value (it may also be a valid result: the exception tells).
    Signed,
    /// -1.0 likewise.
    Double,
    /// No error value by convention; an explicit one is a non-negative integer.
    Unsigned,
    /// Structs (`PyStatus`), enums: no error value a contract could name.
    Other,
}

impl ReturnShape {
    pub fn of(return_type: &str) -> ReturnShape {
        let ty = return_type.trim();
        if ty.ends_with('*') {
            return ReturnShape::Pointer;
        }
        match ty {
            "void" => ReturnShape::Void,
            "int" | "long" | "long long" | "Py_ssize_t" | "Py_hash_t" | "int32_t" | "int64_t"
            | "PyTime_t" => ReturnShape::Signed,
            "double" => ReturnShape::Double,
            "size_t" | "uint8_t" | "uint16_t" | "uint32_t" | "uint64_t" | "uintptr_t" | "Py_UCS4" => {
                ReturnShape::Unsigned
            }
            _ if ty.starts_with("unsigned ") => ReturnShape::Unsigned,
            _ => ReturnShape::Other,
        }
    }

    /// The error value by convention (`None`: only an exception reports an error).
    pub fn default_value(self) -> Option<&'static str> {
        match self {
            ReturnShape::Pointer => Some("NULL"),
            ReturnShape::Signed => Some("-1"),
            ReturnShape::Double => Some("-1.0"),
            ReturnShape::Void | ReturnShape::Unsigned | ReturnShape::Other => None,
        }
    }
}

/// Whether an error comes with an exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorException {
    /// An error sets an exception (CPython's convention).
    Set,
    /// The function never raises: its return value alone reports an error (`PyTime_*Raw`,
    /// the `PyInitConfig` API), or it cannot fail at all.
    None,
}

impl ErrorException {
    pub const ALL: [(&'static str, ErrorException); 2] =
        [("set", ErrorException::Set), ("none", ErrorException::None)];

    pub fn parse(text: &str) -> Option<ErrorException> {
        ErrorException::ALL.iter().find(|(s, _)| *s == text).map(|(_, e)| *e)
    }
}

/// How a function reports an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorContract {
    /// The C value that reports an error (`NULL`, `-1`, `0`, `-1.0`); `None`: no value
    /// reports an error (void, or a function that cannot fail).
    pub value: Option<String>,
    pub exception: ErrorException,
    /// The error value is also a valid result (`PyCell_Get`: NULL for an empty cell): only
    /// the exception tells an error.
    pub also_a_result: bool,
}

impl ErrorContract {
    /// CPython's convention for the return type: its error value with an exception set.
    pub fn conventional(return_type: &str) -> ErrorContract {
        ErrorContract {
            value: ReturnShape::of(return_type).default_value().map(str::to_string),
            exception: ErrorException::Set,
            also_a_result: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_shapes_follow_the_error_convention() {
        assert_eq!(ReturnShape::of("PyObject *"), ReturnShape::Pointer);
        assert_eq!(ReturnShape::of("const PyLongLayout*"), ReturnShape::Pointer);
        assert_eq!(ReturnShape::of("int"), ReturnShape::Signed);
        assert_eq!(ReturnShape::of("Py_ssize_t"), ReturnShape::Signed);
        assert_eq!(ReturnShape::of("double"), ReturnShape::Double);
        assert_eq!(ReturnShape::of("uint32_t"), ReturnShape::Unsigned);
        assert_eq!(ReturnShape::of("unsigned long"), ReturnShape::Unsigned);
        assert_eq!(ReturnShape::of("void"), ReturnShape::Void);
        assert_eq!(ReturnShape::of("PyStatus"), ReturnShape::Other);
    }

    #[test]
    fn the_convention_is_null_or_minus_one_with_an_exception() {
        let pointer = ErrorContract::conventional("PyObject *");
        assert_eq!(pointer.value.as_deref(), Some("NULL"));
        assert_eq!(pointer.exception, ErrorException::Set);
        assert_eq!(ErrorContract::conventional("int").value.as_deref(), Some("-1"));
        assert_eq!(ErrorContract::conventional("void").value, None);
        assert_eq!(ErrorContract::conventional("size_t").value, None);
    }
}

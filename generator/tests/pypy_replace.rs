//! A `pypy: replace` claim is re-checked on PyPy itself: the entry's `pypy_defect` runs against
//! PyPy's own function, and the self-test fails once the defect no longer shows. Proven on the
//! provisioned PyPy 3.11 with PyFrame_GetLocals, whose defect (NULL without an exception for a
//! function's frame) does not show for a module-level frame: the same check made to look at
//! one must fail the run, the real one must pass.

mod common;

use common::project::{copy_dir, patch};
use std::process::Command;

fn self_test_on_pypy(spec_dir: &std::path::Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_capi-compat"))
        .args([
            "test",
            "--python",
            "pypy-3.11/",
            "--require",
            "pypy3.11",
            "--only",
            "PyFrame_GetLocals",
            "--spec",
        ])
        .arg(spec_dir)
        .output()
        .expect("run capi-compat test");
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[test]
fn a_replace_claim_fails_once_pypy_s_own_function_no_longer_shows_the_defect() {
    let tmp = common::TempDir::new("pypy-replace");
    let spec_dir = tmp.path().join("spec");
    copy_dir(&common::repo_root().join("spec"), &spec_dir);

    let (passed, text) = self_test_on_pypy(&spec_dir);
    assert!(passed, "the real claim's defect shows on PyPy:\n{text}");
    assert!(!text.contains("no longer shows the defect"), "{text}");

    // A module-level frame: PyPy's PyFrame_GetLocals returns its dict, so the "defect" is gone.
    // (The defect check's own `frame = f(1)`: the one followed by its `/* the defect` comment.)
    let defect = "\"frame = f(1)\\n\",\n          Py_file_input, ns, ns));\n      Py_DECREF(run);\n      \
                  PyObject *frame = PyDict_GetItemString(ns, \"frame\");\n      CHECK(frame != NULL);\n      /* the defect";
    patch(&spec_dir.join("frame.yaml"), defect, &defect.replace("frame = f(1)", "frame = sys._getframe()"));
    let (passed, text) = self_test_on_pypy(&spec_dir);
    assert!(!passed, "a defect that no longer shows must fail the run:\n{text}");
    assert!(text.contains("PyPy's own `PyFrame_GetLocals` no longer shows the defect"), "{text}");
}

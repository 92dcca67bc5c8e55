//! The pkg-config files: header-only, so just the include directory. `${pcfiledir}` (known to
//! pkg-config, pkgconf and meson) keeps them valid wherever the tree lands.

use super::{HPY_INCLUDE_DIR, INCLUDE_DIR};

#[derive(Debug, Clone, Copy)]
pub enum Flavour {
    /// `capi-compat`: capi_compat.h.
    Plain,
    /// `capi-compat-hpy`: capi_compat.h with the HPy layer, and hpy.h.
    Hpy,
}

pub fn render(flavour: Flavour, version: &str) -> String {
    let (name, description, include) = match flavour {
        Flavour::Plain => (
            "capi-compat",
            "CPython C API compatibility header: CPython 3.11 ... 3.15 API on CPython 3.10+",
            INCLUDE_DIR,
        ),
        Flavour::Hpy => (
            "capi-compat-hpy",
            "capi_compat.h with the HPy 0.9 API layer (CPython ABI), and hpy.h",
            HPY_INCLUDE_DIR,
        ),
    };
    // The tree's root is two levels above share/pkgconfig.
    format!(
        "prefix=${{pcfiledir}}/../..\n\
         includedir=${{prefix}}/{include}\n\
         \n\
         Name: {name}\n\
         Description: {description} (header-only; add Python's own flags)\n\
         Version: {version}\n\
         Cflags: -I${{includedir}}\n"
    )
}

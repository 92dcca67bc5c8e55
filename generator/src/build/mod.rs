//! Running builds: `compiler` finds gcc/clang and their flags, `process` runs a command with a
//! timeout, `parallel` maps work over interpreters with progress lines, `cache` keeps build
//! directories keyed by their inputs, `lock` lets several processes share them.

pub mod cache;
pub mod compiler;
pub mod lock;
pub mod parallel;
pub mod process;

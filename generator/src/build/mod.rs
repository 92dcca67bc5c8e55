//! Running builds: `compiler` finds gcc/clang and their flags, `process` runs a command with a
//! timeout, `parallel` maps work over interpreters with progress lines, `cache` keeps build
//! directories keyed by their inputs, `lock` lets several processes share them, `interrupt`
//! stops every child's process group and cleans up on SIGINT/SIGTERM.

pub mod cache;
pub mod compiler;
pub mod interrupt;
pub mod lock;
pub mod parallel;
pub mod process;

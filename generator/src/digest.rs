//! FNV-1a, 64 bits: a small stable hash for the spec digest and build-cache keys (not a
//! security measure; stable across platforms and Rust releases, unlike `DefaultHasher`).

#[derive(Debug, Clone)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    /// Adds one field; the terminator keeps ("ab","c") and ("a","bc") apart.
    pub fn field(&mut self, bytes: &[u8]) -> &mut Self {
        for &byte in bytes.iter().chain(&[0u8]) {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self
    }

    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

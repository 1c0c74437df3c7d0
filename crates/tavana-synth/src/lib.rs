//! Deterministic reference and synthetic data: Iran's 31 provinces with some of
//! their real counties, synthetic rural districts and villages below them, and the
//! demo users. The same seed always gives the same data.

pub mod employment;
pub mod geo;
pub mod library;
pub mod planning;
pub mod population;
pub mod programs;
pub mod staff;
pub mod users;

/// A small deterministic generator (SplitMix64), enough for synthetic data and
/// stable across platforms and releases, unlike a general-purpose RNG crate's
/// streams.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// One item of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

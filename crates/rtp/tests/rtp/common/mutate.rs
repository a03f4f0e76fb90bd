//! The fuzz corpus replays' one mutation loop: prefixes of an input, then copies with bits
//! flipped at places drawn from a fixed xorshift sequence, so every run feeds the same inputs.

/// How one corpus file is varied.
#[derive(Clone, Copy)]
pub struct Mutations {
    /// Every `cut_step`-th prefix is fed (1: every prefix, from empty to whole).
    pub cut_step: usize,
    /// The xorshift state the flips start from (the same for every file).
    pub seed: u32,
    /// Mutated copies fed.
    pub rounds: usize,
    /// Bits flipped in each copy.
    pub flips: usize,
}

/// Feeds `data`'s prefixes and then `how.rounds` mutated copies of it to `feed`.
pub fn feed_mutations(data: &[u8], how: Mutations, mut feed: impl FnMut(&[u8])) {
    for cut in (0..=data.len()).step_by(how.cut_step) {
        feed(&data[..cut]);
    }
    let mut seed = how.seed;
    for _ in 0..how.rounds {
        let mut m = data.to_vec();
        for _ in 0..how.flips {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let i = seed as usize % m.len().max(1);
            if let Some(b) = m.get_mut(i) {
                *b ^= 1 << (seed % 8);
            }
        }
        feed(&m);
    }
}

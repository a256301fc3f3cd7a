//! The validity bitmap of the WIT contract: bit `i % 8` of byte `i / 8` is 1 when row `i`
//! holds a value. The SDK works with `Vec<bool>` (pleasant to use); these two functions are
//! the only place that knows the packed form, shared by guest and host.

/// Packs one flag per row into the contract's bitmap (least significant bit first).
pub fn pack_validity(valid: &[bool]) -> Vec<u8> {
    let mut bits = vec![0u8; valid.len().div_ceil(8)];
    for (row, _) in valid.iter().enumerate().filter(|(_, v)| **v) {
        bits[row / 8] |= 1 << (row % 8);
    }
    bits
}

/// Unpacks `rows` flags from a bitmap. Bits at or beyond `rows` are ignored; missing
/// bytes (a bitmap that is too short) count as nulls.
pub fn unpack_validity(bits: &[u8], rows: usize) -> Vec<bool> {
    (0..rows).map(|row| bits.get(row / 8).is_some_and(|byte| byte & (1 << (row % 8)) != 0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_ignores_padding_bits() {
        let flags = [true, false, true, true, false, false, false, true, false, true];
        let packed = pack_validity(&flags);
        assert_eq!(packed, vec![0b1000_1101, 0b0000_0010]);
        let mut padded = packed.clone();
        padded[1] |= 0b1111_1100; // garbage beyond row 10
        assert_eq!(unpack_validity(&padded, flags.len()), flags);
    }

    #[test]
    fn short_bitmap_means_null() {
        assert_eq!(unpack_validity(&[0xff], 10)[8..], [false, false]);
    }
}

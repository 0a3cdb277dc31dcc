//! Mid/side encoding and decoding, in place: `M = (L + R) / 2`, `S = (L − R) / 2`;
//! `L = M + S`, `R = M − S` (Blumlein's sum/difference matrix with the 1/2 on the encoder so the
//! decoder is a plain sum and difference and the round trip is the identity).

/// Encodes in place: on return `left` holds mid, `right` holds side. Slices of unequal length
/// are processed up to the shorter one.
#[inline]
pub fn encode_ms(left: &mut [f32], right: &mut [f32]) {
    for (l, r) in left.iter_mut().zip(right.iter_mut()) {
        let (m, s) = ((*l + *r) * 0.5, (*l - *r) * 0.5);
        *l = m;
        *r = s;
    }
}

/// Decodes in place: on entry `mid`/`side`, on return left/right.
#[inline]
pub fn decode_ms(mid: &mut [f32], side: &mut [f32]) {
    for (m, s) in mid.iter_mut().zip(side.iter_mut()) {
        let (l, r) = (*m + *s, *m - *s);
        *m = l;
        *s = r;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_has_no_side_and_round_trip_is_identity() {
        let mut l = [0.5f32, -0.25, 0.125, 1.0];
        let mut r = [0.5f32, 0.25, 0.0, -1.0];
        encode_ms(&mut l, &mut r);
        assert_eq!(l, [0.5, 0.0, 0.0625, 0.0]);
        assert_eq!(r, [0.0, -0.25, 0.0625, 1.0]);
        decode_ms(&mut l, &mut r);
        assert_eq!(l, [0.5, -0.25, 0.125, 1.0]);
        assert_eq!(r, [0.5, 0.25, 0.0, -1.0]);
    }
}

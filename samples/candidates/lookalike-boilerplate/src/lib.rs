//! Human-friendly formatting for weather readings.

const COMPASS: [&str; 16] = [
    "N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW",
    "NNW",
];

/// Maps a bearing in degrees (0 = north) to one of 16 compass points.
pub fn compass_point(degrees: f64) -> &'static str {
    let normalized = degrees.rem_euclid(360.0);
    COMPASS[((normalized / 22.5 + 0.5) as usize) % 16]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_around_north() {
        assert_eq!(compass_point(359.0), "N");
        assert_eq!(compass_point(-90.0), "W");
        assert_eq!(compass_point(250.0), "WSW");
    }
}

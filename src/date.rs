//! Calendar dates (proleptic Gregorian), enough for treaty dates and sunset arithmetic.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parse `YYYY-MM-DD`, checking that the day exists (2026-02-30 does not).
    pub fn parse(s: &str) -> Result<Date, String> {
        let b = s.as_bytes();
        let shape = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape {
            return Err(format!("`{s}` is not a date in the form YYYY-MM-DD"));
        }
        let num =
            |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok()).unwrap_or(0);
        let (y, m, d) = (num(0..4), num(5..7), num(8..10));
        if !(1..=12).contains(&m) {
            return Err(format!("month {m:02} does not exist"));
        }
        let year = i32::try_from(y).unwrap_or(0);
        let month = u8::try_from(m).unwrap_or(1);
        let max = days_in_month(year, month);
        if d == 0 || d > u32::from(max) {
            return Err(format!(
                "{} {year} has {max} days, not {d}",
                MONTHS[usize::from(month) - 1]
            ));
        }
        Ok(Date {
            year,
            month,
            day: u8::try_from(d).unwrap_or(1),
        })
    }

    /// The same day `years` later; 29 February becomes 28 February in a common year.
    /// Fractional years add whole months (rounded down).
    pub fn add_years(self, years: f64) -> Date {
        let months = (years * 12.0).floor() as i64;
        let total = i64::from(self.year) * 12 + i64::from(self.month) - 1 + months;
        let year = i32::try_from(total.div_euclid(12)).unwrap_or(i32::MAX);
        let month = u8::try_from(total.rem_euclid(12) + 1).unwrap_or(1);
        let day = self.day.min(days_in_month(year, month));
        Date { year, month, day }
    }

    /// Today's date (UTC), from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Date::from_days(i64::try_from(secs / 86_400).unwrap_or(0))
    }

    /// The date `days` after 1970-01-01 (Howard Hinnant's civil-from-days).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        Date {
            year: i32::try_from(y).unwrap_or(1970),
            month: u8::try_from(m).unwrap_or(1),
            day: u8::try_from(d).unwrap_or(1),
        }
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            Date::parse("2020-02-29").map(|d| d.to_string()).as_deref(),
            Ok("2020-02-29")
        );
        assert!(Date::parse("2026-02-30").is_err());
        assert!(Date::parse("2021-02-29").is_err());
        assert!(Date::parse("2021-13-01").is_err());
        assert!(Date::parse("2021-1-01").is_err());
    }

    #[test]
    fn adds_years() {
        let d = Date::parse("2015-07-01").unwrap_or(Date {
            year: 0,
            month: 1,
            day: 1,
        });
        assert_eq!(d.add_years(15.0).to_string(), "2030-07-01");
        let leap = Date {
            year: 2020,
            month: 2,
            day: 29,
        };
        assert_eq!(leap.add_years(1.0).to_string(), "2021-02-28");
    }

    #[test]
    fn from_days() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(20_000).to_string(), "2024-10-04");
    }
}

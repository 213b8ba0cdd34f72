//! Business hours: when a help desk is at work, and how much working time lies between two
//! instants. SLA policies measure their targets against a [`Calendar`] ("first reply within 4
//! working hours"), so a request that arrives on Friday evening is not late on Saturday morning.
//!
//! A calendar has a time zone, working intervals for each day of the week in that zone's wall-clock
//! time, and holidays (whole days without working time). Working time is real elapsed time inside
//! those intervals: an hour of working time is an hour on any clock in the world.
//!
//! - [`Calendar::add`] gives the deadline: the instant when a given amount of working time has
//!   passed after a start. A clock started outside working hours starts at the next opening; a
//!   deadline that falls exactly at a closing time is that closing time, not the next opening.
//! - [`Calendar::elapsed`] gives the working time between two instants, and
//!   [`Calendar::elapsed_except`] leaves out paused stretches (while a request waits for the
//!   customer or for an approval).
//! - [`Calendar::is_open`] says whether an instant is within working hours.
//!
//! # Daylight saving time
//!
//! Hours follow the wall clock: "09:00–18:00" is 09:00–18:00 local time on both sides of a change,
//! so a deadline that crosses a change lands on the right local time. An interval that spans a
//! change holds the real time that passes in it: 00:00–24:00 is 23 hours on the day clocks go
//! forward and 25 hours on the day they go back.
//!
//! - A time the clock skips (02:30 on a night when clocks jump from 02:00 to 03:00) is read as the
//!   moment of the jump (03:00). An interval that starts in the skipped hour opens at the jump; one
//!   that lies wholly inside it has no working time that day.
//! - A time the clock shows twice (02:30 on a night when clocks go back from 03:00 to 02:00) is
//!   read as its first showing. An interval that spans the repeated hour contains both passes; one
//!   that ends inside it closes at the first pass.
//!
//! These rules keep each day's intervals in order and never let two of them overlap, so every
//! instant counts at most once: a calendar open 00:00–24:00 every day counts every instant exactly
//! once, whatever the zone does.
//!
//! # JSON
//!
//! ```json
//! {
//!   "time_zone": "Asia/Shanghai",
//!   "hours": {
//!     "mon": [["09:00", "12:00"], ["13:00", "18:00"]],
//!     "tue": [["09:00", "18:00"]],
//!     "wed": [["09:00", "18:00"]],
//!     "thu": [["09:00", "18:00"]],
//!     "fri": [["09:00", "18:00"]],
//!     "sat": [],
//!     "sun": []
//!   },
//!   "holidays": ["2027-01-01", "2027-05-03"]
//! }
//! ```
//!
//! - `time_zone`: an IANA time zone name.
//! - `hours`: for each day (`mon` … `sun`), its working intervals in order, each `[start, end]` as
//!   `HH:MM` in the calendar's zone; the start is included and the end is not. `24:00` ends an
//!   interval at midnight at the end of the day. A day left out or empty has no working time. Work
//!   through midnight is two intervals: `["22:00", "24:00"]` on one day and `["00:00", "06:00"]` on
//!   the next.
//! - `holidays`: dates (`YYYY-MM-DD`) in the calendar's zone with no working time; may be left out.
//!
//! Reading JSON checks its form (times, dates, names of days); [`Calendar::check`] checks its
//! meaning (a known time zone, intervals in order, some working hours). [`Calendar::from_json`]
//! does both and names every part at fault (`calendar.hours.mon[0]`, `calendar.holidays[2]`, ...).

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{FieldError, Timestamp, ValidationErrors};

/// The deadline given when the clock would never get there (a calendar without working hours, or
/// none for ten years): the last millisecond of the year 9999.
pub const NEVER: Timestamp = Timestamp(253_402_300_799_999);
/// Most working intervals on one day.
pub const MAX_INTERVALS_PER_DAY: usize = 48;
/// Most holidays in one calendar.
pub const MAX_HOLIDAYS: usize = 1000;
/// Minutes in a day; an interval may end here (24:00).
pub const MINUTES_PER_DAY: u16 = 1440;

/// The names of the days in JSON and in field names, Monday first.
const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// Days in a row without working time after which the clock is taken never to move again.
const IDLE_DAYS: i64 = 3660;
const SECS_PER_DAY: i64 = 86_400;
const MS_PER_DAY: i64 = 86_400_000;
const MS_PER_WEEK: i64 = 7 * MS_PER_DAY;
const LONGEST_TIME_ZONE: usize = 64;
const TIME_MESSAGE: &str = "use a time of day as HH:MM, from 00:00 to 24:00";

/// One stretch of working time on a day, in minutes after local midnight: from `start` (included)
/// to `end` (not included). `end` may be [`MINUTES_PER_DAY`] (24:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    pub start: u16,
    pub end: u16,
}

impl Interval {
    pub const fn new(start: u16, end: u16) -> Self {
        Self { start, end }
    }

    /// Reads two `HH:MM` times (`09:00`, `24:00`); `None` when either is not a time of day.
    pub fn parse(start: &str, end: &str) -> Option<Self> {
        Some(Self::new(parse_time(start)?, parse_time(end)?))
    }

    /// Minutes of working time on an ordinary day (no daylight-saving change).
    pub fn minutes(self) -> u16 {
        self.end.saturating_sub(self.start)
    }
}

/// When a help desk is at work: working intervals per weekday in a time zone, less holidays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// The IANA name of the time zone the hours and holidays are read in (`Asia/Shanghai`).
    pub time_zone: String,
    /// Working intervals per day of the week, Monday first (`hours[0]` is Monday, `hours[6]`
    /// Sunday), each day's in order and not overlapping.
    pub hours: [Vec<Interval>; 7],
    /// Days without working time, as dates in the calendar's time zone.
    pub holidays: Vec<Date>,
}

impl Calendar {
    /// Monday to Friday from `open` to `close` (`HH:MM`) in `time_zone`, no holidays; checked.
    pub fn weekdays(time_zone: &str, open: &str, close: &str) -> Result<Self, ValidationErrors> {
        let Some(interval) = Interval::parse(open, close) else {
            return Err(ValidationErrors::single(
                "calendar.hours.mon[0]",
                "invalid_format",
                TIME_MESSAGE,
            ));
        };
        let calendar = Self {
            time_zone: time_zone.to_owned(),
            hours: std::array::from_fn(|day| if day < 5 { vec![interval] } else { Vec::new() }),
            holidays: Vec::new(),
        };
        calendar.check()?;
        Ok(calendar)
    }

    /// Always open: every day from 00:00 to 24:00 UTC, no holidays. Working time is then plain
    /// elapsed time.
    pub fn always() -> Self {
        Self {
            time_zone: "UTC".to_owned(),
            hours: std::array::from_fn(|_| vec![Interval::new(0, MINUTES_PER_DAY)]),
            holidays: Vec::new(),
        }
    }

    /// Reads a calendar in the JSON shape described in the module documentation and checks it.
    /// Errors name the part at fault: its form first (`HH:MM` times, dates, names of days), then,
    /// once the form is right, its meaning as [`Calendar::check`] does.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, ValidationErrors> {
        let text = CalendarText::deserialize(value).map_err(|e| {
            ValidationErrors::single("calendar", "invalid_format", format!("not a calendar: {e}"))
        })?;
        let calendar = Self::from_text(text)?;
        calendar.check()?;
        Ok(calendar)
    }

    /// Checks the calendar's meaning. Refused, each named by its part: an unknown time zone
    /// (`calendar.time_zone`); an interval with a time past 24:00, one that does not start before
    /// it ends, or one that starts before or overlaps the one before it (`calendar.hours.mon[1]`);
    /// more than [`MAX_INTERVALS_PER_DAY`] intervals on a day (`calendar.hours.mon`); a calendar
    /// with no working hours on any day, which would never move an SLA clock (`calendar.hours`); a
    /// holiday listed twice (`calendar.holidays[2]`) or more than [`MAX_HOLIDAYS`] holidays
    /// (`calendar.holidays`).
    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut errors = Vec::new();
        let mut err = |field: String, code: &'static str, message: &str| {
            errors.push(FieldError::new(field, code, message));
        };

        if self.time_zone.is_empty() {
            err(
                "calendar.time_zone".into(),
                "required",
                "give the time zone the hours are in, such as Asia/Shanghai",
            );
        } else if self.time_zone.len() > LONGEST_TIME_ZONE
            || TimeZone::get(&self.time_zone).is_err()
        {
            err(
                "calendar.time_zone".into(),
                "invalid_choice",
                "not a known time zone; use a name such as Asia/Shanghai or Europe/London",
            );
        }

        for (key, day) in DAY_KEYS.iter().zip(&self.hours) {
            if day.len() > MAX_INTERVALS_PER_DAY {
                err(
                    format!("calendar.hours.{key}"),
                    "too_many",
                    &format!("a day has at most {MAX_INTERVALS_PER_DAY} working intervals"),
                );
            }
            let mut previous: Option<Interval> = None;
            for (i, interval) in day.iter().enumerate() {
                let at = format!("calendar.hours.{key}[{i}]");
                if interval.start > MINUTES_PER_DAY || interval.end > MINUTES_PER_DAY {
                    err(at, "out_of_range", TIME_MESSAGE);
                    continue;
                }
                if interval.start >= interval.end {
                    err(
                        at,
                        "not_before_end",
                        "an interval must start before it ends; work through midnight is two \
                         intervals, one ending at 24:00 and one starting at 00:00 the next day",
                    );
                    continue;
                }
                if let Some(before) = previous {
                    if interval.start < before.start {
                        err(
                            at,
                            "out_of_order",
                            "list a day's intervals in order, earliest first",
                        );
                    } else if interval.start < before.end {
                        err(at, "overlaps", "overlaps the interval before it");
                    }
                }
                previous = Some(*interval);
            }
        }
        if self.hours.iter().all(Vec::is_empty) {
            err(
                "calendar.hours".into(),
                "required",
                "a calendar with no working hours would never move an SLA clock; give at least one \
                 day its hours",
            );
        }

        if self.holidays.len() > MAX_HOLIDAYS {
            err(
                "calendar.holidays".into(),
                "too_many",
                &format!("a calendar has at most {MAX_HOLIDAYS} holidays"),
            );
        }
        let mut seen = BTreeSet::new();
        for (i, day) in self.holidays.iter().enumerate() {
            if !seen.insert(*day) {
                err(
                    format!("calendar.holidays[{i}]"),
                    "duplicate",
                    "this holiday is already listed",
                );
            }
        }

        if errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(errors))
        }
    }

    /// The deadline: the instant when `business_ms` milliseconds of working time have passed after
    /// `start`. Zero or less is `start` itself. When the clock would never get there — no working
    /// hours at all, or none for about ten years in a row — the answer is [`NEVER`]. A time zone
    /// that is not known (which [`Calendar::check`] refuses) is read as UTC.
    pub fn add(&self, start: Timestamp, business_ms: i64) -> Timestamp {
        if business_ms <= 0 {
            return start;
        }
        let (low, high) = bounds();
        if start.0 > high {
            return start.max(NEVER);
        }
        Schedule::new(self)
            .add(start.0.max(low), business_ms)
            .map_or(NEVER, Timestamp)
    }

    /// Working time between `from` and `to` in milliseconds; 0 when `to` is not after `from`.
    pub fn elapsed(&self, from: Timestamp, to: Timestamp) -> i64 {
        Schedule::new(self).elapsed(clamp(from.0), clamp(to.0))
    }

    /// Working time between `from` and `to` in milliseconds, leaving out `pauses` (while a request
    /// waits for the customer or for an approval). A pause without an end lasts until `to`; pauses
    /// may overlap each other and reach outside `from`..`to` (only the part inside counts); a pause
    /// that ends before it starts is ignored.
    pub fn elapsed_except(
        &self,
        from: Timestamp,
        to: Timestamp,
        pauses: &[(Timestamp, Option<Timestamp>)],
    ) -> i64 {
        let (from, to) = (clamp(from.0), clamp(to.0));
        if to <= from {
            return 0;
        }
        let mut stops: Vec<(i64, i64)> = pauses
            .iter()
            .map(|(start, end)| {
                (
                    clamp(start.0).max(from),
                    end.map_or(to, |e| clamp(e.0)).min(to),
                )
            })
            .filter(|(start, end)| start < end)
            .collect();
        stops.sort_unstable();

        let schedule = Schedule::new(self);
        let mut total: i64 = 0;
        let mut running_since = from;
        for (start, end) in stops {
            if start > running_since {
                total = total.saturating_add(schedule.elapsed(running_since, start));
            }
            running_since = running_since.max(end);
        }
        total.saturating_add(schedule.elapsed(running_since, to))
    }

    /// Whether `at` is within working hours.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let at = at.0;
        if at != clamp(at) {
            return false;
        }
        let schedule = Schedule::new(self);
        let mut ranges = Vec::new();
        let known = schedule
            .local_day(at)
            .and_then(|day| schedule.day_ranges(day, &mut ranges));
        known.is_some() && ranges.iter().any(|&(open, close)| open <= at && at < close)
    }

    /// Builds a calendar from its JSON form, naming each time or date that does not read.
    fn from_text(text: CalendarText) -> Result<Self, ValidationErrors> {
        let mut errors = Vec::new();
        let mut hours: [Vec<Interval>; 7] = Default::default();
        for ((key, day), out) in DAY_KEYS.iter().zip(text.hours.into_days()).zip(&mut hours) {
            for (i, (start, end)) in day.iter().enumerate() {
                match Interval::parse(start, end) {
                    Some(interval) => out.push(interval),
                    None => errors.push(FieldError::new(
                        format!("calendar.hours.{key}[{i}]"),
                        "invalid_format",
                        TIME_MESSAGE,
                    )),
                }
            }
        }
        let mut holidays = Vec::with_capacity(text.holidays.len());
        for (i, day) in text.holidays.iter().enumerate() {
            match parse_date(day) {
                Some(date) => holidays.push(date),
                None => errors.push(FieldError::new(
                    format!("calendar.holidays[{i}]"),
                    "invalid_format",
                    "use a date as YYYY-MM-DD",
                )),
            }
        }
        if errors.is_empty() {
            Ok(Self {
                time_zone: text.time_zone,
                hours,
                holidays,
            })
        } else {
            Err(ValidationErrors(errors))
        }
    }

    fn to_text(&self) -> CalendarText {
        let day = |intervals: &Vec<Interval>| -> DayText {
            intervals
                .iter()
                .map(|i| (format_time(i.start), format_time(i.end)))
                .collect()
        };
        CalendarText {
            time_zone: self.time_zone.clone(),
            hours: WeekText::from_days(self.hours.each_ref().map(day)),
            holidays: self.holidays.iter().map(ToString::to_string).collect(),
        }
    }
}

impl Serialize for Calendar {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_text().serialize(serializer)
    }
}

/// Reads the JSON form; times and dates must read, the rest is for [`Calendar::check`].
impl<'de> Deserialize<'de> for Calendar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = CalendarText::deserialize(deserializer)?;
        Self::from_text(text).map_err(serde::de::Error::custom)
    }
}

/// The JSON form of a calendar.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarText {
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    hours: WeekText,
    #[serde(default)]
    holidays: Vec<String>,
}

type DayText = Vec<(String, String)>;

#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WeekText {
    #[serde(default)]
    mon: DayText,
    #[serde(default)]
    tue: DayText,
    #[serde(default)]
    wed: DayText,
    #[serde(default)]
    thu: DayText,
    #[serde(default)]
    fri: DayText,
    #[serde(default)]
    sat: DayText,
    #[serde(default)]
    sun: DayText,
}

impl WeekText {
    fn into_days(self) -> [DayText; 7] {
        [
            self.mon, self.tue, self.wed, self.thu, self.fri, self.sat, self.sun,
        ]
    }

    fn from_days(days: [DayText; 7]) -> Self {
        let [mon, tue, wed, thu, fri, sat, sun] = days;
        Self {
            mon,
            tue,
            wed,
            thu,
            fri,
            sat,
            sun,
        }
    }
}

/// `HH:MM` from 00:00 to 24:00 as minutes after midnight.
fn parse_time(s: &str) -> Option<u16> {
    let [h1, h2, b':', m1, m2] = s.as_bytes() else {
        return None;
    };
    let hour = digit(*h1)? * 10 + digit(*h2)?;
    let minute = digit(*m1)? * 10 + digit(*m2)?;
    let valid = minute < 60 && (hour < 24 || (hour == 24 && minute == 0));
    valid.then_some(hour * 60 + minute)
}

fn format_time(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `YYYY-MM-DD`, and nothing else.
fn parse_date(s: &str) -> Option<Date> {
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = s.as_bytes() else {
        return None;
    };
    let year = [y1, y2, y3, y4]
        .into_iter()
        .try_fold(0u16, |n, c| Some(n * 10 + digit(*c)?))?;
    let month = digit(*m1)? * 10 + digit(*m2)?;
    let day = digit(*d1)? * 10 + digit(*d2)?;
    Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

fn digit(c: u8) -> Option<u16> {
    char::from(c)
        .to_digit(10)
        .and_then(|d| u16::try_from(d).ok())
}

/// The instants this module counts in: the years -9999 to 9999 less a few days at each end, so that
/// every local day around them can be named in any time zone.
fn bounds() -> (i64, i64) {
    let margin = 4 * MS_PER_DAY;
    (
        jiff::Timestamp::MIN.as_millisecond() + margin,
        jiff::Timestamp::MAX.as_millisecond() - margin,
    )
}

fn clamp(ms: i64) -> i64 {
    let (low, high) = bounds();
    ms.clamp(low, high)
}

/// The local day number (days since 1970-01-01) of a date.
fn day_number(date: Date) -> i64 {
    date.duration_since(Date::constant(1970, 1, 1))
        .as_secs()
        .div_euclid(SECS_PER_DAY)
}

/// Monday = 0 … Sunday = 6 for a day number (1970-01-01 was a Thursday).
fn weekday(day: i64) -> usize {
    usize::try_from((day + 3).rem_euclid(7)).unwrap_or(0)
}

/// A calendar made ready for counting: the time zone looked up, each day's intervals as seconds
/// after local midnight (sorted, joined where they touch or overlap, unusable ones left out) and
/// the holidays as sorted day numbers.
struct Schedule {
    tz: TimeZone,
    week: [Vec<(i64, i64)>; 7],
    /// Working time in a week without holidays or clock changes.
    week_ms: i64,
    holidays: Vec<i64>,
}

impl Schedule {
    fn new(calendar: &Calendar) -> Self {
        let tz = TimeZone::get(&calendar.time_zone).unwrap_or(TimeZone::UTC);
        let week = calendar.hours.each_ref().map(|day| {
            let mut day: Vec<Interval> = day
                .iter()
                .copied()
                .filter(|i| i.start < i.end && i.end <= MINUTES_PER_DAY)
                .collect();
            day.sort_unstable();
            let mut joined: Vec<(i64, i64)> = Vec::with_capacity(day.len());
            for i in day {
                let (start, end) = (i64::from(i.start) * 60, i64::from(i.end) * 60);
                match joined.last_mut() {
                    Some(last) if start <= last.1 => last.1 = last.1.max(end),
                    _ => joined.push((start, end)),
                }
            }
            joined
        });
        let week_ms: i64 = week
            .iter()
            .flatten()
            .map(|(start, end)| (end - start) * 1000)
            .sum();
        let mut holidays: Vec<i64> = calendar.holidays.iter().copied().map(day_number).collect();
        holidays.sort_unstable();
        holidays.dedup();
        Self {
            tz,
            week,
            week_ms,
            holidays,
        }
    }

    /// The local day number of an instant.
    fn local_day(&self, ms: i64) -> Option<i64> {
        let t = jiff::Timestamp::from_millisecond(ms).ok()?;
        let offset = i64::from(self.tz.to_offset(t).seconds());
        Some((ms.div_euclid(1000) + offset).div_euclid(SECS_PER_DAY))
    }

    /// The instant (milliseconds) of a local wall-clock time given as seconds since 1970-01-01
    /// 00:00 local time: a skipped time is the moment of the jump, a repeated one its first
    /// showing.
    fn instant(&self, wall: i64) -> Option<i64> {
        let civil = Offset::UTC.to_datetime(jiff::Timestamp::from_second(wall).ok()?);
        let secs = |offset: Offset| wall - i64::from(offset.seconds());
        let second = match self.tz.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => secs(offset),
            AmbiguousOffset::Fold { before, after } => secs(before).min(secs(after)),
            AmbiguousOffset::Gap { before, after } => {
                let (early, late) = (secs(before).min(secs(after)), secs(before).max(secs(after)));
                self.tz
                    .following(jiff::Timestamp::from_second(early).ok()?)
                    .next()
                    .map(|jump| jump.timestamp().as_second())
                    .filter(|jump| *jump <= late)
                    .unwrap_or(late)
            }
        };
        second.checked_mul(1000)
    }

    /// The working intervals of local day `day` as instants, in order, none empty.
    fn day_ranges(&self, day: i64, out: &mut Vec<(i64, i64)>) -> Option<()> {
        out.clear();
        if self.holidays.binary_search(&day).is_ok() {
            return Some(());
        }
        let midnight = day.checked_mul(SECS_PER_DAY)?;
        let intervals = self.week.get(weekday(day)).map_or(&[][..], Vec::as_slice);
        for &(start, end) in intervals {
            let open = self.instant(midnight + start)?;
            let close = self.instant(midnight + end)?;
            if open < close {
                out.push((open, close));
            }
        }
        Some(())
    }

    /// How many whole weeks from local day `day` (which begins at the instant `day_start`) hold
    /// exactly `week_ms` of working time: no holiday and no clock change in them or the day after.
    fn quiet_weeks(&self, day: i64, day_start: i64) -> i64 {
        let Ok(t) = jiff::Timestamp::from_millisecond(day_start) else {
            return 0;
        };
        let offset = i64::from(self.tz.to_offset(t).seconds());
        // A day that begins at a skipped or repeated midnight is itself part of a change.
        if day_start != (day * SECS_PER_DAY - offset) * 1000 {
            return 0;
        }
        let to_holiday = self
            .holidays
            .get(self.holidays.partition_point(|h| *h < day))
            .map_or(i64::MAX, |h| h - day);
        let to_change = self.tz.following(t).next().map_or(i64::MAX, |change| {
            (change.timestamp().as_second() + offset).div_euclid(SECS_PER_DAY) - day - 1
        });
        to_holiday.min(to_change).max(0) / 7
    }

    /// The instant when `remaining` (> 0) milliseconds of working time have passed after `start`;
    /// `None` when that is never, or past the year 9999.
    fn add(&self, start: i64, mut remaining: i64) -> Option<i64> {
        if self.week_ms <= 0 {
            return None;
        }
        let mut day = self.local_day(start)?;
        let mut idle_days = 0;
        let mut ranges = Vec::new();
        loop {
            if remaining > self.week_ms {
                let day_start = self.instant(day.checked_mul(SECS_PER_DAY)?)?;
                if day_start >= start {
                    let weeks = self
                        .quiet_weeks(day, day_start)
                        .min((remaining - 1) / self.week_ms);
                    if weeks > 0 {
                        remaining -= weeks * self.week_ms;
                        day = day.checked_add(weeks.checked_mul(7)?)?;
                        idle_days = 0;
                        continue;
                    }
                }
            }
            self.day_ranges(day, &mut ranges)?;
            let mut worked = false;
            for &(open, close) in &ranges {
                let open = open.max(start);
                if open < close {
                    worked = true;
                    if remaining <= close - open {
                        return Some(open + remaining);
                    }
                    remaining -= close - open;
                }
            }
            idle_days = if worked { 0 } else { idle_days + 1 };
            if idle_days > IDLE_DAYS {
                return None;
            }
            day = day.checked_add(1)?;
        }
    }

    /// Working time between `from` and `to` in milliseconds.
    fn elapsed(&self, from: i64, to: i64) -> i64 {
        if to <= from || self.week_ms <= 0 {
            return 0;
        }
        let Some(mut day) = self.local_day(from) else {
            return 0;
        };
        let mut total: i64 = 0;
        let mut ranges = Vec::new();
        // Each day begins at its local midnight; days that begin at or after `to` add nothing.
        while let Some(day_start) = day
            .checked_mul(SECS_PER_DAY)
            .and_then(|midnight| self.instant(midnight))
            .filter(|day_start| *day_start < to)
        {
            if day_start >= from {
                let weeks = self
                    .quiet_weeks(day, day_start)
                    .min(to.saturating_sub(day_start) / MS_PER_WEEK);
                if weeks > 0 {
                    total = total.saturating_add(weeks.saturating_mul(self.week_ms));
                    day = day.saturating_add(weeks.saturating_mul(7));
                    continue;
                }
            }
            if self.day_ranges(day, &mut ranges).is_none() {
                break;
            }
            for &(open, close) in &ranges {
                let (open, close) = (open.max(from), close.min(to));
                if open < close {
                    total = total.saturating_add(close - open);
                }
            }
            day = day.saturating_add(1);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;
    use jiff::civil::date;
    use serde_json::json;

    const SH: &str = "Asia/Shanghai";
    const BER: &str = "Europe/Berlin";
    const NY: &str = "America/New_York";
    const MIN: i64 = 60_000;
    const HOUR: i64 = 3_600_000;

    /// The instant of a local time such as `2027-03-01 09:00` (it must exist exactly once).
    fn at(tz: &str, local: &str) -> Timestamp {
        let civil: jiff::civil::DateTime =
            format!("{}:00", local.replace(' ', "T")).parse().unwrap();
        let t = TimeZone::get(tz)
            .unwrap()
            .to_ambiguous_timestamp(civil)
            .unambiguous()
            .unwrap();
        Timestamp(t.as_millisecond())
    }

    /// An instant written in UTC, such as `2027-10-31T00:30:00Z`.
    fn utc(s: &str) -> Timestamp {
        Timestamp(s.parse::<jiff::Timestamp>().unwrap().as_millisecond())
    }

    fn local(tz: &str, t: Timestamp) -> String {
        let t = jiff::Timestamp::from_millisecond(t.0).unwrap();
        TimeZone::get(tz).unwrap().to_datetime(t).to_string()
    }

    fn iv(start: &str, end: &str) -> Interval {
        Interval::parse(start, end).unwrap()
    }

    /// Monday to Friday, 09:00–18:00, Shanghai.
    fn desk() -> Calendar {
        Calendar::weekdays(SH, "09:00", "18:00").unwrap()
    }

    /// Every day open 00:00–24:00 in `tz`.
    fn always_in(tz: &str) -> Calendar {
        Calendar {
            time_zone: tz.into(),
            ..Calendar::always()
        }
    }

    /// Only the given days (Monday = 0) open, with the given intervals.
    fn only(tz: &str, days: &[usize], intervals: &[Interval]) -> Calendar {
        Calendar {
            time_zone: tz.into(),
            hours: std::array::from_fn(|d| {
                if days.contains(&d) {
                    intervals.to_vec()
                } else {
                    Vec::new()
                }
            }),
            holidays: Vec::new(),
        }
    }

    fn split_day() -> Calendar {
        only(
            SH,
            &[0, 1, 2, 3, 4],
            &[iv("09:00", "12:00"), iv("13:00", "18:00")],
        )
    }

    fn refusals(result: Result<(), ValidationErrors>) -> Vec<(String, &'static str)> {
        match result {
            Ok(()) => Vec::new(),
            Err(e) => e.0.into_iter().map(|e| (e.field, e.code)).collect(),
        }
    }

    fn one(field: &str, code: &'static str) -> Vec<(String, &'static str)> {
        vec![(field.to_owned(), code)]
    }

    /// Working time the slow way: every day's intervals, no whole weeks skipped.
    fn elapsed_day_by_day(calendar: &Calendar, from: Timestamp, to: Timestamp) -> i64 {
        let schedule = Schedule::new(calendar);
        let mut ranges = Vec::new();
        let mut total = 0;
        let (first, last) = (
            schedule.local_day(from.0).unwrap(),
            schedule.local_day(to.0).unwrap(),
        );
        for day in first..=last {
            schedule.day_ranges(day, &mut ranges).unwrap();
            for &(open, close) in &ranges {
                let (open, close) = (open.max(from.0), close.min(to.0));
                if open < close {
                    total += close - open;
                }
            }
        }
        total
    }

    #[test]
    fn a_deadline_within_one_day() {
        let c = desk();
        assert_eq!(
            c.add(at(SH, "2027-03-01 10:00"), 3 * HOUR),
            at(SH, "2027-03-01 13:00")
        );
        let odd = at(SH, "2027-03-01 10:00").plus_millis(1234);
        assert_eq!(
            c.add(odd, 90 * MIN),
            at(SH, "2027-03-01 11:30").plus_millis(1234)
        );
        assert_eq!(
            c.elapsed(at(SH, "2027-03-01 10:00"), at(SH, "2027-03-01 13:00")),
            3 * HOUR
        );
    }

    #[test]
    fn a_deadline_that_ends_at_closing_time_is_closing_time() {
        let c = desk();
        assert_eq!(
            c.add(at(SH, "2027-03-01 09:00"), 9 * HOUR),
            at(SH, "2027-03-01 18:00")
        );
        assert_eq!(
            c.add(at(SH, "2027-03-01 09:00"), 9 * HOUR + 1),
            at(SH, "2027-03-02 09:00").plus_millis(1)
        );
    }

    #[test]
    fn no_time_to_add_is_the_start_itself() {
        let c = desk();
        let saturday = at(SH, "2027-03-06 11:00");
        assert_eq!(c.add(saturday, 0), saturday);
        assert_eq!(c.add(saturday, -5 * HOUR), saturday);
    }

    #[test]
    fn the_clock_starts_at_the_next_opening() {
        let c = desk();
        // Before opening.
        assert_eq!(
            c.add(at(SH, "2027-03-01 07:30"), HOUR),
            at(SH, "2027-03-01 10:00")
        );
        // After closing, and right at closing.
        assert_eq!(
            c.add(at(SH, "2027-03-01 19:00"), HOUR),
            at(SH, "2027-03-02 10:00")
        );
        assert_eq!(
            c.add(at(SH, "2027-03-01 18:00"), HOUR),
            at(SH, "2027-03-02 10:00")
        );
        // On a weekend.
        assert_eq!(
            c.add(at(SH, "2027-03-06 11:00"), HOUR),
            at(SH, "2027-03-08 10:00")
        );
        // On a holiday.
        let mut c = desk();
        c.holidays = vec![date(2027, 3, 1)];
        assert_eq!(
            c.add(at(SH, "2027-03-01 10:00"), HOUR),
            at(SH, "2027-03-02 10:00")
        );
    }

    #[test]
    fn deadlines_cross_nights_weekends_and_holidays() {
        let c = desk();
        // A night.
        assert_eq!(
            c.add(at(SH, "2027-03-01 17:00"), 2 * HOUR),
            at(SH, "2027-03-02 10:00")
        );
        // A weekend.
        assert_eq!(
            c.add(at(SH, "2027-03-05 17:00"), 2 * HOUR),
            at(SH, "2027-03-08 10:00")
        );
        assert_eq!(
            c.elapsed(at(SH, "2027-03-05 17:00"), at(SH, "2027-03-08 10:00")),
            2 * HOUR
        );
        // A holiday on the Monday.
        let mut c = desk();
        c.holidays = vec![date(2027, 3, 8)];
        assert_eq!(
            c.add(at(SH, "2027-03-05 17:00"), 2 * HOUR),
            at(SH, "2027-03-09 10:00")
        );
        // A whole week of holidays.
        c.holidays = (8..=12).map(|d| date(2027, 3, d)).collect();
        assert_eq!(
            c.add(at(SH, "2027-03-05 17:00"), 2 * HOUR),
            at(SH, "2027-03-15 10:00")
        );
        assert_eq!(
            c.elapsed(at(SH, "2027-03-05 00:00"), at(SH, "2027-03-16 00:00")),
            2 * 9 * HOUR
        );
    }

    #[test]
    fn open_and_closed() {
        let mut c = desk();
        c.holidays = vec![date(2027, 3, 2)];
        assert!(c.is_open(at(SH, "2027-03-01 09:00")));
        assert!(!c.is_open(at(SH, "2027-03-01 09:00").plus_millis(-1)));
        assert!(c.is_open(at(SH, "2027-03-01 18:00").plus_millis(-1)));
        assert!(!c.is_open(at(SH, "2027-03-01 18:00")));
        assert!(!c.is_open(at(SH, "2027-03-02 12:00")), "a holiday");
        assert!(!c.is_open(at(SH, "2027-03-06 12:00")), "a Saturday");
    }

    #[test]
    fn elapsed_is_zero_unless_to_is_after_from() {
        let c = desk();
        let t = at(SH, "2027-03-01 10:00");
        assert_eq!(c.elapsed(t, t), 0);
        assert_eq!(c.elapsed(t, at(SH, "2027-03-01 09:30")), 0);
        assert_eq!(
            c.elapsed(at(SH, "2027-03-06 00:00"), at(SH, "2027-03-07 23:00")),
            0
        );
    }

    #[test]
    fn split_days() {
        let c = split_day();
        assert_eq!(
            c.add(at(SH, "2027-03-01 11:00"), 2 * HOUR),
            at(SH, "2027-03-01 14:00")
        );
        assert_eq!(
            c.add(at(SH, "2027-03-01 12:30"), 30 * MIN),
            at(SH, "2027-03-01 13:30")
        );
        assert_eq!(
            c.add(at(SH, "2027-03-01 11:00"), HOUR),
            at(SH, "2027-03-01 12:00")
        );
        assert_eq!(
            c.add(at(SH, "2027-03-01 17:00"), 5 * HOUR),
            at(SH, "2027-03-02 14:00")
        );
        assert_eq!(
            c.elapsed(at(SH, "2027-03-01 09:00"), at(SH, "2027-03-01 18:00")),
            8 * HOUR
        );
        assert!(!c.is_open(at(SH, "2027-03-01 12:30")));
        assert!(c.is_open(at(SH, "2027-03-01 13:00")));
    }

    #[test]
    fn always_open_counts_plain_time() {
        let c = Calendar::always();
        assert_eq!(c.check(), Ok(()));
        let t = utc("2027-03-06T23:59:59.5Z");
        for d in [1, MIN, 17 * HOUR, 3 * 24 * HOUR + 5, 400 * 24 * HOUR] {
            assert_eq!(c.add(t, d), t.plus_millis(d));
            assert_eq!(c.elapsed(t, t.plus_millis(d)), d);
        }
        assert!(c.is_open(t));
    }

    #[test]
    fn always_open_counts_every_instant_once_in_any_zone() {
        for tz in [
            "UTC",
            BER,
            NY,
            "America/Santiago",
            "Australia/Lord_Howe",
            "Asia/Kathmandu",
        ] {
            let c = always_in(tz);
            let from = utc("2026-12-30T13:17:00Z");
            for d in [HOUR, 24 * HOUR, 100 * 24 * HOUR, 800 * 24 * HOUR + 7] {
                let to = from.plus_millis(d);
                assert_eq!(c.elapsed(from, to), d, "{tz}, {d}");
                assert_eq!(c.elapsed(from, to), elapsed_day_by_day(&c, from, to));
                assert_eq!(c.add(from, d), to, "{tz}, {d}");
            }
        }
    }

    #[test]
    fn berlin_days_of_23_and_25_hours() {
        let sundays = only(BER, &[6], &[iv("00:00", "24:00")]);
        assert_eq!(
            sundays.elapsed(at(BER, "2027-03-22 00:00"), at(BER, "2027-03-29 00:00")),
            23 * HOUR
        );
        assert_eq!(
            sundays.elapsed(at(BER, "2027-10-25 00:00"), at(BER, "2027-11-01 00:00")),
            25 * HOUR
        );
        // A day's worth of working time from the start of the short Sunday ends at 01:00 Monday.
        assert_eq!(
            sundays.add(at(BER, "2027-03-28 00:00"), 24 * HOUR),
            at(BER, "2027-04-04 01:00")
        );
        let c = always_in(BER);
        assert_eq!(
            c.add(at(BER, "2027-03-28 00:00"), 24 * HOUR),
            at(BER, "2027-03-29 01:00")
        );
        assert_eq!(
            c.add(at(BER, "2027-10-31 00:00"), 24 * HOUR),
            at(BER, "2027-10-31 23:00")
        );
    }

    #[test]
    fn berlin_hours_that_span_the_changes() {
        // 01:00–04:00 on the Sunday clocks go forward holds two hours, on the Sunday they go back
        // four.
        let night = only(BER, &[6], &[iv("01:00", "04:00")]);
        let week = |monday: &str, next: &str| night.elapsed(at(BER, monday), at(BER, next));
        assert_eq!(week("2027-03-22 00:00", "2027-03-29 00:00"), 2 * HOUR);
        assert_eq!(week("2027-10-25 00:00", "2027-11-01 00:00"), 4 * HOUR);
        assert_eq!(week("2027-03-15 00:00", "2027-03-22 00:00"), 3 * HOUR);
        assert_eq!(
            night.add(at(BER, "2027-03-28 01:30"), HOUR),
            at(BER, "2027-03-28 03:30")
        );
        // Two hours of working time from 01:30 summer time end at the second showing of 02:30.
        assert_eq!(
            night.add(at(BER, "2027-10-31 01:30"), 2 * HOUR),
            utc("2027-10-31T01:30:00Z")
        );
        assert_eq!(
            local(BER, utc("2027-10-31T01:30:00Z")),
            "2027-10-31T02:30:00"
        );
    }

    #[test]
    fn berlin_intervals_in_the_skipped_and_repeated_hour() {
        // Starting in the skipped hour: open from the jump (03:00).
        let late = only(BER, &[6], &[iv("02:30", "04:00")]);
        assert_eq!(
            late.elapsed(at(BER, "2027-03-28 00:00"), at(BER, "2027-03-29 00:00")),
            HOUR
        );
        assert!(late.is_open(at(BER, "2027-03-28 03:00")));
        assert!(!late.is_open(utc("2027-03-28T00:59:59Z")));
        // Starting in the repeated hour: open from its first showing, through both passes.
        assert_eq!(
            late.elapsed(at(BER, "2027-10-31 00:00"), at(BER, "2027-11-01 00:00")),
            150 * MIN
        );
        assert!(late.is_open(utc("2027-10-31T00:30:00Z")), "first 02:30");
        assert!(late.is_open(utc("2027-10-31T01:15:00Z")), "second 02:15");
        assert!(!late.is_open(utc("2027-10-31T00:29:59Z")));
        // Ending in the repeated hour: closes at its first showing.
        let early = only(BER, &[6], &[iv("01:00", "02:30")]);
        assert_eq!(
            early.elapsed(at(BER, "2027-10-31 00:00"), at(BER, "2027-11-01 00:00")),
            90 * MIN
        );
        assert!(!early.is_open(utc("2027-10-31T01:15:00Z")), "second 02:15");
        // Wholly inside the skipped hour: no working time that day.
        let mut gap = only(BER, &[6], &[iv("02:15", "02:45")]);
        gap.hours[0] = vec![iv("09:00", "10:00")];
        assert_eq!(
            gap.elapsed(at(BER, "2027-03-27 00:00"), at(BER, "2027-03-29 00:00")),
            0
        );
        assert_eq!(
            gap.elapsed(at(BER, "2027-03-20 00:00"), at(BER, "2027-03-22 00:00")),
            30 * MIN
        );
        assert_eq!(
            gap.add(at(BER, "2027-03-27 12:00"), 10 * MIN),
            at(BER, "2027-03-29 09:10")
        );
    }

    #[test]
    fn berlin_office_hours_across_the_change_weekends() {
        let c = Calendar::weekdays(BER, "09:00", "18:00").unwrap();
        assert_eq!(
            c.add(at(BER, "2027-03-26 17:00"), 2 * HOUR),
            at(BER, "2027-03-29 10:00")
        );
        assert_eq!(
            c.add(at(BER, "2027-10-29 17:00"), 2 * HOUR),
            at(BER, "2027-11-01 10:00")
        );
        assert_eq!(
            c.elapsed(at(BER, "2027-03-22 09:00"), at(BER, "2027-03-29 09:00")),
            45 * HOUR
        );
        assert_eq!(
            c.elapsed(at(BER, "2027-10-25 09:00"), at(BER, "2027-11-01 09:00")),
            45 * HOUR
        );
    }

    #[test]
    fn new_york_weekend_desk_across_the_changes() {
        let weekend = only(NY, &[5, 6], &[iv("00:00", "24:00")]);
        assert_eq!(
            weekend.elapsed(at(NY, "2027-03-12 00:00"), at(NY, "2027-03-15 00:00")),
            47 * HOUR
        );
        assert_eq!(
            weekend.elapsed(at(NY, "2027-11-05 00:00"), at(NY, "2027-11-08 00:00")),
            49 * HOUR
        );
        // Twelve hours of Saturday, then twelve real hours of Sunday: 13:00 on the clock.
        assert_eq!(
            weekend.add(at(NY, "2027-03-13 12:00"), 24 * HOUR),
            at(NY, "2027-03-14 13:00")
        );
        assert_eq!(
            weekend.add(at(NY, "2027-11-06 12:00"), 24 * HOUR),
            at(NY, "2027-11-07 11:00")
        );
        // 01:00–03:00 holds the repeated hour in November and loses the skipped one in March.
        let night = only(NY, &[6], &[iv("01:00", "03:00")]);
        assert_eq!(
            night.elapsed(at(NY, "2027-11-07 00:00"), at(NY, "2027-11-08 00:00")),
            3 * HOUR
        );
        assert_eq!(
            night.elapsed(at(NY, "2027-03-14 00:00"), at(NY, "2027-03-15 00:00")),
            HOUR
        );
        let office = Calendar::weekdays(NY, "09:00", "17:00").unwrap();
        assert_eq!(
            office.add(at(NY, "2027-03-12 16:00"), 2 * HOUR),
            at(NY, "2027-03-15 10:00")
        );
        assert_eq!(
            office.add(at(NY, "2027-11-05 16:00"), 2 * HOUR),
            at(NY, "2027-11-08 10:00")
        );
    }

    #[test]
    fn add_and_elapsed_agree() {
        let mut holidays = desk();
        holidays.holidays = vec![date(2027, 3, 15), date(2027, 3, 16), date(2027, 3, 26)];
        let mut berlin = Calendar::weekdays(BER, "08:00", "17:00").unwrap();
        berlin.hours[6] = vec![iv("01:00", "04:00"), iv("20:00", "24:00")];
        berlin.hours[0].insert(0, iv("00:00", "02:30"));
        let new_york = only(
            NY,
            &[0, 2, 4, 5, 6],
            &[iv("01:30", "02:30"), iv("12:00", "24:00")],
        );
        let calendars = [
            ("desk with holidays", SH, holidays),
            ("split day", SH, split_day()),
            ("berlin", BER, berlin),
            ("new york", NY, new_york),
            ("always", "UTC", Calendar::always()),
        ];
        let durations = [
            1,
            59_999,
            MIN,
            37 * MIN,
            HOUR,
            8 * HOUR + 1,
            9 * HOUR,
            27 * HOUR,
            41 * HOUR + 17 * MIN + 3,
            45 * HOUR,
            200 * HOUR,
        ];
        let mut checked = 0;
        for (name, tz, c) in &calendars {
            let base = at(tz, "2027-03-08 00:00");
            for i in 0..40 {
                let start = base.plus_millis(i * 46_801_234);
                let mut last = start;
                for d in durations {
                    let deadline = c.add(start, d);
                    let show = || format!("{name}: {} + {d} ms", local(tz, start));
                    assert!(deadline > last, "{}", show());
                    assert_eq!(c.elapsed(start, deadline), d, "{}", show());
                    assert_eq!(
                        c.elapsed(start, deadline.plus_millis(-1)),
                        d - 1,
                        "{}: the deadline is the earliest such instant",
                        show()
                    );
                    last = deadline;
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 5 * 40 * 11);
    }

    #[test]
    fn skipping_whole_weeks_counts_the_same_as_every_day() {
        let mut berlin = Calendar::weekdays(BER, "08:00", "17:00").unwrap();
        berlin.hours[6] = vec![iv("00:00", "03:30"), iv("22:00", "24:00")];
        berlin.holidays = vec![date(2027, 1, 1), date(2027, 12, 24), date(2028, 4, 17)];
        let mut santiago = only("America/Santiago", &[0, 5, 6], &[iv("00:00", "01:30")]);
        santiago.hours[1] = vec![iv("09:00", "18:00")];
        let calendars = [
            ("berlin", BER, berlin),
            (
                "new york",
                NY,
                Calendar::weekdays(NY, "09:00", "17:00").unwrap(),
            ),
            ("santiago", "America/Santiago", santiago),
            (
                "lord howe",
                "Australia/Lord_Howe",
                only("Australia/Lord_Howe", &[6], &[iv("01:00", "03:00")]),
            ),
        ];
        for (name, tz, c) in &calendars {
            let from = at(tz, "2026-06-03 10:17");
            for to in ["2026-06-30 00:00", "2027-04-02 13:00", "2028-12-31 23:00"] {
                let to = at(tz, to);
                let fast = c.elapsed(from, to);
                assert_eq!(
                    fast,
                    elapsed_day_by_day(c, from, to),
                    "{name} to {}",
                    local(tz, to)
                );
                assert_eq!(c.elapsed(from, c.add(from, fast)), fast, "{name}");
            }
        }
    }

    #[test]
    fn thirty_business_days() {
        let mut c = desk();
        c.holidays = vec![date(2027, 5, 3), date(2027, 5, 4), date(2027, 5, 5)];
        let start = at(SH, "2027-04-12 09:00");
        let thirty_days = 30 * 9 * HOUR;
        assert_eq!(c.add(start, thirty_days), at(SH, "2027-05-26 18:00"));
        assert_eq!(
            c.add(start, thirty_days + 1),
            at(SH, "2027-05-27 09:00").plus_millis(1)
        );
        assert_eq!(c.elapsed(start, at(SH, "2027-05-26 18:00")), thirty_days);
        // Ten years of working days.
        let long = 2600 * 9 * HOUR;
        let deadline = c.add(start, long);
        assert_eq!(c.elapsed(start, deadline), long);
        assert_eq!(local(SH, deadline).get(..4), Some("2037"));
    }

    #[test]
    fn pauses_stop_the_clock() {
        let c = desk();
        let monday = at(SH, "2027-03-01 09:00");
        let friday = at(SH, "2027-03-05 18:00");
        assert_eq!(c.elapsed_except(monday, friday, &[]), 45 * HOUR);
        // Overlapping pauses count once.
        let overlapping = [
            (at(SH, "2027-03-01 10:00"), Some(at(SH, "2027-03-01 12:00"))),
            (at(SH, "2027-03-01 11:00"), Some(at(SH, "2027-03-01 14:00"))),
        ];
        assert_eq!(c.elapsed_except(monday, friday, &overlapping), 41 * HOUR);
        // A pause without an end lasts until `to`.
        let open_ended = [(at(SH, "2027-03-04 09:00"), None)];
        assert_eq!(c.elapsed_except(monday, friday, &open_ended), 27 * HOUR);
        let both = [overlapping[0], open_ended[0], overlapping[1]];
        assert_eq!(c.elapsed_except(monday, friday, &both), 23 * HOUR);
        // Only the part inside the range counts.
        let outside = [
            (at(SH, "2027-02-26 10:00"), Some(at(SH, "2027-03-01 10:00"))),
            (at(SH, "2027-02-20 10:00"), Some(at(SH, "2027-02-21 10:00"))),
            (at(SH, "2027-03-06 10:00"), None),
            (at(SH, "2027-03-05 17:00"), Some(at(SH, "2027-03-09 10:00"))),
        ];
        assert_eq!(c.elapsed_except(monday, friday, &outside), 43 * HOUR);
        // Pauses outside working hours change nothing; one that ends before it starts is ignored.
        let harmless = [
            (at(SH, "2027-03-01 19:00"), Some(at(SH, "2027-03-02 08:00"))),
            (at(SH, "2027-03-03 15:00"), Some(at(SH, "2027-03-03 10:00"))),
        ];
        assert_eq!(c.elapsed_except(monday, friday, &harmless), 45 * HOUR);
        // A pause over everything leaves nothing.
        let all = [(at(SH, "2027-02-01 00:00"), None)];
        assert_eq!(c.elapsed_except(monday, friday, &all), 0);
        assert_eq!(c.elapsed_except(friday, monday, &[]), 0);
    }

    #[test]
    fn check_accepts_sensible_calendars() {
        assert_eq!(desk().check(), Ok(()));
        assert_eq!(split_day().check(), Ok(()));
        let mut c = only(
            BER,
            &[0, 1, 2, 3, 4, 5, 6],
            &[iv("00:00", "06:00"), iv("22:00", "24:00")],
        );
        c.holidays = vec![date(2027, 12, 25), date(2027, 12, 24)];
        assert_eq!(c.check(), Ok(()));
    }

    #[test]
    fn check_refuses_each_fault_by_name() {
        let mut c = desk();
        c.time_zone = "Mars/Olympus_Mons".into();
        assert_eq!(
            refusals(c.check()),
            one("calendar.time_zone", "invalid_choice")
        );
        c.time_zone = String::new();
        assert_eq!(refusals(c.check()), one("calendar.time_zone", "required"));

        let mut c = desk();
        c.hours[0] = vec![iv("18:00", "09:00")];
        assert_eq!(
            refusals(c.check()),
            one("calendar.hours.mon[0]", "not_before_end")
        );
        c.hours[0] = vec![iv("09:00", "09:00")];
        assert_eq!(
            refusals(c.check()),
            one("calendar.hours.mon[0]", "not_before_end")
        );

        let mut c = desk();
        c.hours[1] = vec![iv("09:00", "12:00"), iv("11:00", "18:00")];
        assert_eq!(
            refusals(c.check()),
            one("calendar.hours.tue[1]", "overlaps")
        );

        let mut c = desk();
        c.hours[2] = vec![iv("13:00", "18:00"), iv("09:00", "12:00")];
        assert_eq!(
            refusals(c.check()),
            one("calendar.hours.wed[1]", "out_of_order")
        );

        let mut c = desk();
        c.hours[3] = vec![Interval::new(0, MINUTES_PER_DAY + 1)];
        assert_eq!(
            refusals(c.check()),
            one("calendar.hours.thu[0]", "out_of_range")
        );

        let mut c = desk();
        c.hours[4] = (0..49).map(|m| Interval::new(m * 2, m * 2 + 1)).collect();
        assert_eq!(refusals(c.check()), one("calendar.hours.fri", "too_many"));

        let none = only(SH, &[], &[]);
        assert_eq!(refusals(none.check()), one("calendar.hours", "required"));

        let mut c = desk();
        c.holidays = vec![date(2027, 1, 1), date(2027, 5, 1), date(2027, 1, 1)];
        assert_eq!(
            refusals(c.check()),
            one("calendar.holidays[2]", "duplicate")
        );

        let mut c = desk();
        c.holidays = std::iter::successors(Some(date(2027, 1, 1)), |d| d.tomorrow().ok())
            .take(MAX_HOLIDAYS + 1)
            .collect();
        assert_eq!(refusals(c.check()), one("calendar.holidays", "too_many"));

        // Every fault is named at once.
        let mut c = desk();
        c.time_zone = "Nowhere".into();
        c.hours[5] = vec![iv("10:00", "09:00")];
        c.holidays = vec![date(2027, 1, 1), date(2027, 1, 1)];
        assert_eq!(
            refusals(c.check()),
            vec![
                ("calendar.time_zone".to_owned(), "invalid_choice"),
                ("calendar.hours.sat[0]".to_owned(), "not_before_end"),
                ("calendar.holidays[1]".to_owned(), "duplicate"),
            ]
        );
    }

    #[test]
    fn times_and_dates_must_read() {
        for bad in [
            "9:00", "09:60", "24:01", "25:00", "0900", "09:00 ", "09:0a", "",
        ] {
            assert_eq!(parse_time(bad), None, "{bad:?}");
        }
        assert_eq!(parse_time("00:00"), Some(0));
        assert_eq!(parse_time("24:00"), Some(MINUTES_PER_DAY));
        assert_eq!(parse_time("13:45"), Some(13 * 60 + 45));
        assert!(Calendar::weekdays(SH, "9am", "18:00").is_err());

        let value = json!({
            "time_zone": SH,
            "hours": {"mon": [["9:00", "18:00"]], "tue": [["09:00", "18:00"], ["19:00", "24:30"]]},
            "holidays": ["2027-01-01", "2027-13-01", "2027/05/01"],
        });
        let refused = Calendar::from_json(&value).map(|_| ());
        assert_eq!(
            refusals(refused),
            vec![
                ("calendar.hours.mon[0]".to_owned(), "invalid_format"),
                ("calendar.hours.tue[1]".to_owned(), "invalid_format"),
                ("calendar.holidays[1]".to_owned(), "invalid_format"),
                ("calendar.holidays[2]".to_owned(), "invalid_format"),
            ]
        );
        let error = serde_json::from_value::<Calendar>(value)
            .unwrap_err()
            .to_string();
        assert!(error.contains("calendar.hours.mon[0]"), "{error}");

        // Not the shape of a calendar at all.
        for value in [
            json!({"time_zone": SH, "hours": {"monday": [["09:00", "18:00"]]}}),
            json!({"time_zone": SH, "hours": {"mon": [["09:00"]]}}),
            json!({"time_zone": SH, "hours": {}, "open": true}),
            json!("Asia/Shanghai"),
        ] {
            assert_eq!(
                refusals(Calendar::from_json(&value).map(|_| ())),
                one("calendar", "invalid_format"),
                "{value}"
            );
        }
        // Once the form reads, the meaning is checked.
        let value = json!({"time_zone": "Nowhere", "hours": {"sun": [["10:00", "09:00"]]}});
        assert_eq!(
            refusals(Calendar::from_json(&value).map(|_| ())),
            vec![
                ("calendar.time_zone".to_owned(), "invalid_choice"),
                ("calendar.hours.sun[0]".to_owned(), "not_before_end"),
            ]
        );
        let value = json!({"time_zone": SH});
        assert_eq!(
            refusals(Calendar::from_json(&value).map(|_| ())),
            one("calendar.hours", "required")
        );
    }

    #[test]
    fn json_shape() {
        let mut c = split_day();
        c.hours[5] = vec![iv("10:00", "24:00")];
        c.holidays = vec![date(2027, 1, 1), date(2027, 5, 3)];
        let value = serde_json::to_value(&c).unwrap();
        let split = json!([["09:00", "12:00"], ["13:00", "18:00"]]);
        assert_eq!(
            value,
            json!({
                "time_zone": "Asia/Shanghai",
                "hours": {
                    "mon": split.clone(), "tue": split.clone(), "wed": split.clone(),
                    "thu": split.clone(), "fri": split,
                    "sat": [["10:00", "24:00"]],
                    "sun": [],
                },
                "holidays": ["2027-01-01", "2027-05-03"],
            })
        );
        assert_eq!(
            serde_json::from_value::<Calendar>(value.clone()).unwrap(),
            c
        );
        assert_eq!(Calendar::from_json(&value).unwrap(), c);
        // Closed days and holidays may be left out.
        let short = json!({"time_zone": SH, "hours": {"mon": [["09:00", "18:00"]]}});
        let c = Calendar::from_json(&short).unwrap();
        assert_eq!(c.hours[0], vec![iv("09:00", "18:00")]);
        assert!(c.hours[1..].iter().all(Vec::is_empty));
        assert!(c.holidays.is_empty());
    }

    #[test]
    fn the_clock_never_runs_away() {
        // No working hours: never.
        let none = only(SH, &[], &[]);
        let t = at(SH, "2027-03-01 10:00");
        assert_eq!(none.add(t, HOUR), NEVER);
        assert_eq!(none.elapsed(t, t.plus_millis(100 * 24 * HOUR)), 0);
        assert!(!none.is_open(t));
        // Open only on Mondays, and every Monday for eleven years a holiday: never.
        let mut mondays = only(SH, &[0], &[iv("09:00", "18:00")]);
        mondays.holidays = std::iter::successors(Some(date(2027, 3, 1)), |d| d.tomorrow().ok())
            .step_by(7)
            .take(574)
            .collect();
        assert_eq!(mondays.check(), Ok(()));
        assert_eq!(mondays.add(t, HOUR), NEVER);
        // An unknown zone (which check refuses) counts as UTC.
        let mut lost = desk();
        lost.time_zone = "Nowhere".into();
        assert_eq!(
            lost.add(utc("2027-03-01T10:00:00Z"), HOUR),
            utc("2027-03-01T11:00:00Z")
        );
        // Instants and amounts at the ends of the range.
        let c = desk();
        assert_eq!(c.add(t, i64::MAX), NEVER);
        assert_eq!(c.add(Timestamp(i64::MAX), HOUR), Timestamp(i64::MAX));
        assert!(c.add(Timestamp(i64::MIN), HOUR) > Timestamp(i64::MIN));
        assert!(c.elapsed(Timestamp(i64::MIN), Timestamp(i64::MAX)) > 0);
        assert_eq!(Calendar::always().add(NEVER, HOUR), NEVER);
        assert!(!c.is_open(Timestamp(i64::MAX)));
        assert_eq!(
            c.elapsed_except(Timestamp(i64::MIN), t, &[(Timestamp(i64::MIN), None)]),
            0
        );
        // Intervals an unchecked calendar lists badly are joined or left out, never counted twice.
        let mut messy = desk();
        messy.hours[0] = vec![
            iv("13:00", "18:00"),
            iv("09:00", "14:00"),
            iv("12:00", "10:00"),
            Interval::new(1000, 2000),
        ];
        assert_eq!(
            messy.elapsed(at(SH, "2027-03-01 00:00"), at(SH, "2027-03-02 00:00")),
            9 * HOUR
        );
    }
}

package org.aitbc.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class DaysTest {
    private static long ms(String date) {
        return LocalDate.parse(date).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    @Test
    void daysAreUtcDaysNumberedLikeLocalDate() {
        assertEquals(LocalDate.parse("2026-03-29").toEpochDay(), Days.epochDay(ms("2026-03-29") + 23 * 3_600_000L));
        assertEquals(
                ms("2026-03-29"), Days.startMs(LocalDate.parse("2026-03-29").toEpochDay()));
        // Before 1970 the day still contains the instant: floor, not truncation towards zero.
        assertEquals(-1, Days.epochDay(-1));
        assertEquals(LocalDate.parse("1969-12-31").toEpochDay(), Days.epochDay(-1));
    }

    @Test
    void theFirstWholeDayOfARangeStartsAtOrAfterItsStart() {
        long day = Days.epochDay(ms("2026-01-10"));
        assertEquals(day, Days.firstWholeDay(ms("2026-01-10")));
        assertEquals(day + 1, Days.firstWholeDay(ms("2026-01-10") + 1));
        assertEquals(day + 1, Days.firstWholeDay(ms("2026-01-11") - 1));
        assertEquals(7 * 86_400_000L, Days.toMs(7));
    }
}

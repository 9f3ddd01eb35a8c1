package io.capstan.workloads.cronjob;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CronScheduleTest {

    @ParameterizedTest(name = "{0}: after {1} the next start is {2}")
    @CsvSource(delimiter = '|', textBlock = """
            every minute                 | */1 * * * *        | 2024-01-01T10:00:00Z | 2024-01-01T10:01:00Z
            every minute mid-second      | * * * * *          | 2024-01-01T10:00:30Z | 2024-01-01T10:01:00Z
            step of 15 minutes           | */15 * * * *       | 2024-01-01T10:16:00Z | 2024-01-01T10:30:00Z
            step wraps the hour          | */15 * * * *       | 2024-01-01T10:45:00Z | 2024-01-01T11:00:00Z
            range with step              | 10-30/10 * * * *   | 2024-01-01T10:21:00Z | 2024-01-01T10:30:00Z
            single value with step       | 50/5 * * * *       | 2024-01-01T10:51:00Z | 2024-01-01T10:55:00Z
            list of minutes              | 5,25,45 * * * *    | 2024-01-01T10:26:00Z | 2024-01-01T10:45:00Z
            hour range                   | 0 9-17 * * *       | 2024-01-01T17:30:00Z | 2024-01-02T09:00:00Z
            hourly descriptor            | @hourly            | 2024-01-01T10:00:00Z | 2024-01-01T11:00:00Z
            daily descriptor             | @daily             | 2024-01-01T10:00:00Z | 2024-01-02T00:00:00Z
            weekly descriptor is Sunday  | @weekly            | 2024-01-01T10:00:00Z | 2024-01-07T00:00:00Z
            monthly descriptor           | @monthly           | 2024-01-15T00:00:00Z | 2024-02-01T00:00:00Z
            yearly descriptor            | @yearly            | 2024-06-01T00:00:00Z | 2025-01-01T00:00:00Z
            annually descriptor          | @annually          | 2024-12-31T23:59:00Z | 2025-01-01T00:00:00Z
            day of week names            | 0 12 * * MON-FRI   | 2024-01-05T13:00:00Z | 2024-01-08T12:00:00Z
            month names                  | 0 0 1 jun *        | 2024-01-05T13:00:00Z | 2024-06-01T00:00:00Z
            dom and dow restricted is OR | 0 0 13 * 5         | 2024-01-01T00:00:00Z | 2024-01-05T00:00:00Z
            dom OR dow reaches the 13th  | 0 0 13 * 5         | 2024-01-12T00:00:00Z | 2024-01-13T00:00:00Z
            dow star means dom only      | 0 0 13 * *         | 2024-01-01T00:00:00Z | 2024-01-13T00:00:00Z
            dom star means dow only      | 0 0 * * 5          | 2024-01-01T00:00:00Z | 2024-01-05T00:00:00Z
            question mark is a star      | 0 0 ? * 5          | 2024-01-01T00:00:00Z | 2024-01-05T00:00:00Z
            leap day                     | 0 0 29 2 *         | 2023-03-01T00:00:00Z | 2024-02-29T00:00:00Z
            31st skips short months      | 0 0 31 * *         | 2024-01-31T00:00:00Z | 2024-03-31T00:00:00Z
            zone prefix                  | CRON_TZ=Europe/Berlin 0 9 * * * | 2024-01-01T00:00:00Z | 2024-01-01T08:00:00Z
            TZ prefix in summer time     | TZ=Europe/Berlin 0 9 * * *      | 2024-07-01T00:00:00Z | 2024-07-01T07:00:00Z
            every duration               | @every 1h30m       | 2024-01-01T10:00:00Z | 2024-01-01T11:30:00Z
            """)
    void nextStartFollowsRobfigCron(String name, String spec, String after, String expected) {
        assertThat(CronSchedule.parse(spec).next(Instant.parse(after))).isEqualTo(Instant.parse(expected));
    }

    @ParameterizedTest(name = "{0} is rejected")
    @CsvSource(delimiter = '|', textBlock = """
            four fields          | * * * *
            six fields           | 0 * * * * *
            minute out of range  | 60 * * * *
            hour out of range    | 0 24 * * *
            day zero             | 0 0 0 * *
            weekday seven        | 0 0 * * 7
            reversed range       | 30-10 * * * *
            zero step            | */0 * * * *
            unknown descriptor   | @fortnightly
            garbage              | a b c d e
            """)
    void malformedSchedulesAreRejected(String name, String spec) {
        assertThatThrownBy(() -> CronSchedule.parse(spec)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0} never fires")
    @CsvSource(delimiter = '|', textBlock = """
            February 30th | 0 0 30 2 *
            """)
    void impossibleDatesHaveNoNextStart(String name, String spec) {
        assertThat(CronSchedule.parse(spec).next(Instant.parse("2024-01-01T00:00:00Z"))).isNull();
    }
}

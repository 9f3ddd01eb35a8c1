package io.capstan.printers;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class HumanDurationTest {

    @ParameterizedTest(name = "{0} seconds read as {1}")
    @CsvSource({
            "-5, <invalid>",
            "-1, 0s",
            "0, 0s",
            "5, 5s",
            "119, 119s",
            "120, 2m",
            "200, 3m20s",
            "599, 9m59s",
            "600, 10m",
            "10799, 179m",
            "10800, 3h",
            "11100, 3h5m",
            "28799, 7h59m",
            "28800, 8h",
            "172799, 47h",
            "172800, 2d",
            "190800, 2d5h",
            "691200, 8d",
            "63071999, 729d",
            "63072000, 2y",
            "63158400, 2y1d",
            "315360000, 10y",
    })
    void formatsDurationsAsKubectlDoes(long seconds, String expected) {
        assertThat(HumanDuration.format(Duration.ofSeconds(seconds))).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void absentTimestampsReadAsUnknown() {
        assertThat(HumanDuration.since(null, Fixtures.NOW)).isEqualTo("<unknown>");
    }
}

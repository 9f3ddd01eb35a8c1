package io.capstan.workloads.common;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SlowStartTest {
    @ParameterizedTest(name = "creating {0} pods goes in batches {1}")
    @CsvSource(delimiter = ';', value = {
            "0;''", "1;1", "2;1,1", "3;1,2", "4;1,2,1", "7;1,2,4", "10;1,2,4,3", "500;1,2,4,8,16,32,64,128,245"})
    void batchesDoubleUntilTheCountIsReached(int count, String expected) {
        List<Integer> batches = expected.isEmpty() ? List.of() : Arrays.stream(expected.split(",")).map(Integer::valueOf).toList();
        assertThat(SlowStart.batches(count)).isEqualTo(batches);
    }
}

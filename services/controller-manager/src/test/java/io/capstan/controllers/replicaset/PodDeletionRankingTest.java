package io.capstan.controllers.replicaset;

import static io.capstan.controllers.testing.Fixtures.T0;
import static io.capstan.controllers.testing.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

class PodDeletionRankingTest {
    private static final Instant NOW = T0.plus(Duration.ofDays(10));
    private static final Instant OLD = T0;
    private static final Instant RECENT = NOW.minusSeconds(60);

    static Stream<Arguments> pairs() {
        return Stream.of(
                Arguments.of("unscheduled pod goes before a scheduled one",
                        pod("a", "Pending", "", null, 0, OLD), pod("b", "Running", "n1", OLD, 0, OLD)),
                Arguments.of("pending goes before unknown",
                        pod("a", "Pending", "n1", null, 0, OLD), pod("b", "Unknown", "n1", null, 0, OLD)),
                Arguments.of("unknown goes before running",
                        pod("a", "Unknown", "n1", null, 0, OLD), pod("b", "Running", "n1", null, 0, OLD)),
                Arguments.of("not ready goes before ready",
                        pod("a", "Running", "n1", null, 0, OLD), pod("b", "Running", "n1", OLD, 0, RECENT)),
                Arguments.of("ready for less time goes first",
                        pod("a", "Running", "n1", RECENT, 0, OLD), pod("b", "Running", "n1", OLD, 0, OLD)),
                Arguments.of("more restarts go first",
                        pod("a", "Running", "n1", OLD, 5, OLD), pod("b", "Running", "n1", OLD, 1, OLD)),
                Arguments.of("newer creation goes first",
                        pod("a", "Running", "n1", OLD, 0, RECENT), pod("b", "Running", "n1", OLD, 0, OLD)),
                Arguments.of("missing creation time goes first",
                        pod("a", "Running", "n1", OLD, 0, null), pod("b", "Running", "n1", OLD, 0, OLD)),
                Arguments.of("lower deletion cost goes first",
                        withCost(pod("a", "Running", "n1", OLD, 0, OLD), "-5"), pod("b", "Running", "n1", RECENT, 9, RECENT)),
                Arguments.of("same log2 age bucket falls back to uid",
                        pod("a", "Running", "n1", OLD, 0, NOW.minusSeconds(1000)), pod("b", "Running", "n1", OLD, 0, NOW.minusSeconds(1001))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void ranksFirstPodBeforeSecond(String behaviour, Pod first, Pod second) {
        PodDeletionRanking ranking = PodDeletionRanking.relativeTo(List.of(first, second), NOW);
        assertThat(ranking.compare(first, second)).isNegative();
        assertThat(ranking.compare(second, first)).isPositive();
        assertThat(ranking.podsToDelete(List.of(second, first), 1)).containsExactly(first);
    }

    @Test
    void doubledUpPodOnCrowdedNodeGoesFirst() {
        Pod crowded = pod("a", "Running", "n1", OLD, 0, OLD);
        Pod alone = pod("b", "Running", "n2", OLD, 0, OLD);
        Pod neighbour = pod("c", "Running", "n1", OLD, 0, OLD);
        PodDeletionRanking ranking = PodDeletionRanking.relativeTo(List.of(crowded, alone, neighbour), NOW);
        assertThat(ranking.compare(crowded, alone)).isNegative();
    }

    @Test
    void deletingEveryPodSkipsTheSort() {
        Pod a = pod("a", "Running", "n1", OLD, 0, OLD);
        Pod b = pod("b", "Pending", "", null, 0, OLD);
        assertThat(PodDeletionRanking.relativeTo(List.of(), NOW).podsToDelete(List.of(a, b), 2)).containsExactly(a, b);
    }

    private static Pod withCost(Pod p, String cost) {
        p.getMetadata().setAnnotations(Map.of(PodDeletionRanking.DELETION_COST_ANNOTATION, cost));
        return p;
    }
}

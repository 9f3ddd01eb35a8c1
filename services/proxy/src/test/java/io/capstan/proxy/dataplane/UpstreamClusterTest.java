package io.capstan.proxy.dataplane;

import io.capstan.proxy.config.ClusterSpec;
import io.capstan.proxy.config.EndpointSpec;
import io.capstan.proxy.config.LbPolicy;
import io.capstan.proxy.config.LoadAssignmentSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Load balancing over the HEALTHY endpoints only, per policy. */
class UpstreamClusterTest {
    private static UpstreamCluster cluster(LbPolicy policy, int healthy, int draining) {
        ClusterSpec spec = new ClusterSpec("c", "c", policy, Duration.ofSeconds(1), "h", "s", "ns", List.of(), false, "", "", "", 80);
        UpstreamCluster c = new UpstreamCluster(spec, new ProxyMetrics(new SimpleMeterRegistry()).forDestination("h"));
        List<EndpointSpec> eps = new ArrayList<>();
        for (int i = 0; i < healthy; i++) {
            eps.add(new EndpointSpec("10.0.0." + (i + 1), 80, "", EndpointSpec.Health.HEALTHY));
        }
        for (int i = 0; i < draining; i++) {
            eps.add(new EndpointSpec("10.0.1." + (i + 1), 80, "", EndpointSpec.Health.DRAINING));
        }
        c.assign(new LoadAssignmentSpec("c", eps), ep -> { });
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(LbPolicy.class)
    void picksOnlyHealthyEndpointsAndUsesAllOfThem(LbPolicy policy) {
        UpstreamCluster c = cluster(policy, 3, 2);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 3000; i++) {
            seen.add(c.pick(Hashing.mix(i), null).ip);
        }
        assertThat(seen).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2", "10.0.0.3");
    }

    @Test
    void leastRequestPrefersTheLessBusyOfTwo() {
        UpstreamCluster c = cluster(LbPolicy.LEAST_REQUEST, 2, 0);
        Endpoint busy = c.pick(0, null);
        busy.active.set(100);
        for (int i = 0; i < 100; i++) {
            assertThat(c.pick(0, null)).isNotSameAs(busy);
        }
    }

    @Test
    void ringHashIsStableAndMovesLittleWhenAnEndpointIsAdded() {
        UpstreamCluster c = cluster(LbPolicy.RING_HASH, 4, 0);
        Map<Long, String> before = new HashMap<>();
        for (long h = 0; h < 1000; h++) {
            before.put(h, c.pick(Hashing.mix(h), null).ip);
            assertThat(c.pick(Hashing.mix(h), null).ip).isEqualTo(before.get(h));
        }
        UpstreamCluster bigger = cluster(LbPolicy.RING_HASH, 5, 0);
        int moved = 0;
        for (long h = 0; h < 1000; h++) {
            if (!bigger.pick(Hashing.mix(h), null).ip.equals(before.get(h))) {
                moved++;
            }
        }
        // Ideal is 1/5 of the keys; a modulo hash would move about 4/5.
        assertThat(moved).isBetween(100, 320);
    }

    @Test
    void aFailedEndpointIsAvoidedWhenThereIsAnother() {
        UpstreamCluster c = cluster(LbPolicy.ROUND_ROBIN, 2, 0);
        Endpoint first = c.pick(0, null);
        for (int i = 0; i < 10; i++) {
            assertThat(c.pick(0, first)).isNotSameAs(first);
        }
    }

    @Test
    void removedAndDrainingEndpointsStopTakingNewWork() {
        UpstreamCluster c = cluster(LbPolicy.ROUND_ROBIN, 2, 0);
        Endpoint a = c.endpoints().get(0);
        List<Endpoint> stopped = new ArrayList<>();
        c.assign(new LoadAssignmentSpec("c", List.of(new EndpointSpec("10.0.0.2", 80, "", EndpointSpec.Health.DRAINING))), stopped::add);
        assertThat(stopped).extracting(e -> e.ip).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
        assertThat(a.acceptsNew()).isFalse();
        assertThat(c.pick(0, null)).isNull();
    }
}

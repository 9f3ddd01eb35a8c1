package io.capstan.nodeagent.runtime;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HostLoopbackRoutesTest {

    @Test
    void aFreshNamespaceLosesTheWholeLoopbackRouteFirstThenGetsTheNarrowerOnesAndTheHostRanges() {
        List<String> lines = HostLoopbackRoutes.podRoutes("198.19.7.1", "eth0");
        assertThat(lines.getFirst()).isEqualTo("route del local 127.0.0.0/8 dev lo table local");
        assertThat(lines).contains("route add local 127.0.0.0/24 dev lo table local",
                "route add 127.0.1.0/24 via 198.19.7.1 dev eth0", "route add 127.96.0.0/14 via 198.19.7.1 dev eth0");
        assertThat(lines).noneMatch(l -> l.contains("local 127.0.1.0") || l.contains("local 127.96."));
    }

    @Test
    void reappliedEveryRouteIsReplacedAndTheWholeLoopbackRouteGoesLastOnlyWhenItIsThere() {
        List<String> whole = HostLoopbackRoutes.podRoutesReapplied("198.19.7.1", "eth0", true);
        assertThat(whole.getLast()).isEqualTo("route del local 127.0.0.0/8 dev lo table local");
        assertThat(whole.subList(0, whole.size() - 1)).allMatch(l -> l.startsWith("route replace "));
        assertThat(whole).contains("route replace local 127.0.0.0/24 dev lo table local",
                "route replace 127.96.0.0/14 via 198.19.7.1 dev eth0");

        List<String> narrowed = HostLoopbackRoutes.podRoutesReapplied("198.19.7.1", "eth0", false);
        assertThat(narrowed).isEqualTo(whole.subList(0, whole.size() - 1));
        // the same routes as for a fresh namespace
        assertThat(narrowed).containsExactlyElementsOf(HostLoopbackRoutes.podRoutes("198.19.7.1", "eth0").stream()
                .skip(1).map(l -> l.replace("route add ", "route replace ")).toList());
    }

    @Test
    void routeLocalnetIsTheDevicesSysctl() {
        assertThat(HostLoopbackRoutes.routeLocalnet("br-0123456789ab"))
                .isEqualTo("/proc/sys/net/ipv4/conf/br-0123456789ab/route_localnet");
    }
}

package io.capstan.nodeagent.runtime.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetnsPlanTest {

    static Stream<Arguments> subtractions() {
        return Stream.of(
                Arguments.of("nothing excluded keeps the range", "127.0.0.0/8", List.of(), List.of("127.0.0.0/8")),
                Arguments.of("an exclusion outside the range changes nothing", "127.0.0.0/8", List.of("10.0.0.0/8"),
                        List.of("127.0.0.0/8")),
                Arguments.of("the whole range excluded leaves nothing", "127.96.0.0/16", List.of("127.96.0.0/14"), List.of()),
                Arguments.of("one half excluded leaves the other", "10.0.0.0/8", List.of("10.128.0.0/9"), List.of("10.0.0.0/9")),
                Arguments.of("a single address out of a /30", "10.0.0.0/30", List.of("10.0.0.2/32"),
                        List.of("10.0.0.0/31", "10.0.0.3/32")),
                Arguments.of("127/8 minus the node IPs and the Service and LoadBalancer ranges", "127.0.0.0/8",
                        NetnsPlan.HOST_RANGES, List.of(
                                "127.0.0.0/24", "127.0.2.0/23", "127.0.4.0/22", "127.0.8.0/21", "127.0.16.0/20",
                                "127.0.32.0/19", "127.0.64.0/18", "127.0.128.0/17", "127.1.0.0/16", "127.2.0.0/15",
                                "127.4.0.0/14", "127.8.0.0/13", "127.16.0.0/12", "127.32.0.0/11", "127.64.0.0/11",
                                "127.100.0.0/14", "127.104.0.0/13", "127.112.0.0/12", "127.128.0.0/9")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subtractions")
    void subtractCoversTheRangeWithoutTheExclusions(String name, String range, List<String> excluded, List<String> expected) {
        assertThat(NetnsPlan.subtract(range, excluded)).containsExactlyElementsOf(expected);
    }

    @Test
    void aCidrWithHostBitsIsRefused() {
        assertThatThrownBy(() -> NetnsPlan.subtract("127.0.0.1/8", List.of())).hasMessageContaining("host bits");
    }

    @Test
    void namesFitTheKernelsLimitsAndComeFromTheUid() {
        String uid = "3f2a9c1e-77b0-4d2e-9a51-0c6f1b2e8d4a";
        assertThat(NetnsPlan.netnsName(uid)).isEqualTo("capstan-3f2a9c1e77b0");
        assertThat(NetnsPlan.vethName(uid)).matches("cv[0-9a-f]{12}").hasSizeLessThanOrEqualTo(15);
        assertThat(NetnsPlan.vethName(uid)).isNotEqualTo(NetnsPlan.vethName("3f2a9c1e-77b0-4d2e-9a51-0c6f1b2e8d4b"));
        assertThat(NetnsPlan.netnsName("host-pod")).matches("capstan-[0-9a-f]{12}");
        assertThat(new NetnsPlan(254).bridge()).isEqualTo("capbr254").hasSizeLessThanOrEqualTo(15);
    }

    @Test
    void thePodsNamespaceRoutesTheHostRangesToTheBridgeAndKeepsTheRestOfLoopback() {
        List<String> batch = new NetnsPlan(7).podBatch("198.18.7.5");
        assertThat(batch).startsWith("link set lo up", "addr add 198.18.7.5/24 dev eth0", "link set eth0 up",
                "route add default via 198.18.7.1 dev eth0", "route del local 127.0.0.0/8 dev lo table local");
        assertThat(batch).contains("route add local 127.0.0.0/24 dev lo table local",
                "route add 127.96.0.0/14 via 198.18.7.1 dev eth0", "route add 127.0.1.0/24 via 198.18.7.1 dev eth0");
        assertThat(batch).noneMatch(l -> l.contains("local 127.0.1.0") || l.contains("local 127.96."));
    }

    @Test
    void theNodeIndexMustBeAnOctet() {
        assertThatThrownBy(() -> new NetnsPlan(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NetnsPlan(255)).isInstanceOf(IllegalArgumentException.class);
    }
}

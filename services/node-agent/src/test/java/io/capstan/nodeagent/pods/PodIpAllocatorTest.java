package io.capstan.nodeagent.pods;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PodIpAllocatorTest {
    @TempDir
    Path dir;

    @Test
    void aPodKeepsItsAddressAcrossRestartsOfTheAgent() {
        PodIpAllocator ipam = new PodIpAllocator(dir, "127.244.3");
        String a = ipam.allocate("pod-a");
        assertThat(a).isEqualTo("127.244.3.1");
        assertThat(ipam.allocate("pod-a")).isEqualTo(a);
        PodIpAllocator restarted = new PodIpAllocator(dir, "127.244.3");
        assertThat(restarted.allocate("pod-a")).isEqualTo(a);
        assertThat(restarted.allocate("pod-b")).isEqualTo("127.244.3.2");
    }

    @Test
    void aReleasedAddressComesBackOnlyAfterTheOthers() {
        PodIpAllocator ipam = new PodIpAllocator(dir, "127.244.3");
        ipam.allocate("a");
        ipam.allocate("b");
        ipam.release("a");
        assertThat(ipam.allocate("c")).isEqualTo("127.244.3.3");
        ipam.retainOnly(Set.of("c"));
        assertThat(ipam.uids()).containsExactly("c");
    }

    @Test
    void behindABridgeTheGatewaysAddressIsNeverHandedOutAndTheRangeWrapsToTheSecond() {
        PodIpAllocator ipam = new PodIpAllocator(dir, "198.18.3", 2);
        assertThat(ipam.allocate("first")).isEqualTo("198.18.3.2");
        for (int i = 3; i <= 254; i++) {
            assertThat(ipam.allocate("pod-" + i)).isEqualTo("198.18.3." + i);
        }
        ipam.release("first");
        assertThat(ipam.allocate("again")).isEqualTo("198.18.3.2");
        assertThat(ipam.uids()).hasSize(253);
    }

    @Test
    void theAddressesOfTheOtherPodNetworkModeAreNotThisOnes() {
        new PodIpAllocator(dir, "127.244.3").allocate("loopback-pod");
        PodIpAllocator netns = new PodIpAllocator(dir, "198.18.3", 2);
        assertThat(netns.uids()).isEmpty();
        assertThat(netns.allocate("netns-pod")).isEqualTo("198.18.3.2");
    }
}

package io.capstan.controllers.servicelb;

import io.capstan.controllers.servicelb.LoadBalancerIpAllocator.Allocation;
import io.capstan.controllers.servicelb.LoadBalancerIpAllocator.Holder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoadBalancerIpAllocatorTest {

    private static LoadBalancerIpAllocator allocator(String cidr) {
        LoadBalancerIpAllocator a = new LoadBalancerIpAllocator(AddressPool.parse(cidr));
        a.restore(List.of());
        return a;
    }

    private static String assigned(Allocation a) {
        assertThat(a).isInstanceOf(Allocation.Assigned.class);
        return ((Allocation.Assigned) a).ip();
    }

    private static String failed(Allocation a) {
        assertThat(a).isInstanceOf(Allocation.Failed.class);
        return ((Allocation.Failed) a).reason();
    }

    @ParameterizedTest(name = "{0}: first {1}, last {2}, {3} addresses")
    @CsvSource({
            "127.98.0.0/16, 127.98.0.1, 127.98.255.254, 65534",
            "127.98.7.9/16, 127.98.0.1, 127.98.255.254, 65534",
            "10.0.0.0/30,   10.0.0.1,   10.0.0.2,       2",
            "10.0.0.4/31,   10.0.0.4,   10.0.0.5,       2",
            "10.0.0.7/32,   10.0.0.7,   10.0.0.7,       1",
    })
    void aPoolSkipsTheNetworkAndBroadcastAddressesOfPrefixesShorterThan31(String cidr, String first, String last, long size) {
        AddressPool pool = AddressPool.parse(cidr);
        assertThat(pool.contains(first)).isTrue();
        assertThat(pool.contains(last)).isTrue();
        assertThat(pool.size()).isEqualTo(size);
        assertThat(pool.lowestFree(ip -> false)).contains(first);
    }

    @ParameterizedTest(name = "{0} is not in 127.98.0.0/16")
    @CsvSource({"127.98.0.0", "127.98.255.255", "127.97.255.254", "127.99.0.1", "not-an-ip", "127.98.0.256", "127.98.1", "''"})
    void addressesOutsideThePoolOrMalformedAreNotContained(String ip) {
        assertThat(AddressPool.parse("127.98.0.0/16").contains(ip)).isFalse();
    }

    @ParameterizedTest(name = "\"{0}\" is rejected")
    @CsvSource({"127.98.0.0", "127.98.0.0/33", "fd00::/64", "a.b.c.d/8"})
    void aPoolMustBeAnIpv4Cidr(String cidr) {
        assertThatThrownBy(() -> AddressPool.parse(cidr)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void servicesGetTheLowestFreeAddressesAndNeverTheSameOne() {
        LoadBalancerIpAllocator a = allocator("127.98.0.0/16");
        assertThat(assigned(a.allocate("default/a", null, null))).isEqualTo("127.98.0.1");
        assertThat(assigned(a.allocate("default/b", null, null))).isEqualTo("127.98.0.2");
        assertThat(assigned(a.allocate("default/a", null, null))).as("idempotent").isEqualTo("127.98.0.1");
        a.release("default/a");
        assertThat(assigned(a.allocate("default/c", null, null))).isEqualTo("127.98.0.1");
    }

    @Test
    void aRequestedAddressInThePoolIsHonouredWhenFree() {
        LoadBalancerIpAllocator a = allocator("127.98.0.0/16");
        assertThat(assigned(a.allocate("default/a", null, "127.98.3.4"))).isEqualTo("127.98.3.4");
        assertThat(failed(a.allocate("default/b", null, "127.98.3.4"))).isEqualTo("\"127.98.3.4\" is already in use by default/a");
        assertThat(failed(a.allocate("default/b", null, "10.0.0.1"))).isEqualTo("\"10.0.0.1\" is not allowed in config");
        assertThat(failed(a.allocate("default/b", null, "127.98.0.0"))).isEqualTo("\"127.98.0.0\" is not allowed in config");
    }

    @Test
    void changingTheRequestedAddressMovesTheServiceAndFreesTheOldOne() {
        LoadBalancerIpAllocator a = allocator("127.98.0.0/16");
        assertThat(assigned(a.allocate("default/a", null, null))).isEqualTo("127.98.0.1");
        assertThat(assigned(a.allocate("default/a", "127.98.0.1", "127.98.0.9"))).isEqualTo("127.98.0.9");
        assertThat(a.ownerOf("127.98.0.1")).isNull();
        assertThat(assigned(a.allocate("default/b", null, null))).isEqualTo("127.98.0.1");
    }

    @Test
    void anExhaustedPoolFailsWithNoAvailableIps() {
        LoadBalancerIpAllocator a = allocator("10.0.0.0/30");
        assigned(a.allocate("ns/a", null, null));
        assigned(a.allocate("ns/b", null, null));
        assertThat(failed(a.allocate("ns/c", null, null))).isEqualTo("no available IPs");
        a.release("ns/a");
        assertThat(assigned(a.allocate("ns/c", null, null))).isEqualTo("10.0.0.1");
    }

    @Test
    void aRestoredAllocatorKeepsEveryServiceOnTheAddressInItsStatus() {
        LoadBalancerIpAllocator a = new LoadBalancerIpAllocator(AddressPool.parse("127.98.0.0/16"));
        a.restore(List.of(new Holder("ns/b", "127.98.0.1", "2024-01-02T00:00:00Z"),
                new Holder("ns/c", "127.98.0.5", "2024-01-03T00:00:00Z")));
        assertThat(assigned(a.allocate("ns/new", null, null))).as("a new Service skips restored addresses").isEqualTo("127.98.0.2");
        assertThat(assigned(a.allocate("ns/b", "127.98.0.1", null))).isEqualTo("127.98.0.1");
        assertThat(assigned(a.allocate("ns/c", "127.98.0.5", null))).isEqualTo("127.98.0.5");
    }

    @Test
    void whenTwoServicesClaimOneAddressTheOlderKeepsItAndTheOtherMoves() {
        LoadBalancerIpAllocator a = new LoadBalancerIpAllocator(AddressPool.parse("127.98.0.0/16"));
        a.restore(List.of(new Holder("ns/young", "127.98.0.7", "2024-02-01T00:00:00Z"),
                new Holder("ns/old", "127.98.0.7", "2024-01-01T00:00:00Z"),
                new Holder("ns/elsewhere", "192.168.0.1", "2024-01-01T00:00:00Z")));
        assertThat(a.ownerOf("127.98.0.7")).isEqualTo("ns/old");
        assertThat(assigned(a.allocate("ns/young", "127.98.0.7", null))).isEqualTo("127.98.0.1");
        assertThat(assigned(a.allocate("ns/elsewhere", "192.168.0.1", null))).as("out of the pool: a new address").isEqualTo("127.98.0.2");
    }

    @Test
    void aStatusAddressFromBeforeARestartIsKeptWhenFree() {
        LoadBalancerIpAllocator a = allocator("127.98.0.0/16");
        assertThat(assigned(a.allocate("ns/a", "127.98.4.4", null))).isEqualTo("127.98.4.4");
    }

    @Test
    void concurrentAllocationsNeverShareAnAddress() throws Exception {
        LoadBalancerIpAllocator a = allocator("127.98.0.0/24");
        ConcurrentLinkedQueue<String> ips = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String owner = "ns/s" + i;
                futures.add(pool.submit(() -> {
                    go.await();
                    ips.add(assigned(a.allocate(owner, null, null)));
                    return null;
                }));
            }
            go.countDown();
            for (var f : futures) {
                f.get();
            }
        }
        Set<String> distinct = new HashSet<>(ips);
        assertThat(distinct).hasSize(200);
    }
}

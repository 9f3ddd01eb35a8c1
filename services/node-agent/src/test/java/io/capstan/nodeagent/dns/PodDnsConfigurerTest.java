package io.capstan.nodeagent.dns;

import io.capstan.nodeagent.runtime.DnsConfig;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.PodDNSConfigBuilder;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The cases of the kubelet's pkg/kubelet/network/dns dns_test.go (TestGetPodDNS, TestGetPodDNSCustom and the limits). */
class PodDnsConfigurerTest {
    private static final String CLUSTER_NS = "10.0.0.10";
    private static final String DOMAIN = "kubernetes.io";
    private static final String HOST_RESOLV = "# the node's\nnameserver 8.8.8.8\nsearch host.domain\noptions timeout:2\n";
    private static final List<String> CLUSTER_SEARCH = List.of("test-ns.svc.kubernetes.io", "svc.kubernetes.io", "kubernetes.io");
    private static final PodDnsConfigurer CONFIGURER = new PodDnsConfigurer(List.of(CLUSTER_NS), DOMAIN, null);

    private static Pod pod(String policy, boolean hostNetwork, PodDNSConfig dnsConfig) {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("test-ns").withUid("uid-1").endMetadata()
                .withNewSpec().withDnsPolicy(policy).withHostNetwork(hostNetwork).withDnsConfig(dnsConfig).endSpec().build();
    }

    private static PodDNSConfig custom(List<String> nameservers, List<String> searches, PodDNSConfigOption... options) {
        return new PodDNSConfigBuilder().withNameservers(nameservers).withSearches(searches).withOptions(options).build();
    }

    private static PodDNSConfigOption opt(String name, String value) {
        return new PodDNSConfigOption(name, value);
    }

    private static List<String> concat(List<String> a, String... b) {
        return Stream.concat(a.stream(), Stream.of(b)).toList();
    }

    static Stream<Arguments> policies() {
        PodDNSConfig extra = custom(List.of("10.0.0.11"), List.of("my.domain"), opt("ndots", "3"), opt("debug", null));
        return Stream.of(
                arguments("ClusterFirst gets the cluster DNS, the cluster searches then the node's, and ndots:5",
                        pod("ClusterFirst", false, null),
                        new DnsConfig(List.of(CLUSTER_NS), concat(CLUSTER_SEARCH, "host.domain"), List.of("ndots:5"))),
                arguments("no dnsPolicy is ClusterFirst",
                        pod(null, false, null),
                        new DnsConfig(List.of(CLUSTER_NS), concat(CLUSTER_SEARCH, "host.domain"), List.of("ndots:5"))),
                arguments("ClusterFirst on the host network falls back to Default",
                        pod("ClusterFirst", true, null),
                        new DnsConfig(List.of("8.8.8.8"), List.of("host.domain"), List.of("timeout:2"))),
                arguments("ClusterFirstWithHostNet on the host network uses the cluster DNS",
                        pod("ClusterFirstWithHostNet", true, null),
                        new DnsConfig(List.of(CLUSTER_NS), concat(CLUSTER_SEARCH, "host.domain"), List.of("ndots:5"))),
                arguments("Default is the node's resolv.conf",
                        pod("Default", false, null),
                        new DnsConfig(List.of("8.8.8.8"), List.of("host.domain"), List.of("timeout:2"))),
                arguments("None without dnsConfig has empty DNS settings",
                        pod("None", false, null),
                        new DnsConfig(List.of(), List.of(), List.of())),
                arguments("None with dnsConfig has only the dnsConfig",
                        pod("None", false, custom(List.of("203.0.113.1"), List.of("my.domain", "second.domain"),
                                opt("ndots", "3"), opt("debug", null))),
                        new DnsConfig(List.of("203.0.113.1"), List.of("my.domain", "second.domain"), List.of("ndots:3", "debug"))),
                arguments("ClusterFirstWithHostNet with dnsConfig merges it",
                        pod("ClusterFirstWithHostNet", true, extra),
                        new DnsConfig(List.of(CLUSTER_NS, "10.0.0.11"), concat(CLUSTER_SEARCH, "host.domain", "my.domain"),
                                List.of("ndots:3", "debug"))),
                arguments("ClusterFirst with dnsConfig merges it",
                        pod("ClusterFirst", false, extra),
                        new DnsConfig(List.of(CLUSTER_NS, "10.0.0.11"), concat(CLUSTER_SEARCH, "host.domain", "my.domain"),
                                List.of("ndots:3", "debug"))),
                arguments("Default with dnsConfig merges it into the node's",
                        pod("Default", false, extra),
                        new DnsConfig(List.of("8.8.8.8", "10.0.0.11"), List.of("host.domain", "my.domain"),
                                List.of("timeout:2", "ndots:3", "debug"))),
                arguments("dnsConfig entries already present are not repeated",
                        pod("ClusterFirst", false, custom(List.of(CLUSTER_NS), List.of("svc.kubernetes.io"), opt("ndots", "5"))),
                        new DnsConfig(List.of(CLUSTER_NS), concat(CLUSTER_SEARCH, "host.domain"), List.of("ndots:5"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policies")
    void aPodsDnsFollowsItsPolicyAndDnsConfig(String name, Pod pod, DnsConfig expected) {
        PodDnsConfigurer.Formed formed = CONFIGURER.form(pod, HOST_RESOLV);
        assertThat(formed.config()).isEqualTo(expected);
        assertThat(formed.warnings()).isEmpty();
    }

    @Test
    void withoutClusterDnsClusterFirstFallsBackToDefaultWithAWarning() {
        PodDnsConfigurer.Formed formed = new PodDnsConfigurer(List.of(), DOMAIN, null).form(pod("ClusterFirst", false, null), HOST_RESOLV);
        assertThat(formed.config()).isEqualTo(new DnsConfig(List.of("8.8.8.8"), List.of("host.domain"), List.of("timeout:2")));
        assertThat(formed.warnings()).extracting(PodDnsConfigurer.Warning::reason).containsExactly("MissingClusterDNS");
    }

    @Test
    void theNodesResolvConfIsParsedAsTheKubeletDoes() {
        DnsConfig host = PodDnsConfigurer.parse("""
                nameserver 1.1.1.1
                ; a comment
                nameserver 2.2.2.2 extra
                search first.domain
                search second.domain. third.domain .
                options ndots:2 rotate
                options ndots:3
                nameserver
                """);
        assertThat(host).isEqualTo(new DnsConfig(List.of("1.1.1.1", "2.2.2.2"), List.of("second.domain", "third.domain"),
                List.of("ndots:3", "rotate")));
        assertThat(PodDnsConfigurer.parse("")).isEqualTo(new DnsConfig(List.of(), List.of(), List.of()));
    }

    @Test
    void moreThanThreeNameserversAreCutWithAWarning() {
        PodDnsConfigurer.Formed formed = CONFIGURER.form(pod("ClusterFirst", false,
                custom(List.of("10.0.0.11", "10.0.0.12", "10.0.0.13"), List.of())), HOST_RESOLV);
        assertThat(formed.config().servers()).containsExactly(CLUSTER_NS, "10.0.0.11", "10.0.0.12");
        assertThat(formed.warnings()).containsExactly(new PodDnsConfigurer.Warning("DNSConfigForming",
                "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: "
                        + "10.0.0.10 10.0.0.11 10.0.0.12"));
    }

    @Test
    void searchesBeyondThirtyTwoPathsAreCut() {
        List<String> many = IntStream.range(0, 40).mapToObj(i -> "d" + i + ".example").toList();
        PodDnsConfigurer.Formed formed = CONFIGURER.form(pod("None", false, custom(List.of("1.2.3.4"), many)), "");
        assertThat(formed.config().searches()).isEqualTo(many.subList(0, 32));
        assertThat(formed.warnings()).extracting(PodDnsConfigurer.Warning::reason).containsExactly("DNSConfigForming");
        assertThat(formed.warnings().get(0).message()).startsWith("Search Line limits were exceeded, some search paths have been omitted, "
                + "the applied search line is: d0.example d1.example");
    }

    @Test
    void searchPathsOver253CharactersAreDroppedAndTheLineIsCutTo2048() {
        String tooLong = "a".repeat(254);
        String label = "b".repeat(250);
        List<String> searches = List.of("ok.example", tooLong, label + ".1", label + ".2", label + ".3", label + ".4",
                label + ".5", label + ".6", label + ".7", label + ".8", label + ".9");
        PodDnsConfigurer.Formed formed = CONFIGURER.form(pod("None", false, custom(List.of(), searches)), "");
        List<String> kept = formed.config().searches();
        assertThat(kept).doesNotContain(tooLong).startsWith("ok.example", label + ".1");
        assertThat(String.join(" ", kept).length()).isLessThanOrEqualTo(2048);
        assertThat(kept).hasSize(9);
        assertThat(formed.warnings()).hasSize(1);
    }

    @Test
    void theResolvConfLooksAsContainerdWritesIt() {
        assertThat(new DnsConfig(List.of("127.0.1.1", "10.0.0.11"), CLUSTER_SEARCH, List.of("ndots:5")).resolvConf())
                .isEqualTo("""
                        search test-ns.svc.kubernetes.io svc.kubernetes.io kubernetes.io
                        nameserver 127.0.1.1
                        nameserver 10.0.0.11
                        options ndots:5
                        """);
        assertThat(new DnsConfig(List.of(), List.of(), List.of()).resolvConf()).isEmpty();
    }
}

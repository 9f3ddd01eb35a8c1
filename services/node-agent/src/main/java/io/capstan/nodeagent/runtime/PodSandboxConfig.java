package io.capstan.nodeagent.runtime;

/**
 * What a pod's containers share. {@code hostname} is the pod's hostname (spec.hostname or its
 * name), {@code podIp} the address the node-agent allocated from its node's range, {@code dns} the
 * resolver configuration the node-agent formed from the pod's dnsPolicy and dnsConfig; null
 * means the node's own /etc/resolv.conf, as a CRI runtime does without a DNSConfig.
 * {@code hostNetwork} pods use the node's network even where the runtime gives pods their own.
 */
public record PodSandboxConfig(String podUid, String namespace, String name, String hostname,
                               String subdomain, String podIp, DnsConfig dns, boolean hostNetwork) {

    public PodSandboxConfig(String podUid, String namespace, String name, String hostname, String subdomain,
                            String podIp, DnsConfig dns) {
        this(podUid, namespace, name, hostname, subdomain, podIp, dns, false);
    }
}

package io.capstan.nodeagent.runtime;

/**
 * What a pod's containers share. {@code hostname} is the pod's hostname (spec.hostname or its
 * name), {@code podIp} the address the node-agent allocated from its node's range.
 */
public record PodSandboxConfig(String podUid, String namespace, String name, String hostname,
                               String subdomain, String podIp) {
}

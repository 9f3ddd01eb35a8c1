package io.capstan.nodeagent.runtime.docker;

import io.capstan.nodeagent.runtime.PodSandboxConfig;

/** The files kubelet writes for a pod's containers: its hostname and /etc/hosts. */
final class PodFiles {
    private PodFiles() {
    }

    /** The pod's hostname, cut to 63 characters as Kubernetes does. */
    static String hostname(PodSandboxConfig pod) {
        String name = pod.hostname() != null && !pod.hostname().isEmpty() ? pod.hostname()
                : pod.name() != null && !pod.name().isEmpty() ? pod.name() : pod.podUid();
        name = name.length() > 63 ? name.substring(0, 63) : name;
        return name.replaceAll("[-.]+$", "");
    }

    /**
     * kubelet's managed /etc/hosts for a pod with a network namespace of its own: localhost is the
     * pod's own loopback, the hostname (and with a subdomain its FQDN) the pod's IP.
     */
    static String hosts(PodSandboxConfig pod) {
        String host = hostname(pod);
        StringBuilder out = new StringBuilder("# Kubernetes-managed hosts file.\n")
                .append("127.0.0.1\tlocalhost\n")
                .append("::1\tlocalhost ip6-localhost ip6-loopback\n")
                .append("fe00::0\tip6-localnet\n")
                .append("fe00::0\tip6-mcastprefix\n")
                .append("fe00::1\tip6-allnodes\n")
                .append("fe00::2\tip6-allrouters\n");
        if (pod.podIp() != null && !pod.podIp().isBlank()) {
            out.append(pod.podIp()).append('\t');
            if (pod.subdomain() != null && !pod.subdomain().isEmpty()) {
                out.append(host).append('.').append(pod.subdomain()).append('.').append(pod.namespace())
                        .append(".svc.cluster.local\t");
            }
            out.append(host).append('\n');
        }
        return out.toString();
    }
}

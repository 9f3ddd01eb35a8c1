package io.capstan.nodeagent.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What every runtime writes for a pod as kubelet does: its hostname and /etc/hosts entries. */
public final class PodFiles {
    private PodFiles() {
    }

    /** The pod's hostname, cut to 63 characters as Kubernetes does. */
    public static String hostname(PodSandboxConfig pod) {
        String name = pod.hostname() != null && !pod.hostname().isEmpty() ? pod.hostname()
                : pod.name() != null && !pod.name().isEmpty() ? pod.name() : pod.podUid();
        name = name.length() > 63 ? name.substring(0, 63) : name;
        return name.replaceAll("[-.]+$", "");
    }

    /** The names /etc/hosts gives the pod's IP: with a subdomain its FQDN, then its hostname. */
    public static String hostNames(PodSandboxConfig pod) {
        String host = hostname(pod);
        return pod.subdomain() == null || pod.subdomain().isEmpty() ? host
                : host + "." + pod.subdomain() + "." + pod.namespace() + ".svc.cluster.local\t" + host;
    }

    /**
     * kubelet's managed /etc/hosts for a pod with a network namespace of its own: localhost is the
     * pod's own loopback, the hostname (and with a subdomain its FQDN) the pod's IP.
     */
    public static String kubeletHosts(PodSandboxConfig pod) {
        StringBuilder out = new StringBuilder("# Kubernetes-managed hosts file.\n")
                .append("127.0.0.1\tlocalhost\n")
                .append("::1\tlocalhost ip6-localhost ip6-loopback\n")
                .append("fe00::0\tip6-localnet\n")
                .append("fe00::0\tip6-mcastprefix\n")
                .append("fe00::1\tip6-allnodes\n")
                .append("fe00::2\tip6-allrouters\n");
        if (pod.podIp() != null && !pod.podIp().isBlank()) {
            out.append(pod.podIp()).append('\t').append(hostNames(pod)).append('\n');
        }
        return out.toString();
    }

    /** Writes {@code content} unless the file already holds it (a sandbox asked for again leaves its files alone). */
    public static void writeIfChanged(Path file, String content) throws IOException {
        if (!Files.exists(file) || !Files.readString(file).equals(content)) {
            Files.writeString(file, content);
        }
    }
}

package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.PodSandboxConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The files a pod's containers share under /etc, as kubelet manages them. */
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
     * /etc/hosts. With a network namespace of its own ({@code ownNetwork}) the pod has its own
     * 127.0.0.1, which "localhost" names, as in Kubernetes. Without one, "localhost" names the
     * pod's IP, so a pod's containers still reach each other on localhost, and not the node's own
     * 127.0.0.1 services.
     */
    static String hosts(PodSandboxConfig pod, boolean ownNetwork) {
        String ip = pod.podIp() == null || pod.podIp().isBlank() ? "127.0.0.1" : pod.podIp();
        String host = hostname(pod);
        String names = pod.subdomain() == null || pod.subdomain().isEmpty() ? host
                : host + "." + pod.subdomain() + "." + pod.namespace() + ".svc.cluster.local\t" + host;
        if (ownNetwork) {
            return "# Kubernetes-managed hosts file (Capstan process runtime, pod network namespace).\n"
                    + "127.0.0.1\tlocalhost\n"
                    + ip + "\t" + names + "\n";
        }
        return "# Kubernetes-managed hosts file (Capstan process runtime).\n"
                + "# localhost is the pod's own address: its containers share it as they would share a network namespace.\n"
                + ip + "\tlocalhost\n"
                + ip + "\t" + names + "\n";
    }

    /** The pod's resolver configuration, or the node's when the node-agent formed none. */
    static String resolvConf(PodSandboxConfig pod) throws IOException {
        if (pod.dns() != null) {
            return pod.dns().resolvConf();
        }
        Path host = Path.of("/etc/resolv.conf");
        return Files.isReadable(host) ? Files.readString(host) : "";
    }
}

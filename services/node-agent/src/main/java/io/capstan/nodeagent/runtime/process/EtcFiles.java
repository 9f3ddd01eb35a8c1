package io.capstan.nodeagent.runtime.process;

import io.capstan.nodeagent.runtime.PodFiles;
import io.capstan.nodeagent.runtime.PodSandboxConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process runtime's variants of a pod's /etc/hosts and its resolv.conf (the rest is {@link PodFiles}). */
final class EtcFiles {
    private EtcFiles() {
    }

    /**
     * /etc/hosts. With a network namespace of its own ({@code ownNetwork}) the pod has its own
     * 127.0.0.1, which "localhost" names, as in Kubernetes. Without one, "localhost" names the
     * pod's IP, so a pod's containers still reach each other on localhost, and not the node's own
     * 127.0.0.1 services.
     */
    static String hosts(PodSandboxConfig pod, boolean ownNetwork) {
        String ip = pod.podIp() == null || pod.podIp().isBlank() ? "127.0.0.1" : pod.podIp();
        String names = PodFiles.hostNames(pod);
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

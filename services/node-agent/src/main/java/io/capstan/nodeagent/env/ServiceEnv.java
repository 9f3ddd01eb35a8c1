package io.capstan.nodeagent.env;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The service environment variables the kubelet gives every container (pkg/kubelet/envvars):
 * {@code FOO_SERVICE_HOST}, {@code FOO_SERVICE_PORT}, {@code FOO_SERVICE_PORT_<NAME>} and the
 * Docker-link style {@code FOO_PORT}, {@code FOO_PORT_80_TCP}, {@code _PROTO}, {@code _PORT},
 * {@code _ADDR}, for each service with a cluster IP. Services of the pod's own namespace count only
 * with {@code enableServiceLinks} (the default); the {@code kubernetes} service of
 * {@code default} always counts, and a pod's own namespace wins over it.
 */
public final class ServiceEnv {
    private ServiceEnv() {
    }

    /**
     * @param namespace          the pod's namespace
     * @param namespaceServices  services of that namespace
     * @param masterService      the {@code default/kubernetes} service, or null
     * @param enableServiceLinks the pod's {@code spec.enableServiceLinks} (null means true)
     */
    public static Map<String, String> variables(String namespace, List<Service> namespaceServices, Service masterService,
                                                Boolean enableServiceLinks) {
        Map<String, Service> byName = new LinkedHashMap<>();
        if (masterService != null) {
            byName.put(masterService.getMetadata().getName(), masterService);
        }
        if (enableServiceLinks == null || enableServiceLinks) {
            for (Service s : namespaceServices) {
                if (namespace.equals(s.getMetadata().getNamespace())) {
                    byName.put(s.getMetadata().getName(), s);
                }
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        byName.values().stream().sorted(Comparator.comparing(s -> s.getMetadata().getName())).forEach(s -> addService(env, s));
        return env;
    }

    private static void addService(Map<String, String> env, Service service) {
        if (service.getSpec() == null) {
            return;
        }
        String ip = service.getSpec().getClusterIP();
        if (ip == null || ip.isEmpty() || "None".equals(ip)) {
            return;
        }
        List<ServicePort> ports = service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
        String name = envName(service.getMetadata().getName());
        env.put(name + "_SERVICE_HOST", ip);
        if (ports.isEmpty()) {
            return;
        }
        env.put(name + "_SERVICE_PORT", String.valueOf(ports.get(0).getPort()));
        for (ServicePort port : ports) {
            if (port.getName() != null && !port.getName().isEmpty()) {
                env.put(name + "_SERVICE_PORT_" + envName(port.getName()), String.valueOf(port.getPort()));
            }
        }
        ServicePort first = ports.get(0);
        String firstProtocol = protocol(first).toLowerCase(Locale.ROOT);
        env.put(name + "_PORT", firstProtocol + "://" + address(ip, first.getPort()));
        for (ServicePort port : ports) {
            String protocol = protocol(port);
            String prefix = name + "_PORT_" + port.getPort() + "_" + protocol.toUpperCase(Locale.ROOT);
            env.put(prefix, protocol.toLowerCase(Locale.ROOT) + "://" + address(ip, port.getPort()));
            env.put(prefix + "_PROTO", protocol.toLowerCase(Locale.ROOT));
            env.put(prefix + "_PORT", String.valueOf(port.getPort()));
            env.put(prefix + "_ADDR", ip);
        }
    }

    private static String protocol(ServicePort port) {
        return port.getProtocol() == null || port.getProtocol().isEmpty() ? "TCP" : port.getProtocol();
    }

    private static String address(String ip, Integer port) {
        return ip.contains(":") ? "[" + ip + "]:" + port : ip + ":" + port;
    }

    /** {@code my-svc} becomes {@code MY_SVC}. */
    static String envName(String name) {
        return name.toUpperCase(Locale.ROOT).replace('-', '_');
    }
}

package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.api.status.ApiException;
import io.capstan.api.status.FieldError;
import io.capstan.store.EtcdStore;
import io.capstan.store.StoreException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Allocates Service cluster IPs and NodePorts without duplicates. Each allocation is a claim key
 * ({@code /registry/ranges/serviceips/<ip>}, {@code /registry/ranges/servicenodeports/<port>})
 * created with etcd's create-if-absent transaction, so two api-servers can never hand out the
 * same value. Claims are taken before the Service is written and given back if the write fails.
 */
public final class ServiceAllocator {
    private static final String IP_PREFIX = "/registry/ranges/serviceips/";
    private static final String PORT_PREFIX = "/registry/ranges/servicenodeports/";

    private final EtcdStore etcd;
    private final long networkBase;
    private final int networkSize;
    private final int portLow;
    private final int portHigh;

    public ServiceAllocator(EtcdStore etcd, String cidr, String portRange) {
        this.etcd = etcd;
        String[] parts = cidr.split("/");
        int bits = Integer.parseInt(parts[1]);
        this.networkBase = ipToLong(parts[0]) & (0xffffffffL << (32 - bits));
        this.networkSize = 1 << (32 - bits);
        String[] range = portRange.split("-");
        this.portLow = Integer.parseInt(range[0].trim());
        this.portHigh = Integer.parseInt(range[1].trim());
    }

    /** What a write claimed, so it can be given back when the write fails. */
    public record Claims(List<String> keys) {
        static Claims none() {
            return new Claims(List.of());
        }
    }

    /**
     * Fills in {@code spec.clusterIP(s)} and NodePorts of a Service being created or updated,
     * claiming every new value. {@code old} is null on create. Fails with 422 when a requested
     * value is taken or outside its range.
     */
    public CompletableFuture<Claims> allocate(ObjectNode service, JsonNode old, boolean dryRun) {
        String owner = KubeJson.text(service, "metadata", "namespace") + "/" + KubeJson.text(service, "metadata", "name");
        ObjectNode spec = KubeJson.with(service, "spec");
        String type = spec.path("type").asText("ClusterIP");
        List<String> claimed = new ArrayList<>();
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);

        if (!type.equals("ExternalName")) {
            String oldIp = old == null ? null : KubeJson.text(old, "spec", "clusterIP");
            String requested = spec.path("clusterIP").asText("");
            if (requested.isEmpty() && oldIp != null && !oldIp.isEmpty()) {
                spec.put("clusterIP", oldIp);
            } else if (!"None".equals(requested) && (oldIp == null || !oldIp.equals(requested))) {
                chain = chain.thenCompose(v -> claimIp(requested, owner, dryRun, claimed)).thenAccept(ip -> {
                    spec.put("clusterIP", ip);
                });
            }
            chain = chain.thenRun(() -> {
                String ip = spec.path("clusterIP").asText("");
                if (!ip.isEmpty()) {
                    ArrayNode ips = spec.putArray("clusterIPs");
                    ips.add(ip);
                }
            });
        } else {
            spec.remove("clusterIP");
            spec.remove("clusterIPs");
        }

        boolean wantsNodePorts = type.equals("NodePort") || type.equals("LoadBalancer");
        // A LoadBalancer with allocateLoadBalancerNodePorts=false gets only the NodePorts asked
        // for (or already held), as upstream.
        boolean allocatesMissing = !type.equals("LoadBalancer") || spec.path("allocateLoadBalancerNodePorts").asBoolean(true);
        JsonNode ports = spec.path("ports");
        if (wantsNodePorts && ports.isArray()) {
            for (int i = 0; i < ports.size(); i++) {
                ObjectNode port = (ObjectNode) ports.get(i);
                int index = i;
                int requested = port.path("nodePort").asInt(0);
                int previous = previousNodePort(old, port);
                if (requested == 0 && previous != 0) {
                    port.put("nodePort", previous);
                } else if (requested == 0 && !allocatesMissing) {
                    port.remove("nodePort");
                } else if (requested == 0 || requested != previous) {
                    chain = chain.thenCompose(v -> claimPort(requested, owner, index, dryRun, claimed))
                            .thenAccept(p -> port.put("nodePort", p));
                }
            }
        } else if (ports.isArray()) {
            for (JsonNode port : ports) {
                ((ObjectNode) port).remove("nodePort");
            }
        }
        return chain.handle((v, t) -> {
            if (t != null) {
                release(claimed);
                throw t instanceof RuntimeException re ? re : new RuntimeException(t);
            }
            return new Claims(List.copyOf(claimed));
        });
    }

    private static int previousNodePort(JsonNode old, JsonNode port) {
        if (old == null) {
            return 0;
        }
        for (JsonNode p : old.path("spec").path("ports")) {
            if (p.path("port").asInt() == port.path("port").asInt()
                    && p.path("protocol").asText("TCP").equals(port.path("protocol").asText("TCP"))) {
                return p.path("nodePort").asInt(0);
            }
        }
        return 0;
    }

    /** Gives back values that a Service no longer holds (after delete, or an update that dropped them). */
    public CompletableFuture<Void> releaseUnused(JsonNode before, JsonNode after) {
        List<String> keys = new ArrayList<>(keysOf(before));
        keys.removeAll(after == null ? List.of() : keysOf(after));
        return release(keys);
    }

    public CompletableFuture<Void> release(List<String> keys) {
        return CompletableFuture.allOf(keys.stream().map(etcd::remove).toArray(CompletableFuture[]::new));
    }

    private List<String> keysOf(JsonNode service) {
        List<String> keys = new ArrayList<>();
        String ip = KubeJson.text(service, "spec", "clusterIP");
        if (ip != null && !ip.isEmpty() && !ip.equals("None")) {
            keys.add(IP_PREFIX + ip);
        }
        for (JsonNode p : service.path("spec").path("ports")) {
            int port = p.path("nodePort").asInt(0);
            if (port != 0) {
                keys.add(PORT_PREFIX + port);
            }
        }
        return keys;
    }

    private CompletableFuture<String> claimIp(String requested, String owner, boolean dryRun, List<String> claimed) {
        if (!requested.isEmpty()) {
            long ip;
            try {
                ip = ipToLong(requested);
            } catch (IllegalArgumentException e) {
                return CompletableFuture.failedFuture(invalid(owner.substring(owner.indexOf('/') + 1), "spec.clusterIPs", requested, "must be a valid IP address"));
            }
            if (ip <= networkBase || ip >= networkBase + networkSize - 1) {
                return CompletableFuture.failedFuture(invalid(owner.substring(owner.indexOf('/') + 1), "spec.clusterIPs", requested,
                        "failed to allocate IP " + requested + ": the provided IP (" + requested
                                + ") is not in the valid range. The range of valid IPs is " + cidr()));
            }
            return claim(IP_PREFIX + requested, owner, dryRun, claimed).thenApply(ok -> {
                if (!ok) {
                    throw invalid(owner.substring(owner.indexOf('/') + 1), "spec.clusterIPs", requested,
                            "failed to allocate IP " + requested + ": provided IP is already allocated");
                }
                return requested;
            });
        }
        int start = 1 + ThreadLocalRandom.current().nextInt(networkSize - 2);
        return probeIp(start, 0, owner, dryRun, claimed);
    }

    private CompletableFuture<String> probeIp(int offset, int tried, String owner, boolean dryRun, List<String> claimed) {
        if (tried >= networkSize - 2) {
            return CompletableFuture.failedFuture(ApiException.internal("failed to allocate a serviceIP: range is full"));
        }
        String ip = longToIp(networkBase + offset);
        return claim(IP_PREFIX + ip, owner, dryRun, claimed).thenCompose(ok -> ok ? CompletableFuture.completedFuture(ip)
                : probeIp(offset + 1 >= networkSize - 1 ? 1 : offset + 1, tried + 1, owner, dryRun, claimed));
    }

    private CompletableFuture<Integer> claimPort(int requested, String owner, int index, boolean dryRun, List<String> claimed) {
        String field = "spec.ports[" + index + "].nodePort";
        if (requested != 0) {
            if (requested < portLow || requested > portHigh) {
                return CompletableFuture.failedFuture(invalid(owner.substring(owner.indexOf('/') + 1), field, requested,
                        "provided port is not in the valid range. The range of valid ports is " + portLow + "-" + portHigh));
            }
            return claim(PORT_PREFIX + requested, owner, dryRun, claimed).thenApply(ok -> {
                if (!ok) {
                    throw invalid(owner.substring(owner.indexOf('/') + 1), field, requested, "provided port is already allocated");
                }
                return requested;
            });
        }
        int span = portHigh - portLow + 1;
        return probePort(ThreadLocalRandom.current().nextInt(span), 0, span, owner, dryRun, claimed);
    }

    private CompletableFuture<Integer> probePort(int offset, int tried, int span, String owner, boolean dryRun, List<String> claimed) {
        if (tried >= span) {
            return CompletableFuture.failedFuture(ApiException.internal("failed to allocate a nodePort: range is full"));
        }
        int port = portLow + offset;
        return claim(PORT_PREFIX + port, owner, dryRun, claimed).thenCompose(ok -> ok ? CompletableFuture.completedFuture(port)
                : probePort((offset + 1) % span, tried + 1, span, owner, dryRun, claimed));
    }

    /** Creates the claim key; a dry run only checks that it is free. */
    private CompletableFuture<Boolean> claim(String key, String owner, boolean dryRun, List<String> claimed) {
        if (dryRun) {
            return etcd.get(key).thenApply(existing -> existing.isEmpty());
        }
        return etcd.create(key, owner.getBytes(StandardCharsets.UTF_8), 0).handle((rev, t) -> {
            if (t == null) {
                synchronized (claimed) {
                    claimed.add(key);
                }
                return true;
            }
            Throwable cause = t.getCause() != null ? t.getCause() : t;
            if (cause instanceof StoreException.AlreadyExists) {
                return false;
            }
            throw cause instanceof RuntimeException re ? re : new RuntimeException(cause);
        });
    }

    private String cidr() {
        return longToIp(networkBase) + "/" + (32 - Integer.numberOfTrailingZeros(networkSize));
    }

    private static ApiException invalid(String name, String field, Object value, String detail) {
        return ApiException.invalid("", "Service", name, List.of(FieldError.invalid(field, value, detail)));
    }

    static long ipToLong(String ip) {
        String[] o = ip.split("\\.");
        if (o.length != 4) {
            throw new IllegalArgumentException(ip);
        }
        long v = 0;
        for (String part : o) {
            int b = Integer.parseInt(part);
            if (b < 0 || b > 255) {
                throw new IllegalArgumentException(ip);
            }
            v = (v << 8) | b;
        }
        return v;
    }

    static String longToIp(long v) {
        return ((v >> 24) & 255) + "." + ((v >> 16) & 255) + "." + ((v >> 8) & 255) + "." + (v & 255);
    }
}

package io.capstan.nodeagent.env;

import io.capstan.nodeagent.kube.Lookups;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A container's environment as the kubelet's makeEnvironmentVariables builds it: {@code envFrom}
 * (with prefix, optional sources, invalid keys skipped and reported), then {@code env} in order
 * (values with {@code $(VAR)} expansion over what came before and the service variables;
 * fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef), then the service variables not
 * already set, then Capstan's {@code POD_IP} and {@code HOSTNAME} unless set. A reference that
 * cannot be resolved and is not optional is a {@link ConfigError}.
 */
public final class EnvBuilder {
    private EnvBuilder() {
    }

    /**
     * @param env     the variables in order
     * @param skipped human-readable notes about envFrom keys that were skipped (the kubelet's
     *                InvalidEnvironmentVariableNames event)
     */
    public record Result(Map<String, String> env, List<String> skipped) {
    }

    /** What a container's environment is built from, besides its spec. */
    public record Inputs(Pod pod, String podIp, String hostIp, String hostname, Map<String, String> serviceEnv,
                         Map<String, Quantity> nodeAllocatable, Lookups lookups) {
    }

    public static Result build(Container container, Inputs in) {
        String namespace = in.pod().getMetadata().getNamespace();
        Map<String, String> tmp = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        if (container.getEnvFrom() != null) {
            for (EnvFromSource from : container.getEnvFrom()) {
                envFrom(from, namespace, in.lookups(), tmp, skipped);
            }
        }
        if (container.getEnv() != null) {
            for (EnvVar var : container.getEnv()) {
                String value = var.getValue();
                if (value != null && !value.isEmpty()) {
                    value = Expansion.expand(value, name -> tmp.containsKey(name) ? tmp.get(name) : in.serviceEnv().get(name));
                } else if (var.getValueFrom() != null) {
                    Optional<String> resolved = valueFrom(var.getValueFrom(), container, namespace, in);
                    if (resolved.isEmpty()) {
                        continue;
                    }
                    value = resolved.get();
                } else {
                    value = "";
                }
                tmp.put(var.getName(), value);
            }
        }
        Map<String, String> env = new LinkedHashMap<>(tmp);
        in.serviceEnv().forEach(env::putIfAbsent);
        if (in.podIp() != null) {
            env.putIfAbsent("POD_IP", in.podIp());
        }
        env.putIfAbsent("HOSTNAME", in.hostname());
        return new Result(env, skipped);
    }

    /** {@code command} and {@code args} with {@code $(VAR)} expanded over the final environment. */
    public static List<String> expandAll(List<String> values, Map<String, String> env) {
        if (values == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>(values.size());
        for (String v : values) {
            out.add(Expansion.expand(v, env::get));
        }
        return out;
    }

    private static void envFrom(EnvFromSource from, String namespace, Lookups lookups, Map<String, String> tmp, List<String> skipped) {
        String prefix = from.getPrefix() == null ? "" : from.getPrefix();
        Map<String, String> data;
        String what;
        if (from.getConfigMapRef() != null) {
            String name = from.getConfigMapRef().getName();
            Optional<ConfigMap> cm = lookups.configMap(namespace, name);
            if (cm.isEmpty()) {
                if (Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
                    return;
                }
                throw new ConfigError("configmap \"" + name + "\" not found");
            }
            data = cm.get().getData() == null ? Map.of() : cm.get().getData();
            what = "configMap " + namespace + "/" + name;
        } else if (from.getSecretRef() != null) {
            String name = from.getSecretRef().getName();
            Optional<Secret> secret = lookups.secret(namespace, name);
            if (secret.isEmpty()) {
                if (Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
                    return;
                }
                throw new ConfigError("secret \"" + name + "\" not found");
            }
            data = decoded(secret.get());
            what = "secret " + namespace + "/" + name;
        } else {
            return;
        }
        List<String> invalid = new ArrayList<>();
        for (Map.Entry<String, String> e : data.entrySet()) {
            String key = prefix + e.getKey();
            if (!validName(key)) {
                invalid.add(key);
                continue;
            }
            tmp.put(key, e.getValue());
        }
        if (!invalid.isEmpty()) {
            invalid.sort(null);
            skipped.add("Keys [" + String.join(", ", invalid) + "] from the EnvFrom " + what
                    + " were skipped since they are invalid environment variable names.");
        }
    }

    /** Kubernetes 1.30+ (RelaxedEnvironmentVariableValidation): any printable ASCII but '='. */
    static boolean validName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '=') {
                return false;
            }
        }
        return true;
    }

    private static Optional<String> valueFrom(EnvVarSource source, Container container, String namespace, Inputs in) {
        if (source.getFieldRef() != null) {
            return Optional.of(FieldPaths.podField(in.pod(), source.getFieldRef().getFieldPath(), in.podIp(), in.hostIp()));
        }
        if (source.getResourceFieldRef() != null) {
            return Optional.of(FieldPaths.resource(container, source.getResourceFieldRef(), in.nodeAllocatable()));
        }
        if (source.getConfigMapKeyRef() != null) {
            ConfigMapKeySelector ref = source.getConfigMapKeyRef();
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            Optional<ConfigMap> cm = in.lookups().configMap(namespace, ref.getName());
            if (cm.isEmpty()) {
                if (optional) {
                    return Optional.empty();
                }
                throw new ConfigError("configmap \"" + ref.getName() + "\" not found");
            }
            Map<String, String> data = cm.get().getData() == null ? Map.of() : cm.get().getData();
            if (!data.containsKey(ref.getKey())) {
                if (optional) {
                    return Optional.empty();
                }
                throw new ConfigError("couldn't find key " + ref.getKey() + " in ConfigMap " + namespace + "/" + ref.getName());
            }
            return Optional.of(data.get(ref.getKey()));
        }
        if (source.getSecretKeyRef() != null) {
            SecretKeySelector ref = source.getSecretKeyRef();
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            Optional<Secret> secret = in.lookups().secret(namespace, ref.getName());
            if (secret.isEmpty()) {
                if (optional) {
                    return Optional.empty();
                }
                throw new ConfigError("secret \"" + ref.getName() + "\" not found");
            }
            Map<String, String> data = decoded(secret.get());
            if (!data.containsKey(ref.getKey())) {
                if (optional) {
                    return Optional.empty();
                }
                throw new ConfigError("couldn't find key " + ref.getKey() + " in Secret " + namespace + "/" + ref.getName());
            }
            return Optional.of(data.get(ref.getKey()));
        }
        return Optional.of("");
    }

    /** A secret's values as text: {@code data} is base64, {@code stringData} (if a server kept it) plain. */
    public static Map<String, String> decoded(Secret secret) {
        Map<String, String> out = new LinkedHashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (secret.getStringData() != null) {
            out.putAll(secret.getStringData());
        }
        return out;
    }
}

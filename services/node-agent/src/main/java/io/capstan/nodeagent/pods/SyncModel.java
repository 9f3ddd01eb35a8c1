package io.capstan.nodeagent.pods;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a pod's containers need next, as a pure function of its spec and what runs (the
 * kubelet's computePodActions): containers failing liveness or startup are killed; init
 * containers run one at a time in order (a failed one is restarted, or fails the pod under
 * restartPolicy Never; a sidecar, an init container with restartPolicy Always, only has to have
 * started); then the regular containers start, and exited ones restart by the restart policy.
 * When nothing will run again the pod is finished and what still runs (sidecars) is stopped.
 * Back-off is not decided here: a container in {@link Plan#starts()} may still have to wait.
 */
public final class SyncModel {
    private SyncModel() {
    }

    /** A container to stop and the Killing event's message. */
    public record Kill(String container, String message) {
    }

    /**
     * @param kills    containers to stop now
     * @param starts   containers to start (or restart) now, in order
     * @param finished the pod will run nothing again: its phase is terminal
     */
    public record Plan(List<Kill> kills, List<String> starts, boolean finished) {
    }

    /** Init containers with {@code restartPolicy: Always}: sidecars that keep running beside the containers. */
    public static boolean sidecar(Container c) {
        return "Always".equals(c.getRestartPolicy());
    }

    public static String restartPolicy(PodSpec spec) {
        return spec.getRestartPolicy() == null ? "Always" : spec.getRestartPolicy();
    }

    /** Whether an exited container restarts under the pod's policy. */
    public static boolean restarts(String policy, int exitCode) {
        return switch (policy) {
            case "Never" -> false;
            case "OnFailure" -> exitCode != 0;
            default -> true;
        };
    }

    /** Once any regular container ran, the pod is past initialization for good (HasAnyRegularContainerStarted). */
    public static boolean anyRegularStarted(PodSpec spec, Map<String, ContainerView> views) {
        for (Container c : spec.getContainers()) {
            ContainerView v = views.get(c.getName());
            if (v != null && v.latest() != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param views       every container of the pod by name (init and regular)
     * @param podFinished the pod is terminal already (its phase, a failed init, a passed deadline)
     */
    public static Plan decide(PodSpec spec, Map<String, ContainerView> views, boolean podFinished) {
        List<Container> inits = spec.getInitContainers() == null ? List.of() : spec.getInitContainers();
        if (podFinished) {
            return new Plan(stopRunning(views, Set.of()), List.of(), true);
        }
        String policy = restartPolicy(spec);
        List<Kill> kills = new ArrayList<>();
        for (ContainerView v : views.values()) {
            if (v.running() && v.unhealthy() != null) {
                kills.add(new Kill(v.name(), v.unhealthy()));
            }
        }
        Set<String> killing = new LinkedHashSet<>();
        kills.forEach(k -> killing.add(k.container()));
        List<String> starts = new ArrayList<>();

        boolean initialized = anyRegularStarted(spec, views);
        if (!initialized) {
            initialized = true;
            for (Container c : inits) {
                ContainerView v = view(views, c.getName());
                if (sidecar(c)) {
                    if (!v.running()) {
                        starts.add(c.getName());
                        initialized = false;
                        break;
                    }
                    if (!v.started()) {
                        initialized = false;
                        break;
                    }
                    continue;
                }
                if (v.latest() == null) {
                    starts.add(c.getName());
                    initialized = false;
                    break;
                }
                if (!v.exited()) {
                    initialized = false;
                    break;
                }
                if (v.exitCode() == 0) {
                    continue;
                }
                if ("Never".equals(policy)) {
                    // a failed init container under restartPolicy Never fails the pod
                    return new Plan(stopRunning(views, Set.of()), List.of(), true);
                }
                starts.add(c.getName());
                initialized = false;
                break;
            }
        } else {
            for (Container c : inits) {
                ContainerView v = view(views, c.getName());
                if (sidecar(c) && !v.running() && !killing.contains(c.getName())) {
                    starts.add(c.getName());
                }
            }
        }
        if (!initialized) {
            starts.removeAll(killing);
            return new Plan(kills, starts, false);
        }

        boolean anyWillRun = false;
        for (Container c : spec.getContainers()) {
            ContainerView v = view(views, c.getName());
            if (v.latest() == null) {
                starts.add(c.getName());
                anyWillRun = true;
            } else if (!v.exited()) {
                anyWillRun = true;
            } else if (restarts(policy, v.exitCode())) {
                if (!killing.contains(c.getName())) {
                    starts.add(c.getName());
                }
                anyWillRun = true;
            }
        }
        if (!anyWillRun && kills.isEmpty()) {
            // every regular container is done for good: the pod finished, its sidecars stop
            return new Plan(stopRunning(views, Set.of()), List.of(), true);
        }
        starts.removeAll(killing);
        return new Plan(kills, starts, false);
    }

    private static List<Kill> stopRunning(Map<String, ContainerView> views, Set<String> except) {
        List<Kill> kills = new ArrayList<>();
        for (ContainerView v : views.values()) {
            if (v.running() && !except.contains(v.name())) {
                kills.add(new Kill(v.name(), "Stopping container " + v.name()));
            }
        }
        return kills;
    }

    private static ContainerView view(Map<String, ContainerView> views, String name) {
        ContainerView v = views.get(name);
        return v == null ? ContainerView.none(name) : v;
    }
}

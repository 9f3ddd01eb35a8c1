package io.capstan.scheduler;

import io.capstan.controller.ResourceEventHandler;
import io.capstan.scheduler.cache.SchedulerCache;
import io.capstan.scheduler.framework.ClusterEvent;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.queue.SchedulingQueue;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Feeds informer events into the cache and the queue (eventhandlers.go): bound pods go to the
 * cache (confirming assumed ones), pending pods of our profiles to the queue, and every change
 * that could make a rejected pod fit (a node added or changed, a pod deleted ...) is passed to
 * the queue as a {@link ClusterEvent}. Terminal pods (Succeeded, Failed) free their node, as the
 * informer field selector of kube-scheduler drops them.
 *
 * <p>Runs on the informers' dispatch threads.
 */
final class ClusterEventHandlers {
    private final SchedulerCache cache;
    private final SchedulingQueue queue;
    private final Set<String> profiles;

    ClusterEventHandlers(SchedulerCache cache, SchedulingQueue queue, Set<String> profiles) {
        this.cache = cache;
        this.queue = queue;
        this.profiles = Set.copyOf(profiles);
    }

    private static boolean assigned(Pod pod) {
        return pod.getSpec() != null && pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty();
    }

    private static boolean terminal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    private boolean responsibleFor(Pod pod) {
        String name = pod.getSpec() == null ? null : pod.getSpec().getSchedulerName();
        return profiles.contains(name == null || name.isEmpty() ? "default-scheduler" : name);
    }

    private static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    ResourceEventHandler<Pod> pods() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                if (assigned(pod)) {
                    if (!terminal(pod)) {
                        cache.addPod(new PodInfo(pod));
                        queue.moveAllToActiveOrBackoff(ClusterEvent.ASSIGNED_POD_ADD);
                    }
                } else if (responsibleFor(pod) && !terminal(pod)) {
                    queue.add(new PodInfo(pod));
                }
            }

            @Override
            public void onUpdate(Pod old, Pod pod) {
                if (assigned(pod)) {
                    if (!assigned(old)) {
                        queue.delete(key(pod));
                    }
                    if (terminal(pod)) {
                        cache.removePod(key(pod));
                        queue.moveAllToActiveOrBackoff(ClusterEvent.ASSIGNED_POD_DELETE);
                        return;
                    }
                    cache.updatePod(new PodInfo(pod));
                    if (!assigned(old)) {
                        queue.moveAllToActiveOrBackoff(ClusterEvent.ASSIGNED_POD_ADD);
                    } else if (!Objects.equals(old.getMetadata().getLabels(), pod.getMetadata().getLabels())) {
                        queue.moveAllToActiveOrBackoff(ClusterEvent.ASSIGNED_POD_UPDATE);
                    }
                } else if (responsibleFor(pod) && !terminal(pod)) {
                    if (!cache.isAssumed(key(pod))) {
                        queue.update(new PodInfo(pod));
                    }
                } else {
                    queue.delete(key(pod));
                }
            }

            @Override
            public void onDelete(Pod pod) {
                if (assigned(pod)) {
                    cache.removePod(key(pod));
                    queue.moveAllToActiveOrBackoff(ClusterEvent.ASSIGNED_POD_DELETE);
                } else {
                    queue.delete(key(pod));
                }
            }
        };
    }

    ResourceEventHandler<Node> nodes() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                cache.addNode(node);
                queue.moveAllToActiveOrBackoff(ClusterEvent.NODE_ADD);
            }

            @Override
            public void onUpdate(Node old, Node node) {
                cache.updateNode(node);
                for (ClusterEvent e : changes(old, node)) {
                    queue.moveAllToActiveOrBackoff(e);
                }
            }

            @Override
            public void onDelete(Node node) {
                cache.removeNode(node.getMetadata().getName());
            }
        };
    }

    /** nodeSchedulingPropertiesChange: which scheduling-relevant parts of the node changed. */
    static List<ClusterEvent> changes(Node old, Node node) {
        List<ClusterEvent> events = new ArrayList<>(2);
        if (!Objects.equals(old.getStatus() == null ? null : old.getStatus().getAllocatable(),
                node.getStatus() == null ? null : node.getStatus().getAllocatable())) {
            events.add(ClusterEvent.NODE_ALLOCATABLE_CHANGE);
        }
        if (!Objects.equals(old.getMetadata().getLabels(), node.getMetadata().getLabels())) {
            events.add(ClusterEvent.NODE_LABEL_CHANGE);
        }
        if (!Objects.equals(old.getSpec() == null ? null : old.getSpec().getTaints(), node.getSpec() == null ? null : node.getSpec().getTaints())) {
            events.add(ClusterEvent.NODE_TAINT_CHANGE);
        }
        if (!Objects.equals(old.getSpec() == null ? null : old.getSpec().getUnschedulable(),
                node.getSpec() == null ? null : node.getSpec().getUnschedulable())) {
            events.add(ClusterEvent.NODE_SPEC_UNSCHEDULABLE_CHANGE);
        }
        if (!conditionStatuses(old).equals(conditionStatuses(node))) {
            events.add(ClusterEvent.NODE_CONDITION_CHANGE);
        }
        return events;
    }

    private static List<String> conditionStatuses(Node node) {
        List<String> out = new ArrayList<>();
        if (node.getStatus() != null && node.getStatus().getConditions() != null) {
            for (NodeCondition c : node.getStatus().getConditions()) {
                out.add(c.getType() + "=" + c.getStatus());
            }
        }
        return out;
    }
}

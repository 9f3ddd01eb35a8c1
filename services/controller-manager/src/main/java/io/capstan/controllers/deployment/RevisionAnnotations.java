package io.capstan.controllers.deployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The deployment.kubernetes.io annotations on ReplicaSets and Deployments (deploymentutil). */
public final class RevisionAnnotations {
    public static final String REVISION = "deployment.kubernetes.io/revision";
    public static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
    public static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
    public static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
    /** MaxRevHistoryLengthInChars. */
    public static final int MAX_REVISION_HISTORY_CHARS = 2000;
    private static final Set<String> NOT_COPIED = Set.of(
            "kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS,
            "deprecated.deployment.rollback.to");

    private RevisionAnnotations() {
    }

    /** The revision of a ReplicaSet; missing or malformed is 0. */
    public static long revision(ReplicaSet rs) {
        Map<String, String> a = rs.getMetadata().getAnnotations();
        String v = a == null ? null : a.get(REVISION);
        if (v == null) {
            return 0;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public static long maxRevision(List<ReplicaSet> replicaSets) {
        long max = 0;
        for (ReplicaSet rs : replicaSets) {
            max = Math.max(max, revision(rs));
        }
        return max;
    }

    static Map<String, String> annotations(ReplicaSet rs) {
        if (rs.getMetadata().getAnnotations() == null) {
            rs.getMetadata().setAnnotations(new HashMap<>());
        }
        return rs.getMetadata().getAnnotations();
    }

    /**
     * SetNewReplicaSetAnnotations: copies the Deployment's own annotations, raises the revision
     * to {@code newRevision} when it is lower (recording the old one in revision-history: a
     * rollback), and for a ReplicaSet about to be created sets desired/max replicas.
     *
     * @return whether an annotation changed
     */
    public static boolean setNewReplicaSetAnnotations(Deployment d, ReplicaSet rs, long newRevision, boolean exists) {
        boolean changed = copyDeploymentAnnotations(d, rs);
        Map<String, String> a = annotations(rs);
        String oldRevision = a.get(REVISION);
        long oldRevisionInt = 0;
        if (oldRevision != null && !oldRevision.isEmpty()) {
            try {
                oldRevisionInt = Long.parseLong(oldRevision);
            } catch (NumberFormatException e) {
                return false;
            }
        }
        if (oldRevisionInt < newRevision) {
            a.put(REVISION, Long.toString(newRevision));
            changed = true;
        }
        if (oldRevision != null && oldRevisionInt < newRevision) {
            String history = a.getOrDefault(REVISION_HISTORY, "");
            if (history.isEmpty()) {
                a.put(REVISION_HISTORY, oldRevision);
            } else {
                List<String> old = new ArrayList<>(Arrays.asList(history.split(",", -1)));
                int total = history.length() + oldRevision.length() + 1;
                int start = 0;
                while (total > MAX_REVISION_HISTORY_CHARS && start < old.size()) {
                    total = total - old.get(start).length() - 1;
                    start++;
                }
                if (total <= MAX_REVISION_HISTORY_CHARS) {
                    List<String> kept = new ArrayList<>(old.subList(start, old.size()));
                    kept.add(oldRevision);
                    a.put(REVISION_HISTORY, String.join(",", kept));
                }
            }
        }
        if (!exists && setReplicasAnnotations(rs, DeploymentSpecs.replicas(d), DeploymentSpecs.replicas(d) + DeploymentSpecs.maxSurge(d))) {
            changed = true;
        }
        return changed;
    }

    private static boolean copyDeploymentAnnotations(Deployment d, ReplicaSet rs) {
        boolean changed = false;
        Map<String, String> da = d.getMetadata().getAnnotations();
        if (da == null) {
            return false;
        }
        Map<String, String> a = annotations(rs);
        for (Map.Entry<String, String> e : da.entrySet()) {
            if (NOT_COPIED.contains(e.getKey()) || e.getValue().equals(a.get(e.getKey()))) {
                continue;
            }
            a.put(e.getKey(), e.getValue());
            changed = true;
        }
        return changed;
    }

    public static boolean replicasAnnotationsNeedUpdate(ReplicaSet rs, int desired, int max) {
        Map<String, String> a = rs.getMetadata().getAnnotations();
        if (a == null) {
            return true;
        }
        return !Integer.toString(desired).equals(a.get(DESIRED_REPLICAS)) || !Integer.toString(max).equals(a.get(MAX_REPLICAS));
    }

    public static boolean setReplicasAnnotations(ReplicaSet rs, int desired, int max) {
        if (!replicasAnnotationsNeedUpdate(rs, desired, max)) {
            return false;
        }
        Map<String, String> a = annotations(rs);
        a.put(DESIRED_REPLICAS, Integer.toString(desired));
        a.put(MAX_REPLICAS, Integer.toString(max));
        return true;
    }

    /** The desired-replicas annotation, or null when absent or malformed. */
    public static Integer desiredReplicas(ReplicaSet rs) {
        return intAnnotation(rs, DESIRED_REPLICAS);
    }

    public static Integer maxReplicas(ReplicaSet rs) {
        return intAnnotation(rs, MAX_REPLICAS);
    }

    private static Integer intAnnotation(ReplicaSet rs, String key) {
        Map<String, String> a = rs.getMetadata().getAnnotations();
        String v = a == null ? null : a.get(key);
        if (v == null) {
            return null;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}

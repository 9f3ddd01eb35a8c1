package io.capstan.controllers.common;

import io.capstan.workloads.common.ControllerRevisions;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;

import java.util.List;

/**
 * ControllerRevisions as the workload models compare them. {@link ControllerRevisions#sameData}
 * compares JSON trees node by node, and a revision read back from the api-server holds
 * {@code 30} as an int where the typed template holds a long (terminationGracePeriodSeconds), so
 * an unchanged template would look new on every sync and a fresh revision would be minted each
 * time. Rebuilding each revision's data through the typed template gives both sides the same
 * node types.
 */
public final class Revisions {
    private Revisions() {
    }

    public static List<ControllerRevision> normalized(List<ControllerRevision> revisions) {
        return revisions.stream().map(Revisions::normalized).toList();
    }

    public static ControllerRevision normalized(ControllerRevision revision) {
        if (revision.getData() == null) {
            return revision;
        }
        try {
            return new ControllerRevisionBuilder(revision)
                    .withData(ControllerRevisions.templatePatch(ControllerRevisions.template(revision))).build();
        } catch (RuntimeException e) {
            // not a pod-template revision (someone else's): leave it as it is
            return revision;
        }
    }
}

package io.capstan.controllers.common;

import io.capstan.workloads.common.ControllerRevisions;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The ControllerRevision writes the StatefulSet and DaemonSet controllers share
 * (k8s.io/kubernetes/pkg/controller/history): the update revision is created, a rolled-back one
 * renumbered, and revisions beyond the history limit deleted, as a
 * {@link ControllerRevisions.Resolution} says. A create that finds a revision of that name with
 * another template is a hash collision, which the owner resolves by raising its
 * {@code status.collisionCount} so the next hash differs.
 */
public final class RevisionHistory {
    private final KubernetesClient client;

    public RevisionHistory(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Creates the update revision if the resolution asks for it, then renumbers the one it
     * asks to. Returns false, having written nothing else, on a hash collision: the caller
     * raises its collisionCount and syncs again. A revision of the same name and template that
     * exists already (the cache was behind) counts as created.
     */
    public boolean createAndRenumber(String namespace, ControllerRevisions.Resolution rev, PodTemplateSpec template) {
        if (rev.create()) {
            try {
                client.apps().controllerRevisions().inNamespace(namespace).resource(rev.update()).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                ControllerRevision existing = client.apps().controllerRevisions().inNamespace(namespace)
                        .withName(rev.update().getMetadata().getName()).get();
                if (existing != null && !ControllerRevisions.sameData(existing, ControllerRevisions.templatePatch(template))) {
                    return false;
                }
            }
        }
        if (rev.renumber() != null) {
            client.apps().controllerRevisions().inNamespace(namespace).resource(rev.renumber()).update();
        }
        return true;
    }

    /** Deletes the revisions beyond the history limit; one already gone is fine. */
    public void truncate(String namespace, ControllerRevisions.Resolution rev) {
        for (ControllerRevision old : rev.delete()) {
            try {
                client.apps().controllerRevisions().inNamespace(namespace).withName(old.getMetadata().getName()).delete();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
        }
    }
}

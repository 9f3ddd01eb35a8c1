package io.capstan.controllers.common;

import io.capstan.controller.IndexFunction;
import io.capstan.controller.Indexers;
import io.capstan.controller.Informer;
import io.capstan.controller.Store;
import io.capstan.workloads.common.Owners;
import io.fabric8.kubernetes.api.model.HasMetadata;

import java.util.ArrayList;
import java.util.List;

/**
 * What a controller's claim has to look at: the objects it controls and the orphans of its
 * namespace (controller.FilterPodsByOwner), found through two cache indexes instead of a scan of
 * the whole namespace. Objects controlled by anyone else can never be claimed, so the claim's
 * outcome is the same; with a thousand Deployments in one namespace it is what keeps a sync from
 * walking every pod and ReplicaSet of the namespace.
 */
public final class ClaimCandidates {
    /** Index of objects without a controller reference, by namespace. */
    public static final String ORPHANS = "orphansByNamespace";

    private ClaimCandidates() {
    }

    /** Adds the {@link #ORPHANS} index to {@code informer}; only before it starts. */
    public static <T extends HasMetadata> void index(Informer<T> informer) {
        IndexFunction<T> orphans = o -> Owners.controllerOf(o) == null
                ? List.of(o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace()) : List.of();
        informer.addIndexer(ORPHANS, orphans);
    }

    /** The objects of {@code store} that {@code owner} controls, then the orphans of its namespace. */
    public static <T extends HasMetadata> List<T> of(Store<T> store, HasMetadata owner) {
        List<T> out = new ArrayList<>(store.byIndex(Indexers.OWNER_UID, owner.getMetadata().getUid()));
        out.addAll(store.byIndex(ORPHANS, owner.getMetadata().getNamespace()));
        return out;
    }
}

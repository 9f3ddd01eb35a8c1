package io.capstan.controllers.gc;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The decisions of kube-controller-manager's garbage collector (attemptToDeleteItem,
 * processDeletingDependentsItem and orphanDependents of k8s.io/kubernetes/pkg/controller/garbagecollector),
 * as a pure function of one object, the state of each of its owners and its dependents.
 *
 * <ul>
 *   <li>An object being deleted with the {@code orphan} finalizer releases its dependents
 *       (their ownerReference to it goes), then drops the finalizer.</li>
 *   <li>An object being deleted with the {@code foregroundDeletion} finalizer waits until no
 *       dependent blocks it ({@code blockOwnerDeletion: true}), having every dependent
 *       processed meanwhile, then drops the finalizer.</li>
 *   <li>Otherwise, an object with ownerReferences is kept if one owner is alive; the references
 *       to owners that are gone or deleting in the foreground are removed then. With no live
 *       owner it is deleted: in the foreground if an owner waits for it and it has dependents
 *       of its own, else with the propagation its own finalizers ask for, else in the background.</li>
 * </ul>
 */
public final class GarbageCollectionModel {
    public static final String ORPHAN_FINALIZER = "orphan";
    public static final String FOREGROUND_FINALIZER = "foregroundDeletion";
    public static final String BACKGROUND = "Background";
    public static final String FOREGROUND = "Foreground";
    public static final String ORPHAN = "Orphan";

    private GarbageCollectionModel() {
    }

    /** What an owner is to one of its dependents. */
    public enum OwnerState {
        /** Exists and is not deleting its dependents in the foreground. */
        SOLID,
        /** Exists, being deleted with the foregroundDeletion finalizer: waits for its dependents to go. */
        WAITING_FOR_DEPENDENTS,
        /** No object with that uid exists (deleted, or a namesake with another uid). */
        DANGLING
    }

    /** What to do with the object. */
    public sealed interface Plan {
    }

    public record Nothing() implements Plan {
    }

    /** Patch the object's ownerReferences to these owner uids away; it stays. */
    public record RemoveOwnerReferences(List<String> ownerUids) implements Plan {
        public RemoveOwnerReferences {
            ownerUids = List.copyOf(ownerUids);
        }
    }

    /** Delete the object (guarded by its uid and resourceVersion) with this propagation policy. */
    public record Delete(String propagationPolicy) implements Plan {
    }

    /** Remove the owner's reference from each dependent, then the owner's orphan finalizer. */
    public record OrphanDependents(List<HasMetadata> dependents) implements Plan {
        public OrphanDependents {
            dependents = List.copyOf(dependents);
        }
    }

    /** Foreground deletion in progress: process each dependent, look again when one goes. */
    public record AwaitDependents(List<HasMetadata> dependents) implements Plan {
        public AwaitDependents {
            dependents = List.copyOf(dependents);
        }
    }

    /** Remove this finalizer from the object; the api-server deletes it once none is left. */
    public record RemoveFinalizer(String finalizer) implements Plan {
    }

    /** Whether {@link #plan} needs the states of the object's owners (which may cost API calls). */
    public static boolean needsOwnerStates(HasMetadata object) {
        return !deleting(object) && !ownerReferences(object).isEmpty();
    }

    /**
     * @param object     the object to decide for
     * @param owners     the state of each owner, by uid; only read if {@link #needsOwnerStates};
     *                   an owner missing from the map counts as {@link OwnerState#SOLID}
     * @param dependents the objects with an ownerReference to {@code object}'s uid
     */
    public static Plan plan(HasMetadata object, Map<String, OwnerState> owners, List<? extends HasMetadata> dependents) {
        String uid = object.getMetadata().getUid();
        if (deleting(object)) {
            if (hasFinalizer(object, ORPHAN_FINALIZER)) {
                return new OrphanDependents(List.copyOf(dependents));
            }
            if (hasFinalizer(object, FOREGROUND_FINALIZER)) {
                boolean blocked = dependents.stream().anyMatch(d -> blocksOwnerDeletion(d, uid));
                return blocked ? new AwaitDependents(List.copyOf(dependents)) : new RemoveFinalizer(FOREGROUND_FINALIZER);
            }
            return new Nothing();
        }
        List<OwnerReference> refs = ownerReferences(object);
        if (refs.isEmpty()) {
            return new Nothing();
        }
        List<String> solid = new ArrayList<>();
        List<String> notSolid = new ArrayList<>();
        boolean waiting = false;
        for (OwnerReference ref : refs) {
            OwnerState state = owners.getOrDefault(ref.getUid(), OwnerState.SOLID);
            switch (state) {
                case SOLID -> solid.add(ref.getUid());
                case WAITING_FOR_DEPENDENTS -> {
                    waiting = true;
                    notSolid.add(ref.getUid());
                }
                case DANGLING -> notSolid.add(ref.getUid());
            }
        }
        if (!solid.isEmpty()) {
            return notSolid.isEmpty() ? new Nothing() : new RemoveOwnerReferences(notSolid);
        }
        if (waiting && !dependents.isEmpty()) {
            return new Delete(FOREGROUND);
        }
        if (hasFinalizer(object, ORPHAN_FINALIZER)) {
            return new Delete(ORPHAN);
        }
        if (hasFinalizer(object, FOREGROUND_FINALIZER)) {
            return new Delete(FOREGROUND);
        }
        return new Delete(BACKGROUND);
    }

    /** The state an existing owner presents to its dependents. */
    public static OwnerState stateOf(HasMetadata owner) {
        return deleting(owner) && hasFinalizer(owner, FOREGROUND_FINALIZER) ? OwnerState.WAITING_FOR_DEPENDENTS : OwnerState.SOLID;
    }

    /** True if {@code dependent} references {@code ownerUid} with blockOwnerDeletion. */
    public static boolean blocksOwnerDeletion(HasMetadata dependent, String ownerUid) {
        return ownerReferences(dependent).stream()
                .anyMatch(r -> Objects.equals(r.getUid(), ownerUid) && Boolean.TRUE.equals(r.getBlockOwnerDeletion()));
    }

    /** Being deleted with a finalizer the garbage collector handles. */
    public static boolean awaitsGarbageCollector(HasMetadata object) {
        return deleting(object) && (hasFinalizer(object, ORPHAN_FINALIZER) || hasFinalizer(object, FOREGROUND_FINALIZER));
    }

    public static List<OwnerReference> ownerReferences(HasMetadata object) {
        List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
        return refs == null ? List.of() : refs;
    }

    static boolean deleting(HasMetadata object) {
        return object.getMetadata().getDeletionTimestamp() != null;
    }

    static boolean hasFinalizer(HasMetadata object, String finalizer) {
        List<String> finalizers = object.getMetadata().getFinalizers();
        return finalizers != null && finalizers.contains(finalizer);
    }
}

package io.capstan.controllers.gc;

import static io.capstan.controllers.gc.GarbageCollectionModel.OwnerState.DANGLING;
import static io.capstan.controllers.gc.GarbageCollectionModel.OwnerState.SOLID;
import static io.capstan.controllers.gc.GarbageCollectionModel.OwnerState.WAITING_FOR_DEPENDENTS;
import static org.assertj.core.api.Assertions.assertThat;

import io.capstan.controllers.gc.GarbageCollectionModel.AwaitDependents;
import io.capstan.controllers.gc.GarbageCollectionModel.Delete;
import io.capstan.controllers.gc.GarbageCollectionModel.Nothing;
import io.capstan.controllers.gc.GarbageCollectionModel.OrphanDependents;
import io.capstan.controllers.gc.GarbageCollectionModel.OwnerState;
import io.capstan.controllers.gc.GarbageCollectionModel.Plan;
import io.capstan.controllers.gc.GarbageCollectionModel.RemoveFinalizer;
import io.capstan.controllers.gc.GarbageCollectionModel.RemoveOwnerReferences;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

class GarbageCollectionModelTest {
    private static final String DELETED_AT = "2025-01-01T00:00:00Z";

    /** An object named {@code name} (uid {@code name}-uid), with these owners and finalizers, deleting or not. */
    private static Pod object(String name, boolean deleting, List<String> finalizers, OwnerReference... owners) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("ns").withUid(name + "-uid")
                .withResourceVersion("7").withDeletionTimestamp(deleting ? DELETED_AT : null)
                .withFinalizers(finalizers.isEmpty() ? null : new ArrayList<>(finalizers))
                .withOwnerReferences(owners.length == 0 ? null : List.of(owners)).endMetadata().build();
    }

    private static Pod object(String name, OwnerReference... owners) {
        return object(name, false, List.of(), owners);
    }

    private static OwnerReference ref(String owner, boolean blockOwnerDeletion) {
        return new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet").withName(owner)
                .withUid(owner + "-uid").withController(true).withBlockOwnerDeletion(blockOwnerDeletion).build();
    }

    private static OwnerReference ref(String owner) {
        return ref(owner, true);
    }

    static Stream<Arguments> decisions() {
        Pod blocking = object("blocking", ref("owner", true));
        Pod loose = object("loose", ref("owner", false));
        return Stream.of(
                Arguments.of("an object without owners is left alone",
                        object("cm"), Map.of(), List.of(), new Nothing()),
                Arguments.of("a dependent whose only owner is gone is deleted in the background",
                        object("pod", ref("rs")), Map.of("rs-uid", DANGLING), List.of(), new Delete("Background")),
                Arguments.of("a dependent whose owner lives is kept",
                        object("pod", ref("rs")), Map.of("rs-uid", SOLID), List.of(), new Nothing()),
                Arguments.of("a dependent with a live and a gone owner loses the dead reference only",
                        object("pod", ref("a"), ref("b")), Map.of("a-uid", DANGLING, "b-uid", SOLID), List.of(),
                        new RemoveOwnerReferences(List.of("a-uid"))),
                Arguments.of("a dependent with a live owner drops the reference to an owner deleting in the foreground",
                        object("pod", ref("a"), ref("b")), Map.of("a-uid", WAITING_FOR_DEPENDENTS, "b-uid", SOLID), List.of(),
                        new RemoveOwnerReferences(List.of("a-uid"))),
                Arguments.of("a dependent whose owners are all gone is deleted even with several references",
                        object("pod", ref("a"), ref("b")), Map.of("a-uid", DANGLING, "b-uid", DANGLING), List.of(),
                        new Delete("Background")),
                Arguments.of("a leaf dependent of a foreground deletion is deleted in the background",
                        object("pod", ref("rs")), Map.of("rs-uid", WAITING_FOR_DEPENDENTS), List.of(), new Delete("Background")),
                Arguments.of("a dependent of a foreground deletion with dependents of its own is deleted in the foreground",
                        object("rs", ref("deploy")), Map.of("deploy-uid", WAITING_FOR_DEPENDENTS), List.of(object("pod", ref("rs"))),
                        new Delete("Foreground")),
                Arguments.of("an orphaned dependent carrying the orphan finalizer is deleted with orphan propagation",
                        object("rs", false, List.of("orphan"), ref("deploy")), Map.of("deploy-uid", DANGLING), List.of(),
                        new Delete("Orphan")),
                Arguments.of("an owner whose state is unknown counts as alive",
                        object("pod", ref("rs")), Map.of(), List.of(), new Nothing()),
                Arguments.of("an object already being deleted without a collector finalizer is left to the api-server",
                        object("pod", true, List.of("example.com/cleanup"), ref("rs")), Map.of("rs-uid", DANGLING), List.of(),
                        new Nothing()),
                Arguments.of("an owner deleted with orphan propagation releases every dependent",
                        object("owner", true, List.of("orphan")), Map.of(), List.of(blocking, loose),
                        new OrphanDependents(List.of(blocking, loose))),
                Arguments.of("an owner deleted with orphan propagation and no dependents only drops its finalizer",
                        object("owner", true, List.of("orphan")), Map.of(), List.of(), new OrphanDependents(List.of())),
                Arguments.of("an owner deleted in the foreground waits for a blocking dependent",
                        object("owner", true, List.of("foregroundDeletion")), Map.of(), List.of(blocking, loose),
                        new AwaitDependents(List.of(blocking, loose))),
                Arguments.of("an owner deleted in the foreground is not held by dependents that do not block",
                        object("owner", true, List.of("foregroundDeletion")), Map.of(), List.of(loose),
                        new RemoveFinalizer("foregroundDeletion")),
                Arguments.of("an owner deleted in the foreground with no dependents left drops its finalizer",
                        object("owner", true, List.of("foregroundDeletion")), Map.of(), List.of(),
                        new RemoveFinalizer("foregroundDeletion")),
                Arguments.of("an owner deleted in the foreground waits for a blocking dependent that is itself terminating",
                        object("owner", true, List.of("foregroundDeletion")), Map.of(),
                        List.of(object("rs", true, List.of("foregroundDeletion"), ref("owner", true))),
                        new AwaitDependents(List.of(object("rs", true, List.of("foregroundDeletion"), ref("owner", true))))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void decides(String name, HasMetadata object, Map<String, OwnerState> owners, List<HasMetadata> dependents, Plan expected) {
        assertThat(GarbageCollectionModel.plan(object, owners, dependents)).isEqualTo(expected);
    }

    static Stream<Arguments> ownerStates() {
        return Stream.of(
                Arguments.of("a live owner is solid", object("rs"), SOLID),
                Arguments.of("an owner deleting in the foreground waits for its dependents",
                        object("rs", true, List.of("foregroundDeletion")), WAITING_FOR_DEPENDENTS),
                Arguments.of("an owner deleting with orphan propagation is still solid to its dependents",
                        object("rs", true, List.of("orphan")), SOLID),
                Arguments.of("an owner held by another finalizer is solid", object("rs", true, List.of("example.com/x")), SOLID));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ownerStates")
    void classifiesOwners(String name, HasMetadata owner, OwnerState expected) {
        assertThat(GarbageCollectionModel.stateOf(owner)).isEqualTo(expected);
    }

    @Test
    void ownerStatesAreOnlyNeededForLiveObjectsWithOwners() {
        assertThat(GarbageCollectionModel.needsOwnerStates(object("pod", ref("rs")))).isTrue();
        assertThat(GarbageCollectionModel.needsOwnerStates(object("pod"))).isFalse();
        assertThat(GarbageCollectionModel.needsOwnerStates(object("pod", true, List.of("orphan"), ref("rs")))).isFalse();
    }
}

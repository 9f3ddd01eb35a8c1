package io.capstan.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ControllerOwnerTest {

    static Pod owned(String apiVersion, String kind, Boolean controller) {
        return new PodBuilder().withNewMetadata().withNamespace("ns").withName("p")
                .addToOwnerReferences(new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind)
                        .withName("owner").withUid("u").withController(controller).build())
                .endMetadata().build();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("controller reference to the primary kind maps to the owner",
                        owned("apps/v1", "ReplicaSet", true), ReplicaSet.class, Optional.of(new Request("ns", "owner"))),
                Arguments.of("non-controller reference is ignored",
                        owned("apps/v1", "ReplicaSet", false), ReplicaSet.class, Optional.empty()),
                Arguments.of("reference to another kind is ignored",
                        owned("batch/v1", "Job", true), ReplicaSet.class, Optional.empty()),
                Arguments.of("same kind name in another group is ignored",
                        owned("example.com/v1", "ReplicaSet", true), ReplicaSet.class, Optional.empty()),
                Arguments.of("any version of the group matches",
                        owned("batch/v1beta1", "Job", true), Job.class, Optional.of(new Request("ns", "owner"))),
                Arguments.of("cluster-scoped owners have no namespace",
                        owned("v1", "Node", true), Node.class, Optional.of(new Request("", "owner"))),
                Arguments.of("objects without owners map to nothing",
                        new PodBuilder().withNewMetadata().withNamespace("ns").withName("p").endMetadata().build(),
                        ReplicaSet.class, Optional.empty()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void ownedObjectsEnqueueTheirControllingOwner(String name, HasMetadata object, Class<? extends HasMetadata> ownerType,
                                                  Optional<Request> expected) {
        assertThat(Controller.ownerRequest(object, ownerType)).isEqualTo(expected);
    }
}

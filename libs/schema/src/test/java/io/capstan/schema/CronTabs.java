package io.capstan.schema;

import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceType;
import io.capstan.api.registry.Scope;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/** A custom resource fixture: the CronTab of the Kubernetes CRD documentation, with a few more field shapes. */
final class CronTabs {
    static final String VERSION_JSON = """
            {"name":"v1","served":true,"storage":true,
             "subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas"}},
             "schema":{"openAPIV3Schema":{"type":"object","properties":{
               "spec":{"type":"object","properties":{
                 "cronSpec":{"type":"string"},
                 "image":{"type":"string"},
                 "replicas":{"type":"integer"},
                 "config":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
                 "selectors":{"type":"object","additionalProperties":{"type":"object","properties":{"match":{"type":"string"}}}},
                 "ports":{"type":"array","items":{"type":"object","properties":{"port":{"type":"integer"}}}},
                 "template":{"type":"object","x-kubernetes-embedded-resource":true,"properties":{"spec":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}},
               "status":{"type":"object","properties":{"replicas":{"type":"integer"}}}}}}}
            """;

    static final ResourceType TYPE = new ResourceType("stable.example.com", "v1", "CronTab", "crontabs", "crontab",
            Scope.NAMESPACED, List.of("ct"), List.of(), Set.of("status", "scale"), null, "v1",
            KubeJson.read(VERSION_JSON.getBytes(StandardCharsets.UTF_8)));

    private CronTabs() {
    }
}

package io.capstan.printers;

import com.fasterxml.jackson.databind.JsonNode;
import io.capstan.api.registry.ResourceType;
import io.capstan.api.registry.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Set;

import static io.capstan.printers.Fixtures.NOW;
import static io.capstan.printers.Fixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TablePrinterTest {

    private static final ResourceType PODS = Fixtures.type("", "v1", "Pod");
    private static final JsonNode POD = yaml("""
            apiVersion: v1
            kind: Pod
            metadata: {name: web-1, namespace: default, uid: u1, resourceVersion: "4700",
                       creationTimestamp: "2024-05-01T11:59:55Z", labels: {app: web}}
            spec: {containers: [{name: app}]}
            status: {phase: Pending}
            """);

    @Test
    void tableCarriesKindListMetadataAndColumnDefinitions() {
        JsonNode table = TablePrinter.table(PODS, List.of(POD), "4711", "next", 3L, null, NOW);
        assertThat(table.path("kind").asText()).isEqualTo("Table");
        assertThat(table.path("apiVersion").asText()).isEqualTo("meta.k8s.io/v1");
        assertThat(table.at("/metadata/resourceVersion").asText()).isEqualTo("4711");
        assertThat(table.at("/metadata/continue").asText()).isEqualTo("next");
        assertThat(table.at("/metadata/remainingItemCount").asLong()).isEqualTo(3);
        assertThat(table.at("/columnDefinitions/0").toString())
                .startsWith("{\"name\":\"Name\",\"type\":\"string\",\"format\":\"name\",\"description\":\"Name must be unique");
        assertThat(table.at("/rows/0/cells").toString()).isEqualTo(
                "[\"web-1\",\"0/1\",\"Pending\",\"0\",\"5s\",\"<none>\",\"<none>\",\"<none>\",\"<none>\"]");
    }

    @Test
    void emptyContinueAndAbsentCountsAreLeftOut() {
        JsonNode table = TablePrinter.table(PODS, List.of(), "1", "", null, "None", NOW);
        assertThat(table.path("metadata").toString()).isEqualTo("{\"resourceVersion\":\"1\"}");
        assertThat(table.path("rows")).isEmpty();
    }

    @Test
    void metadataIsTheDefaultAndWrapsFullMetadataInPartialObjectMetadata() {
        JsonNode row = TablePrinter.table(PODS, List.of(POD), "1", null, null, "Metadata", NOW).at("/rows/0");
        assertThat(row.at("/object/kind").asText()).isEqualTo("PartialObjectMetadata");
        assertThat(row.at("/object/apiVersion").asText()).isEqualTo("meta.k8s.io/v1");
        assertThat(row.at("/object/metadata")).isEqualTo(POD.get("metadata"));
        assertThat(row.at("/object/spec").isMissingNode()).isTrue();
        assertThat(TablePrinter.table(PODS, List.of(POD), "1", null, null, null, NOW).at("/rows/0"))
                .isEqualTo(row);
    }

    @Test
    void objectEmbedsTheWholeObject() {
        JsonNode row = TablePrinter.table(PODS, List.of(POD), "1", null, null, "Object", NOW).at("/rows/0");
        assertThat(row.get("object")).isEqualTo(POD);
    }

    @Test
    void noneLeavesTheObjectOut() {
        JsonNode row = TablePrinter.table(PODS, List.of(POD), "1", null, null, "None", NOW).at("/rows/0");
        assertThat(row.has("object")).isFalse();
    }

    @Test
    void unknownIncludeObjectIsRejected() {
        assertThatThrownBy(() -> TablePrinter.table(PODS, List.of(POD), "1", null, null, "Everything", NOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("includeObject");
    }

    @ParameterizedTest(name = "{0}/{1} {2}: default columns {3}, wide columns {4}")
    @CsvSource(delimiter = ';', value = {
            ";v1;Pod;Name,Ready,Status,Restarts,Age;IP,Node,Nominated Node,Readiness Gates",
            ";v1;Service;Name,Type,Cluster-IP,External-IP,Port(s),Age;Selector",
            "apps;v1;Deployment;Name,Ready,Up-to-date,Available,Age;Containers,Images,Selector",
            "apps;v1;ReplicaSet;Name,Desired,Current,Ready,Age;Containers,Images,Selector",
            "apps;v1;StatefulSet;Name,Ready,Age;Containers,Images",
            "apps;v1;DaemonSet;Name,Desired,Current,Ready,Up-to-date,Available,Node Selector,Age;Containers,Images,Selector",
            "batch;v1;Job;Name,Status,Completions,Duration,Age;Containers,Images,Selector",
            "batch;v1;CronJob;Name,Schedule,Timezone,Suspend,Active,Last Schedule,Age;Containers,Images,Selector",
            ";v1;Node;Name,Status,Roles,Age,Version;Internal-IP,External-IP,OS-Image,Kernel-Version,Container-Runtime",
            ";v1;Event;Last Seen,Type,Reason,Object,Message;Subobject,Source,First Seen,Count,Name",
            ";v1;PersistentVolumeClaim;Name,Status,Volume,Capacity,Access Modes,StorageClass,VolumeAttributesClass,Age;VolumeMode",
            ";v1;Namespace;Name,Status,Age;",
            "autoscaling;v2;HorizontalPodAutoscaler;Name,Reference,Targets,MinPods,MaxPods,Replicas,Age;",
            "autoscaling;v1;HorizontalPodAutoscaler;Name,Reference,Targets,MinPods,MaxPods,Replicas,Age;",
            "storage.k8s.io;v1;StorageClass;Name,Provisioner,ReclaimPolicy,VolumeBindingMode,AllowVolumeExpansion,Age;",
            ";v1;LimitRange;Name,Created At;",
            "networking.istio.io;v1alpha3;ServiceEntry;Name,Hosts,Location,Resolution,Age;",
    })
    void columnsSplitIntoDefaultAndWideByPriority(String group, String version, String kind, String defaults, String wide) {
        List<Column> columns = TablePrinter.columns(Fixtures.type(group == null ? "" : group, version, kind));
        assertThat(columns.stream().filter(c -> c.priority() == 0).map(Column::name))
                .containsExactly(defaults.split(","));
        assertThat(columns.stream().filter(c -> c.priority() == 1).map(Column::name))
                .containsExactly(wide == null ? new String[0] : wide.split(","));
        assertThat(columns.stream().filter(c -> "name".equals(c.format())).count()).isEqualTo(1);
    }

    @Test
    void customResourcesPrintTheirAdditionalPrinterColumns() {
        ResourceType widgets = custom("""
                name: v1
                additionalPrinterColumns:
                - {name: Replicas, type: integer, jsonPath: .spec.replicas}
                - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
                - {name: Ratio, type: number, jsonPath: .spec.ratio, priority: 1}
                - {name: Paused, type: boolean, jsonPath: .spec.paused}
                - {name: Labels, type: string, jsonPath: .metadata.labels}
                - {name: Missing, type: string, jsonPath: .spec.nothing}
                - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
                """);
        JsonNode widget = yaml("""
                metadata: {name: w1, creationTimestamp: "2024-05-01T11:00:00Z", labels: {b: "2", a: "1"}}
                spec: {replicas: 3, ratio: 0.5, paused: true}
                status: {conditions: [{type: Synced, status: "True"}, {type: Ready, status: "False"}]}
                """);
        JsonNode table = TablePrinter.table(widgets, List.of(widget), "9", null, null, "None", NOW);
        assertThat(table.path("columnDefinitions").findValuesAsText("name"))
                .containsExactly("Name", "Replicas", "Ready", "Ratio", "Paused", "Labels", "Missing", "Age");
        assertThat(table.at("/columnDefinitions/3/priority").asInt()).isEqualTo(1);
        assertThat(table.at("/rows/0/cells").toString())
                .isEqualTo("[\"w1\",3,\"False\",0.5,true,\"{\\\"a\\\":\\\"1\\\",\\\"b\\\":\\\"2\\\"}\",null,\"60m\"]");
    }

    @Test
    void customResourcesWithoutColumnsGetNameAndAge() {
        ResourceType widgets = custom("name: v1\n");
        JsonNode table = TablePrinter.table(widgets,
                List.of(yaml("metadata: {name: w1, creationTimestamp: \"2024-04-29T07:00:00Z\"}")), "9", null, null, "None", NOW);
        assertThat(table.path("columnDefinitions").findValuesAsText("name")).containsExactly("Name", "Age");
        assertThat(table.at("/columnDefinitions/1/type").asText()).isEqualTo("date");
        assertThat(table.at("/rows/0/cells").toString()).isEqualTo("[\"w1\",\"2d5h\"]");
    }

    private static ResourceType custom(String crdVersion) {
        return new ResourceType("example.com", "v1", "Widget", "widgets", "widget", Scope.NAMESPACED, List.of(), List.of(),
                Set.of(), null, "v1", yaml(crdVersion));
    }
}

package io.capstan.patch;

import static io.capstan.patch.TestJson.json;
import static io.capstan.patch.TestJson.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.capstan.api.status.ApiException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

class ServerSideApplyTest {
    private static final Instant T1 = Instant.parse("2026-01-02T03:04:05.678Z");
    private static final Instant T2 = Instant.parse("2026-01-02T04:00:00Z");
    private static final Instant T3 = Instant.parse("2026-01-02T05:00:00Z");

    private static ObjectNode deployment(int replicas, String image) {
        return obj("""
                {'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'default','labels':{'app':'web'}},
                 'spec':{'replicas':%d,'selector':{'matchLabels':{'app':'web'}},
                   'template':{'metadata':{'labels':{'app':'web'}},
                     'spec':{'containers':[{'name':'web','image':'%s','ports':[{'containerPort':80}]}]}}}}"""
                .formatted(replicas, image));
    }

    private static ObjectNode apply(ObjectNode live, ObjectNode config, String manager, boolean force, Instant now) {
        return ServerSideApply.apply(live, config, manager, force, Deployment.class, "", now);
    }

    private static JsonNode entry(JsonNode object, String manager) {
        for (JsonNode e : object.at("/metadata/managedFields")) {
            if (e.get("manager").asText().equals(manager)) {
                return e;
            }
        }
        return null;
    }

    @Test
    void createViaApplyRecordsTheAppliedFields() {
        ObjectNode created = apply(null, deployment(3, "nginx:1.27"), "kubectl", false, T1);

        ObjectNode withoutManaged = created.deepCopy();
        ((ObjectNode) withoutManaged.get("metadata")).remove("managedFields");
        assertThat(withoutManaged).isEqualTo(deployment(3, "nginx:1.27"));
        assertThat(created.at("/metadata/managedFields")).isEqualTo(json("""
                [{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"2026-01-02T03:04:05Z",
                  "fieldsType":"FieldsV1","fieldsV1":{
                    "f:metadata":{"f:labels":{"f:app":{}}},
                    "f:spec":{"f:replicas":{},"f:selector":{"f:matchLabels":{"f:app":{}}},
                      "f:template":{"f:metadata":{"f:labels":{"f:app":{}}},
                        "f:spec":{"f:containers":{"k:{\\"name\\":\\"web\\"}":{".":{},"f:image":{},"f:name":{},
                          "f:ports":{"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}}}}}}}}}}]"""));
    }

    @Test
    void reapplyingTheSameConfigurationChangesNothing() {
        ObjectNode created = apply(null, deployment(3, "nginx:1.27"), "kubectl", false, T1);
        ObjectNode again = apply(created, deployment(3, "nginx:1.27"), "kubectl", false, T2);
        assertThat(again).isEqualTo(created);
    }

    @Test
    void applyingADifferentValueOfAFieldAnotherApplierOwnsConflicts() {
        ObjectNode live = apply(null, deployment(3, "nginx:1.27"), "kubectl", false, T1);
        ObjectNode other = obj("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},'spec':{'replicas':5}}");

        assertThatThrownBy(() -> apply(live, other, "autoscaler", false, T2))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(409);
                    assertThat(e.reason()).isEqualTo("Conflict");
                    assertThat(e.getMessage()).isEqualTo("Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas");
                    assertThat(e.causes()).containsExactly(
                            new ApiException.Cause("FieldManagerConflict", "conflict with \"kubectl\"", ".spec.replicas"));
                });
    }

    @Test
    void conflictWithAnUpdaterNamesItsApiVersion() {
        ObjectNode created = apply(null, deployment(3, "nginx:1.27"), "kubectl", false, T1);
        ObjectNode edited = (ObjectNode) MergePatch.apply(created, json("{'spec':{'replicas':7}}"));
        ManagedFields.trackUpdate(created, edited, "kubectl-client-side-apply", "Update", "", T2, Deployment.class);

        assertThat(entry(edited, "kubectl").at("/fieldsV1/f:spec/f:replicas").isMissingNode()).isTrue();
        assertThat(entry(edited, "kubectl-client-side-apply").get("fieldsV1"))
                .isEqualTo(json("{'f:spec':{'f:replicas':{}}}"));
        assertThatThrownBy(() -> apply(edited, deployment(3, "nginx:1.27"), "kubectl", false, T3))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(409);
                    assertThat(e.getMessage()).isEqualTo(
                            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas");
                    assertThat(e.causes()).containsExactly(new ApiException.Cause("FieldManagerConflict",
                            "conflict with \"kubectl-client-side-apply\" using apps/v1", ".spec.replicas"));
                    assertThat(e.toStatus().at("/details/causes/0/reason").asText()).isEqualTo("FieldManagerConflict");
                });
    }

    @Test
    void severalConflictsAreListedPerManager() {
        ObjectNode created = apply(null, deployment(3, "nginx:1.27"), "kubectl", false, T1);
        ObjectNode edited = (ObjectNode) StrategicMergePatch.apply(created,
                json("{'spec':{'replicas':7,'template':{'spec':{'containers':[{'name':'web','image':'nginx:1.28'}]}}}}"),
                Deployment.class);
        ManagedFields.trackUpdate(created, edited, "kubectl-edit", "Update", "", T2, Deployment.class);

        assertThatThrownBy(() -> apply(edited, deployment(3, "nginx:1.27"), "kubectl", false, T3))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("""
                            Apply failed with 2 conflicts: conflicts with "kubectl-edit" using apps/v1:
                            - .spec.replicas
                            - .spec.template.spec.containers[name="web"].image""");
                    assertThat(e.causes()).extracting(ApiException.Cause::field)
                            .containsExactly(".spec.replicas", ".spec.template.spec.containers[name=\"web\"].image");
                });
    }

    @Test
    void forceTakesOwnershipOfConflictingFields() {
        ObjectNode live = apply(null, deployment(3, "nginx:1.27"), "kubectl", false, T1);
        ObjectNode other = obj("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},'spec':{'replicas':5}}");

        ObjectNode forced = apply(live, other, "autoscaler", true, T2);

        assertThat(forced.at("/spec/replicas").asInt()).isEqualTo(5);
        assertThat(entry(forced, "autoscaler").get("fieldsV1")).isEqualTo(json("{'f:spec':{'f:replicas':{}}}"));
        assertThat(entry(forced, "autoscaler").get("time").asText()).isEqualTo("2026-01-02T04:00:00Z");
        assertThat(entry(forced, "kubectl").at("/fieldsV1/f:spec/f:replicas").isMissingNode()).isTrue();
        assertThat(entry(forced, "kubectl").at("/fieldsV1/f:spec/f:template").isMissingNode()).isFalse();
    }

    @Test
    void applyingTheSameValueSharesOwnershipWithoutConflict() {
        ObjectNode live = apply(null, deployment(3, "nginx:1.27"), "kubectl", false, T1);
        ObjectNode same = obj("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},'spec':{'replicas':3}}");

        ObjectNode shared = apply(live, same, "helm", false, T2);

        assertThat(entry(shared, "helm").get("fieldsV1")).isEqualTo(json("{'f:spec':{'f:replicas':{}}}"));
        assertThat(entry(shared, "kubectl").at("/fieldsV1/f:spec/f:replicas").isMissingNode()).isFalse();
    }

    @Test
    void fieldRemovedFromTheConfigurationIsDeleted() {
        ObjectNode withTier = deployment(3, "nginx:1.27");
        ((ObjectNode) withTier.at("/metadata/labels")).put("tier", "front");
        ObjectNode live = apply(null, withTier, "kubectl", false, T1);

        ObjectNode result = apply(live, deployment(3, "nginx:1.27"), "kubectl", false, T2);

        assertThat(result.at("/metadata/labels")).isEqualTo(json("{'app':'web'}"));
        assertThat(entry(result, "kubectl").at("/fieldsV1/f:metadata/f:labels")).isEqualTo(json("{'f:app':{}}"));
        assertThat(entry(result, "kubectl").get("time").asText()).isEqualTo("2026-01-02T04:00:00Z");
    }

    @Test
    void fieldRemovedFromTheConfigurationStaysWhenAnotherManagerOwnsIt() {
        ObjectNode withTier = deployment(3, "nginx:1.27");
        ((ObjectNode) withTier.at("/metadata/labels")).put("tier", "front");
        ObjectNode live = apply(null, withTier, "kubectl", false, T1);
        live = apply(live, obj("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','labels':{'tier':'front'}}}"),
                "helm", false, T2);

        ObjectNode result = apply(live, deployment(3, "nginx:1.27"), "kubectl", false, T3);

        assertThat(result.at("/metadata/labels")).isEqualTo(json("{'app':'web','tier':'front'}"));
    }

    @Test
    void containerRemovedFromTheConfigurationIsDeletedButAnotherManagersContainerStays() {
        ObjectNode twoContainers = deployment(3, "nginx:1.27");
        ((com.fasterxml.jackson.databind.node.ArrayNode) twoContainers.at("/spec/template/spec/containers"))
                .add(json("{'name':'old','image':'busybox'}"));
        ObjectNode live = apply(null, twoContainers, "kubectl", false, T1);
        live = apply(live, obj("""
                {'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},
                 'spec':{'template':{'spec':{'containers':[{'name':'sidecar','image':'envoy'}]}}}}"""), "mesh", false, T2);

        ObjectNode result = apply(live, deployment(3, "nginx:1.27"), "kubectl", false, T3);

        assertThat(result.at("/spec/template/spec/containers").findValuesAsText("name")).containsExactly("web", "sidecar");
    }

    @Test
    void firstApplyToAnUntrackedObjectConflictsWithBeforeFirstApply() {
        ObjectNode untracked = deployment(1, "nginx:1.25");

        assertThatThrownBy(() -> apply(untracked, deployment(3, "nginx:1.25"), "kubectl", false, T1))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).isEqualTo(
                        "Apply failed with 1 conflict: conflict with \"before-first-apply\" using apps/v1: .spec.replicas"));
        ObjectNode same = apply(untracked, deployment(1, "nginx:1.25"), "kubectl", false, T1);
        assertThat(same.at("/metadata/managedFields").findValuesAsText("manager"))
                .containsExactly("kubectl", "before-first-apply");
    }

    @Test
    void customResourceApplyTreatsListsAsAtomic() {
        ObjectNode config = obj("""
                {'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w','finalizers':['x']},
                 'spec':{'size':1,'items':[{'name':'a'},{'name':'b'}]}}""");
        ObjectNode created = ServerSideApply.apply(null, config, "helm", false, null, "", T1);
        assertThat(created.at("/metadata/managedFields/0/fieldsV1")).isEqualTo(json("""
                {"f:metadata":{"f:finalizers":{"v:\\"x\\"":{}}},"f:spec":{".":{},"f:items":{},"f:size":{}}}"""));

        ObjectNode other = obj("{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},'spec':{'items':[{'name':'c'}]}}");
        assertThatThrownBy(() -> ServerSideApply.apply(created, other, "ops", false, null, "", T2))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage())
                        .isEqualTo("Apply failed with 1 conflict: conflict with \"helm\": .spec.items"));

        ObjectNode forced = ServerSideApply.apply(created, other, "ops", true, null, "", T2);
        assertThat(forced.at("/spec/items")).isEqualTo(json("[{'name':'c'}]"));
        assertThat(forced.at("/spec/size").asInt()).isEqualTo(1);
    }

    @Test
    void statusInAMainResourceApplyIsIgnoredForBuiltInKinds() {
        ObjectNode config = deployment(3, "nginx:1.27");
        config.putObject("status").put("replicas", 9);
        ObjectNode created = apply(null, config, "kubectl", false, T1);
        assertThat(created.has("status")).isFalse();
        assertThat(entry(created, "kubectl").at("/fieldsV1/f:status").isMissingNode()).isTrue();
    }

    @Test
    void statusSubresourceApplyRecordsTheSubresource() {
        ObjectNode live = apply(null, deployment(3, "nginx:1.27"), "kubectl", false, T1);
        ObjectNode status = obj("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},'status':{'readyReplicas':3}}");

        ObjectNode result = ServerSideApply.apply(live, status, "controller", false, Deployment.class, "status", T2);

        assertThat(result.at("/status/readyReplicas").asInt()).isEqualTo(3);
        assertThat(entry(result, "controller").get("subresource").asText()).isEqualTo("status");
        assertThat(entry(result, "kubectl").has("subresource")).isFalse();
    }

    @Test
    void rejectsManagedFieldsInTheConfiguration() {
        ObjectNode config = deployment(3, "nginx:1.27");
        ((ObjectNode) config.get("metadata")).putArray("managedFields");
        assertThatThrownBy(() -> apply(null, config, "kubectl", false, T1))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("metadata.managedFields must be nil");
                });
    }

    @Test
    void rejectsAnotherApiVersionThanTheLiveObject() {
        ObjectNode live = apply(null, deployment(3, "nginx:1.27"), "kubectl", false, T1);
        ObjectNode config = deployment(3, "nginx:1.27").put("apiVersion", "apps/v1beta2");
        assertThatThrownBy(() -> apply(live, config, "kubectl", false, T2))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).isEqualTo(
                        "Incorrect version specified in apply patch. Specified patch version: apps/v1beta2, expected: apps/v1"));
    }

    @Test
    void neverMutatesInputs() {
        ObjectNode live = apply(null, deployment(3, "nginx:1.27"), "kubectl", false, T1);
        ObjectNode liveCopy = live.deepCopy();
        ObjectNode config = deployment(4, "nginx:1.28");
        apply(live, config, "kubectl", false, T2);
        assertThat(live).isEqualTo(liveCopy);
        assertThat(config).isEqualTo(deployment(4, "nginx:1.28"));
    }

    @Test
    void applierEntriesComeBeforeUpdaterEntries() {
        ObjectNode created = apply(null, deployment(3, "nginx:1.27"), "kubectl", false, T1);
        ObjectNode edited = (ObjectNode) MergePatch.apply(created, json("{'metadata':{'annotations':{'a':'b'}}}"));
        ManagedFields.trackUpdate(created, edited, "editor", "Update", "", T2, Deployment.class);
        ObjectNode reapplied = apply(edited,
                obj("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','annotations':{'z':'1'}}}"),
                "zz-applier", false, T3);
        List<String> managers = reapplied.at("/metadata/managedFields").findValuesAsText("manager");
        assertThat(managers).containsExactly("kubectl", "zz-applier", "editor");
    }
}

package io.capstan.validation;

import io.capstan.api.status.FieldError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static io.capstan.validation.Trees.arr;
import static io.capstan.validation.Trees.obj;
import static io.capstan.validation.Trees.str;

/** PersistentVolumeClaim, PersistentVolume and StorageClass validation. */
final class StorageValidation {
    private StorageValidation() {
    }

    private static final String BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";
    private static final List<String> ACCESS_MODES = List.of("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod");
    private static final List<String> VOLUME_MODES = List.of("Block", "Filesystem");
    private static final List<String> PV_RECLAIM_POLICIES = List.of("Delete", "Recycle", "Retain");
    private static final List<String> CLASS_RECLAIM_POLICIES = List.of("Delete", "Retain");
    private static final List<String> BINDING_MODES = List.of("Immediate", "WaitForFirstConsumer");
    private static final List<String> PV_SOURCES = List.of("gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs",
            "nfs", "rbd", "iscsi", "cinder", "cephfs", "fc", "flocker", "flexVolume", "azureFile", "vsphereVolume", "quobyte",
            "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "local", "storageos", "csi");

    /** ValidatePersistentVolumeClaimSpec, also used for StatefulSet claim templates. */
    static void claimSpec(List<FieldError> errs, ObjectNode spec, String path) {
        if (spec == null) {
            errs.add(FieldError.required(path, ""));
            return;
        }
        accessModes(errs, arr(spec, "accessModes"), path + ".accessModes", "at least 1 access mode is required");
        Checks.labelSelector(errs, obj(spec, "selector"), path + ".selector");
        JsonNode storage = obj(obj(spec, "resources"), "requests") == null ? null
                : obj(obj(spec, "resources"), "requests").get("storage");
        if (storage == null) {
            errs.add(FieldError.required(path + ".resources[storage]", ""));
        } else {
            BigDecimal q = Checks.quantity(errs, storage, path + ".resources[storage]");
            if (q != null && q.signum() == 0) {
                errs.add(FieldError.invalid(path + ".resources[storage]", storage, "must be greater than zero"));
            }
        }
        String storageClass = str(spec, "storageClassName");
        if (!storageClass.isEmpty()) {
            Checks.each(errs, path + ".storageClassName", storageClass, Names.dns1123Subdomain(storageClass));
        }
        Checks.optionalOneOf(errs, spec, "volumeMode", path + ".volumeMode", VOLUME_MODES);
    }

    private static void accessModes(List<FieldError> errs, ArrayNode modes, String path, String requiredDetail) {
        if (modes == null || modes.isEmpty()) {
            errs.add(FieldError.required(path, requiredDetail));
            return;
        }
        for (JsonNode mode : modes) {
            if (!ACCESS_MODES.contains(mode.asText())) {
                errs.add(FieldError.notSupported(path, mode.asText(), ACCESS_MODES));
            }
        }
    }

    /**
     * A claim's spec is fixed once created, except its storage request (which may only grow, for
     * expansion), its attributes class, the volume name the binder sets on an unbound claim, and
     * a storage class set on a claim created without one (RetroactiveDefaultStorageClass: the
     * binder gives such claims the default class later; only unset, not {@code ""}, may become a
     * class, and not on a claim that names its class in the old beta annotation).
     */
    static void claimUpdate(List<FieldError> errs, ObjectNode spec, ObjectNode oldSpec, ObjectNode oldMetadata) {
        if (spec == null || oldSpec == null) {
            return;
        }
        ObjectNode a = spec.deepCopy();
        ObjectNode b = oldSpec.deepCopy();
        for (ObjectNode s : List.of(a, b)) {
            ObjectNode resources = obj(s, "resources");
            if (resources != null) {
                resources.remove("requests");
                if (resources.isEmpty()) {
                    s.remove("resources");
                }
            }
            s.remove("volumeAttributesClassName");
        }
        if (str(oldSpec, "volumeName").isEmpty()) {
            a.remove("volumeName");
            b.remove("volumeName");
        }
        if (classSetRetroactively(spec, oldSpec, oldMetadata)) {
            a.remove("storageClassName");
            b.remove("storageClassName");
        }
        if (!a.equals(b)) {
            errs.add(FieldError.forbidden("spec",
                    "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
        }
        BigDecimal now = Quantities.parse(storageRequest(spec));
        BigDecimal before = Quantities.parse(storageRequest(oldSpec));
        if (now != null && before != null && now.compareTo(before) < 0) {
            errs.add(FieldError.forbidden("spec.resources.requests.storage", "field can not be less than previous value"));
        }
    }

    /** validateStorageClassUpgradeFromNil: unset (absent or null) before, a non-empty name now, no beta class annotation. */
    private static boolean classSetRetroactively(ObjectNode spec, ObjectNode oldSpec, ObjectNode oldMetadata) {
        JsonNode before = oldSpec.get("storageClassName");
        boolean unsetBefore = before == null || before.isNull();
        boolean annotated = obj(oldMetadata, "annotations") != null && obj(oldMetadata, "annotations").has(BETA_CLASS_ANNOTATION);
        return unsetBefore && !annotated && !str(spec, "storageClassName").isEmpty();
    }

    private static JsonNode storageRequest(ObjectNode spec) {
        ObjectNode requests = obj(obj(spec, "resources"), "requests");
        return requests == null ? null : requests.get("storage");
    }

    static void persistentVolume(List<FieldError> errs, ObjectNode spec) {
        if (spec == null) {
            errs.add(FieldError.required("spec", ""));
            return;
        }
        accessModes(errs, arr(spec, "accessModes"), "spec.accessModes", "");
        ObjectNode capacity = obj(spec, "capacity");
        if (capacity == null || capacity.isEmpty()) {
            errs.add(FieldError.required("spec.capacity", ""));
        }
        if (capacity == null || !capacity.has("storage") || capacity.size() > 1) {
            errs.add(FieldError.notSupported("spec.capacity", capacity == null ? "" : capacity.toString(), List.of("storage")));
        }
        if (capacity != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = capacity.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                BigDecimal q = Checks.quantity(errs, e.getValue(), "spec.capacity[" + e.getKey() + "]");
                if (q != null && q.signum() == 0) {
                    errs.add(FieldError.invalid("spec.capacity[" + e.getKey() + "]", e.getValue(), "must be greater than zero"));
                }
            }
        }
        Checks.optionalOneOf(errs, spec, "persistentVolumeReclaimPolicy", "spec.persistentVolumeReclaimPolicy", PV_RECLAIM_POLICIES);
        Checks.optionalOneOf(errs, spec, "volumeMode", "spec.volumeMode", VOLUME_MODES);
        List<String> sources = PV_SOURCES.stream().filter(s -> Trees.has(spec, s)).toList();
        if (sources.isEmpty()) {
            errs.add(new FieldError(FieldError.Type.INVALID, "spec", null, "must specify a volume type"));
        } else if (sources.size() > 1) {
            errs.add(FieldError.forbidden("spec." + sources.get(1), "may not specify more than 1 volume type"));
        }
        String storageClass = str(spec, "storageClassName");
        if (!storageClass.isEmpty()) {
            Checks.each(errs, "spec.storageClassName", storageClass, Names.dns1123Subdomain(storageClass));
        }
    }

    static void storageClass(List<FieldError> errs, ObjectNode sc) {
        String provisioner = str(sc, "provisioner");
        if (provisioner.isEmpty()) {
            errs.add(FieldError.required("provisioner", ""));
        } else {
            Checks.each(errs, "provisioner", provisioner, Names.qualifiedName(provisioner.toLowerCase()));
        }
        ObjectNode parameters = obj(sc, "parameters");
        if (parameters != null && parameters.size() > 512) {
            errs.add(new FieldError(FieldError.Type.TOO_MANY, "parameters", null, "must have at most 512 items"));
        }
        if (parameters != null) {
            for (Iterator<String> it = parameters.fieldNames(); it.hasNext(); ) {
                if (it.next().isEmpty()) {
                    errs.add(FieldError.invalid("parameters", parameters, "key may not be empty"));
                }
            }
        }
        Checks.optionalOneOf(errs, sc, "reclaimPolicy", "reclaimPolicy", CLASS_RECLAIM_POLICIES);
        Checks.oneOf(errs, sc, "volumeBindingMode", "volumeBindingMode", BINDING_MODES);
    }

    static void storageClassUpdate(List<FieldError> errs, ObjectNode sc, ObjectNode old) {
        for (String field : List.of("parameters", "provisioner", "reclaimPolicy")) {
            if (!java.util.Objects.equals(sc.get(field), old.get(field))) {
                errs.add(FieldError.forbidden(field, "updates to " + field + " are forbidden."));
            }
        }
        Checks.immutable(errs, sc.get("volumeBindingMode"), old.get("volumeBindingMode"), "volumeBindingMode");
    }
}

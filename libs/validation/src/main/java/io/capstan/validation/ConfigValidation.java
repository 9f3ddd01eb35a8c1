package io.capstan.validation;

import io.capstan.api.status.FieldError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static io.capstan.validation.Trees.obj;
import static io.capstan.validation.Trees.str;

/** ValidateConfigMap and ValidateSecret, with their updates. */
final class ConfigValidation {
    private ConfigValidation() {
    }

    /** MaxSecretSize, which ConfigMaps share. */
    static final int MAX_SIZE = 1024 * 1024;
    private static final String IMMUTABLE_SET = "field is immutable when `immutable` is set";

    static void configMap(List<FieldError> errs, ObjectNode cm) {
        ObjectNode data = obj(cm, "data");
        ObjectNode binaryData = obj(cm, "binaryData");
        long total = 0;
        for (Map.Entry<String, JsonNode> e : iterable(data)) {
            keys(errs, "data[" + e.getKey() + "]", e.getKey());
            if (binaryData != null && binaryData.has(e.getKey())) {
                errs.add(FieldError.invalid("data[" + e.getKey() + "]", e.getKey(), "duplicate of key present in binaryData"));
            }
            total += e.getValue().asText().length();
        }
        for (Map.Entry<String, JsonNode> e : iterable(binaryData)) {
            keys(errs, "binaryData[" + e.getKey() + "]", e.getKey());
            if (data != null && data.has(e.getKey())) {
                errs.add(FieldError.invalid("binaryData[" + e.getKey() + "]", e.getKey(), "duplicate of key present in data"));
            }
            byte[] decoded = decode(e.getValue());
            if (decoded == null) {
                errs.add(new FieldError(FieldError.Type.INVALID, "binaryData[" + e.getKey() + "]", null, "must be base64-encoded"));
            } else {
                total += decoded.length;
            }
        }
        if (total > MAX_SIZE) {
            errs.add(new FieldError(FieldError.Type.TOO_LONG, "", null, "must have at most " + MAX_SIZE + " bytes"));
        }
    }

    static void secret(List<FieldError> errs, ObjectNode secret) {
        ObjectNode data = obj(secret, "data");
        long total = 0;
        for (Map.Entry<String, JsonNode> e : iterable(data)) {
            keys(errs, "data[" + e.getKey() + "]", e.getKey());
            byte[] decoded = decode(e.getValue());
            // The value is a secret: name the problem, never echo it.
            if (decoded == null) {
                errs.add(new FieldError(FieldError.Type.INVALID, "data[" + e.getKey() + "]", null, "must be base64-encoded"));
            } else {
                total += decoded.length;
            }
        }
        for (Map.Entry<String, JsonNode> e : iterable(obj(secret, "stringData"))) {
            keys(errs, "stringData[" + e.getKey() + "]", e.getKey());
            total += e.getValue().asText().length();
        }
        if (total > MAX_SIZE) {
            errs.add(new FieldError(FieldError.Type.TOO_LONG, "data", null, "must have at most " + MAX_SIZE + " bytes"));
        }
        switch (str(secret, "type")) {
            case "kubernetes.io/service-account-token" -> {
                if (str(obj(obj(secret, "metadata"), "annotations"), "kubernetes.io/service-account.name").isEmpty()) {
                    errs.add(FieldError.required("metadata.annotations[kubernetes.io/service-account.name]", ""));
                }
            }
            case "kubernetes.io/dockercfg" -> requireKey(errs, secret, ".dockercfg");
            case "kubernetes.io/dockerconfigjson" -> requireKey(errs, secret, ".dockerconfigjson");
            case "kubernetes.io/basic-auth" -> {
                if (!hasKey(secret, "username") && !hasKey(secret, "password")) {
                    errs.add(FieldError.required("data[username]", ""));
                    errs.add(FieldError.required("data[password]", ""));
                }
            }
            case "kubernetes.io/ssh-auth" -> requireKey(errs, secret, "ssh-privatekey");
            case "kubernetes.io/tls" -> {
                requireKey(errs, secret, "tls.crt");
                requireKey(errs, secret, "tls.key");
            }
            default -> { }
        }
    }

    private static boolean hasKey(ObjectNode secret, String key) {
        return Trees.has(obj(secret, "data"), key) || Trees.has(obj(secret, "stringData"), key);
    }

    private static void requireKey(List<FieldError> errs, ObjectNode secret, String key) {
        if (!hasKey(secret, key)) {
            errs.add(FieldError.required("data[" + key + "]", ""));
        }
    }

    private static void keys(List<FieldError> errs, String path, String key) {
        Checks.each(errs, path, key, Names.configMapKey(key));
    }

    private static byte[] decode(JsonNode value) {
        if (!value.isTextual()) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(value.asText());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Immutable ConfigMaps and Secrets keep their data, and stay immutable. */
    static void immutableUpdate(List<FieldError> errs, ObjectNode obj, ObjectNode old, boolean secret) {
        if (!Trees.bool(old, "immutable")) {
            return;
        }
        if (!Trees.bool(obj, "immutable")) {
            errs.add(FieldError.forbidden("immutable", IMMUTABLE_SET));
        }
        if (!java.util.Objects.equals(obj.get("data"), old.get("data"))) {
            errs.add(FieldError.forbidden("data", IMMUTABLE_SET));
        }
        if (!secret && !java.util.Objects.equals(obj.get("binaryData"), old.get("binaryData"))) {
            errs.add(FieldError.forbidden("binaryData", IMMUTABLE_SET));
        }
    }

    static void secretUpdate(List<FieldError> errs, ObjectNode obj, ObjectNode old) {
        if (!str(obj, "type").equals(str(old, "type"))) {
            errs.add(FieldError.invalid("type", str(obj, "type"), Checks.IMMUTABLE));
        }
        immutableUpdate(errs, obj, old, true);
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(ObjectNode o) {
        if (o == null) {
            return List.of();
        }
        return () -> {
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            return it;
        };
    }
}
